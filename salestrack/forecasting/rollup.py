"""The forecast roll-up: a period's figures for a user, a team with its subtree, or the
company, a row per member or sub-team (PRODUCT.md section 3, docs/forecasting.md).

Figures per owner come from three reads of the deals, each grouped by owner, in the company's
currency: open deals of the period by forecast category, deals won in the period (credited to
whoever owned them when they closed, from OpportunityState), and open deals past their close
date (the past-due line, counted nowhere else). Teams add up their members now: team
membership has no history yet.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from salestrack.access import visibility
from salestrack.company.money import AMOUNT, in_company_currency
from salestrack.forecasting.calls import Call, CallBook
from salestrack.forecasting.periods import Period
from salestrack.forecasting.quotas import QuotaBook
from salestrack.lib.errors import Forbidden
from salestrack.opportunities.models import ForecastCategory, Opportunity, OpportunityState
from salestrack.teams.models import Team, User

ZERO = Decimal("0.00")
# An open deal a rep marked Closed before closing it counts as committed.
CATEGORY_FIGURE = {
    ForecastCategory.COMMIT: "commit",
    ForecastCategory.CLOSED: "commit",
    ForecastCategory.BEST_CASE: "best_case",
    ForecastCategory.PIPELINE: "pipeline",
}


@dataclass
class Figures:
    quota: Decimal | None = None
    closed_won: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO  # each open deal's amount x probability
    past_due: Decimal = ZERO
    past_due_count: int = 0

    def add(self, other: "Figures") -> None:
        for name in ("closed_won", "commit", "best_case", "pipeline", "weighted", "past_due"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.past_due_count += other.past_due_count

    @property
    def commit_forecast(self) -> Decimal:
        return self.closed_won + self.commit

    @property
    def best_case_forecast(self) -> Decimal:
        return self.closed_won + self.commit + self.best_case

    @property
    def open_pipeline(self) -> Decimal:
        return self.pipeline + self.best_case + self.commit

    @property
    def gap(self) -> Decimal | None:
        return None if self.quota is None else self.quota - self.closed_won

    @property
    def attainment(self) -> Decimal | None:
        """Closed won / quota, as a fraction; None without a (positive) quota."""
        if not self.quota:
            return None
        return (self.closed_won / self.quota).quantize(Decimal("0.0001"))

    @property
    def coverage(self) -> Decimal | None:
        """Open pipeline / what is left to close; None once the quota is reached or unset."""
        if self.gap is None or self.gap <= 0:
            return None
        return (self.open_pipeline / self.gap).quantize(Decimal("0.01"))


@dataclass
class Row:
    kind: str  # "user" or "team"
    id: int
    name: str
    figures: Figures
    owners: list[int] = field(default_factory=list)  # whose deals the row adds up
    call: Call | None = None  # the row's own call
    override: Call | None = None  # the override the viewer reads (calls.py)

    @property
    def adjusted(self) -> tuple[Decimal, Decimal]:
        """(commit forecast, best case forecast) as the viewer reads them: the override, else
        the call, else the computed figures."""
        return _adjusted(self.figures, self.call, self.override)


def _adjusted(figures: "Figures", call: Call | None, override: Call | None):
    chosen = override or call
    if chosen is not None:
        return chosen.commit_forecast, chosen.best_case_forecast
    return figures.commit_forecast, figures.best_case_forecast


@dataclass
class Rollup:
    period: Period
    scope: str  # "company", "team" or "user"
    name: str
    rows: list[Row]
    total: Figures
    # The scope's own call and override, when the scope is one team or person.
    call: Call | None = None
    override: Call | None = None

    @property
    def adjusted(self) -> tuple[Decimal, Decimal]:
        """The total as the viewer reads it: the scope's override or call, else the sum of the
        rows as each is read."""
        if self.override or self.call:
            return _adjusted(self.total, self.call, self.override)
        commit = sum((r.adjusted[0] for r in self.rows), ZERO)
        return commit, sum((r.adjusted[1] for r in self.rows), ZERO)


def _person(user: User) -> str:
    return user.get_full_name() or user.username


class Tree:
    """The teams and who is in each, read once."""

    def __init__(self):
        self.teams = {t.pk: t for t in Team.objects.all()}
        self.children: dict[int | None, list[int]] = {}
        for team in self.teams.values():
            self.children.setdefault(team.parent_id, []).append(team.pk)
        self.members: dict[int | None, list[User]] = {}
        self.admins: list[int] = []
        # A manager in no team of their own counts in the (first) team they manage.
        managing: dict[int, int] = {}
        for team in sorted(self.teams.values(), key=lambda t: t.pk):
            if team.manager_id is not None:
                managing.setdefault(team.manager_id, team.pk)
        for user in User.objects.filter(is_active=True).order_by("last_name", "username"):
            if user.role == User.Role.ADMIN:  # they run the settings, not a number: no row
                self.admins.append(user.pk)
                continue
            team_id = user.team_id if user.team_id is not None else managing.get(user.pk)
            self.members.setdefault(team_id, []).append(user)

    def ranks(self) -> dict[int, int]:
        """Each manager's height: the depth of the highest team they manage (0 at the top);
        admins above everyone (-1). calls.py picks the highest override with it."""
        depth: dict[int, int] = {}
        for root in self.children.get(None, []):
            stack = [(root, 0)]
            while stack:
                team_id, level = stack.pop()
                depth[team_id] = level
                stack.extend((child, level + 1) for child in self.children.get(team_id, []))
        ranks: dict[int, int] = {}
        for team in self.teams.values():
            if team.manager_id is not None and team.pk in depth:
                ranks[team.manager_id] = min(
                    ranks.get(team.manager_id, depth[team.pk]), depth[team.pk]
                )
        ranks.update({pk: -1 for pk in self.admins})
        return ranks

    def below(self, team_id: int) -> list[int]:
        """The team and every team under it."""
        found, stack = [], [team_id]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self.children.get(current, []))
        return found

    def owners(self, team_id: int) -> list[int]:
        return [u.pk for t in self.below(team_id) for u in self.members.get(t, [])]


def weighted_value(amount):
    """A deal's amount x probability, rounded to cents before anything adds it up, so that a
    drill-down's deals add up to the weighted figure."""
    return Round(amount * F("probability") / 100, 2, output_field=AMOUNT)


def open_deals(period: Period, today: datetime.date) -> QuerySet:
    """The open deals the period's categories count: due in the period from today on (one that
    should have closed already is past due). Omitted ones are among them; they count nowhere."""
    start = max(period.start, today) if today < period.end else period.end
    return Opportunity.objects.order_by().filter(
        is_closed=False, close_date__gte=start, close_date__lt=period.end
    )


def won_deals(period: Period) -> QuerySet:
    """Deals won in the period, each with `closer`: whoever owned it when it closed."""
    closer = OpportunityState.objects.filter(
        opportunity_id=OuterRef("pk"),
        valid_from__lte=OuterRef("stage_entered_at"),
        valid_to__gt=OuterRef("stage_entered_at"),
    ).values("owner_id")[:1]
    won = Opportunity.objects.order_by().filter(
        is_won=True, close_date__gte=period.start, close_date__lt=period.end
    )
    return won.annotate(
        closer=Coalesce(Subquery(closer), F("owner_id"), output_field=IntegerField())
    )


def past_due_deals(period: Period, today: datetime.date) -> QuerySet:
    """Open deals whose close date has passed: a line of the current period only."""
    if not period.start <= today < period.end:
        return Opportunity.objects.none()
    return Opportunity.objects.order_by().filter(is_closed=False, close_date__lt=today)


def _by_owner(period: Period, owners: set[int] | None, today: datetime.date) -> dict[int, Figures]:
    """Each owner's figures for the period from the deals, in three grouped reads."""
    figures: dict[int, Figures] = {}

    def of(owner_id: int) -> Figures:
        return figures.setdefault(owner_id, Figures())

    def mine(deals: QuerySet, field: str = "owner_id") -> QuerySet:
        return deals if owners is None else deals.filter(**{f"{field}__in": owners})

    amount = in_company_currency()
    for row in (
        mine(open_deals(period, today))
        .exclude(forecast_category=ForecastCategory.OMITTED)
        .values("owner_id", "forecast_category")
        .annotate(total=Sum(amount), weighted=Sum(weighted_value(amount)))
    ):
        figure = of(row["owner_id"])
        name = CATEGORY_FIGURE[row["forecast_category"]]
        setattr(figure, name, getattr(figure, name) + row["total"])
        figure.weighted += row["weighted"]

    for row in mine(won_deals(period), "closer").values("closer").annotate(total=Sum(amount)):
        of(row["closer"]).closed_won += row["total"]

    past = mine(past_due_deals(period, today))
    for row in past.values("owner_id").annotate(total=Sum(amount), count=Count("pk")):
        figure = of(row["owner_id"])
        figure.past_due += row["total"]
        figure.past_due_count += row["count"]
    return figures


def rollup(
    period: Period,
    *,
    viewer: User,
    team: Team | None = None,
    user: User | None = None,
    today: datetime.date | None = None,
) -> Rollup:
    """The roll-up of `user`, of `team` and its subtree, or of everything the viewer sees."""
    today = today or timezone.localdate()
    tree = Tree()
    scope = scope_of(tree, viewer=viewer, team=team, user=user)
    by_owner = _by_owner(period, scope.owners, today)
    quotas = QuotaBook(period)
    total = Figures()
    for row in scope.rows:
        for owner in row.owners:
            if owner in by_owner:
                row.figures.add(by_owner[owner])
        row.figures.quota = quotas.user(row.id) if row.kind == "user" else quotas.team(row.id)
        total.add(row.figures)
    if scope.team is not None:
        total.quota = quotas.team(scope.team.pk)
    else:
        quotas_set = [r.figures.quota for r in scope.rows if r.figures.quota is not None]
        total.quota = sum(quotas_set, ZERO) if quotas_set else None
    book = CallBook(period, viewer, tree.ranks())
    for row in scope.rows:
        row.call, row.override = book.own(row.kind, row.id), book.override(row.kind, row.id)
    result = Rollup(period, scope.kind, scope.name, scope.rows, total)
    whole = ("team", scope.team.pk) if scope.team is not None else None
    if scope.kind == "user":
        whole = ("user", scope.rows[0].id)
    if whole is not None:
        result.call, result.override = book.own(*whole), book.override(*whole)
    return result


@dataclass
class Scope:
    kind: str  # "company", "team" or "user"
    name: str
    rows: list[Row]
    team: Team | None  # the team whose quota is the total's
    owners: set[int] | None  # whose deals it adds up; None: everyone's


def scope_of(
    tree: Tree, *, viewer: User, team: Team | None = None, user: User | None = None
) -> Scope:
    """The scope asked for: a user, a team and its subtree, or everything the viewer sees (an
    admin: the company; a manager: the teams they manage; a rep: themselves). A scope the
    viewer may not see is Forbidden."""
    seen = visibility.owner_ids(viewer)
    managed = visibility.managed_team_ids(viewer)
    if user is not None:
        if seen is not None and user.pk not in seen:
            raise Forbidden("That person's forecast is not yours to see.")
        rows = [Row("user", user.pk, _person(user), Figures(), [user.pk])]
        scope, name = "user", _person(user)
    elif team is not None:
        if not viewer.is_admin and team.pk not in managed:
            raise Forbidden("That team's forecast is not yours to see.")
        rows = _team_rows(tree, team.pk)
        scope, name = "team", team.name
    elif viewer.is_admin:
        roots = tree.children.get(None, [])
        if len(roots) == 1 and not tree.members.get(None):  # the company is one tree
            team = tree.teams[roots[0]]
            rows = _team_rows(tree, team.pk)
        else:
            rows = [Row("team", t, tree.teams[t].name, Figures(), tree.owners(t)) for t in roots]
            rows += [
                Row("user", u.pk, _person(u), Figures(), [u.pk]) for u in tree.members.get(None, [])
            ]
        scope, name = "company", "Company"
    elif managed:
        tops = [t for t in managed if tree.teams[t].parent_id not in managed]
        rows = [Row("team", t, tree.teams[t].name, Figures(), tree.owners(t)) for t in sorted(tops)]
        scope, name = "company", "My teams"
    else:
        rows = [Row("user", viewer.pk, _person(viewer), Figures(), [viewer.pk])]
        scope, name = "user", _person(viewer)
    everyone = scope == "company" and viewer.is_admin
    owners = None if everyone else {o for r in rows for o in r.owners}
    return Scope(scope, name, rows, team, owners)


def _team_rows(tree: Tree, team_id: int) -> list[Row]:
    """A row per member of the team, then one per sub-team with its subtree."""
    rows = [Row("user", u.pk, _person(u), Figures(), [u.pk]) for u in tree.members.get(team_id, [])]
    for child in sorted(tree.children.get(team_id, []), key=lambda t: tree.teams[t].name):
        rows.append(Row("team", child, tree.teams[child].name, Figures(), tree.owners(child)))
    return rows
