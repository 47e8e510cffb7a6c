"""The write path every service shares: lock, check the version, diff, validate, save, audit.

It serves every kind of row people change, owned records (with a `version` and timestamps)
and the directory alike (teams, users, pipelines, stages: neither), so that each change is
logged one way: {field: {"old": ..., "new": ...}}, values as stored (a related record by its
id), read back into names by whoever shows them (web/pages.py, through access).

Every function takes `at`, when the write happened (now by default): an import or a replay
writes created_at, updated_at and the audit entry at the real date without touching the clock.
"""

import datetime
import decimal
import functools
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from salestrack.audit import trash
from salestrack.audit.services import audit_log
from salestrack.lib.errors import Conflict, Forbidden, StaleVersion

# Never diffed nor logged: the row's id and version, and when it was made and changed (the
# write path stamps those with `at`, which the entry itself keeps).
SKIP = {"id", "version", "created_at", "updated_at", "date_joined"}
# Saved when changed, but never copied into the log: a password's hash, a token's digest.
SECRET = {"password", "digest"}


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def lock(
    instance: models.Model, version: int | None = None, *, among: models.QuerySet | None = None
) -> models.Model:
    """Re-read the row under a write lock and refuse a write based on a stale version.

    PostgreSQL locks the row (SELECT ... FOR UPDATE); SQLite's IMMEDIATE transactions already
    hold the database's write lock from BEGIN, so the re-read sees the last committed state.
    Only a model with a `version` column can be asked for one.

    `among` is the rows the writer may change (access.writable): the services pass it, so a
    write outside them is refused here whatever page, API call or command asked for it.
    """
    rows = type(instance)._default_manager if among is None else among
    try:
        current = rows.select_for_update().get(pk=instance.pk)
    except ObjectDoesNotExist:
        if among is None:
            raise
        raise Forbidden(f"You may not change this {instance._meta.verbose_name}.") from None
    if version is not None and version != current.version:
        raise StaleVersion(
            f"This {instance._meta.verbose_name} was changed by someone else meanwhile "
            f"(you had version {version}, it is now at {current.version}). Reload and retry.",
            {"version": [f"Stale: the current version is {current.version}."]},
        )
    return current


def check_fields(model: type[models.Model], allowed: set[str], fields: dict[str, Any]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)} of {model._meta.verbose_name}")


def apply(instance: models.Model, allowed: set[str], changes: dict[str, Any]) -> None:
    check_fields(type(instance), allowed, changes)
    for name, value in changes.items():
        setattr(instance, name, value)


def validate(instance: models.Model, changed: set[str] | None = None) -> None:
    """Validate the fields a write sets (`changed`, or all of a new row).

    A value saved before a rule existed (a website no domain can be read from) is not the
    writer's to fix: a conversion that marks such a lead converted must not fail on it.
    Related objects come in as instances the services checked (access.check_links): the
    per-key existence queries full_clean would make are skipped.
    """
    skipped = [
        f.name
        for f in instance._meta.concrete_fields
        if f.is_relation or (changed is not None and f.name not in changed)
    ]
    instance.full_clean(exclude=skipped, validate_unique=False, validate_constraints=False)


def save_changes(
    instance: models.Model,
    before: dict[str, Any],
    *,
    by,
    action: str,
    at: datetime.datetime | None = None,
    note: dict[str, Any] | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Save what changed since `before` and log it; return {field: (old, new)}, attname values.

    A versioned record's version is bumped; updated_at, where there is one, becomes `at`.
    Nothing changed: nothing is saved or logged. `note` adds what the change carried along
    beyond the row's fields (a handover's counts) to the entry.
    """
    names = _field_names(instance)
    changed = {
        names[attname]: (before[attname], value)
        for attname, value in snapshot(instance).items()
        if attname not in SKIP and before[attname] != value
    }
    if not changed:
        return {}
    at = at or timezone.now()
    validate(instance, set(changed))
    if _has(instance, "version"):
        instance.version += 1
    if _has(instance, "updated_at"):
        instance.updated_at = at
    instance.save()
    data = _logged(instance, changed) | (note or {})
    audit_log(instance=instance, action=action, by=by, data=data, at=at)
    return changed


def insert(
    instance: models.Model, *, by, action: str, at: datetime.datetime | None = None
) -> models.Model:
    """Validate, save and log a new record, created (and last updated) `at`."""
    at = at or timezone.now()
    for stamp in ("created_at", "updated_at"):
        if _has(instance, stamp):
            setattr(instance, stamp, at)
    validate(instance)
    instance.save()
    names = _field_names(instance)
    filled = {
        names[k]: (None, v)
        for k, v in snapshot(instance).items()
        if k not in SKIP and v not in ("", None)
    }
    audit_log(instance=instance, action=action, by=by, data=_logged(instance, filled), at=at)
    return instance


def remove(
    instance: models.Model,
    *,
    by,
    action: str,
    at: datetime.datetime | None = None,
    keep: bool = True,
) -> None:
    """Delete a record to the trash (audit/trash.py), keeping who deleted what in the audit log.

    An admin can restore it from there, with what its deletion took along. keep=False deletes
    for good: the directory's rows (a team, a stage), which the trash does not hold.
    """
    label = str(instance)
    at = at or timezone.now()
    try:
        with transaction.atomic():
            audit_log(instance=instance, action=action, by=by, data={"name": label}, at=at)
            if keep:
                trash.discard(instance, by=by, at=at)
            else:
                instance.delete()
    except (ProtectedError, RestrictedError):
        raise Conflict(f"{label} is still used by other records and cannot be deleted.") from None


def _has(instance: models.Model, attname: str) -> bool:
    return attname in _field_names(instance)


def _field_names(instance: models.Model) -> dict[str, str]:
    """{attname: name} of the model's columns ("account_id": "account")."""
    return _columns(type(instance))


@functools.cache
def _columns(model: type[models.Model]) -> dict[str, str]:
    return {f.attname: f.name for f in model._meta.concrete_fields}


def _logged(
    instance: models.Model, changed: dict[str, tuple[Any, Any]]
) -> dict[str, dict[str, Any]]:
    """The audit data: {field: {"old": ..., "new": ...}} as stored, a related record by its id.

    Names are not kept: a related record may be one the reader of the log cannot see, and
    its name may change; the timeline looks them up when it shows the entry.
    """
    data = {}
    for name, (old, new) in changed.items():
        if name not in SECRET:
            field = instance._meta.get_field(name)
            data[name] = {"old": _stored(field, old), "new": _stored(field, new)}
    return data


def _stored(field: models.Field, value: Any) -> Any:
    """The value as the database gives it back: 250 for an amount is logged as "250.00"."""
    if value is None:
        return None
    value = field.to_python(value)
    if isinstance(value, decimal.Decimal) and isinstance(field, models.DecimalField):
        value = value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    return value
