"""The write path every service shares: lock, check the version, diff, validate, save, audit."""

from typing import Any

from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from salestrack.audit import trash
from salestrack.audit.services import audit_log
from salestrack.lib.errors import Conflict, StaleVersion

SKIP = {"id", "version", "created_at", "updated_at"}


def snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def lock(instance: models.Model, version: int | None = None) -> models.Model:
    """Re-read the row under a write lock and refuse a write based on a stale version.

    PostgreSQL locks the row (SELECT ... FOR UPDATE); SQLite's IMMEDIATE transactions already
    hold the database's write lock from BEGIN, so the re-read sees the last committed state.
    """
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
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


def validate(instance: models.Model) -> None:
    # Related objects come in as instances the caller already checked for visibility:
    # skip the per-key existence queries full_clean would make.
    fks = [f.name for f in instance._meta.concrete_fields if f.is_relation]
    instance.full_clean(exclude=fks, validate_unique=False, validate_constraints=False)


def save_changes(
    instance: models.Model, before: dict[str, Any], *, by, action: str
) -> dict[str, tuple[Any, Any]]:
    """Save what changed since `before`, bump the version and log it; return {field: (old, new)}."""
    names = _field_names(instance)
    changed = {
        names[attname]: (before[attname], value)
        for attname, value in snapshot(instance).items()
        if attname not in SKIP and before[attname] != value
    }
    if not changed:
        return {}
    validate(instance)
    instance.version += 1
    instance.save()
    audit_log(instance=instance, action=action, by=by, data=_logged(instance, changed))
    return changed


def insert(instance: models.Model, *, by, action: str) -> models.Model:
    """Validate, save and log a new record."""
    validate(instance)
    instance.save()
    names = _field_names(instance)
    filled = [
        names[k] for k, v in snapshot(instance).items() if k not in SKIP and v not in ("", None)
    ]
    audit_log(instance=instance, action=action, by=by, data=_logged(instance, filled))
    return instance


def _field_names(instance: models.Model) -> dict[str, str]:
    return {f.attname: f.name for f in instance._meta.concrete_fields}


def _logged(instance: models.Model, names) -> dict[str, Any]:
    """The audit data: plain values, and {"id", "name"} for a related record (for the timeline)."""
    data = {}
    for name in names:
        if instance._meta.get_field(name).is_relation:
            related = getattr(instance, name)
            data[name] = None if related is None else {"id": related.pk, "name": str(related)}
        else:
            data[name] = getattr(instance, name)
    return data


def remove(instance: models.Model, *, by, action: str, at=None) -> None:
    """Delete a record to the trash (audit/trash.py), keeping who deleted what in the audit log.

    An admin can restore it from there, with what its deletion took along.
    """
    label = str(instance)
    at = at or timezone.now()
    try:
        with transaction.atomic():
            audit_log(instance=instance, action=action, by=by, data={"name": label})
            trash.discard(instance, by=by, at=at)
    except (ProtectedError, RestrictedError):
        raise Conflict(f"{label} is still used by other records and cannot be deleted.") from None
