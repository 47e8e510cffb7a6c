"""The company's currency and its table of dated exchange rates, kept by admins.

Every deal is in the company's currency or in one the table has a rate for (`currency_check`),
so that no total ever converts an amount at a rate nobody gave.
"""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from salestrack.audit import records
from salestrack.company.models import Company, ExchangeRate
from salestrack.company.money import CURRENCIES, company_currency, in_use
from salestrack.lib import dates
from salestrack.lib.errors import Conflict, Forbidden
from salestrack.teams.models import User

RATE_FIELDS = {"currency", "rate", "valid_from"}
MAX_RATE = Decimal("9999999999")  # 10 digits before the point, as the column holds


def _refuse_unless_admin(by: User | None) -> None:
    if by is not None and not by.is_admin:
        raise Forbidden("Only an admin can change the company's currency and exchange rates.")


def currency_code(value, *, field: str = "currency") -> str:
    """An ISO 4217 code, upper-cased, or a field error."""
    code = str(value or "").strip().upper()
    if code not in CURRENCIES:
        shown = code or "an empty value"
        raise ValidationError({field: [f"{shown} is not an ISO 4217 currency code (e.g. EUR)."]})
    return code


def currency_check(value) -> str:
    """A deal's currency: the company's own, or one the rate table has a rate for."""
    code = currency_code(value)
    if code != company_currency() and not ExchangeRate.objects.filter(currency=code).exists():
        raise ValidationError(
            {
                "currency": [
                    f"There is no exchange rate for {code}: "
                    "an admin adds one under Settings › Company."
                ]
            }
        )
    return code


def _rate_value(value, field: str = "rate") -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [f"{value!r} is not a number."]}) from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationError({field: ["A rate is a number above 0."]})
    if rate >= MAX_RATE or rate.as_tuple().exponent < -8:
        raise ValidationError(
            {field: ["A rate has at most 10 digits before the point and 8 after."]}
        )
    return rate


COMPANY_FIELDS = {"currency", "fiscal_year_start"}


@transaction.atomic
def company_update(*, by: User | None, at: datetime.datetime | None = None, **changes) -> Company:
    """Change the company's settings: its currency, the month its fiscal year starts."""
    _refuse_unless_admin(by)
    records.check_fields(Company, COMPANY_FIELDS, changes)
    company = Company.objects.select_for_update().filter(pk=1).first()
    if company is None:  # emptied by a test that flushes every table
        company = Company.objects.create(pk=1)
    before = records.snapshot(company)
    if "currency" in changes:
        code = currency_code(changes["currency"])
        if code != company.currency:
            _refuse_currency_change(company.currency, code)
        company.currency = code
    if "fiscal_year_start" in changes:
        month = changes["fiscal_year_start"]
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise ValidationError({"fiscal_year_start": ["A month from 1 (January) to 12."]})
        company.fiscal_year_start = month
    records.save_changes(company, before, by=by, action="company.changed", at=at)
    return company


def _refuse_currency_change(old: str, new: str) -> None:
    """The currency changes only while no rate and no deal is stated in another one.

    Rates are stated in the company's currency, so a change would make every rate wrong;
    converting the table to a new currency is a job for a person with the new rates at hand.
    """
    if ExchangeRate.objects.exists():
        raise Conflict(
            f"The exchange rates are stated in {old}: delete them before changing "
            "the company's currency.",
            {"currency": ["Delete the exchange rates first."]},
        )
    if in_use(old):
        raise Conflict(
            f"Deals are in {old}: the company's currency can change only while "
            f"every deal is in {new}.",
            {"currency": [f"Deals are in {old}."]},
        )


def _check_rate(rate: ExchangeRate) -> None:
    rate.currency = currency_code(rate.currency)
    if rate.currency == company_currency():
        raise ValidationError(
            {"currency": [f"{rate.currency} is the company's currency: its rate is always 1."]}
        )
    rate.rate = _rate_value(rate.rate)
    if not isinstance(rate.valid_from, datetime.date):
        raise ValidationError({"valid_from": ["Give the date the rate applies from."]})
    taken = ExchangeRate.objects.filter(currency=rate.currency, valid_from=rate.valid_from)
    if taken.exclude(pk=rate.pk).exists():
        raise ValidationError(
            {
                "valid_from": [
                    f"{rate.currency} already has a rate from {dates.day(rate.valid_from)}."
                ]
            }
        )


@transaction.atomic
def rate_create(
    *,
    by: User | None,
    currency: str,
    rate,
    valid_from: datetime.date,
    at: datetime.datetime | None = None,
) -> ExchangeRate:
    _refuse_unless_admin(by)
    row = ExchangeRate(currency=currency, rate=rate, valid_from=valid_from)
    _check_rate(row)
    try:
        with transaction.atomic():
            return records.insert(row, by=by, action="company.rate.created", at=at)
    except IntegrityError:  # the same day's rate, written at the same moment by someone else
        raise Conflict(
            f"{row.currency} already has a rate from {dates.day(row.valid_from)}."
        ) from None


@transaction.atomic
def rate_update(
    *, exchange_rate: ExchangeRate, by: User | None, at: datetime.datetime | None = None, **changes
) -> ExchangeRate:
    _refuse_unless_admin(by)
    records.check_fields(ExchangeRate, RATE_FIELDS, changes)
    current = ExchangeRate.objects.select_for_update().get(pk=exchange_rate.pk)
    before = records.snapshot(current)
    if "currency" in changes and currency_code(changes["currency"]) != current.currency:
        _refuse_last_in_use(current)
    records.apply(current, RATE_FIELDS, changes)
    _check_rate(current)
    records.save_changes(current, before, by=by, action="company.rate.changed", at=at)
    return current


def _refuse_last_in_use(rate: ExchangeRate) -> None:
    others = ExchangeRate.objects.filter(currency=rate.currency).exclude(pk=rate.pk)
    if not others.exists() and in_use(rate.currency):
        raise Conflict(
            f"Deals are in {rate.currency} and this is its only rate: add another rate "
            "for it first, or move those deals to another currency."
        )


@transaction.atomic
def rate_delete(
    *, exchange_rate: ExchangeRate, by: User | None, at: datetime.datetime | None = None
) -> None:
    _refuse_unless_admin(by)
    current = ExchangeRate.objects.select_for_update().get(pk=exchange_rate.pk)
    _refuse_last_in_use(current)
    records.remove(current, by=by, action="company.rate.deleted", at=at, keep=False)


@transaction.atomic
def rates_import(*, by: User | None, text: str, at: datetime.datetime | None = None) -> dict:
    """Add or correct rates from CSV text with the columns currency, rate, valid_from.

    All or nothing: a bad line is a field error naming its line, and nothing is written. A
    line for a day a currency already has a rate for corrects that rate.
    """
    _refuse_unless_admin(by)
    at = at or timezone.now()
    reader = csv.DictReader(io.StringIO(text))
    columns = {name.strip().lower() for name in reader.fieldnames or [] if name}
    if missing := sorted(RATE_FIELDS - columns):
        raise ValidationError(
            {"file": [f"The first line names the columns; missing: {', '.join(missing)}."]}
        )
    counts = {"created": 0, "changed": 0, "unchanged": 0}
    seen = set()
    errors = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        try:
            currency = currency_code(row["currency"])
            rate = _rate_value(row["rate"])
            try:
                valid_from = datetime.date.fromisoformat(row["valid_from"])
            except ValueError:
                raise ValidationError(
                    {"valid_from": [f"{row['valid_from']!r} is not a date like 2026-12-31."]}
                ) from None
            if (currency, valid_from) in seen:
                raise ValidationError(
                    {"valid_from": ["the same currency and day twice in the file."]}
                )
            seen.add((currency, valid_from))
            existing = ExchangeRate.objects.filter(currency=currency, valid_from=valid_from).first()
            if existing is None:
                rate_create(by=by, currency=currency, rate=rate, valid_from=valid_from, at=at)
                counts["created"] += 1
            elif existing.rate != rate:
                rate_update(exchange_rate=existing, by=by, rate=rate, at=at)
                counts["changed"] += 1
            else:
                counts["unchanged"] += 1
        except ValidationError as error:
            for messages in error.message_dict.values():
                errors.extend(f"Line {line}: {message}" for message in messages)
    if errors:
        shown = errors[:10] + ([f"… and {len(errors) - 10} more."] if len(errors) > 10 else [])
        raise ValidationError({"file": shown})
    return counts
