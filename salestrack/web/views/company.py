"""Settings › Company: the company's currency and its dated exchange rates, for admins."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.company import services
from salestrack.company.models import Company, ExchangeRate
from salestrack.lib import dates
from salestrack.lib.errors import ServiceError
from salestrack.web import pages
from salestrack.web.forms.company import CompanyForm, RateForm, RatesUploadForm
from salestrack.web.views.settings import admin_required


def _page(request, *, company_form=None, rate_form=None, upload_form=None, status=200):
    company = Company.load()
    rates = list(ExchangeRate.objects.order_by("currency", "-valid_from"))
    for rate in rates:
        rate.shown = f"{rate.rate.normalize():f}"  # 1.0842, not 1.08420000
    context = {
        "section": "settings",
        "tab": "company",
        "company": company,
        "rates": rates,
        "company_form": company_form
        or CompanyForm(
            initial={"currency": company.currency, "fiscal_year_start": company.fiscal_year_start}
        ),
        "rate_form": rate_form or RateForm(company_currency=company.currency),
        "upload_form": upload_form or RatesUploadForm(),
    }
    return render(request, "settings/company.html", context, status=status)


def _save(request, form, service, success):
    """Call the service with the form's data: its field errors land beside the fields, its
    refusals in a message; either way nothing changed."""
    try:
        result = service(by=request.user, **form.cleaned_data)
    except ValidationError as error:
        pages.add_errors(form, error)
        return None
    except ServiceError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, success if isinstance(success, str) else success(result))
    return result


@admin_required
@require_GET
def company_settings(request):
    return _page(request)


@admin_required
@require_POST
def company_save(request):
    form = CompanyForm(request.POST)
    if form.is_valid():
        if _save(request, form, services.company_update, "Company settings saved."):
            return redirect("settings-company")
    return _page(request, company_form=form, status=400)


@admin_required
@require_POST
def rate_new(request):
    form = RateForm(request.POST, company_currency=Company.load().currency)
    if form.is_valid():
        data = form.cleaned_data
        success = f"Rate added: 1 {data['currency']} from {dates.day(data['valid_from'])}."
        if _save(request, form, services.rate_create, success):
            return redirect("settings-company")
    return _page(request, rate_form=form, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def rate_edit(request, pk):
    rate = get_object_or_404(ExchangeRate, pk=pk)
    company = Company.load().currency
    initial = {"currency": rate.currency, "rate": rate.rate, "valid_from": rate.valid_from}
    form = RateForm(request.POST or None, initial=initial, company_currency=company)
    if request.method == "POST" and form.is_valid():

        def update(*, by, **data):
            return services.rate_update(exchange_rate=rate, by=by, **data)

        if _save(request, form, update, "Rate saved."):
            return redirect("settings-company")
    context = {
        "form": form,
        "title": f"{rate.currency} rate from {dates.day(rate.valid_from)}",
        "submit": "Save",
        "back": "settings-company",
        "tab": "company",
        "section": "settings",
    }
    return render(request, "settings/form.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def rate_delete(request, pk):
    rate = get_object_or_404(ExchangeRate, pk=pk)
    try:
        services.rate_delete(exchange_rate=rate, by=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return _page(request, status=error.status)
    messages.success(request, f"Rate deleted: {rate.currency} from {dates.day(rate.valid_from)}.")
    return redirect("settings-company")


@admin_required
@require_POST
def rates_upload(request):
    form = RatesUploadForm(request.POST, request.FILES)
    if form.is_valid():

        def upload(*, by, file):
            return services.rates_import(by=by, text=file)

        def said(counts):
            return (
                f"Rates uploaded: {counts['created']} added, {counts['changed']} corrected, "
                f"{counts['unchanged']} unchanged."
            )

        if _save(request, form, upload, said) is not None:
            return redirect("settings-company")
    return _page(request, upload_form=form, status=400)
