"""OpportunityState rebuilt from the history: the command `salestrack forecast rebuild-states`
and the migration that made the table use it, and a test holds it equal to what the writes keep.

The history has a row per changed tracked field, all rows of one write at one moment; a
creation writes every field. Read in (deal, moment) order, each moment's rows are one change:
the state that held ends there and the deal's values from then on start the next, as
`OpportunityState.record` does at each write. A "deleted" row ends the state (the trash);
its reverse, a restore, starts one with the values the deal had.
"""

import datetime
from decimal import Decimal
from itertools import groupby

from django.db import transaction
from django.db.models import Q

BATCH = 5000
PARSE = {
    "stage": ("stage_id", int),
    "owner": ("owner_id", int),
    "amount": ("amount", Decimal),
    "currency": ("currency", str),
    "close_date": ("close_date", datetime.date.fromisoformat),
    "probability": ("probability", int),
    "forecast_category": ("forecast_category", str),
}


def _states(opportunity_id: int, rows, fallback: dict, forever, closed: set[int]) -> list[dict]:
    states, values, held = [], {}, None
    for at, moment in groupby(rows, key=lambda row: row[1]):
        alive = held is not None
        for field, _, new in moment:
            if field == "deleted":
                alive = new != "True"
            elif field in PARSE and new is not None:
                name, parse = PARSE[field]
                values[name] = parse(new)
        if held is not None:
            held["valid_to"] = at
            held = None
        if alive or not states:
            # A field the history never wrote (the currency before it was tracked, a history
            # written before creations wrote every field) is taken as the deal has it now.
            held = {"opportunity_id": opportunity_id, "valid_from": at, "valid_to": forever}
            held |= fallback | values
            held["is_closed"] = held["stage_id"] in closed
            states.append(held)
    return states


@transaction.atomic
def rebuild(State, History, Opportunity, Stage, *, forever, default_currency: str) -> int:
    """Replace every state with those the history says; returns how many there are now.

    Takes the models as arguments so that a migration can pass its historical ones. Reads the
    history a range of deals at a time, in (deal, moment) order.
    """
    State.objects.all().delete()
    closed = set(
        Stage.objects.filter(Q(is_won=True) | Q(is_lost=True)).values_list("pk", flat=True)
    )
    deals = History.objects.order_by("opportunity_id").values_list("opportunity_id", flat=True)
    names = [name for name, _ in PARSE.values()]
    count, low = 0, deals.first()
    while low is not None:
        ids, low = (low, low + BATCH), deals.filter(opportunity_id__gte=low + BATCH).first()
        now = {
            row["id"]: {name: row[name] for name in names}
            for row in Opportunity.objects.filter(id__gte=ids[0], id__lt=ids[1]).values(
                "id", *names
            )
        }
        rows = (
            History.objects.filter(opportunity_id__gte=ids[0], opportunity_id__lt=ids[1])
            .order_by("opportunity_id", "changed_at", "id")
            .values_list("opportunity_id", "changed_at", "field", "new_value")
        )
        batch = []
        for opportunity_id, changes in groupby(rows, key=lambda row: row[0]):
            moments = ((field, at, new) for _, at, field, new in changes)
            fallback = now.get(opportunity_id, {"currency": default_currency})
            batch += [
                State(**s) for s in _states(opportunity_id, moments, fallback, forever, closed)
            ]
        State.objects.bulk_create(batch, batch_size=BATCH)
        count += len(batch)
    return count
