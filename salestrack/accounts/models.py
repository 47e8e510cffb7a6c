from django.db import models
from django.urls import reverse

from salestrack.access.visibility import Rule
from salestrack.lib.models import Address, OwnedRecord
from salestrack.lib.text import validate_website


class Account(OwnedRecord, Address):
    """A company. Prospect until its first opportunity is won, then Customer."""

    class Type(models.TextChoices):
        PROSPECT = "prospect", "Prospect"
        CUSTOMER = "customer", "Customer"
        FORMER = "former", "Former customer"

    name = models.CharField(max_length=200)
    website = models.CharField(max_length=200, blank=True, validators=[validate_website])
    phone = models.CharField(max_length=50, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.PROSPECT)
    customer_since = models.DateField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    # Kept by the services for conversion matching (see lib/text.py).
    domain = models.CharField(max_length=200, blank=True, db_index=True)
    name_key = models.CharField(max_length=200, blank=True, db_index=True)

    # Also seen, read-only, by the owner of a deal on it: the rep works the deal there.
    access = Rule(seen_through=(("deals.Opportunity", "account"),))

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="account_owner_idx"),
            models.Index(fields=["name", "id"], name="account_name_idx"),
            models.Index(fields=["updated_at", "id"], name="account_updated_idx"),
            models.Index(fields=["type", "id"], name="account_type_idx"),
            models.Index(fields=["customer_since", "id"], name="account_customer_since_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("account-detail", args=[self.pk])


class Contact(OwnedRecord, Address):
    """A person, usually at an account."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)
    title = models.CharField(max_length=100, blank=True)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    description = models.TextField(blank=True)
    email_key = models.CharField(max_length=254, blank=True, db_index=True)
    name_key = models.CharField(max_length=200, blank=True)

    # Also seen, read-only, by the owner of a deal with it: the rep works the deal there.
    access = Rule(seen_through=(("deals.Opportunity", "contact"),))

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="contact_owner_idx"),
            models.Index(fields=["last_name", "id"], name="contact_last_name_idx"),
            models.Index(fields=["updated_at", "id"], name="contact_updated_idx"),
            models.Index(fields=["account", "name_key"], name="contact_account_name_idx"),
            models.Index(fields=["email", "id"], name="contact_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("contact-detail", args=[self.pk])
