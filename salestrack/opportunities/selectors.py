"""Reads of opportunities that are more than a queryset."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Sum

from salestrack.company.money import CENT, in_company_currency
from salestrack.opportunities.models import OpportunityState


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
    amount = in_company_currency()
    # Two reads: the count from the narrowest index, the sums from the open deals' index
    # (opp_open_totals_idx) rather than every deal ever closed.
    count = rows.count()
    sums = rows.filter(is_closed=False).aggregate(
        open_count=Count("*"),
        open_sum=Sum(amount),
        weighted_sum=Sum(
            amount * F("probability"), output_field=DecimalField(max_digits=24, decimal_places=2)
        ),
    )
    return Totals(
        count=count,
        open_count=sums["open_count"],
        open_amount=sums["open_sum"] or Decimal(0),
        weighted=((sums["weighted_sum"] or Decimal(0)) / 100).quantize(CENT),
    )


def pipeline_as_of(moment, *, open_only: bool = False):
    """Every opportunity's stage, amount, currency, close date, probability, forecast category
    and owner as they stood at `moment` (OpportunityState): one row per deal that existed
    then and was not in the trash; with `open_only`, those that were open then (read from
    their own index). Filter it as any queryset (by owner, stage, close date)."""
    states = OpportunityState.objects.filter(valid_from__lte=moment, valid_to__gt=moment)
    return states.filter(is_closed=False) if open_only else states
