"""The list of lost reasons, as sales ops keep it: add, rename, reorder, retire, delete.

Losses are counted by reason, so a reason deals were lost for is never deleted: it is
retired, which keeps it on those deals and stops offering it.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salestrack.access import visibility
from salestrack.audit import records
from salestrack.lib.errors import Conflict, Forbidden
from salestrack.opportunities.models import LostReason, Opportunity
from salestrack.teams.models import User

LOST_REASON_FIELDS = {"name", "is_active", "needs_detail"}


def _refuse_unless_admin(by: User) -> None:
    # The list is the company's: everyone reads it, only admins change it (access.writable).
    if not by.is_admin:
        raise Forbidden("Only an admin can change the lost reasons.")


def _lock_all(by: User) -> list[LostReason]:
    """Lock the whole list, in order: changes to it queue up (the list is short)."""
    _refuse_unless_admin(by)
    rows = visibility.writable(by, LostReason).select_for_update().order_by("position", "pk")
    return list(rows)


def _check_name(reason: LostReason, reasons: list[LostReason]) -> None:
    name = " ".join((reason.name or "").split())
    if not name:
        raise ValidationError({"name": ["Give the reason a name."]})
    if any(r.name.lower() == name.lower() and r.pk != reason.pk for r in reasons):
        raise ValidationError({"name": [f"The list already has {name!r}."]})
    reason.name = name


@transaction.atomic
def lost_reason_create(
    *,
    by: User,
    name: str,
    needs_detail: bool = False,
    is_active: bool = True,
    at: datetime.datetime | None = None,
) -> LostReason:
    """Add a reason at the end of the list, or just before a last one that asks for a detail:
    "Other" stays last."""
    reasons = _lock_all(by)
    reason = LostReason(name=name, needs_detail=needs_detail, is_active=is_active)
    _check_name(reason, reasons)
    at = at or timezone.now()
    last_asks = reasons and reasons[-1].needs_detail and not needs_detail
    reasons.insert(len(reasons) - 1 if last_asks else len(reasons), reason)
    _renumber(reasons, by=by, at=at)
    return reason


@transaction.atomic
def lost_reason_update(
    *, reason: LostReason, by: User, at: datetime.datetime | None = None, **changes
) -> LostReason:
    """Rename a reason, retire or restore it (is_active), or say whether it asks for a detail.

    Deals lost for it keep it, under its new name; a retired one is no longer offered.
    """
    records.check_fields(LostReason, LOST_REASON_FIELDS, changes)
    reasons = _lock_all(by)
    current = next((r for r in reasons if r.pk == reason.pk), None)
    if current is None:
        raise LostReason.DoesNotExist("No such lost reason.")
    before = records.snapshot(current)
    records.apply(current, LOST_REASON_FIELDS, changes)
    if "name" in changes:
        _check_name(current, reasons)
    records.save_changes(current, before, by=by, action="deals.lost_reason.changed", at=at)
    return current


@transaction.atomic
def lost_reason_move(
    *, reason: LostReason, by: User, direction: str, at: datetime.datetime | None = None
) -> LostReason:
    """Swap a reason with the one before ("up") or after it ("down") in the list."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": ["Move a reason up or down."]})
    reasons = _lock_all(by)
    index = next((i for i, r in enumerate(reasons) if r.pk == reason.pk), None)
    if index is None:
        raise LostReason.DoesNotExist("No such lost reason.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(reasons):
        where = "first" if direction == "up" else "last"
        raise ValidationError({"direction": [f"{reasons[index].name} is already {where}."]})
    moved = reasons[index]
    reasons[index], reasons[other] = reasons[other], reasons[index]
    _renumber(reasons, by=by, at=at or timezone.now(), moved=moved)
    return moved


def _renumber(reasons: list[LostReason], *, by: User, at, moved: LostReason | None = None):
    """Positions 1, 2, 3... in list order: insert the new reason, log the moved one as moved
    and those that shift to make room as renumbered."""
    for position, row in enumerate(reasons, start=1):
        if row.pk is None:
            row.position = position
            records.insert(row, by=by, action="deals.lost_reason.created", at=at)
        elif row.position != position:
            before = records.snapshot(row)
            row.position = position
            action = "deals.lost_reason.moved" if row is moved else "deals.lost_reason.renumbered"
            records.save_changes(row, before, by=by, action=action, at=at)


@transaction.atomic
def lost_reason_delete(*, reason: LostReason, by: User, at: datetime.datetime | None = None):
    """Delete a reason no deal was lost for; one in use can only be retired."""
    reasons = _lock_all(by)
    current = next((r for r in reasons if r.pk == reason.pk), None)
    if current is None:
        raise LostReason.DoesNotExist("No such lost reason.")
    used = Opportunity.objects.filter(lost_reason=current).count()
    if used:
        deals = "deal was" if used == 1 else "deals were"
        raise Conflict(
            f"{used} {deals} lost for {current.name}: retire it instead, so that they keep it."
        )
    # For good: the trash keeps records people own, and the list is the company's setting.
    records.remove(current, by=by, action="deals.lost_reason.deleted", at=at, keep=False)
