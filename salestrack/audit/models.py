from django.apps import apps
from django.conf import settings
from django.db import models

from salestrack.lib.models import now


class AppendOnlyError(ValueError):
    """A write that would change or remove a row of an append-only log."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses every way the ORM changes or removes rows in bulk: only inserts remain."""

    def _refuse(self, what: str):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: they cannot be {what}.")

    def update(self, **kwargs):
        self._refuse("updated")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("updated")

    def delete(self):
        self._refuse("deleted")

    def _raw_delete(self, using):  # Django's Collector deletes related rows through this
        self._refuse("deleted")


class AppendOnly(models.Model):
    """A log whose rows are written once and then never updated or deleted through the ORM.

    Reports, forecasts and timelines are computed from these rows: a changed row would change
    the past. The base manager is the refusing one too, so Django's own paths
    (refresh, related lookups, on_delete handlers) cannot update or delete them either.
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(
                f"{type(self).__name__} rows are append-only: they cannot be updated."
            )
        # An id given by hand must not update the row that has it.
        if not args:
            kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(
            f"{type(self).__name__} rows are append-only: they cannot be deleted."
        )


class AuditEntry(AppendOnly):
    """One change to one record: who, when, a namespaced action and only the changed fields.

    Append-only; a record's timeline reads from here and from its activities.
    """

    action = models.CharField(max_length=80)  # "leads.lead.changed"
    model = models.CharField(max_length=40)  # "leads.lead"
    object_id = models.BigIntegerField()
    # Who did it stays said even if their user row ever goes: SET_NULL would rewrite this log
    # (and its UPDATE is refused here). Users are deactivated, never deleted (handover);
    # readers join the actor (select_related), which reads a missing one as None.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    at = models.DateTimeField(default=now)
    data = models.JSONField(default=dict, blank=True)

    class Meta(AppendOnly.Meta):
        indexes = [models.Index(fields=["model", "object_id", "-at"], name="audit_record_idx")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.model}#{self.object_id}"


class Deleted(models.Model):
    """A deleted record in the trash: its row and what its deletion took along, to restore.

    Deleting moves rows here rather than marking them deleted, so that lists and the search
    read their tables as they are, with no `deleted_at` condition to pay for or to forget
    (audit/trash.py). An admin's restore puts the rows back and removes this one.
    """

    model = models.CharField(max_length=40)  # "leads.lead"
    object_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField()
    # [{"model": "deals.opportunity", "fields": {attname: value}}, ...] in the order a
    # restore inserts them: the record first, then the rows that cascaded with it.
    rows = models.JSONField(default=list)
    # Links to these rows that the deletion set to null, to set again on restore:
    # [{"model": "leads.lead", "field": "converted_opportunity_id", "id": 7, "to": 3}, ...]
    unlinked = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "deleted record"
        ordering = ["-deleted_at", "-id"]
        constraints = [
            # A record is in the trash at most once: it exists nowhere else meanwhile.
            models.UniqueConstraint(fields=["model", "object_id"], name="deleted_once"),
        ]
        indexes = [models.Index(fields=["deleted_at", "id"], name="deleted_at_idx")]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} {self.name}"

    @property
    def kind(self) -> str:
        """The record's kind as people say it: "opportunity", "lead"."""
        try:
            return apps.get_model(self.model)._meta.verbose_name
        except LookupError:
            return self.model
