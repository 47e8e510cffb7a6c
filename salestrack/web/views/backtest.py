"""The backtest page (admins): the latest run's figures and chart, and asking for a new run,
which the task worker does."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from salestrack.company.models import Company
from salestrack.forecasting import backtest, periods
from salestrack.forecasting.models import BacktestRun
from salestrack.web.views.settings import admin_required


def _reliability(result: dict) -> list[dict]:
    """The reliability table's rows, a band a row, both methods side by side."""
    rows = {}
    for method, bands in result["reliability"].items():
        for band in bands:
            row = rows.setdefault(round(band["band"][0], 1), {"band": band["band"]})
            row[method] = band
    return [rows[key] for key in sorted(rows)]


@admin_required
def forecast_backtest(request):
    """The latest backtest's figures and chart; POST asks for a new run (the worker runs it)."""
    if request.method == "POST":
        try:
            backtest.backtest_ask(by=request.user, text=request.POST.get("periods", ""))
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, "Backtest asked for: the figures show here when it is done.")
        return redirect(reverse("forecast-backtest"))
    latest = BacktestRun.objects.select_related("asked_by").first()
    done = BacktestRun.objects.filter(result__isnull=False).first()
    company = Company.load()
    quarter = periods.quarter_of(timezone.localdate(), company.fiscal_year_start)
    first = quarter
    for _ in range(7):
        first = first.previous(company.fiscal_year_start)
    context = {
        "section": "forecast",
        "latest": latest,
        "done": done,
        "methods": backtest.METHODS,
        "suggested": f"{first.name}..{quarter.previous(company.fiscal_year_start).name}",
        "reliability": _reliability(done.result) if done else [],
        "currency": company.currency,
    }
    return render(request, "forecast/backtest.html", context)
