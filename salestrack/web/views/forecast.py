"""The forecast page: a period's roll-up for the scope asked for, the deals behind each
figure, the one-click push of a past-due deal, the weekly chart's data, My Day's forecast
card and the likely range. The period and scope a forecast URL names are read here for the
calls and quotas pages too."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from salestrack.access import visibility
from salestrack.company.models import Company
from salestrack.forecasting import calls, drilldown, periods, probability, rollup, trend
from salestrack.lib import dates
from salestrack.lib.errors import ServiceError
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_update
from salestrack.teams.models import Team, User
from salestrack.web import pages
from salestrack.web.forms.forecast import PushForm


def period_asked(request, fiscal_year_start: int) -> tuple[periods.Period, str]:
    """The period asked for (the current quarter by default) and an error, if it was bad."""
    current = periods.quarter_of(timezone.localdate(), fiscal_year_start)
    name = request.GET.get("period") or request.POST.get("period")
    if not name:
        return current, ""
    try:
        return periods.parse(name, fiscal_year_start), ""
    except ValueError as error:
        return current, str(error)


def scope_asked(request) -> tuple[Team | None, User | None]:
    """The team or person a forecast URL names (?team= or ?user=); a bad id is a 404."""
    team_id, user_id = request.GET.get("team", ""), request.GET.get("user", "")
    if team_id and user_id:
        raise Http404("Name a team or a person, not both.")
    if team_id:
        return _get(Team, team_id), None
    if user_id:
        return None, _get(User, user_id)
    return None, None


def _get(model, pk: str):
    if not pk.isdigit():
        raise Http404("No such page")
    found = model.objects.filter(pk=int(pk)).first()
    if found is None:
        raise Http404("No such page")
    return found


def _teams_seen(user) -> list[tuple[Team, int]]:
    """The teams a viewer may open, as a tree: (team, depth)."""
    teams = list(Team.objects.order_by("name"))
    if not user.is_admin:
        managed = visibility.managed_team_ids(user)
        teams = [t for t in teams if t.pk in managed]
    pks = {t.pk for t in teams}
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        children.setdefault(team.parent_id if team.parent_id in pks else None, []).append(team)
    found: list[tuple[Team, int]] = []

    def walk(team, depth):
        found.append((team, depth))
        for child in children.get(team.pk, []):
            walk(child, depth + 1)

    for team in children.get(None, []):
        walk(team, 0)
    return found


def scope_query(period, team=None, user=None, **more) -> str:
    query = {"period": period.name, **more}
    if team is not None:
        query["team"] = team.pk
    elif user is not None:
        query["user"] = user.pk
    return urlencode(query)


@login_required
@require_GET
def forecast_page(request):
    """The roll-up of a period for the scope asked for, with drill-downs and the chart."""
    company = Company.load()
    period, error = period_asked(request, company.fiscal_year_start)
    if error:
        messages.error(request, error)
    team, person = scope_asked(request)
    try:
        result = rollup.rollup(period, viewer=request.user, team=team, user=person)
    except ServiceError as refused:
        raise Http404(refused.message) from refused
    quarter = periods.quarter_of(period.start, company.fiscal_year_start)
    context = {
        "section": "forecast",
        "period": period,
        "last_day": period.end - datetime.timedelta(days=1),
        "choices": [quarter, *quarter.months()],
        "previous": quarter.previous(company.fiscal_year_start),
        "next": quarter.next(company.fiscal_year_start),
        "rollup": result,
        "head": [label for _, label, _ in COLUMNS],
        "table": [_cells(row.figures, period, row.kind, row.id, row) for row in result.rows],
        "total": _cells(result.total, period, *_total_target(team, person)),
        "scope_team": team,
        "scope_user": person,
        "scope_query": scope_query(period, team, person),
        "teams": _teams_seen(request.user),
        "currency": company.currency,
        "figures": drilldown.FIGURES,
        "call_lines": call_lines(request.user, result),
    }
    return render(request, "forecast/index.html", context, status=400 if error else 200)


@dataclass
class CallLine:
    """A row of the calls table: a roll-up row (its computed, called and adjusted figures) and
    what the viewer may set on it."""

    row: rollup.Row
    settable: bool
    own: bool  # what the viewer sets here is their own call, not an override

    @property
    def target(self) -> str:
        return f"{self.row.kind}:{self.row.id}"


def call_lines(viewer, result) -> list[CallLine]:
    settable = calls.callable_rows(viewer, result.rows)
    return [
        CallLine(row, (row.kind, row.id) in settable, settable.get((row.kind, row.id), False))
        for row in result.rows
    ]


# The roll-up table's columns: (figure, heading, how it shows); a money figure drills down.
COLUMNS = [
    ("quota", "Quota", "plain"),
    ("closed_won", "Closed won", "drill"),
    ("commit", "Commit", "drill"),
    ("best_case", "Best case", "drill"),
    ("pipeline", "Pipeline", "drill"),
    ("weighted", "Weighted", "drill"),
    ("commit_forecast", "Commit forecast", "drill"),
    ("best_case_forecast", "Best case forecast", "drill"),
    ("open_pipeline", "Open pipeline", "drill"),
    ("coverage", "Coverage", "ratio"),
    ("attainment", "Attainment", "percent"),
    ("gap", "Gap", "plain"),
]


@dataclass
class Cell:
    figure: str
    value: Decimal | None
    shows: str  # "plain", "drill", "ratio" or "percent"
    link: str = ""


@dataclass
class Line:
    kind: str  # "user", "team" or "total"
    id: int | None
    cells: list[Cell]
    figures: rollup.Figures
    row: rollup.Row | None = None  # None for the total


def _cells(figures, period, kind: str, pk: int | None, row=None) -> Line:
    """A roll-up row's cells, each money figure linked to the deals behind it."""
    target = {kind: pk} if kind in ("user", "team") else {}
    cells = []
    for name, _, shows in COLUMNS:
        link = ""
        if shows == "drill":
            query = urlencode({"period": period.name, "figure": name, **target})
            link = f"{reverse('forecast-deals')}?{query}"
        cells.append(Cell(name, getattr(figures, name), shows, link))
    return Line(kind, pk, cells, figures, row)


def _total_target(team, person) -> tuple[str, int | None]:
    if team is not None:
        return "team", team.pk
    if person is not None:
        return "user", person.pk
    return "total", None


DRILL_PAGE = 50


@login_required
@require_GET
def forecast_deals(request):
    """The deals behind one figure of one row (or of the scope), a page at a time."""
    company = Company.load()
    period, error = period_asked(request, company.fiscal_year_start)
    if error:
        messages.error(request, error)
    team, person = scope_asked(request)
    figure = request.GET.get("figure", "")
    if figure not in drilldown.FIGURES:
        raise Http404("No such figure")
    try:
        found = drilldown.deals_behind(figure, period, viewer=request.user, team=team, user=person)
    except ServiceError as refused:
        raise Http404(refused.message) from refused
    asked = request.GET.get("page", "1")
    page = int(asked) if asked.isdigit() and 0 < int(asked) < 100_000 else 1
    rows = list(
        found.deals.select_related("owner", "account", "stage").order_by("-value", "pk")[
            (page - 1) * DRILL_PAGE : page * DRILL_PAGE + 1
        ]
    )
    context = {
        "section": "forecast",
        "drill": found,
        "rows": rows[:DRILL_PAGE],
        "page": page,
        "more": len(rows) > DRILL_PAGE,
        "first": (page - 1) * DRILL_PAGE + 1,
        "currency": company.currency,
        "back": f"{reverse('forecast')}?{scope_query(period, team, person)}",
        "scope_query": scope_query(period, team, person, figure=figure),
        "today": timezone.localdate(),
        "push_to": _push_choices(timezone.localdate()),
    }
    return render(request, "forecast/deals.html", context, status=400 if error else 200)


def _push_choices(today: datetime.date) -> list[tuple[str, datetime.date]]:
    """The dates a past-due deal is pushed to in one click: next week, end of this month, and
    end of next month."""
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    after = (next_month + datetime.timedelta(days=32)).replace(day=1)
    return [
        ("In a week", today + datetime.timedelta(days=7)),
        ("End of month", next_month - datetime.timedelta(days=1)),
        ("End of next month", after - datetime.timedelta(days=1)),
    ]


@login_required
@require_POST
def forecast_push(request, pk: int):
    """Push a past-due deal to a new close date (a close-date change the history keeps as a
    push); answers the row (htmx) or goes back to the list."""
    deal = visibility.get_visible_or_404(request.user, Opportunity, pk, write=True)
    form = PushForm(request.POST)
    error = ""
    if not form.is_valid():
        error = pages.errors_text(form)
    elif deal.is_closed:
        error = f"{deal.name} is closed: it is not past due."
    else:
        try:
            deal = opportunity_update(
                opportunity=deal,
                by=request.user,
                version=form.cleaned_data["version"],
                close_date=form.cleaned_data["close_date"],
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        except ServiceError as refused:
            error = refused.message
    said = error or f"{deal.name} now closes {dates.day(deal.close_date)}."
    if request.htmx:
        response = render(
            request,
            "forecast/_pushed.html",
            {"deal": deal, "error": error, "currency": Company.load().currency},
            status=400 if error else 200,
        )
        response["HX-Trigger"] = pages.toast_header(said, "error" if error else "success")
        return response
    (messages.error if error else messages.success)(request, said)
    return redirect(request.POST.get("next") or reverse("forecast"))


@login_required
@require_GET
def forecast_trend(request):
    """The chart's data: closed won, commit and best case forecasts week by week, as JSON (the
    page gives the quota)."""
    company = Company.load()
    period, error = period_asked(request, company.fiscal_year_start)
    if error:
        return JsonResponse({"error": error}, status=400)
    team, person = scope_asked(request)
    try:
        scope = rollup.scope_of(rollup.Tree(), viewer=request.user, team=team, user=person)
    except ServiceError as refused:
        raise Http404(refused.message) from refused
    weeks = trend.weekly(period, scope.owners)
    return JsonResponse(
        {
            "period": period.name,
            "currency": company.currency,
            "weeks": [
                {
                    "day": w.day.isoformat(),
                    "closed_won": str(w.closed_won),
                    "commit_forecast": str(w.commit_forecast),
                    "best_case_forecast": str(w.best_case_forecast),
                }
                for w in weeks
            ],
        }
    )


@login_required
@require_GET
def forecast_mine(request):
    """My Day's forecast card: the user's own quarter (or, in the team view, their teams'):
    quota progress, the forecasts, what is past due."""
    company = Company.load()
    quarter = periods.quarter_of(timezone.localdate(), company.fiscal_year_start)
    team_view = request.GET.get("view") == "team" and visibility.managed_team_ids(request.user)
    whose = {} if team_view else {"user": request.user}
    result = rollup.rollup(quarter, viewer=request.user, **whose)
    total = result.total
    progress = None
    if total.quota:
        progress = min(int(total.closed_won * 100 / total.quota), 100)
    context = {
        "rollup": result,
        "total": total,
        "progress": progress,
        "period": quarter,
        "currency": company.currency,
        "team_view": bool(team_view),
        "adjusted": result.adjusted,
        "link": f"{reverse('forecast')}?{scope_query(quarter, user=whose.get('user'))}",
    }
    return render(request, "forecast/_mine.html", context)


@login_required
@require_GET
def forecast_range(request):
    """The probabilistic forecast beside the category one (loaded after the page): P10, P50
    and P90 of the period's closed revenue and the deals that drive its spread."""
    company = Company.load()
    period, error = period_asked(request, company.fiscal_year_start)
    if error:
        return render(request, "forecast/_range.html", {"error": error}, status=400)
    team, person = scope_asked(request)
    try:
        found = probability.forecast_range(period, viewer=request.user, team=team, user=person)
    except ServiceError as refused:
        raise Http404(refused.message) from refused
    context = {"range": found, "currency": company.currency}
    return render(request, "forecast/_range.html", context)
