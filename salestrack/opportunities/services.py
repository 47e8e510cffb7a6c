import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_won
from salestrack.audit import records
from salestrack.company.money import company_currency
from salestrack.company.services import currency_check
from salestrack.lib import dates
from salestrack.opportunities.models import (
    LostReason,
    Opportunity,
    OpportunityHistory,
    OpportunityState,
    Pipeline,
    Stage,
)
from salestrack.teams.models import User

OPPORTUNITY_FIELDS = {
    "name",
    "account",
    "contact",
    "owner",
    "amount",
    "currency",
    "close_date",
    "probability",
    "forecast_category",
    "source",
    "next_step",
    "description",
}


@dataclass(frozen=True)
class OpportunityDraft:
    """What a conversion needs to open an opportunity."""

    name: str
    close_date: datetime.date
    amount: Decimal = Decimal("0")
    stage: Stage | None = None


def default_stage(pipeline: Pipeline | None = None) -> Stage:
    pipeline = pipeline or Pipeline.objects.get(is_default=True)
    return pipeline.stages.filter(is_won=False, is_lost=False).order_by("position").first()


def _text(value) -> str | None:
    # One spelling per value, whether it came from the database or from the caller.
    if value is None:
        return None
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return str(value)


def _record_history(
    opportunity: Opportunity, before: dict, *, by: User, at, cause: str | None = None
) -> None:
    """A row per tracked field the write changed; `cause` marks a close date that closing or
    reopening set, which nobody pushed."""
    rows = []
    for field in OpportunityHistory.TRACKED:
        attname = Opportunity._meta.get_field(field).attname
        old, new = before.get(attname), getattr(opportunity, attname)
        if old != new:
            rows.append(
                OpportunityHistory(
                    opportunity=opportunity,
                    field=field,
                    old_value=_text(old),
                    new_value=_text(new),
                    changed_by=by,
                    changed_at=at,
                    cause=cause if field == "close_date" else None,
                )
            )
    OpportunityHistory.objects.bulk_create(rows)
    if rows:
        OpportunityState.record(opportunity, at, new=not before)


def _set_lost_reason(
    opportunity: Opportunity, reason: LostReason | None, detail: str | None
) -> None:
    """Give a lost deal its reason from the list, and the detail "Other" asks for.

    None keeps what the deal has (moving between lost stages, changing only the detail). A
    newly chosen reason must be on the list now: a retired one stays only where it was.
    """
    same = reason is None or reason.pk == opportunity.lost_reason_id
    if not same:
        reason = LostReason.objects.filter(pk=reason.pk, is_active=True).first()
        if reason is None:
            raise ValidationError({"lost_reason": ["Choose a reason from the list."]})
    else:
        reason = opportunity.lost_reason
    if reason is None:
        raise ValidationError({"lost_reason": ["A lost reason is required to close as lost."]})
    if detail is None:
        detail = opportunity.lost_reason_detail if same else ""
    detail = detail.strip()
    if reason.needs_detail and not detail:
        raise ValidationError({"lost_reason_detail": [f"Say more: {reason.name} needs a detail."]})
    opportunity.lost_reason = reason
    opportunity.lost_reason_detail = detail


def _enter_stage(
    opportunity: Opportunity,
    stage: Stage,
    *,
    lost_reason: LostReason | None,
    lost_reason_detail: str | None,
    by: User,
    at,
) -> str | None:
    """Move to `stage`: defaults, closing, reopening and the account's customer status.

    Closing makes the close date the day the deal closed (a report by close date puts its
    revenue there) and keeps the planned one; reopening puts the planned date back unless it
    has passed. Losing needs a reason from the list; winning or reopening clears it. Returns
    "closing" or "reopening" when it moved the close date so, else None.
    """
    if stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage": ["That stage belongs to another pipeline."]})
    if stage.is_lost:
        _set_lost_reason(opportunity, lost_reason, lost_reason_detail)
    else:
        opportunity.lost_reason, opportunity.lost_reason_detail = None, ""
    opportunity.stage = stage
    opportunity.stage_entered_at = at
    opportunity.probability = stage.probability
    opportunity.forecast_category = stage.forecast_category
    was_closed = opportunity.is_closed
    opportunity.is_closed = stage.is_closed
    opportunity.is_won = stage.is_won
    # Reopening clears what closing set; the history keeps that it was closed.
    opportunity.closed_date = timezone.localdate(at) if stage.is_closed else None
    cause = None
    if stage.is_closed and not was_closed:
        opportunity.planned_close_date = opportunity.close_date
        opportunity.close_date = opportunity.closed_date
        cause = "closing"
    elif was_closed and not stage.is_closed:
        planned, opportunity.planned_close_date = opportunity.planned_close_date, None
        if planned is not None and planned >= timezone.localdate(at):
            opportunity.close_date = planned
            cause = "reopening"
        else:
            cause = "reopening-past"
    if stage.is_won:
        account_won(account_id=opportunity.account_id, by=by, on=opportunity.closed_date, at=at)
    return cause


def _check_contact(contact: Contact | None, account: Account) -> None:
    if contact is not None and contact.account_id not in (None, account.pk):
        raise ValidationError({"contact": ["That contact is not at this opportunity's account."]})


@transaction.atomic
def opportunity_create(
    *,
    by: User,
    account: Account,
    name: str,
    close_date: datetime.date,
    amount: Decimal = Decimal("0"),
    stage: Stage | None = None,
    owner: User | None = None,
    contact: Contact | None = None,
    lost_reason: LostReason | None = None,
    lost_reason_detail: str = "",
    at: datetime.datetime | None = None,
    **fields,
) -> Opportunity:
    """Open an opportunity; on a customer account it is existing business (a repeat sale)."""
    records.check_fields(Opportunity, OPPORTUNITY_FIELDS, fields)
    visibility.check_links(by, {"owner": owner, "account": account, "contact": contact})
    _check_contact(contact, account)
    stage = stage or default_stage()
    at = at or timezone.now()
    sent = fields.get("currency")
    fields["currency"] = currency_check(sent) if sent else company_currency()
    # Read the type from the database: the caller's copy may predate the first won deal.
    repeat = Account.objects.filter(pk=account.pk, type=Account.Type.CUSTOMER).exists()
    opportunity = Opportunity(
        account=account,
        contact=contact,
        name=name,
        close_date=close_date,
        amount=amount,
        owner=owner or by,
        pipeline=stage.pipeline,  # the audit names it; default_stage() has it at hand
        type=Opportunity.Type.EXISTING_BUSINESS if repeat else Opportunity.Type.NEW_BUSINESS,
    )
    _enter_stage(
        opportunity,
        stage,
        lost_reason=lost_reason,
        lost_reason_detail=lost_reason_detail,
        by=by,
        at=at,
    )
    # An explicit probability or category overrides the stage's default.
    for name_, value in fields.items():
        setattr(opportunity, name_, value)
    records.insert(opportunity, by=by, action="deals.opportunity.created", at=at)
    _record_history(opportunity, {}, by=by, at=at)
    return opportunity


@transaction.atomic
def opportunity_update(
    *,
    opportunity: Opportunity,
    by: User,
    version: int | None = None,
    at: datetime.datetime | None = None,
    **changes,
) -> Opportunity:
    """Change fields; a new stage goes through the same rules as opportunity_move_stage."""
    if READS_ACCOUNT & set(changes):
        _lock_account_first(opportunity, changes)
    current = records.lock(opportunity, version, among=visibility.writable(by, Opportunity))
    visibility.check_links(by, changes, current)
    before = records.snapshot(current)
    at = at or timezone.now()
    stage = changes.pop("stage", None)
    reason_sent = "lost_reason" in changes
    lost_reason = changes.pop("lost_reason", None)
    detail = changes.pop("lost_reason_detail", None)
    cause = None
    if stage is not None and stage.pk != current.stage_id:
        cause = _enter_stage(
            current, stage, lost_reason=lost_reason, lost_reason_detail=detail, by=by, at=at
        )
        cause = _close_date_sent(current, cause, changes, before, at)
    elif current.stage.is_lost:
        if reason_sent and lost_reason is None:
            raise ValidationError({"lost_reason": ["A lost opportunity needs a lost reason."]})
        if lost_reason is not None or detail is not None:
            _set_lost_reason(current, lost_reason, detail)
    elif lost_reason is not None or (detail or "").strip():
        # An open or won deal sent without a reason (a full update) is fine; with one, not.
        field = "lost_reason" if lost_reason is not None else "lost_reason_detail"
        raise ValidationError({field: ["Only a lost opportunity has a lost reason."]})
    if changes.get("currency", current.currency) != current.currency:
        changes["currency"] = currency_check(changes["currency"])
    records.apply(current, OPPORTUNITY_FIELDS, changes)
    if "contact" in changes or "account" in changes:
        _check_contact(current.contact, current.account)
    if "account" in changes and current.account_id != before["account_id"]:
        if current.is_won:
            account_won(account_id=current.account_id, by=by, on=current.closed_date, at=at)
    if records.save_changes(current, before, by=by, action="deals.opportunity.changed", at=at):
        _record_history(current, before, by=by, at=at, cause=cause)
    return current


def _close_date_sent(current: Opportunity, cause: str | None, changes: dict, before, at):
    """Reconcile a close date sent with a stage move with what closing or reopening set.

    A form sends the close date it showed: unchanged, it is not a choice. Closing sets the
    day of closing whatever was sent; reopening keeps a date the rep typed (a choice, not the
    planned one put back), and needs one when the planned date has passed.
    """
    sent = changes.get("close_date")
    typed = sent is not None and sent != before["close_date"]
    if cause is None:
        return None
    if cause == "closing" or not typed:
        changes.pop("close_date", None)
    if cause == "closing":
        return cause
    if typed:  # reopening on a date the rep chose
        if sent < timezone.localdate(at):
            raise ValidationError({"close_date": ["Reopen with a close date from today on."]})
        return None
    if cause == "reopening-past":
        planned = before["planned_close_date"]
        when = f", {dates.day(planned)}," if planned else ""
        raise ValidationError(
            {"close_date": [f"The planned close date{when} has passed: give a new one to reopen."]}
        )
    return cause


def opportunity_move_stage(
    *,
    opportunity: Opportunity,
    by: User,
    stage: Stage,
    lost_reason: LostReason | None = None,
    lost_reason_detail: str | None = None,
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Opportunity:
    """Move a deal to another stage of its pipeline (the board, the deal page's stage bar).

    Won sets the closed date and makes the account a Customer; lost needs a reason from the
    list (and a detail for "Other"); moving a closed deal back to an open stage reopens it
    and clears the reason. Every move is in the history.
    """
    return opportunity_update(
        opportunity=opportunity,
        by=by,
        version=version,
        at=at,
        stage=stage,
        lost_reason=lost_reason,
        lost_reason_detail=lost_reason_detail,
    )


@transaction.atomic
def opportunity_delete(
    *, opportunity: Opportunity, by: User, at: datetime.datetime | None = None
) -> None:
    _lock_account_first(opportunity, {})
    current = records.lock(opportunity, among=visibility.writable(by, Opportunity))
    records.remove(current, by=by, action="deals.opportunity.deleted", at=at)


# Changes after which a deal's triggers read or write its account and contact: its search text
# holds the account's name (search migrations 0003, 0009), and who sees the account and the
# contact depends on its owner (0007).
READS_ACCOUNT = {"name", "owner", "account", "contact"}


def _lock_account_first(opportunity: Opportunity, changes: dict) -> None:
    """PostgreSQL: lock the deal's accounts and contacts, old and new, before the deal itself.

    The deal's triggers lock them after the deal, while an account's rename locks the account
    and then its deals (to refresh their text): a deal reassigned during its account's rename
    waited for the rename, which waited for the deal, until PostgreSQL failed one of them (a
    deadlock). Taken here first, in id order, each waits its turn.
    """
    if connection.vendor != "postgresql":
        return
    for model, name in ((Account, "account"), (Contact, "contact")):
        ids = {getattr(opportunity, f"{name}_id"), getattr(changes.get(name), "pk", None)}
        ids.discard(None)
        if ids:
            rows = model.objects.filter(pk__in=ids).order_by("pk").select_for_update(no_key=True)
            list(rows.values_list("pk", flat=True))


@transaction.atomic
def opportunity_snooze(
    *,
    opportunity: Opportunity,
    by: User,
    until: datetime.date,
    reason: str,
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Opportunity:
    """Stop a rotting deal from showing as rotting until `until`, saying why."""
    at = at or timezone.now()
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why the deal can wait."]})
    if until <= timezone.localdate(at):
        raise ValidationError({"until": ["Snooze until a future date."]})
    current = records.lock(opportunity, version, among=visibility.writable(by, Opportunity))
    before = records.snapshot(current)
    current.snoozed_until = until
    current.snooze_reason = reason.strip()
    records.save_changes(current, before, by=by, action="deals.opportunity.snoozed", at=at)
    return current
