"""The trash: deleted records, kept whole until an admin puts them back.

Deleting a lead, account, contact, opportunity or activity (`records.remove`) moves its row,
and the rows its deletion takes along, into one `Deleted` row, then deletes them. Nothing
reads a `deleted_at`: lists, the board and the search read their tables as they are (tuned on
a million-lead org), and no query can forget to hide what was deleted. The search indexes
follow by themselves: their triggers react to the DELETE and, on restore, to the INSERT.

What a deletion takes along is what Django's delete() does, as its Collector finds it: rows
that cascade (the activities on a deal) are kept whole, links set to null (a converted lead's
opportunity) as (row, field, target). The append-only logs stay: the audit log and a deal's
history do not cascade, and the history gets a row marking the deletion (and the restore).
"""

from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models, router, transaction
from django.db.models import F
from django.db.models.deletion import SET_NULL, Collector
from django.utils import timezone

from salestrack.audit.models import Deleted
from salestrack.audit.services import audit_log, jsonable
from salestrack.lib.errors import Conflict


def discard(instance: models.Model, *, by, at) -> Deleted:
    """Move a record, and what deleting it takes along, to the trash.

    1. Collect as Model.delete() does: a protected link raises ProtectedError as it would.
    2. Keep every row whole (the Collector reads only the keys it needs) and every link that
       is set to null, with the row it belonged to and what it pointed at.
    3. Delete through the same Collector, then mark the deletion in the logs that follow the
       record (a deal's history).
    """
    using = router.db_for_write(type(instance), instance=instance)
    collector = Collector(using=using, origin=instance)
    collector.collect([instance])
    collector.sort()  # the order deletion takes: a restore inserts in the reverse
    rows = []
    for model, objs in reversed(list(collector.data.items())):
        rows += _rows(model._base_manager.using(using).filter(pk__in=[o.pk for o in objs]))
    for queryset in collector.fast_deletes:  # rows nothing points at: they go in last
        rows += _rows(queryset)
    taken = {(row["model"], row["fields"]["id"]) for row in rows}
    unlinked = []
    for (field, value), batches in collector.field_updates.items():
        if value is not None:  # SET_DEFAULT, SET(...): the old value is not ours to restore
            raise NotImplementedError(f"{field} is set to {value!r} on delete: not undone yet")
        label = field.model._meta.label_lower
        for pk, to in _links(field, batches, using):
            if (label, pk) not in taken:
                unlinked.append({"model": label, "field": field.attname, "id": pk, "to": to})
    collector.delete()
    _mark(rows, deleted=True, by=by, at=at)
    return Deleted.objects.create(
        model=instance._meta.label_lower,
        object_id=rows[0]["fields"]["id"],
        name=str(instance)[:200],
        deleted_by=by if getattr(by, "pk", None) else None,
        deleted_at=at,
        rows=rows,
        unlinked=unlinked,
    )


@transaction.atomic
def record_restore(*, deleted: Deleted, by, at=None) -> models.Model:
    """Put a deleted record back as it was, with what its deletion took along; admins only.

    1. Lock the trash row: of two restores at once one wins, the other gets Conflict.
    2. Refuse with Conflict when one of its ids was taken meanwhile, or when a row needs a
       record that is gone: "restore it first" if it is in the trash. A link that deleting
       its target would only have set to null (a deal's contact) comes back empty instead,
       and the target's trash row learns it, so that restoring the target links it again.
    3. Insert the rows with their ids and every value (created_at and version included), set
       the links its deletion nulled again where still empty, mark the restore in the logs
       that follow the record, audit it, and empty the trash row.
    """
    if not getattr(by, "is_admin", False):
        raise PermissionDenied("Only an admin restores deleted records.")
    at = at or timezone.now()
    entry = Deleted.objects.select_for_update().filter(pk=deleted.pk).first()
    if entry is None:
        raise Conflict(f"{deleted.kind.capitalize()} {deleted.name} was restored already.")
    objs = [_build(row) for row in entry.rows]
    using = router.db_for_write(type(objs[0]), instance=objs[0])
    _check_ids_free(objs, using)
    _check_needs(objs, using)
    for obj in objs:
        # raw: the values as they were, not what auto_now and auto_now_add would stamp now.
        obj.save_base(raw=True, force_insert=True, using=using)
    _relink(entry.unlinked, using)
    _mark(entry.rows, deleted=False, by=by, at=at)
    record = objs[0]
    audit_log(instance=record, action=f"{entry.model}.restored", by=by, data={"name": entry.name})
    entry.delete()
    return type(record)._default_manager.using(using).get(pk=record.pk)


def _rows(queryset) -> list[dict[str, Any]]:
    model = queryset.model
    names = [f.attname for f in model._meta.concrete_fields if not f.generated]
    label = model._meta.label_lower
    return [
        {"model": label, "fields": {k: jsonable(v) for k, v in row.items()}}
        for row in queryset.values(*names).order_by("pk")
    ]


def _links(field, batches, using) -> list[tuple[int, Any]]:
    """(row id, target id) of each row whose `field` the deletion is about to set to null."""
    pks = []
    links = []
    for batch in batches:
        if isinstance(batch, models.QuerySet):
            links += batch.values_list("pk", field.attname)
        else:
            pks += [obj.pk for obj in batch]
    if pks:
        rows = field.model._base_manager.using(using).filter(pk__in=pks)
        links += rows.values_list("pk", field.attname)
    return [(pk, to) for pk, to in links if to is not None]


def _build(row: dict[str, Any]) -> models.Model:
    model = apps.get_model(row["model"])
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname in row["fields"]:
            values[field.attname] = field.to_python(row["fields"][field.attname])
    return model(**values)


def _describe(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name)


def _check_ids_free(objs: list[models.Model], using: str) -> None:
    by_model = defaultdict(list)
    for obj in objs:
        by_model[type(obj)].append(obj.pk)
    for model, pks in by_model.items():
        taken = model._base_manager.using(using).filter(pk__in=pks).values_list("pk", flat=True)
        pk = taken.first()
        if pk is not None:
            raise Conflict(
                f"Another {_describe(model)} has the id {pk} now: the deleted one cannot be put "
                "back with its id."
            )


def _check_needs(objs: list[models.Model], using: str) -> None:
    """Refuse when a row points at a record that is gone, unless the link may be empty."""
    restoring = {(type(o)._meta.label_lower, o.pk) for o in objs}
    wanted = defaultdict(set)
    for obj in objs:
        for field, value in _targets(obj):
            label = field.related_model._meta.label_lower
            if (label, value) not in restoring:
                wanted[field.related_model].add(value)
    # Locked, so that none is deleted before this commits (PostgreSQL).
    present = _lock(wanted, using)
    for obj in objs:
        for field, value in _targets(obj):
            if field.related_model not in present or value in present[field.related_model]:
                continue
            trashed = Deleted.objects.filter(
                model=field.related_model._meta.label_lower, object_id=value
            ).first()
            whose = (
                f"this {_describe(type(obj))}"
                if obj is objs[0]
                else f"a {_describe(type(obj))} deleted with it"
            )
            if field.remote_field.on_delete is SET_NULL:
                # What deleting the target would have done had the row been there.
                setattr(obj, field.attname, None)
                if trashed is not None:
                    _learn_link(trashed, type(obj), field.attname, obj.pk, value)
            elif trashed is not None:
                raise Conflict(
                    f"Restore the {trashed.kind} {trashed.name} first: {whose} needs it.",
                    {field.name: [f"The {trashed.kind} {trashed.name} is deleted."]},
                )
            else:
                gone = f"{_describe(field.related_model).capitalize()} {value} no longer exists."
                raise Conflict(
                    f"The {field.verbose_name} of {whose} no longer exists: it cannot be put back.",
                    {field.name: [gone]},
                )


def _lock(wanted: dict[type[models.Model], set], using: str) -> dict[type[models.Model], set]:
    """Lock the rows wanted, in one order: by model label (accounts, contacts, then deals),
    then id; return the ids of those that exist."""
    present = {}
    for model in sorted(wanted, key=lambda m: m._meta.label_lower):
        rows = model._base_manager.using(using).filter(pk__in=wanted[model]).order_by("pk")
        present[model] = set(rows.select_for_update(no_key=True).values_list("pk", flat=True))
    return present


def _targets(obj: models.Model):
    for field in obj._meta.concrete_fields:
        if field.many_to_one and getattr(obj, field.attname) is not None:
            yield field, getattr(obj, field.attname)


def _learn_link(trashed: Deleted, model, attname: str, pk: int, to: int) -> None:
    entry = Deleted.objects.select_for_update().get(pk=trashed.pk)
    entry.unlinked.append({"model": model._meta.label_lower, "field": attname, "id": pk, "to": to})
    entry.save(update_fields=["unlinked"])


def _relink(unlinked: list[dict[str, Any]], using: str) -> None:
    """Set again the links the deletion set to null: on rows still there and still empty; a
    row that is in the trash itself gets the link back in its kept values."""
    groups = defaultdict(list)
    for link in unlinked:
        groups[link["model"], link["field"], link["to"]].append(link["id"])
    for (label, attname, to), pks in groups.items():
        model = apps.get_model(label)
        rows = model._base_manager.using(using).filter(pk__in=pks)
        present = set(rows.values_list("pk", flat=True))
        # A deal's triggers lock its account and contact after the deal (PostgreSQL): take
        # them first, as every write does (deals/services.py), so that none waits in a circle.
        wanted = defaultdict(set)
        for obj in rows:
            for field, value in _targets(obj):
                wanted[field.related_model].add(value)
        _lock(wanted, using)
        changes = {attname: to}
        if any(f.name == "version" for f in model._meta.concrete_fields):
            changes["version"] = F("version") + 1  # a write based on the unlinked row is stale
        rows.filter(**{attname: None}).update(**changes)
        for pk in set(pks) - present:
            trashed = Deleted.objects.select_for_update().filter(model=label, object_id=pk).first()
            if trashed is not None:
                for row in trashed.rows:
                    if row["model"] == label and row["fields"]["id"] == pk:
                        row["fields"][attname] = row["fields"][attname] or to
                trashed.save(update_fields=["rows"])


def _mark(rows: list[dict[str, Any]], *, deleted: bool, by, at) -> None:
    """Tell the logs that follow a kind past its deletion (a deal's history) it went or came."""
    for row in rows:
        model = apps.get_model(row["model"])
        for rel in model._meta.related_objects:
            if hasattr(rel.related_model, "mark_trashed"):
                rel.related_model.mark_trashed(row["fields"]["id"], deleted=deleted, by=by, at=at)
