"""The free-text lost reasons become the list's first entries, then "Other"; deals point at them.

Each distinct non-empty text, trimmed and compared without case, is one reason (spelled as
its most used spelling), in order of how many deals it lost; the text then leaves the detail
(unless it is longer than a reason's name, whose first 100 characters the reason takes).
Backwards, each deal's text is its reason's name, with the detail after a colon if it has one.
"""

from collections import Counter

from django.db import migrations
from django.db.models import Count

OTHER = "Other"
NAME_MAX = 100


def to_list(apps, schema_editor):
    LostReason = apps.get_model("deals", "LostReason")
    Opportunity = apps.get_model("deals", "Opportunity")
    texts = dict(
        Opportunity.objects.exclude(lost_reason_detail="")
        .order_by()
        .values("lost_reason_detail")
        .annotate(n=Count("id"))
        .values_list("lost_reason_detail", "n")
    )
    # One reason per text without case or surrounding spaces: the spelling most deals used.
    groups: dict[str, Counter] = {}
    for text, n in texts.items():
        name = text.strip()[:NAME_MAX].strip()
        if name:
            groups.setdefault(name.lower(), Counter())[name] += n
    ordered = sorted(groups.values(), key=lambda g: (-sum(g.values()), _spelling(g)))
    position = 0
    by_key = {}
    for spellings in ordered:
        position += 1
        name = _spelling(spellings)
        by_key[name.lower()] = LostReason.objects.create(name=name, position=position)
    if OTHER.lower() not in by_key:
        LostReason.objects.create(name=OTHER, position=position + 1, needs_detail=True)
    else:
        LostReason.objects.filter(pk=by_key[OTHER.lower()].pk).update(needs_detail=True)
    for text in texts:
        key = text.strip()[:NAME_MAX].strip().lower()
        rows = Opportunity.objects.filter(lost_reason_detail=text)
        if key:
            # A text longer than a reason's name keeps the whole of it as the detail.
            detail = text.strip() if len(text.strip()) > NAME_MAX else ""
            rows.update(lost_reason=by_key[key], lost_reason_detail=detail)
        else:
            rows.update(lost_reason_detail="")  # only spaces: no reason given


def _spelling(spellings: Counter) -> str:
    # The most used; between equals, the first in code point order, so that it is repeatable.
    return min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]


def to_text(apps, schema_editor):
    LostReason = apps.get_model("deals", "LostReason")
    Opportunity = apps.get_model("deals", "Opportunity")
    for reason in LostReason.objects.all():
        rows = Opportunity.objects.filter(lost_reason=reason)
        for detail in set(rows.values_list("lost_reason_detail", flat=True)):
            text = f"{reason.name}: {detail}" if detail else reason.name
            rows.filter(lost_reason_detail=detail).update(
                lost_reason=None, lost_reason_detail=text[:200]
            )
    LostReason.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("deals", "0015_lost_reasons")]
    operations = [migrations.RunPython(to_list, to_text)]
