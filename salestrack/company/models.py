from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from salestrack.access.visibility import DIRECTORY
from salestrack.lib.models import now

# Until an admin says otherwise, and for every deal written before currencies had rates.
DEFAULT_CURRENCY = "USD"


class Company(models.Model):
    """The company's own settings: one row, id 1, which the first migration makes."""

    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    # The month a fiscal year starts in (1 = January: fiscal quarters are calendar quarters).
    # A fiscal year is named by the calendar year it starts in.
    fiscal_year_start = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    updated_at = models.DateTimeField(default=now)

    access = DIRECTORY

    class Meta:
        verbose_name_plural = "company"

    def __str__(self) -> str:
        return "Company settings"

    @classmethod
    def load(cls) -> "Company":
        # A test that empties every table takes the row along; its defaults stand in for it.
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class ExchangeRate(models.Model):
    """One unit of `currency` is worth `rate` units of the company's currency from `valid_from`
    until the currency's next rate; its first rate also applies before it."""

    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    valid_from = models.DateField()
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    access = DIRECTORY

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="rate_unique_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} from {self.valid_from:%Y-%m-%d}"
