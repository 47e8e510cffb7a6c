from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One change to one record: who, when, a namespaced action and only the changed fields.

    Append-only; a record's timeline reads from here and from its activities.
    """

    action = models.CharField(max_length=80)  # "leads.lead.changed"
    model = models.CharField(max_length=40)  # "leads.lead"
    object_id = models.BigIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["model", "object_id", "-at"], name="audit_record_idx")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.model}#{self.object_id}"
