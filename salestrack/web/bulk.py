from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect

from salestrack.lib.errors import ServiceError
from salestrack.web.forms import BulkForm


def bulk_apply(request, *, model, update, delete, back: str, statuses=()):
    """Assign, change status or delete the ticked rows, all or none, through the services."""
    form = BulkForm(request.POST, user=request.user, model=model, statuses=statuses)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(request.POST.get("next") or back)
    data = form.cleaned_data
    name = model._meta.model_name
    # Deals account by account: a deal's change locks its account before the deal
    # (deals.services), so two bulk changes at once take the accounts in one order and never
    # wait for each other in a circle.
    rows = sorted(data["ids"], key=lambda row: (getattr(row, "account_id", None) or 0, row.pk))
    try:
        with transaction.atomic():
            for row in rows:
                if data["action"] == "delete":
                    delete(**{name: row}, by=request.user)
                elif data["action"] == "assign":
                    update(**{name: row}, by=request.user, owner=data["owner"])
                else:
                    update(**{name: row}, by=request.user, status=data["status"])
    except ServiceError as error:
        messages.error(request, f"Nothing changed: {error.message}")
    else:
        done = {"delete": "deleted", "assign": "reassigned", "status": "updated"}[data["action"]]
        noun = model._meta.verbose_name if len(rows) == 1 else model._meta.verbose_name_plural
        messages.success(request, f"{len(rows)} {noun} {done}.")
    return redirect(request.POST.get("next") or back)
