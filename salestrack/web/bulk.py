from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils.html import format_html, format_html_join

from salestrack.lib.errors import ServiceError
from salestrack.web.forms import BulkForm

# How many skipped rows the warning names; the rest are counted ("and 3 more").
NAMED = 10
DONE = {"delete": "deleted", "assign": "reassigned", "status": "updated"}


def bulk_apply(request, *, model, update, delete, back: str, statuses=()):
    """Assign, change status or delete the ticked rows through the services, row by row.

    1. The form accepts only rows the user may change: a ticked id outside them is refused
       as a whole (a form error, nothing changed), since the page never offered it.
    2. Each row is written in its own transaction: a row the service refuses (a converted
       lead, an account still used by deals, a row changed meanwhile) is skipped with the
       service's reason, and the others are written.
    3. One success message counts the rows done; one warning names the skipped rows (the
       first ten) with their reasons. When every row is skipped, only the warning is shown,
       and it says that nothing changed.
    """
    form = BulkForm(request.POST, user=request.user, model=model, statuses=statuses)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(request.POST.get("next") or back)
    data = form.cleaned_data
    name = model._meta.model_name
    # Deals account by account: a deal's change locks its account before the deal
    # (opportunities.services._lock_account_first). Each row commits before the next, so a
    # bulk change holds one row's locks at a time; the order keeps a bulk that is ever run
    # in one transaction (a caller's) from waiting in a circle with another.
    rows = sorted(data["ids"], key=lambda row: (getattr(row, "account_id", None) or 0, row.pk))
    done, skipped = 0, []
    for row in rows:
        try:
            with transaction.atomic():
                if data["action"] == "delete":
                    delete(**{name: row}, by=request.user)
                elif data["action"] == "assign":
                    update(**{name: row}, by=request.user, owner=data["owner"])
                else:
                    update(**{name: row}, by=request.user, status=data["status"])
        except ServiceError as error:
            skipped.append((row, error.message))
        except ValidationError as error:
            skipped.append((row, " ".join(error.messages)))
        else:
            done += 1
    if done:
        messages.success(request, f"{done} {_noun(model, done)} {DONE[data['action']]}.")
    if skipped:
        # "keep": the toast stays until closed (salestrack.js), a list takes time to read.
        warning = _skipped(model, skipped, nothing_changed=not done)
        messages.warning(request, warning, extra_tags="keep")
    return redirect(request.POST.get("next") or back)


def _noun(model, count: int) -> str:
    return model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural


def _skipped(model, skipped: list, *, nothing_changed: bool) -> str:
    """The warning: "Skipped 2 leads:" and links to them, each with the service's reason."""
    head = f"Skipped {len(skipped)} {_noun(model, len(skipped))}:"
    if nothing_changed:
        head = f"Nothing changed. {head}"
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> — {}</li>',
        (
            (row.get_absolute_url(), str(row) or f"#{row.pk}", reason)
            for row, reason in skipped[:NAMED]
        ),
    )
    more = len(skipped) - NAMED
    if more > 0:
        items = format_html("{}<li>and {} more</li>", items, more)
    return format_html("{}<ul>{}</ul>", head, items)
