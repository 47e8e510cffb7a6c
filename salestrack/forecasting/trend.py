"""The forecast page's chart: closed won, commit forecast and best case forecast as they stood
at the start of each week of a period and at the end of today, from OpportunityState
(docs/forecasting.md, "Chart").

One read of the states that put a deal's close date in the period at some time during it; each
is added to the weeks it held at. Past weeks only: the future has no history yet.
"""

import bisect
import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from salestrack.company.money import Rates
from salestrack.forecasting.periods import Period
from salestrack.opportunities.models import ForecastCategory, OpportunityState, Stage

C = ForecastCategory
COMMITTED = {C.COMMIT, C.CLOSED}
ADDED = COMMITTED | {C.BEST_CASE}


@dataclass
class Week:
    day: datetime.date
    closed_won: Decimal
    commit_forecast: Decimal
    best_case_forecast: Decimal


def weekly(period: Period, owners: set[int] | None, *, today: datetime.date | None = None):
    """A Week for the period's first day and each Monday after it, up to today, then one for
    the end of today (or of the period's last day): where the figures stand now."""
    today = today or timezone.localdate()
    days = [day for day in period.weeks() if day <= today]
    if not days:
        return []
    zone = timezone.get_current_timezone()
    moments = [datetime.datetime.combine(d, datetime.time.min, tzinfo=zone) for d in days]
    last = min(today, period.end - datetime.timedelta(days=1))
    days.append(last)
    moments.append(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    )
    won_stages = set(Stage.objects.filter(is_won=True).values_list("pk", flat=True))
    # Only states in a line are read: won, or open in Commit or Best case (most open deals are
    # in Pipeline, which no line shows).
    states = OpportunityState.objects.filter(
        Q(stage__in=won_stages) | Q(is_closed=False, forecast_category__in=ADDED),
        close_date__gte=period.start,
        close_date__lt=period.end,
        valid_from__lte=moments[-1],
        valid_to__gt=moments[0],
    )
    if owners is not None:
        states = states.filter(owner_id__in=owners)
    rates = Rates()
    # Each class's change at each week: a state adds its value from the first week it held at
    # and takes it away after the last, so a state costs two bisections, not a loop over weeks.
    won, committed, best = ([Decimal(0)] * (len(days) + 1) for _ in range(3))
    for valid_from, valid_to, stage, closed, category, amount, currency, on in states.values_list(
        "valid_from",
        "valid_to",
        "stage_id",
        "is_closed",
        "forecast_category",
        "amount",
        "currency",
        "close_date",
    ).iterator(chunk_size=5000):
        if stage in won_stages:
            line = won
        elif closed or category not in ADDED:
            continue  # lost, or Omitted or Pipeline: in no line
        else:
            line = committed if category in COMMITTED else best
        first = bisect.bisect_left(moments, valid_from)
        last = bisect.bisect_left(moments, valid_to)  # the weeks it held at: first..last-1
        if line is not won:
            # An open deal counts from its close date on only: before, it was past due.
            last = min(last, bisect.bisect_right(days, on))
        if first >= last:
            continue
        value = amount if currency == rates.home else rates.convert(amount, currency, on)
        if value is None:  # no rate at all: the roll-up's SQL adds it as nothing too
            continue
        line[first] += value
        line[last] -= value
    won, committed, best = (
        list(itertools.accumulate(line))[:-1] for line in (won, committed, best)
    )
    return [
        Week(day, won[i], won[i] + committed[i], won[i] + committed[i] + best[i])
        for i, day in enumerate(days)
    ]
