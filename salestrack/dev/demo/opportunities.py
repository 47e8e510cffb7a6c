"""The demo's deals: how each opportunity goes, from creation to won, lost or still open."""

import math
from bisect import bisect_right
from decimal import Decimal
from typing import TYPE_CHECKING

from salestrack.accounts.models import Account
from salestrack.dev.demo import text
from salestrack.dev.demo.timeline import FUTURE, Ref
from salestrack.opportunities.services import (
    OpportunityDraft,
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)

if TYPE_CHECKING:
    from salestrack.dev.demo.planner import Company, Plan

TYPICAL_OPPORTUNITY = 15000  # the median deal in USD
WIN_RATE = 0.36  # of closed deals, before the rep's skill
# How far open deals have got, from Prospecting to Negotiation: more of them early on.
OPEN_STAGE_WEIGHTS = [30, 25, 20, 15, 10]
LOST_STAGE_WEIGHTS = [35, 25, 20, 12, 8]
IN_USD = {"USD": 1.0, "EUR": 1.1, "GBP": 1.3}  # about what one unit is worth
CURRENCY_WEIGHTS = [80, 14, 6]


def plan_opportunity(plan: "Plan", company: "Company", x: float, lead: Ref | None = None) -> Ref:
    """Plan one deal from x, its creation (or its lead's conversion), with its activities.

    1. Size and sales cycle are lognormal; bigger companies buy bigger, and slower.
    2. Closed if its cycle ended before today, won at the rep's win rate; else open. A few
       closed ones are left open instead: stale, no activity lately, close date past.
    3. Won deals pass every stage (or skip one); lost and open ones stop early more often.
    4. The rep's first close date is optimistic: it slips a few times before the real one.
    5. A won deal makes its account a customer, who sometimes buys again.
    """
    r, cal, owner = plan.rng, plan.cal, company.owner
    plan.opportunities += 1
    amount = TYPICAL_OPPORTUNITY * company.size * r.lognormvariate(0, 0.9)
    amount = Decimal(max(500, round(amount, -2 if amount > 5000 else -1)))
    cycle = min(250, max(8, r.lognormvariate(math.log(60), 0.5) * company.size**0.5))
    end = min(x + cycle, cal.now + FUTURE - r.uniform(0, 10))
    if end >= cal.now:
        outcome = "open"
    elif r.random() < 0.05 and end > cal.now - 90:
        outcome = "stale"
    else:
        outcome = "won" if r.random() < WIN_RATE * plan.skill[owner.pk] else "lost"

    first = 1 if lead is not None and r.random() < 0.4 else 0  # a well qualified lead
    if outcome == "won":
        path = [i for i in range(first, 5) if i in (first, 4) or r.random() > 0.15]
    else:
        weights = OPEN_STAGE_WEIGHTS if outcome == "open" else LOST_STAGE_WEIGHTS
        reach = r.choices(range(first, 5), weights[first:])[0]
        if outcome == "open":  # a deal opened last week is not in Negotiation yet
            reach = min(reach, first + int((cal.now - x) / 6))
        path = list(range(first, reach + 1))
    # Until when the deal is worked: its end, today, or for a stale one, some time ago.
    last = min(end, cal.now) if outcome != "stale" else x + (end - x) * r.uniform(0.3, 0.8)
    entered = [x] + sorted(r.uniform(x, last) for _ in path[1:])
    stages = [plan.open_stages[i] for i in path]
    product = r.choice(plan.products)
    close = x + (end - x) * r.uniform(0.55, 1.0)
    close = end if close > end - 5 else close  # near enough: the rep got it right
    opportunity = Ref()
    opportunity.draft = OpportunityDraft(
        f"{company.name} – {product} {r.choice(text.NEW_OPPORTUNITIES)}",
        cal.date(close),
        amount,
        stages[0],
    )

    if lead is None:
        contacts = company.contacts_before(x)
        person = r.choice(contacts) if contacts else None
        new_source, repeat_name = r.choice(text.DIRECT_SOURCES), r.choice(text.REPEAT_OPPORTUNITIES)
        # A share of the deals opened on accounts are priced in the customer's currency.
        currency = r.choices(list(IN_USD), CURRENCY_WEIGHTS)[0]
        priced = Decimal(round(float(amount) / IN_USD[currency], -1))

        def create():
            account = fresh(company.account)
            repeat = account.type == Account.Type.CUSTOMER
            opportunity.obj = opportunity_create(
                by=owner,
                account=account,
                contact=person and person.contact,
                name=f"{company.name} – {product} {repeat_name}"
                if repeat
                else opportunity.draft.name,
                close_date=opportunity.draft.close_date,
                amount=priced,
                currency=currency,
                stage=stages[0],
                source="Existing customer" if repeat else new_source,
                at=plan.now,
            )

        plan.at(x, create)

    def update(**changes):
        opportunity.obj = opportunity_update(
            opportunity=opportunity.obj, by=owner, at=plan.now, **changes
        )

    def move(stage, reason=None):
        opportunity.obj = opportunity_move_stage(
            opportunity=opportunity.obj, by=owner, stage=stage, lost_reason=reason, at=plan.now
        )

    for stage, t in zip(stages[1:], entered[1:], strict=True):
        plan.at(t, move, stage)
    if r.random() < 0.25 and len(entered) > 1:  # re-scoped once the needs are known
        new = Decimal(round(float(amount) * r.uniform(0.7, 1.3), -1))
        plan.at(r.uniform(entered[1], last), update, amount=new)
    # Slips: the rep pushes the close date as it comes near and the deal is not done.
    for _ in range(3):
        t = max(x + 0.01, close - r.uniform(0.5, 3))
        if close >= end - 5 or t >= min(last, cal.now):
            break
        close = close + r.uniform(8, 30)
        close = end if close > end - 5 else close
        plan.at(t, update, close_date=cal.date(close))
    if outcome in ("won", "lost"):
        if cal.date(close) != cal.date(end):
            plan.at(end, update, close_date=cal.date(end))
        if outcome == "won":
            company.won_at = min(company.won_at, end)
            plan.at(end, move, plan.won)
        else:
            plan.at(end, move, plan.lost, r.choice(plan.lost_reasons))

    # A touch every few days while the deal is worked, each fitting its stage.
    t = x + r.uniform(0.1, 3)
    while t < last:
        stage = path[bisect_right(entered, t) - 1]
        kind, subject = r.choice(text.OPPORTUNITY_TOUCHES[stage])
        plan.activity(t, kind, subject.format(product=product), owner, opportunity=opportunity)
        t += r.uniform(3, 12) / plan.skill[owner.pk]
    if outcome == "open" and r.random() < 0.8:
        t = max(x + 0.05, cal.now - r.uniform(0.05, 6))
        plan.activity(t, "task", r.choice(text.NEXT_STEPS), owner, opportunity=opportunity)
    again = end + r.uniform(20, 150)
    if outcome == "won" and again < cal.now and plan.opportunities < plan.limit:
        if r.random() < 0.35:
            plan_opportunity(plan, company, again)
    return opportunity


def fresh(account: Account) -> Account:
    # Re-read: a deal won since this copy was made has made the account a customer.
    return Account.objects.get(pk=account.pk)
