import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, account_fill, contact_create, contact_fill
from salestrack.audit import records
from salestrack.leads.models import Lead
from salestrack.lib.errors import Conflict
from salestrack.lib.models import ADDRESS_FIELDS
from salestrack.lib.text import company_key, domain_of_email, domain_of_website, person_key
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import OpportunityDraft, opportunity_create
from salestrack.teams.models import User

LEAD_FIELDS = {
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company",
    "website",
    "industry",
    "source",
    "description",
    "owner",
    "status",
    "score",
    *ADDRESS_FIELDS,
}


def _refuse_if_closed(lead: Lead) -> None:
    if lead.status == Lead.Status.CONVERTED:
        raise Conflict("This lead was converted and is read-only.")


def _check_status(status: str | None) -> None:
    # Converted and Disqualified are reached through lead_convert and lead_disqualify only.
    if status is not None and status not in Lead.OPEN_STATUSES:
        raise ValidationError(
            {"status": ["Use convert or disqualify; status may be new, working or nurturing."]}
        )


@transaction.atomic
def lead_create(
    *, by: User, owner: User | None = None, at: datetime.datetime | None = None, **fields
) -> Lead:
    records.check_fields(Lead, LEAD_FIELDS, fields)
    visibility.check_links(by, {"owner": owner, **fields})
    _check_status(fields.get("status"))
    lead = Lead(owner=owner or by, **fields)
    return records.insert(lead, by=by, action="leads.lead.created", at=at)


@transaction.atomic
def lead_update(
    *,
    lead: Lead,
    by: User,
    version: int | None = None,
    at: datetime.datetime | None = None,
    **changes,
) -> Lead:
    current = records.lock(lead, version, among=visibility.writable(by, Lead))
    _refuse_if_closed(current)
    _check_status(changes.get("status"))
    visibility.check_links(by, changes, current)
    before = records.snapshot(current)
    records.apply(current, LEAD_FIELDS, changes)
    if current.status != Lead.Status.DISQUALIFIED:
        current.disqualified_reason = ""
    records.save_changes(current, before, by=by, action="leads.lead.changed", at=at)
    return current


@transaction.atomic
def lead_disqualify(
    *,
    lead: Lead,
    by: User,
    reason: str,
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Lead:
    current = records.lock(lead, version, among=visibility.writable(by, Lead))
    _refuse_if_closed(current)
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why the lead is disqualified."]})
    before = records.snapshot(current)
    current.status = Lead.Status.DISQUALIFIED
    current.disqualified_reason = reason.strip()
    records.save_changes(current, before, by=by, action="leads.lead.disqualified", at=at)
    return current


@dataclass
class Match:
    record: Account | Contact
    reason: str
    # Seen through someone's deal: a conversion links it but fills none of its fields.
    read_only: bool = False


@dataclass
class Matches:
    accounts: list[Match] = field(default_factory=list)
    contacts: list[Match] = field(default_factory=list)


def lead_matches(*, lead: Lead, user: User, limit: int = 5) -> Matches:
    """Existing accounts and contacts this lead may be, with why; only what `user` may see."""
    accounts = visibility.visible(user, Account)
    contacts = visibility.visible(user, Contact)
    found: dict[int, Match] = {}

    def add(queryset, reason):
        for account in queryset.order_by("id")[:limit]:
            found.setdefault(account.pk, Match(account, reason))

    email = lead.email.strip().lower()
    by_email = list(contacts.filter(email_key=email).order_by("id")[:limit]) if email else []
    if web := domain_of_website(lead.website):
        add(accounts.filter(domain=web), "same website domain")
    if mail := domain_of_email(lead.email):
        add(accounts.filter(domain=mail), "same email domain")
    add(accounts.filter(pk__in=[c.account_id for c in by_email if c.account_id]), "contact's email")
    if key := company_key(lead.company):
        add(accounts.filter(name_key=key), "same company name")

    matches = Matches(accounts=list(found.values())[:limit])
    seen = set()
    for contact in by_email:
        matches.contacts.append(Match(contact, "same email"))
        seen.add(contact.pk)
    name = person_key(lead.first_name, lead.last_name)
    if name and found:
        for contact in contacts.filter(account__in=list(found), name_key=name).order_by("id")[
            :limit
        ]:
            if contact.pk not in seen:
                matches.contacts.append(Match(contact, "same name at a matching account"))
    for model, found_ in ((Account, matches.accounts), (Contact, matches.contacts)):
        ids = [m.record.pk for m in found_]
        mine = set(visibility.writable(user, model).filter(pk__in=ids).values_list("pk", flat=True))
        for match in found_:
            match.read_only = match.record.pk not in mine
    return matches


@dataclass
class Conversion:
    lead: Lead
    account: Account
    contact: Contact
    opportunity: Opportunity | None
    # Existing records linked as they were: the user may only read them (they see them
    # through someone's deal), so their empty fields were not filled from the lead.
    unfilled: list[Account | Contact] = field(default_factory=list)


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    by: User,
    account: Account | None = None,
    contact: Contact | None = None,
    opportunity: OpportunityDraft | None = None,
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Conversion:
    """Qualify a lead into an account, a contact and optionally an opportunity, in one step.

    1. Lock the lead row; a lead converts once: a converted one raises Conflict.
    2. Link the given account, or create one from the lead's company fields; on an existing
       account only empty fields are filled, and only if the user may change it.
    3. The same for the contact, which must be at that account.
    4. Open the opportunity on the account with the lead's source, the contact as primary.
    5. Move the lead's activities to the contact (and opportunity); mark the lead converted.
    """
    at = at or timezone.now()
    current = records.lock(lead, version, among=visibility.writable(by, Lead))
    if current.status == Lead.Status.CONVERTED:
        raise Conflict("This lead has already been converted.")
    if current.status == Lead.Status.DISQUALIFIED:
        raise Conflict("A disqualified lead cannot be converted; reopen it first.")
    if contact is not None and account is None:
        account = contact.account
    if account is not None and contact is not None and contact.account_id not in (None, account.pk):
        raise ValidationError({"contact_id": ["That contact is not at the chosen account."]})
    visibility.check_links(by, {"account_id": account, "contact_id": contact})

    owner = by if current.owner_id == by.pk else current.owner  # most convert their own
    address = {name: getattr(current, name) for name in ADDRESS_FIELDS}
    company = {
        "name": current.company or str(current),
        # One saved before websites were checked ("http://[") stays on the lead, not copied.
        "website": current.website if domain_of_website(current.website) else "",
        "industry": current.industry,
        **address,
    }
    unfilled = []
    if account is None:
        account = account_create(by=by, owner=owner, at=at, **company)
    elif visibility.can_write(by, account):
        account = account_fill(account=account, by=by, at=at, **company)
    else:
        unfilled.append(account)

    person = {
        "first_name": current.first_name,
        "last_name": current.last_name,
        "email": current.email,
        "phone": current.phone,
        "title": current.title,
        **address,
    }
    if contact is None:
        contact = contact_create(by=by, owner=owner, account=account, at=at, **person)
    elif visibility.can_write(by, contact):
        contact = contact_fill(contact=contact, by=by, at=at, account=account, **person)
    else:
        unfilled.append(contact)

    opened = None
    if opportunity is not None:
        opened = opportunity_create(
            by=by,
            owner=owner,
            account=account,
            contact=contact,
            name=opportunity.name,
            amount=opportunity.amount,
            close_date=opportunity.close_date,
            stage=opportunity.stage,
            source=current.source,
            at=at,
        )

    # The lead's activities follow it (PRODUCT.md section 2, rule 5), through the reverse
    # relation: leads sit below activities and do not import them.
    current.activities.update(contact=contact, account=account, opportunity=opened, updated_at=at)
    before = records.snapshot(current)
    current.status = Lead.Status.CONVERTED
    current.converted_at = at
    current.converted_by = by
    current.converted_account = account
    current.converted_contact = contact
    current.converted_opportunity = opened
    records.save_changes(current, before, by=by, action="leads.lead.converted", at=at)
    return Conversion(current, account, contact, opened, unfilled)


@transaction.atomic
def lead_delete(*, lead: Lead, by: User, at: datetime.datetime | None = None) -> None:
    current = records.lock(lead, among=visibility.writable(by, Lead))
    records.remove(current, by=by, action="leads.lead.deleted", at=at)
