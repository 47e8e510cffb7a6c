"""Abstract bases shared by the records sales people own (lead, account, contact, opportunity)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


def now():
    """The default of created_at and updated_at: timezone.now looked up at each call, so that
    a clock stood in for it (the demo's timeline) is the one read; a write that says when it
    happened wins."""
    return timezone.now()


class OwnedRecord(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Optimistic concurrency: a write names the version it read; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now, db_index=True)
    # Set by the write path (audit/records.py) to when the write happened, as created_at.
    updated_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        abstract = True


class Address(models.Model):
    """The same address fields, in the same order, on Lead, Account and Contact."""

    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


ADDRESS_FIELDS = ["street", "city", "state", "postal_code", "country"]
