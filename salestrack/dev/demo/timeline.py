"""Time for the demo: business days, and the moments its events happen at."""

import datetime

from django.utils import timezone

HISTORY, FUTURE = 390, 130  # business days: about 18 months back, 6 months ahead


class Calendar:
    """Time counted in business days: x = 12.5 is 13:00 on the 13th weekday after `start`.

    A day runs from 08:00 to 18:00 and weekends are skipped, so nothing is logged at night or
    on a Sunday, and a later x is always a later moment.
    """

    def __init__(self, today: datetime.date):
        # A Monday far enough back for the initial import before the 18 months of history.
        self.start = today - datetime.timedelta(days=today.weekday(), weeks=HISTORY // 5 + 12)
        weeks, weekday = divmod((today - self.start).days, 7)
        # Today's index (next Monday's at a weekend): every x below it is a day before today.
        self.now = weeks * 5 + min(weekday, 5)
        self.first = self.now - HISTORY
        self.founded = self.first - 20  # the teams and users are set up
        self.imported = self.first - 10  # the accounts already known are imported

    def date(self, x: float) -> datetime.date:
        n = int(x)
        return self.start + datetime.timedelta(days=n // 5 * 7 + n % 5)

    def moment(self, x: float) -> datetime.datetime:
        start = datetime.datetime.combine(self.date(x), datetime.time(8))
        return timezone.make_aware(start + datetime.timedelta(hours=10 * (x % 1)))


class Ref:
    """A record that an earlier event creates and later events use."""

    obj = None
