from django.conf import settings
from django.db import models
from django.urls import reverse

from salestrack.access.visibility import Rule
from salestrack.lib.models import Address, OwnedRecord
from salestrack.lib.text import validate_website


class Lead(OwnedRecord, Address):
    """Someone who might buy but is not qualified yet. Read-only once converted."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        WORKING = "working", "Working"
        NURTURING = "nurturing", "Nurturing"
        CONVERTED = "converted", "Converted"
        DISQUALIFIED = "disqualified", "Disqualified"

    OPEN_STATUSES = [Status.NEW, Status.WORKING, Status.NURTURING]

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    title = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    website = models.CharField(max_length=200, blank=True, validators=[validate_website])
    industry = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=50, blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    score = models.PositiveSmallIntegerField(default=0)
    disqualified_reason = models.CharField(max_length=200, blank=True)

    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    converted_contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    converted_opportunity = models.ForeignKey(
        "deals.Opportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )

    # Seen by its owner and whoever manages them (access.visibility).
    access = Rule()

    class Meta:
        indexes = [
            models.Index(fields=["owner", "status", "-updated_at"], name="lead_owner_status_idx"),
            models.Index(fields=["status", "-updated_at"], name="lead_status_idx"),
            # The lists sort by (column, id) and page by keyset on the same pair.
            models.Index(fields=["last_name", "id"], name="lead_last_name_idx"),
            models.Index(fields=["updated_at", "id"], name="lead_updated_idx"),
            models.Index(fields=["owner", "updated_at", "id"], name="lead_owner_updated_idx"),
            models.Index(fields=["owner", "id"], name="lead_owner_id_idx"),
            models.Index(fields=["company", "id"], name="lead_company_idx"),
            models.Index(fields=["source", "id"], name="lead_source_idx"),
            models.Index(fields=["score", "id"], name="lead_score_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("lead-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
