"""How people read a date: "3 Dec 2026", and a moment "3 Dec 2026, 14:05" in local time.

One shape on every page, toast and message, always with the year (docs/web.md). Date inputs,
HTML attributes, the API and the command line keep ISO 8601. `lib/formats` makes these Django's
own formats too, so that a date a template prints without a filter reads the same.
"""

import datetime

from django.utils import dateformat, timezone

DAY = "j M Y"  # 3 Dec 2026
MOMENT = "j M Y, H:i"  # 3 Dec 2026, 14:05


def day(value: datetime.date | None) -> str:
    """A date, or the local day of a moment: "3 Dec 2026"; "" for none."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value)
    return dateformat.format(value, DAY)


def moment(value: datetime.datetime | None) -> str:
    """A moment in local time: "3 Dec 2026, 14:05"; a plain date reads as day() does."""
    if value is None:
        return ""
    if not isinstance(value, datetime.datetime):
        return day(value)
    return dateformat.format(_local(value), MOMENT)


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value
