"""Reads of opportunities that are more than a queryset."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from salestrack.company.money import CENT, in_company_currency
from salestrack.opportunities.models import OpportunityState


@dataclass
class Sums:
    """What some deals add up to, in the company's currency."""

    count: int = 0
    amount: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)  # each deal's amount times its probability, not rounded


def grouped_sums(opportunities, *keys: str):
    """Rows of count and converted amount per `keys` and probability, for `add_up`.

    Weighted figures are summed from these rows rather than in SQL: a SQL sum of amount x
    probability converted each deal in another currency a second time (docs/benchmarks.md,
    twelfth session)."""
    return (
        opportunities.order_by()
        .values(*keys, "probability")
        .annotate(count=Count("*"), total=Sum(in_company_currency()))
    )


def add_up(rows, *keys: str) -> dict[tuple, Sums]:
    """The rows of `grouped_sums` as Sums per value of `keys`."""
    sums: dict[tuple, Sums] = {}
    for row in rows:
        found = sums.setdefault(tuple(row[key] for key in keys), Sums())
        # SQLite sums decimals as floats: each term is in cents, so the sum is too.
        total = (row["total"] or Decimal(0)).quantize(CENT)
        found.count += row["count"]
        found.amount += total
        found.weighted += total * row["probability"] / 100
    return sums


@dataclass
class Totals:
    count: int  # every deal of the list, open or closed
    open_count: int
    open_amount: Decimal  # in the company's currency
    weighted: Decimal  # each open deal's amount times its probability


def opportunity_totals(opportunities) -> Totals:
    """What a filtered list adds up to: its count, and its open deals' pipeline and weighted
    pipeline in the company's currency (each deal converted, then summed)."""
    rows = opportunities.order_by()
    # Two reads: the count from the narrowest index, the sums from the open deals' index
    # (opp_open_totals_idx) rather than every deal ever closed.
    count = rows.count()
    sums = add_up(grouped_sums(rows.filter(is_closed=False))).get((), Sums())
    return Totals(
        count=count,
        open_count=sums.count,
        open_amount=sums.amount,
        weighted=sums.weighted.quantize(CENT),
    )


def pipeline_as_of(moment, *, open_only: bool = False):
    """Every opportunity's stage, amount, currency, close date, probability, forecast category
    and owner as they stood at `moment` (OpportunityState): one row per deal that existed
    then and was not in the trash; with `open_only`, those that were open then (read from
    their own index). Filter it as any queryset (by owner, stage, close date)."""
    states = OpportunityState.objects.filter(valid_from__lte=moment, valid_to__gt=moment)
    return states.filter(is_closed=False) if open_only else states
