from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from salestrack.access.visibility import get_visible_or_404, visible
from salestrack.activities.rotting import rotting_q
from salestrack.lib import dates
from salestrack.lib.errors import ServiceError, StaleVersion
from salestrack.lib.ids import parse_id
from salestrack.opportunities import selectors, services
from salestrack.opportunities.models import Opportunity, OpportunityHistory, Stage
from salestrack.search import index
from salestrack.web import pages
from salestrack.web.bulk import bulk_apply
from salestrack.web.filters import OpportunityListFilter
from salestrack.web.forms.opportunities import (
    LoseForm,
    MoveStageForm,
    OpportunityForm,
    SnoozeForm,
)

SORTS = {
    "name": "name",
    "amount": "amount",
    "close": "close_date",
    "probability": "probability",
    "created": "created_at",
    "updated": "updated_at",
}


@login_required
@require_GET
def opportunity_list(request):
    opportunities = visible(request.user, Opportunity).select_related("owner", "account", "stage")
    context = pages.list_page(
        request,
        queryset=opportunities,
        filterset_class=OpportunityListFilter,
        sorts=SORTS,
        default_sort="-updated",
    )
    context["section"] = "opportunities"
    partial = request.htmx and not request.htmx.boosted
    return render(
        request, "opportunities/_table.html" if partial else "opportunities/list.html", context
    )


@login_required
@require_GET
def opportunity_totals(request):
    """The list's totals, loaded after it (htmx) so that the list keeps its speed."""
    opportunities, _ = pages.scope(request, visible(request.user, Opportunity))
    filterset = OpportunityListFilter(request.GET, queryset=opportunities, request=request)
    if not filterset.is_valid():  # the list says which filter is wrong
        return render(request, "opportunities/_totals.html", {"totals": None}, status=400)
    context = {
        "totals": selectors.opportunity_totals(filterset.qs),
        "searched": request.GET.get("q", "").strip(),
        "cap": index.LIST_CAP,
    }
    return render(request, "opportunities/_totals.html", context)


@login_required
@require_POST
def opportunity_bulk(request):
    return bulk_apply(
        request,
        model=Opportunity,
        update=services.opportunity_update,
        delete=services.opportunity_delete,
        back=reverse("opportunity-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_new(request):
    # "New opportunity" on an account's or a contact's page names them.
    initial = {name: request.GET.get(name) for name in ("account", "contact")}
    form = OpportunityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        opportunity, _ = pages.save_form(
            request,
            form,
            lambda version, **_: services.opportunity_create(by=request.user, **form.changes()),
            success="Opportunity created.",
        )
        if opportunity:
            return redirect("opportunity-detail", pk=opportunity.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "section": "opportunities"}
    return render(request, "opportunities/form.html", context, status=status)


@login_required
@require_GET
def opportunity_detail(request, pk):
    opportunity = get_visible_or_404(request.user, Opportunity, pk)
    return _detail(request, opportunity)


def _stage_bar(opportunity, stages: list[Stage], history: list[OpportunityHistory]) -> dict:
    """The open stages with where the deal stands on each, the Won and Lost stages, and the
    stage Reopen moves a closed deal back to: the one it closed from, else the last open one.
    """
    open_stages = [s for s in stages if not s.is_closed]
    reopen = None
    if opportunity.is_closed:
        current = str(opportunity.stage_id)
        left = next((row.old_value for row in history if row.new_value == current), None)
        reopen = next((s for s in open_stages if str(s.pk) == left), None)
        reopen = reopen or (open_stages[-1] if open_stages else None)
    reached = opportunity.stage if not opportunity.is_closed else reopen
    for stage in open_stages:
        if reached is None or stage.position > reached.position:
            stage.state = "ahead"
        elif stage.pk == reached.pk:
            stage.state = "passed" if opportunity.is_closed else "current"
        else:
            stage.state = "passed"
    today = timezone.localdate()
    planned = opportunity.planned_close_date
    return {
        "open_stages": open_stages,
        "won_stage": next((s for s in stages if s.is_won), None),
        "lost_stage": next((s for s in stages if s.is_lost), None),
        "reopen_stage": reopen,
        # Reopening puts the planned close date back; one that has passed needs a new one.
        "reopen_asks_date": opportunity.is_closed and (planned is None or planned < today),
    }


def _detail(request, opportunity, *, stage_form=None, snooze_form=None, conflict=None, status=200):
    """The record page; the stage and snooze forms come back here with their errors."""
    stages = list(Stage.objects.filter(pipeline_id=opportunity.pipeline_id))
    names = {str(s.pk): s.name for s in stages}
    history = list(
        OpportunityHistory.objects.filter(opportunity=opportunity, field="stage")
        .select_related("changed_by")
        .order_by("-changed_at", "-id")
    )
    today = timezone.localdate()
    context = {
        "deal": opportunity,
        "section": "opportunities",
        "stage_history": [
            {
                "old": names.get(row.old_value, row.old_value),
                "new": names.get(row.new_value, row.new_value),
                "by": row.changed_by,
                "at": row.changed_at,
            }
            for row in history
        ],
        **_stage_bar(opportunity, stages, history),
        "conflict": conflict,
        "rotting": Opportunity.objects.filter(pk=opportunity.pk).filter(rotting_q()).exists(),
        "days_in_stage": (timezone.now() - opportunity.stage_entered_at).days,
        "snoozed": opportunity.snoozed_until is not None and opportunity.snoozed_until >= today,
        "stage_form": stage_form,
        "snooze_form": snooze_form or SnoozeForm(),
        "timeline": pages.timeline(opportunity, user=request.user),
        "record": opportunity,
        "record_type": "opportunity",
    }
    return render(request, "opportunities/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request, pk):
    opportunity = get_visible_or_404(request.user, Opportunity, pk, write=True)
    form = OpportunityForm(request.POST or None, instance=opportunity, user=request.user)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = pages.save_form(
            request,
            form,
            lambda version, **_: services.opportunity_update(
                opportunity=opportunity, by=request.user, version=version, **form.changes()
            ),
            success="Opportunity saved.",
        )
        if saved:
            return redirect("opportunity-detail", pk=opportunity.pk)
    context = {
        "form": form,
        "deal": opportunity,
        "conflict": conflict,
        "version": conflict.current_version if conflict else opportunity.version,
        "section": "opportunities",
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "opportunities/form.html", context, status=status)


def _version(request) -> int | None:
    return parse_id(request.POST.get("version", ""))


def _status_after(form, action) -> int | None:
    """Run a service for a small form; None when it worked, else the page's status."""
    try:
        action()
    except StaleVersion as error:
        form.add_error(None, error.message)
        return 409
    except ValidationError as error:
        pages.add_errors(form, error)
    except ServiceError as error:
        form.add_error(None, error.message)
    else:
        return None
    return 400


def _moved(request, opportunity, message: str):
    """After a move: htmx gets the page again (its stage bar swapped in) with a toast."""
    if not request.htmx:
        messages.success(request, message)
        return redirect("opportunity-detail", pk=opportunity.pk)
    fresh = get_visible_or_404(request.user, Opportunity, opportunity.pk)
    response = _detail(request, fresh)
    response["HX-Trigger"] = pages.toast_header(message)
    return response


def _stale(request, opportunity, stage: Stage, *, form=None):
    """A move based on a version someone replaced: the page as it is now, saying what differs."""
    current = get_visible_or_404(request.user, Opportunity, opportunity.pk)
    differences = [("Stage", stage.name, current.stage.name)] if stage != current.stage else []
    conflict = pages.EditConflict(current_version=current.version, differences=differences)
    return _detail(request, current, stage_form=form, conflict=conflict, status=409)


@login_required
@require_POST
def opportunity_stage(request, pk):
    """The stage bar, Won and Reopen: the same move as the board's drag and drop."""
    opportunity = get_visible_or_404(request.user, Opportunity, pk, write=True)
    form = MoveStageForm(request.POST, opportunity=opportunity)
    if not form.is_valid():
        return _detail(request, opportunity, stage_form=form, status=400)
    stage, close_date = form.cleaned_data["stage"], form.cleaned_data["close_date"]
    was_closed = opportunity.is_closed
    try:
        if close_date is None:
            services.opportunity_move_stage(
                opportunity=opportunity, by=request.user, stage=stage, version=_version(request)
            )
        else:  # reopening with the new close date the planned one gave way to
            services.opportunity_update(
                opportunity=opportunity,
                by=request.user,
                stage=stage,
                close_date=close_date,
                version=_version(request),
            )
    except StaleVersion:
        return _stale(request, opportunity, stage, form=form)
    except ValidationError as error:
        pages.add_errors(form, error)
        return _detail(request, opportunity, stage_form=form, status=400)
    except ServiceError as error:
        form.add_error(None, error.message)
        return _detail(request, opportunity, stage_form=form, status=error.status)
    if stage.is_won:
        message = f"Won: {opportunity.name}."
    elif was_closed:
        message = f"Reopened in {stage}."
    else:
        message = f"Moved to {stage}."
    return _moved(request, opportunity, message)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_lose(request, pk):
    """The Lost dialog: why the deal was lost, from the list, then it moves to the lost stage."""
    opportunity = get_visible_or_404(request.user, Opportunity, pk, write=True)
    lost_stage = Stage.objects.filter(pipeline_id=opportunity.pipeline_id, is_lost=True).first()
    form = LoseForm(request.POST if request.method == "POST" else None)
    status, conflict, version = 200, None, opportunity.version
    if request.method == "POST":
        version = _version(request)
        status = 400
        if form.is_valid():
            try:
                services.opportunity_move_stage(
                    opportunity=opportunity,
                    by=request.user,
                    stage=lost_stage,
                    version=version,
                    **form.cleaned_data,
                )
            except StaleVersion:
                # As an edit's conflict: nothing changed; sent again, the reason is kept.
                current = get_visible_or_404(request.user, Opportunity, opportunity.pk)
                differences = []
                if current.stage_id != lost_stage.pk:
                    differences.append(("Stage", lost_stage.name, current.stage.name))
                conflict = pages.EditConflict(current.version, differences)
                status, version = 409, current.version
            except ValidationError as error:
                pages.add_errors(form, error)
            except ServiceError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, f"Lost: {form.cleaned_data['lost_reason']}.")
                url = reverse("opportunity-detail", args=[opportunity.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "opportunities/_lose.html" if request.htmx else "opportunities/lose.html"
    context = {
        "form": form,
        "deal": opportunity,
        "version": version,
        "conflict": conflict,
        "section": "opportunities",
    }
    return render(request, template, context, status=status)


@login_required
@require_POST
def opportunity_snooze(request, pk):
    opportunity = get_visible_or_404(request.user, Opportunity, pk, write=True)
    form = SnoozeForm(request.POST)
    status = 400
    if form.is_valid():
        status = _status_after(
            form,
            lambda: services.opportunity_snooze(
                opportunity=opportunity,
                by=request.user,
                version=_version(request),
                **form.cleaned_data,
            ),
        )
        if status is None:
            messages.success(request, f"Snoozed until {dates.day(form.cleaned_data['until'])}.")
            return redirect("opportunity-detail", pk=opportunity.pk)
    return _detail(request, opportunity, snooze_form=form, status=status)
