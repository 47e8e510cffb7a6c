"""The quotas pages: managers set those of their subtree, admins everyone's; a rep has no
such page (404) and sees their quota on the forecast page."""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from salestrack.access import visibility
from salestrack.company.models import Company
from salestrack.forecasting import periods, quotas
from salestrack.lib.errors import ServiceError
from salestrack.teams.models import Team, User
from salestrack.web import pages
from salestrack.web.forms.forecast import QuotaForm, QuotasUploadForm
from salestrack.web.templatetags.salestrack import money
from salestrack.web.views.forecast import period_asked


def quota_setter_required(view):
    """The quotas pages answer 404 to whoever sets no quota (reps)."""

    @functools.wraps(view)
    def check(request, *args, **kwargs):
        if not quotas.may_set_quotas(request.user):
            raise Http404("No such page")
        return view(request, *args, **kwargs)

    return login_required(check)


@dataclass
class QuotaRow:
    kind: str  # "user" or "team"
    pk: int
    name: str
    depth: int
    amount: Decimal | None  # set for the period itself
    adds_up: Decimal | None  # what it comes to without one of its own (months, members)
    settable: bool

    @property
    def target(self) -> str:
        return f"{self.kind}:{self.pk}"


def _rows(user, period: periods.Period) -> list[QuotaRow]:
    """The teams and people the user sees quotas of, as a tree: each team, then its members,
    then its sub-teams. An admin: everyone; a manager: their subtree."""
    book = quotas.QuotaBook(period)
    teams = list(Team.objects.order_by("name"))
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        children.setdefault(team.parent_id, []).append(team)
    members: dict[int | None, list] = {}
    for person in quotas.carriers().order_by("last_name", "first_name", "username"):
        members.setdefault(person.team_id, []).append(person)
    if user.is_admin:
        roots, loose = children.get(None, []), members.get(None, [])
    else:
        subtree = visibility.managed_team_ids(user)
        roots = [t for t in teams if t.pk in subtree and t.parent_id not in subtree]
        loose = []
    settable_teams = set(quotas.settable_teams(user).values_list("pk", flat=True))
    settable_users = set(quotas.settable_users(user).values_list("pk", flat=True))

    rows: list[QuotaRow] = []

    def person(p, depth):
        name = p.get_full_name() or p.username
        amount = book.exact("user", p.pk)
        adds_up = book.user(p.pk) if amount is None else None
        rows.append(QuotaRow("user", p.pk, name, depth, amount, adds_up, p.pk in settable_users))

    def walk(team, depth):
        amount = book.exact("team", team.pk)
        adds_up = book.team(team.pk) if amount is None else None
        settable = team.pk in settable_teams
        rows.append(QuotaRow("team", team.pk, team.name, depth, amount, adds_up, settable))
        for p in members.get(team.pk, []):
            person(p, depth + 1)
        for child in children.get(team.pk, []):
            walk(child, depth + 1)

    for team in roots:
        walk(team, 0)
    for p in loose:
        person(p, 0)
    return rows


def _context(request, period: periods.Period, company: Company) -> dict:
    fiscal_year_start = company.fiscal_year_start
    quarter = periods.quarter_of(period.start, fiscal_year_start)
    return {
        "section": "forecast",
        "period": period,
        "last_day": period.end - datetime.timedelta(days=1),
        "choices": [quarter, *quarter.months()],
        "previous": quarter.previous(fiscal_year_start),
        "next": quarter.next(fiscal_year_start),
        "rows": _rows(request.user, period),
        "currency": company.currency,
    }


def _page(request, *, upload_form=None, status=200):
    company = Company.load()
    asked, error = period_asked(request, company.fiscal_year_start)
    if error:
        messages.error(request, error)
        status = 400
    context = _context(request, asked, company)
    context["upload_form"] = upload_form or QuotasUploadForm()
    return render(request, "forecast/quotas.html", context, status=status)


def _back(period: periods.Period) -> str:
    return f"{reverse('forecast-quotas')}?{urlencode({'period': period.name})}"


@quota_setter_required
@require_GET
def quota_list(request):
    return _page(request)


@quota_setter_required
@require_POST
def quota_save(request):
    """One row's inline edit: answers the table (htmx; team figures above it change too) with
    a toast, or redirects to the page with a message."""
    company = Company.load()
    period, error = period_asked(request, company.fiscal_year_start)
    form = QuotaForm(request.POST)
    status, said = 200, ""
    if error:
        status = 400
    elif not form.is_valid():
        error, status = pages.errors_text(form), 400
    else:
        error, status, said = _set(request.user, form.cleaned_data, period)
    result = error or said
    if request.htmx:
        context = _context(request, period, company)
        response = render(request, "forecast/_quota_table.html", context, status=status)
        response["HX-Trigger"] = pages.toast_header(result, "error" if error else "success")
        return response
    (messages.error if error else messages.success)(request, result)
    return redirect(_back(period))


def _set(user, data: dict, period: periods.Period) -> tuple[str, int, str]:
    """Set the quota the form names: (error, status, what was done)."""
    kind, pk = data["target"]
    model = User if kind == "user" else Team
    whose = model.objects.filter(pk=pk).first()
    if whose is None:
        return f"No such {'person' if kind == 'user' else 'team'}.", 400, ""
    name = whose.name if kind == "team" else (whose.get_full_name() or whose.username)
    try:
        quota = quotas.quota_set(
            by=user, period=period.name, amount=data["amount"], **{kind: whose}
        )
    except ValidationError as error:
        return " ".join(error.messages), 400, ""
    except ServiceError as error:
        return error.message, error.status, ""
    if quota is None:
        return "", 200, f"Quota removed: {name}, {period.name}."
    shown = money(quota.amount, Company.load().currency)
    return "", 200, f"Quota set: {name}, {period.name}, {shown}."


@quota_setter_required
@require_POST
def quota_upload(request):
    form = QuotasUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            counts = quotas.quotas_import(by=request.user, text=form.cleaned_data["file"])
        except ValidationError as error:
            pages.add_errors(form, error)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Quotas uploaded: {counts['created']} added, {counts['changed']} corrected, "
                f"{counts['unchanged']} unchanged.",
            )
            period, _ = period_asked(request, Company.load().fiscal_year_start)
            return redirect(_back(period))
    return _page(request, upload_form=form, status=400)
