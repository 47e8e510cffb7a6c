from django.conf import settings
from django.db import models

from salestrack.access.visibility import Rule
from salestrack.lib.models import now


class Activity(models.Model):
    """A call, meeting, email, task or note on a lead, contact, account or opportunity (a task
    may be on none)."""

    class Kind(models.TextChoices):
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email"
        TASK = "task", "Task"
        NOTE = "note", "Note"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    opportunity = models.ForeignKey(
        "deals.Opportunity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    occurred_at = models.DateTimeField(db_index=True)  # when it happened, or was logged
    due_date = models.DateField(null=True, blank=True)  # tasks
    done = models.BooleanField(default=True)
    done_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now, db_index=True)

    # Seen with its record; one on a deal stays as private as the deal, whatever else it is on.
    access = Rule(
        seen_with=("lead", "opportunity", "account", "contact"),
        shadowed_by={"account": "opportunity", "contact": "opportunity"},
    )

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            # A task may be on no record ("Send the board pack"); the rest are on one.
            models.CheckConstraint(
                condition=models.Q(kind="task")
                | models.Q(lead__isnull=False)
                | models.Q(contact__isnull=False)
                | models.Q(account__isnull=False)
                | models.Q(opportunity__isnull=False),
                name="activity_has_a_record",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "done", "due_date"], name="activity_owner_due_idx"),
            # Open tasks by owner and due date (My Day, the tasks list). Partial because SQLite
            # cannot read `NOT done` as `done = 0` in an index, so the index above would give it
            # only the owner: a team's hundred thousand activities to filter.
            models.Index(
                fields=["owner", "due_date", "id"],
                condition=models.Q(kind="task", done=False),
                name="activity_open_task_idx",
            ),
            models.Index(fields=["kind", "id"], name="activity_kind_idx"),
            models.Index(fields=["lead", "-occurred_at"], name="activity_lead_idx"),
            models.Index(fields=["contact", "-occurred_at"], name="activity_contact_idx"),
            models.Index(fields=["account", "-occurred_at"], name="activity_account_idx"),
            models.Index(fields=["opportunity", "-occurred_at"], name="activity_opp_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"
