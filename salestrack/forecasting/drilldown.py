"""The opportunities behind a roll-up figure (docs/forecasting.md, "Drill-down").

Each figure is read from the same deal sets as the roll-up (rollup.open_deals, won_deals and
past_due_deals), so the deals listed add up to the figure shown, cent for cent.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from salestrack.company.money import CENT, in_company_currency
from salestrack.forecasting.periods import Period
from salestrack.forecasting.rollup import (
    Tree,
    open_deals,
    past_due_deals,
    scope_of,
    weighted_value,
    won_deals,
)
from salestrack.opportunities.models import ForecastCategory, Opportunity
from salestrack.teams.models import Team, User

C = ForecastCategory
# The open categories each figure adds (an open deal marked Closed counts as commit).
OPEN = {
    "commit": [C.COMMIT, C.CLOSED],
    "best_case": [C.BEST_CASE],
    "pipeline": [C.PIPELINE],
    "weighted": [C.COMMIT, C.CLOSED, C.BEST_CASE, C.PIPELINE],
    "open_pipeline": [C.COMMIT, C.CLOSED, C.BEST_CASE, C.PIPELINE],
    "commit_forecast": [C.COMMIT, C.CLOSED],
    "best_case_forecast": [C.COMMIT, C.CLOSED, C.BEST_CASE],
}
WITH_WON = {"closed_won", "commit_forecast", "best_case_forecast"}
FIGURES = {
    "closed_won": "Closed won",
    "commit": "Commit",
    "best_case": "Best case",
    "pipeline": "Pipeline",
    "weighted": "Weighted pipeline",
    "commit_forecast": "Commit forecast",
    "best_case_forecast": "Best case forecast",
    "open_pipeline": "Open pipeline",
    "past_due": "Past due",
}


@dataclass
class Drilldown:
    figure: str
    label: str
    period: Period
    whose: str  # the row's or the scope's name
    deals: QuerySet  # opportunities, each with `value` (what it adds, in the company currency)
    total: Decimal
    count: int


def deals_behind(
    figure: str,
    period: Period,
    *,
    viewer: User,
    team: Team | None = None,
    user: User | None = None,
    today: datetime.date | None = None,
) -> Drilldown:
    """The deals `figure` adds up for `user`, for `team` and its subtree, or for everything the
    viewer sees, with their total. An unknown figure is a ValueError; a scope the viewer may
    not see is Forbidden, as in the roll-up."""
    if figure not in FIGURES:
        raise ValueError(f"{figure!r} is not a forecast figure: one of {', '.join(FIGURES)}.")
    today = today or timezone.localdate()
    scope = scope_of(Tree(), viewer=viewer, team=team, user=user)
    deals = _deals(figure, period, today, scope.owners)
    value = in_company_currency()
    if figure == "weighted":
        value = weighted_value(value)
    deals = deals.annotate(value=value)
    total = deals.aggregate(total=Sum("value"))["total"] or Decimal(0)
    return Drilldown(
        figure, FIGURES[figure], period, scope.name, deals, total.quantize(CENT), deals.count()
    )


def _deals(figure: str, period: Period, today: datetime.date, owners: set[int] | None):
    def mine(deals: QuerySet, field: str = "owner_id") -> QuerySet:
        return deals if owners is None else deals.filter(**{f"{field}__in": owners})

    won = mine(won_deals(period), "closer")
    if figure == "past_due":
        return mine(past_due_deals(period, today))
    if figure == "closed_won":
        return won
    open_ = mine(open_deals(period, today).filter(forecast_category__in=OPEN[figure]))
    if figure not in WITH_WON:
        return open_
    return Opportunity.objects.order_by().filter(
        Q(pk__in=open_.values("pk")) | Q(pk__in=won.values("pk"))
    )
