from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum, Window
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from salestrack.access.visibility import can_write, get_visible_or_404, hide_unseen, visible
from salestrack.accounts import services
from salestrack.accounts.models import Account, Contact
from salestrack.company.money import in_company_currency
from salestrack.opportunities.filters import STATUSES
from salestrack.opportunities.models import Opportunity
from salestrack.web import pages
from salestrack.web.bulk import bulk_apply
from salestrack.web.filters import AccountListFilter, ContactListFilter
from salestrack.web.forms.accounts import AccountForm, ContactForm

ACCOUNT_SORTS = {
    "name": "name",
    "type": "type",
    "industry": "industry",
    "created": "created_at",
    "updated": "updated_at",
}
CONTACT_SORTS = {
    "name": "last_name",
    "email": "email",
    "created": "created_at",
    "updated": "updated_at",
}
# A record page lists this many related rows, then links to the filtered list.
RELATED_ROWS = 25


def _list(request, folder: str, context: dict):
    context |= {"section": folder}
    partial = request.htmx and not request.htmx.boosted
    return render(request, f"{folder}/_table.html" if partial else f"{folder}/list.html", context)


@login_required
@require_GET
def account_list(request):
    context = pages.list_page(
        request,
        queryset=visible(request.user, Account).select_related("owner"),
        filterset_class=AccountListFilter,
        sorts=ACCOUNT_SORTS,
        default_sort="-updated",
    )
    context["types"] = Account.Type.choices
    return _list(request, "accounts", context)


@login_required
@require_POST
def account_bulk(request):
    return bulk_apply(
        request,
        model=Account,
        update=services.account_update,
        delete=services.account_delete,
        back=reverse("account-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request):
    form = AccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account, _ = pages.save_form(
            request,
            form,
            lambda version, **data: services.account_create(by=request.user, **data),
            success="Account created.",
        )
        if account:
            return redirect("account-detail", pk=account.pk)
    status = 400 if form.errors else 200
    return render(
        request, "accounts/form.html", {"form": form, "section": "accounts"}, status=status
    )


@dataclass
class Group:
    """The open, won or lost opportunities of a record: the first rows and the group's totals."""

    key: str
    rows: list
    count: int
    amount: Decimal


def opportunity_groups(opportunities) -> list[Group]:
    groups = []
    for key, condition in STATUSES.items():
        order = ("close_date", "pk") if key == "open" else ("-close_date", "-pk")
        # The window totals are computed before the LIMIT: rows and totals in one query.
        rows = list(
            opportunities.filter(condition)
            .select_related("stage", "owner")
            .annotate(
                group_count=Window(Count("pk")), group_amount=Window(Sum(in_company_currency()))
            )
            .order_by(*order)[:RELATED_ROWS]
        )
        first = rows[0] if rows else None
        groups.append(
            Group(
                key,
                rows,
                count=first.group_count if first else 0,
                amount=first.group_amount if first else Decimal(0),
            )
        )
    return groups


@login_required
@require_GET
def account_detail(request, pk):
    user = request.user
    account = get_visible_or_404(user, Account, pk)
    accounts = visible(user, Account)
    context = {
        "account": account,
        "section": "accounts",
        "can_edit": can_write(user, account),
        "parent": accounts.filter(pk=account.parent_id).first() if account.parent_id else None,
        "children": accounts.filter(parent=account).order_by("name")[:RELATED_ROWS],
        "contacts": visible(user, Contact)
        .filter(account=account)
        .select_related("owner")
        .order_by("last_name", "first_name")[:RELATED_ROWS],
        "groups": opportunity_groups(visible(user, Opportunity).filter(account=account)),
        "related_rows": RELATED_ROWS,
        "timeline": pages.timeline(account, user=request.user),
        "record": account,
        "record_type": "account",
    }
    return render(request, "accounts/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk):
    account = get_visible_or_404(request.user, Account, pk, write=True)
    form = AccountForm(request.POST or None, instance=account, user=request.user)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = pages.save_form(
            request,
            form,
            lambda version, **data: services.account_update(
                account=account, by=request.user, version=version, **data
            ),
            success="Account saved.",
        )
        if saved:
            return redirect("account-detail", pk=account.pk)
    context = {
        "form": form,
        "account": account,
        "conflict": conflict,
        "version": conflict.current_version if conflict else account.version,
        "section": "accounts",
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "accounts/form.html", context, status=status)


@login_required
@require_GET
def contact_list(request):
    context = pages.list_page(
        request,
        queryset=visible(request.user, Contact).select_related("owner", "account"),
        filterset_class=ContactListFilter,
        sorts=CONTACT_SORTS,
        default_sort="-updated",
    )
    hide_unseen(request.user, context["rows"], "account")
    return _list(request, "contacts", context)


@login_required
@require_POST
def contact_bulk(request):
    return bulk_apply(
        request,
        model=Contact,
        update=services.contact_update,
        delete=services.contact_delete,
        back=reverse("contact-list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request):
    # "New contact" on an account's page names the account.
    initial = {"account": request.GET.get("account")}
    form = ContactForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        contact, _ = pages.save_form(
            request,
            form,
            lambda version, **data: services.contact_create(by=request.user, **data),
            success="Contact created.",
        )
        if contact:
            return redirect("contact-detail", pk=contact.pk)
    status = 400 if form.errors else 200
    return render(
        request, "contacts/form.html", {"form": form, "section": "contacts"}, status=status
    )


@login_required
@require_GET
def contact_detail(request, pk):
    user = request.user
    contact = get_visible_or_404(user, Contact, pk)
    hide_unseen(user, [contact], "account")
    context = {
        "contact": contact,
        "section": "contacts",
        "can_edit": can_write(user, contact),
        "opportunities": visible(user, Opportunity)
        .filter(contact=contact)
        .select_related("stage", "owner", "account")
        .order_by("is_closed", "close_date", "pk")[:RELATED_ROWS],
        "related_rows": RELATED_ROWS,
        "timeline": pages.timeline(contact, user=request.user),
        "record": contact,
        "record_type": "contact",
    }
    return render(request, "contacts/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    contact = get_visible_or_404(request.user, Contact, pk, write=True)
    form = ContactForm(request.POST or None, instance=contact, user=request.user)
    conflict = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = pages.save_form(
            request,
            form,
            lambda version, **data: services.contact_update(
                contact=contact, by=request.user, version=version, **data
            ),
            success="Contact saved.",
        )
        if saved:
            return redirect("contact-detail", pk=contact.pk)
    context = {
        "form": form,
        "contact": contact,
        "conflict": conflict,
        "version": conflict.current_version if conflict else contact.version,
        "section": "contacts",
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "contacts/form.html", context, status=status)
