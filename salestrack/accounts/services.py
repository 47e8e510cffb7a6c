import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.audit import records
from salestrack.lib.models import ADDRESS_FIELDS
from salestrack.lib.text import company_key, domain_of_website, person_key
from salestrack.teams.models import User

ACCOUNT_FIELDS = {
    "name",
    "website",
    "phone",
    "industry",
    "description",
    "owner",
    "parent",
    *ADDRESS_FIELDS,
}
CONTACT_FIELDS = {
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "account",
    "description",
    "owner",
    *ADDRESS_FIELDS,
}


def account_keys_derive(account: Account) -> None:
    """Set the keys conversion matches an account by (PRODUCT.md section 2, rule 1)."""
    account.domain = domain_of_website(account.website)
    account.name_key = company_key(account.name)


def contact_keys_derive(contact: Contact) -> None:
    """Set the keys conversion matches a contact by: email, then name (rule 2)."""
    contact.email_key = contact.email.strip().lower()
    contact.name_key = person_key(contact.first_name, contact.last_name)


@transaction.atomic
def account_create(
    *,
    by: User,
    owner: User | None = None,
    type: str | None = None,
    at: datetime.datetime | None = None,
    **fields,
) -> Account:
    records.check_fields(Account, ACCOUNT_FIELDS, fields)
    visibility.check_links(by, {"owner": owner, **fields})
    account = Account(owner=owner or by, **fields)
    if type is not None and type != account.type:
        _set_type(account, type, by=by)
    account_keys_derive(account)
    return records.insert(account, by=by, action="accounts.account.created", at=at)


@transaction.atomic
def account_update(
    *,
    account: Account,
    by: User,
    version: int | None = None,
    at: datetime.datetime | None = None,
    **changes,
) -> Account:
    current = records.lock(account, version, among=visibility.writable(by, Account))
    visibility.check_links(by, changes, current)
    before = records.snapshot(current)
    type_ = changes.pop("type", None)
    if type_ is not None and type_ != current.type:
        _set_type(current, type_, by=by)
    records.apply(current, ACCOUNT_FIELDS, changes)
    if "parent" in changes:
        _check_parent(current)
    account_keys_derive(current)
    records.save_changes(current, before, by=by, action="accounts.account.changed", at=at)
    return current


def _check_parent(account: Account) -> None:
    # Walk up from the new parent: meeting the account itself would make a loop.
    parent_id, seen = account.parent_id, set()
    while parent_id is not None and parent_id not in seen:
        if parent_id == account.pk:
            raise ValidationError({"parent": ["An account cannot be its own parent or ancestor."]})
        seen.add(parent_id)
        parent_id = Account.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()


def _set_type(account: Account, type_: str, *, by: User) -> None:
    # Customer comes from a won deal; only sales ops mark a customer as former (or back).
    if not by.is_admin:
        raise ValidationError({"type": ["Only an admin can change an account's type."]})
    if type_ not in Account.Type.values:
        raise ValidationError({"type": [f"Must be one of {', '.join(Account.Type.values)}."]})
    account.type = type_


@transaction.atomic
def contact_create(
    *, by: User, owner: User | None = None, at: datetime.datetime | None = None, **fields
) -> Contact:
    records.check_fields(Contact, CONTACT_FIELDS, fields)
    visibility.check_links(by, {"owner": owner, **fields})
    contact = Contact(owner=owner or by, **fields)
    contact_keys_derive(contact)
    return records.insert(contact, by=by, action="accounts.contact.created", at=at)


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    by: User,
    version: int | None = None,
    at: datetime.datetime | None = None,
    **changes,
) -> Contact:
    current = records.lock(contact, version, among=visibility.writable(by, Contact))
    visibility.check_links(by, changes, current)
    before = records.snapshot(current)
    records.apply(current, CONTACT_FIELDS, changes)
    contact_keys_derive(current)
    records.save_changes(current, before, by=by, action="accounts.contact.changed", at=at)
    return current


# No savepoint: a conversion calls these inside its own transaction, on its hot path.
@transaction.atomic(savepoint=False)
def account_fill(
    *, account: Account, by: User, at: datetime.datetime | None = None, **values
) -> Account:
    """Fill only the empty fields of an existing account: a converted lead never overwrites
    (PRODUCT.md section 2, rule 4). Only someone who may change the account fills it."""
    current = records.lock(account, among=visibility.writable(by, Account))
    before = records.snapshot(current)
    if _fill_empty(current, ACCOUNT_FIELDS, values):
        account_keys_derive(current)
    records.save_changes(current, before, by=by, action="accounts.account.filled_from_lead", at=at)
    return current


@transaction.atomic(savepoint=False)
def contact_fill(
    *, contact: Contact, by: User, at: datetime.datetime | None = None, **values
) -> Contact:
    """Fill only the empty fields of an existing contact (rule 4), its account included."""
    current = records.lock(contact, among=visibility.writable(by, Contact))
    before = records.snapshot(current)
    if _fill_empty(current, CONTACT_FIELDS, values):
        contact_keys_derive(current)
    records.save_changes(current, before, by=by, action="accounts.contact.filled_from_lead", at=at)
    return current


def _fill_empty(instance, allowed: set[str], values: dict) -> list[str]:
    records.check_fields(type(instance), allowed, values)
    filled = []
    for name, value in values.items():
        attname = instance._meta.get_field(name).attname
        empty = getattr(instance, attname) in ("", None)
        if value not in ("", None) and empty:
            setattr(instance, name, value)
            filled.append(name)
    return filled


@transaction.atomic
def account_delete(*, account: Account, by: User, at: datetime.datetime | None = None) -> None:
    current = records.lock(account, among=visibility.writable(by, Account))
    records.remove(current, by=by, action="accounts.account.deleted", at=at)


@transaction.atomic
def contact_delete(*, contact: Contact, by: User, at: datetime.datetime | None = None) -> None:
    current = records.lock(contact, among=visibility.writable(by, Contact))
    records.remove(current, by=by, action="accounts.contact.deleted", at=at)


def account_won(
    *, account_id: int, by: User, on: datetime.date, at: datetime.datetime | None = None
) -> None:
    """An account becomes a customer at its first won opportunity (PRODUCT.md section 2).

    The opportunity's services call it when a deal is won, or a won deal moves to another
    account; the change is audited on the account like any other.
    """
    # Whoever wins the deal makes the account a customer, even one they may only read.
    account = records.lock(Account(pk=account_id))
    if account.type != Account.Type.CUSTOMER:
        before = records.snapshot(account)
        account.type = Account.Type.CUSTOMER
        account.customer_since = account.customer_since or on
        records.save_changes(
            account, before, by=by, action="accounts.account.became_customer", at=at
        )
