import datetime
import decimal
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from salestrack.audit.models import AuditEntry


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def audit_log(
    *,
    instance: models.Model,
    action: str,
    by,
    data: dict | None = None,
    at: datetime.datetime | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        model=instance._meta.label_lower,
        object_id=instance.pk,
        actor=by if getattr(by, "pk", None) else None,
        data=jsonable(data or {}),
    )
    if at is not None:
        entry.at = at
    entry.save()
    return entry


UNKNOWN = object()  # the old value of an entry written before the log kept old values


@dataclass(frozen=True)
class Change:
    """One field of an audit entry: its old value (or UNKNOWN) and its new one, as stored.

    A related record is its id (`related` says so); `field` is None for data that names no
    field of the record (a deletion's {"name": ...}).
    """

    name: str
    old: Any
    new: Any
    field: models.Field | None

    @property
    def related(self) -> type[models.Model] | None:
        return self.field.related_model if self.field is not None else None


def audit_changes(entry: AuditEntry, model: type[models.Model]) -> list[Change]:
    """The entry's data as changes of `model`'s fields, whichever shape it was written in.

    Today's entries keep {field: {"old": ..., "new": ...}}. Older ones kept only the new
    value, a related record as {"id": ..., "name": ...}: their names are left out, since the
    reader may not be allowed to see the record; the id is looked up like any other.
    """
    changes = []
    for name, value in _in_field_order(model, entry.data or {}):
        if isinstance(value, dict) and value.keys() == {"old", "new"}:
            old, new = value["old"], value["new"]
        else:
            old, new = UNKNOWN, value
        field = _field(model, name)
        if field is not None and field.is_relation:
            old, new = _id(old), _id(new)
        changes.append(Change(name, old, new, field))
    return changes


def _in_field_order(model: type[models.Model], data: dict) -> list[tuple[str, Any]]:
    # PostgreSQL's jsonb keeps keys in an order of its own: show them in the model's.
    order = {f.name: i for i, f in enumerate(model._meta.concrete_fields)}
    return sorted(data.items(), key=lambda item: order.get(item[0], len(order)))


def _field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # data about the entry, not a field
        return None
    return field if field.concrete else None


def _id(value: Any) -> Any:
    if isinstance(value, dict):  # an older entry's {"id": ..., "name": ...}
        return value.get("id")
    return value
