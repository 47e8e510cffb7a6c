import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from salestrack.access.visibility import get_visible_or_404, hide_unseen, visible
from salestrack.leads import services
from salestrack.leads.models import Lead
from salestrack.lib.errors import ServiceError
from salestrack.opportunities.services import default_stage
from salestrack.web import pages
from salestrack.web.bulk import bulk_apply
from salestrack.web.filters import LeadListFilter
from salestrack.web.forms.leads import ConvertForm, DisqualifyForm, LeadForm

SORTS = {
    "name": "last_name",
    "company": "company",
    "status": "status",
    "score": "score",
    "created": "created_at",
    "updated": "updated_at",
}


@login_required
@require_GET
def lead_list(request):
    leads = visible(request.user, Lead).select_related("owner")
    context = pages.list_page(
        request,
        queryset=leads,
        filterset_class=LeadListFilter,
        sorts=SORTS,
        default_sort="-updated",
    )
    context |= {"section": "leads", "statuses": Lead.Status.choices}
    template = (
        "leads/_table.html" if request.htmx and not request.htmx.boosted else "leads/list.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def lead_bulk(request):
    return bulk_apply(
        request,
        model=Lead,
        statuses=[(s.value, s.label) for s in Lead.OPEN_STATUSES],
        update=services.lead_update,
        delete=services.lead_delete,
        back=reverse("lead-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_new(request):
    form = LeadForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        lead, _ = pages.save_form(
            request,
            form,
            lambda version, **data: services.lead_create(by=request.user, **data),
            success="Lead created.",
        )
        if lead:
            return redirect("lead-detail", pk=lead.pk)
    status = 400 if form.errors else 200
    return render(request, "leads/form.html", {"form": form, "section": "leads"}, status=status)


@login_required
@require_GET
def lead_detail(request, pk):
    lead = get_visible_or_404(request.user, Lead, pk)
    what = ("converted_account", "converted_contact", "converted_opportunity")
    hide_unseen(request.user, [lead], *what)
    context = {
        "lead": lead,
        "section": "leads",
        "timeline": pages.timeline(lead, user=request.user),
        "record": lead,
        "record_type": "lead",
    }
    return render(request, "leads/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request, pk):
    lead = get_visible_or_404(request.user, Lead, pk, write=True)
    if lead.status == Lead.Status.CONVERTED:
        messages.error(request, "This lead was converted and is read-only.")
        return redirect("lead-detail", pk=lead.pk)
    form = LeadForm(
        request.POST if request.method == "POST" else None, instance=lead, user=request.user
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = pages.save_form(
            request,
            form,
            lambda version, **data: services.lead_update(
                lead=lead, by=request.user, version=version, **data
            ),
            success="Lead saved.",
        )
        if saved:
            return redirect("lead-detail", pk=lead.pk)
    version = conflict.current_version if conflict else lead.version
    context = {
        "form": form,
        "lead": lead,
        "conflict": conflict,
        "version": version,
        "section": "leads",
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "leads/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lead_disqualify(request, pk):
    lead = get_visible_or_404(request.user, Lead, pk, write=True)
    form = DisqualifyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_disqualify(lead=lead, by=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Lead disqualified.")
            url = reverse("lead-detail", args=[lead.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    status = 400 if form.errors else 200
    template = "leads/_disqualify.html" if request.htmx else "leads/disqualify.html"
    return render(request, template, {"form": form, "lead": lead}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert(request, pk):
    """The convert dialog: take a suggested account and contact or create new, maybe a deal."""
    lead = get_visible_or_404(request.user, Lead, pk, write=True)
    template = "leads/_convert.html" if request.htmx else "leads/convert.html"
    if lead.status == Lead.Status.CONVERTED:
        context = {"lead": lead, "refused": "This lead has already been converted."}
        return render(request, template, context, status=409)
    matches = services.lead_matches(lead=lead, user=request.user)
    form = ConvertForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial=_initial(lead, matches),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.lead_convert(
                lead=lead,
                by=request.user,
                account=form.cleaned_data["account"],
                contact=form.cleaned_data["contact"],
                opportunity=form.draft(),
            )
        except ValidationError as error:
            pages.add_errors(form, error)
        except ServiceError as error:
            # A conversion lost to another one made meanwhile is a conflict (409), as in the API.
            form.add_error(None, error.message)
            status = error.status
        else:
            messages.success(request, f"{lead} converted.")
            if result.unfilled:
                names = " and ".join(str(record) for record in result.unfilled)
                messages.info(
                    request, f"{names}: linked as they are, since you may only read them."
                )
            if result.opportunity:
                url = reverse("opportunity-detail", args=[result.opportunity.pk])
            else:
                url = reverse("account-detail", args=[result.account.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"lead": lead, "matches": matches, "form": form}
    if status == 200 and form.errors:
        status = 400
    return render(request, template, context, status=status)


def _initial(lead: Lead, matches) -> dict:
    return {
        "account": str(matches.accounts[0].record.pk) if matches.accounts else "new",
        "contact": str(matches.contacts[0].record.pk) if matches.contacts else "new",
        "create_opportunity": True,
        "opportunity_name": f"{lead.company or lead} - new deal",
        "close_date": datetime.date.today() + datetime.timedelta(days=30),
        "stage": default_stage(),
    }
