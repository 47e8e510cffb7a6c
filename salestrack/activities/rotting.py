"""Rotting deals: open too long in their stage with nothing done (PRODUCT.md section 2).

A deal rots when it has stayed in its stage longer than the stage's "rotting after N days" and
no activity was done on it in those N days, unless a rep snoozed it until a later date.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from salestrack.activities.models import Activity
from salestrack.opportunities.models import Stage


def rotting_q(now: datetime.datetime | None = None) -> Q:
    """A filter for Opportunity querysets: the rotting deals as of `now`."""
    now = now or timezone.now()
    stages = Stage.objects.filter(rotting_days__isnull=False, is_won=False, is_lost=False)
    q = Q(pk__in=[])
    for stage in stages:
        since = now - datetime.timedelta(days=stage.rotting_days)
        recent = Activity.objects.filter(
            opportunity=OuterRef("pk"), done=True, occurred_at__gte=since
        )
        q |= Q(stage=stage, stage_entered_at__lt=since) & ~Exists(recent)
    not_snoozed = Q(snoozed_until__isnull=True) | Q(snoozed_until__lt=timezone.localdate(now))
    return q & not_snoozed & Q(is_closed=False)
