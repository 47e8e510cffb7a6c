"""Amounts in the company's currency, converted when they are read.

Each deal is converted at the rate in force on its close date (before a currency's first
rate, that first rate), rounded to cents, and only then summed: a drill-down adds up to its
total, and a corrected rate corrects every figure that used it, since nothing converted is
stored.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pycountry
from django.apps import apps
from django.db.models import Case, DecimalField, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Round

from salestrack.company.models import DEFAULT_CURRENCY, Company, ExchangeRate

CENT = Decimal("0.01")
AMOUNT = DecimalField(max_digits=16, decimal_places=2)
# ISO 4217's codes for no currency and for tests are no deal's currency.
NOT_MONEY = {"XXX", "XTS"}
CURRENCIES = {c.alpha_3: c.name for c in pycountry.currencies if c.alpha_3 not in NOT_MONEY}


class Money:
    """Declared on a model whose rows hold an amount in a currency (`money = Money()`), so that
    the company's settings know which currencies are in use without naming the record apps."""

    def __init__(self, amount: str = "amount", currency: str = "currency", on: str = "close_date"):
        self.amount, self.currency, self.on = amount, currency, on


def holders():
    """(model, Money) for each model that declares its money."""
    return [(m, m.money) for m in apps.get_models() if isinstance(getattr(m, "money", None), Money)]


def in_use(currency: str) -> bool:
    return any(m.objects.filter(**{d.currency: currency}).exists() for m, d in holders())


def company_currency() -> str:
    return Company.load().currency


def currencies_offered() -> list[str]:
    """What a deal may be in: the company's currency first, then those with a rate."""
    home = company_currency()
    rated = ExchangeRate.objects.exclude(currency=home).order_by("currency")
    return [home, *rated.values_list("currency", flat=True).distinct()]


def in_company_currency(amount: str = "amount", currency: str = "currency", on: str = "close_date"):
    """A query expression: the row's `amount` in the company's currency, rounded to cents.

    Most deals are in the company's currency and take the first branch; the rate is looked up
    (one index probe on rate_unique_day) only for the others.
    """
    rates = ExchangeRate.objects.filter(currency=OuterRef(currency)).values("rate")
    rate = Coalesce(
        Subquery(rates.filter(valid_from__lte=OuterRef(on)).order_by("-valid_from")[:1]),
        Subquery(rates.order_by("valid_from")[:1]),
    )
    home = Coalesce(
        Subquery(Company.objects.filter(pk=1).values("currency")[:1]), Value(DEFAULT_CURRENCY)
    )
    return Case(
        When(**{currency: home}, then=F(amount)),
        default=Round(F(amount) * rate, 2),
        output_field=AMOUNT,
    )


class Rates:
    """The rate table read once, for converting many amounts in Python (exports, the forecast)."""

    def __init__(self):
        self.home = company_currency()
        self.table: dict[str, list[tuple[datetime.date, Decimal]]] = {}
        for row in ExchangeRate.objects.order_by("currency", "valid_from"):
            self.table.setdefault(row.currency, []).append((row.valid_from, row.rate))

    def rate(self, currency: str, on: datetime.date) -> Decimal | None:
        if currency == self.home:
            return Decimal(1)
        rows = self.table.get(currency)
        if not rows:
            return None
        found = rows[0][1]
        for valid_from, rate in rows:
            if valid_from > on:
                break
            found = rate
        return found

    def convert(self, amount: Decimal, currency: str, on: datetime.date) -> Decimal | None:
        rate = self.rate(currency, on)
        if rate is None:
            return None
        return (Decimal(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
