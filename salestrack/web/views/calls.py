"""Forecast calls and overrides: setting one from the forecast page, and the history of those
on one person or team."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from salestrack.company.models import Company
from salestrack.forecasting import calls, rollup
from salestrack.lib.errors import ServiceError
from salestrack.teams.models import Team, User
from salestrack.web import pages
from salestrack.web.forms.forecast import CallForm
from salestrack.web.views.forecast import period_asked, scope_asked, scope_query


@login_required
@require_POST
def forecast_call(request):
    """Set a call or an override from the forecast page, then back to it."""
    company = Company.load()
    form = CallForm(request.POST)
    period, error = period_asked(request, company.fiscal_year_start)
    said = ""
    if not error and not form.is_valid():
        error = pages.errors_text(form)
    elif not error:
        kind, pk = form.cleaned_data["target"]
        whose = (User if kind == "user" else Team).objects.filter(pk=pk).first()
        if whose is None:
            error = "No such person or team."
        else:
            try:
                call = calls.call_set(
                    by=request.user,
                    period=period.name,
                    commit_forecast=form.cleaned_data["commit_forecast"],
                    best_case_forecast=form.cleaned_data["best_case_forecast"],
                    note=form.cleaned_data["note"],
                    **{kind: whose},
                )
            except ValidationError as refused:
                error = " ".join(refused.messages)
            except ServiceError as refused:
                error = refused.message
            else:
                name = whose.name if kind == "team" else (whose.get_full_name() or whose.username)
                what = "Override" if call.is_override else "Call"
                done = "withdrawn" if call.commit_forecast is None else "set"
                said = f"{what} {done}: {name}, {period.name}."
    (messages.error if error else messages.success)(request, error or said)
    back = request.POST.get("next", "")
    if not back.startswith("/forecast/"):
        back = f"{reverse('forecast')}?{urlencode({'period': period.name})}"
    return redirect(back)


@login_required
@require_GET
def forecast_call_history(request):
    """Every call and override on one person or team for the period."""
    company = Company.load()
    period, error = period_asked(request, company.fiscal_year_start)
    if error:
        messages.error(request, error)
    team, person = scope_asked(request)
    if team is None and person is None:
        raise Http404("Name a team or a person.")
    try:
        scope = rollup.scope_of(rollup.Tree(), viewer=request.user, team=team, user=person)
    except ServiceError as refused:
        raise Http404(refused.message) from refused
    context = {
        "section": "forecast",
        "period": period,
        "whose": scope.name if person is not None else team.name,
        "changes": calls.history(period, user=person, team=team),
        "currency": company.currency,
        "back": f"{reverse('forecast')}?{scope_query(period)}",
    }
    return render(request, "forecast/call_history.html", context, status=400 if error else 200)
