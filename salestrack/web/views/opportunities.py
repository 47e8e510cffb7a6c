from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.access.visibility import get_visible_or_404, visible
from salestrack.activities.rotting import rotting_q
from salestrack.lib import dates
from salestrack.lib.errors import ServiceError, StaleVersion
from salestrack.lib.ids import parse_id
from salestrack.opportunities import services
from salestrack.opportunities.models import Opportunity, OpportunityHistory, Stage
from salestrack.web import pages
from salestrack.web.bulk import bulk_apply
from salestrack.web.filters import OpportunityListFilter
from salestrack.web.forms.opportunities import MoveStageForm, OpportunityForm, SnoozeForm

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
    totals = defaultdict(int)
    for opportunity in context["rows"]:
        totals[opportunity.currency] += opportunity.amount
    context |= {
        "section": "opportunities",
        "totals": sorted(totals.items()),
    }
    partial = request.htmx and not request.htmx.boosted
    return render(
        request, "opportunities/_table.html" if partial else "opportunities/list.html", context
    )


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


def _detail(request, opportunity, *, stage_form=None, snooze_form=None, status=200):
    """The record page; the stage and snooze forms come back here with their errors."""
    names = {str(s.pk): s.name for s in Stage.objects.filter(pipeline_id=opportunity.pipeline_id)}
    history = OpportunityHistory.objects.filter(opportunity=opportunity, field="stage")
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
            for row in history.select_related("changed_by").order_by("-changed_at", "-id")
        ],
        "rotting": Opportunity.objects.filter(pk=opportunity.pk).filter(rotting_q()).exists(),
        "days_in_stage": (timezone.now() - opportunity.stage_entered_at).days,
        "snoozed": opportunity.snoozed_until is not None and opportunity.snoozed_until >= today,
        "stage_form": stage_form or MoveStageForm(opportunity=opportunity),
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


@login_required
@require_POST
def opportunity_stage(request, pk):
    """The "Move stage" form of the record page: same rules as the board's drag and drop."""
    opportunity = get_visible_or_404(request.user, Opportunity, pk, write=True)
    form = MoveStageForm(request.POST, opportunity=opportunity)
    status = 400
    if form.is_valid():
        stage = form.cleaned_data["stage"]
        status = _status_after(
            form,
            lambda: services.opportunity_move_stage(
                opportunity=opportunity,
                by=request.user,
                stage=stage,
                # The services refuse a lost reason on a deal that is not lost.
                lost_reason=form.cleaned_data["lost_reason"] if stage.is_lost else None,
                version=_version(request),
            ),
        )
        if status is None:
            messages.success(request, f"Moved to {stage}.")
            return redirect("opportunity-detail", pk=opportunity.pk)
    return _detail(request, opportunity, stage_form=form, status=status)


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
