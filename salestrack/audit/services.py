import datetime
import decimal
from typing import Any

from django.db import models

from salestrack.audit.models import AuditEntry


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def audit_log(*, instance: models.Model, action: str, by, data: dict | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        model=instance._meta.label_lower,
        object_id=instance.pk,
        actor=by if getattr(by, "pk", None) else None,
        data={k: jsonable(v) for k, v in (data or {}).items()},
    )
