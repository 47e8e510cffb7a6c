"""Opportunities and their history: how each deal goes, from creation to won, lost or still open."""

import math
import random
from array import array
from dataclasses import dataclass
from itertools import accumulate, groupby

from salestrack.dev.gen_accounts import SOURCE_NAMES, Accounts
from salestrack.dev.gen_base import DAY, HORIZON, HOUR, RECORD_COLUMNS, Context, ranks
from salestrack.dev.gen_org import Org
from salestrack.dev.gen_words import (
    DIRECT_SOURCES,
    NEW_OPPORTUNITIES,
    NEXT_STEPS,
    PRODUCTS,
    REPEAT_OPPORTUNITIES,
    REPEAT_SOURCE,
    SNOOZE_REASONS,
)

OPPORTUNITY_COLUMNS = (
    *RECORD_COLUMNS,
    "name",
    "account_id",
    "contact_id",
    "pipeline_id",
    "stage_id",
    "amount",
    "currency",
    "close_date",
    "probability",
    "forecast_category",
    "type",
    "source",
    "next_step",
    "description",
    "lost_reason_id",
    "lost_reason_detail",
    "closed_date",
    "is_closed",
    "is_won",
    "stage_entered_at",
    "snoozed_until",
    "snooze_reason",
    "planned_close_date",
)
HISTORY_COLUMNS = (
    "id",
    "opportunity_id",
    "field",
    "old_value",
    "new_value",
    "changed_by_id",
    "changed_at",
    "cause",
)
# The history's fields, in the order of OpportunityState's columns after its dates.
STATE_FIELDS = (
    "stage",
    "amount",
    "currency",
    "close_date",
    "probability",
    "forecast_category",
    "owner",
)
STATE_COLUMNS = (
    "id",
    "opportunity_id",
    "valid_from",
    "valid_to",
    "stage_id",
    "amount",
    "currency",
    "close_date",
    "probability",
    "forecast_category",
    "owner_id",
    "is_closed",
)
RATE_COLUMNS = ("id", "currency", "rate", "valid_from", "created_at", "updated_at")
# A close-date push or an amount change about every this many days a deal is worked.
EXTRA_EVERY = 30
HANDED_OVER = 0.04  # of deals worked for two weeks or more: another rep had them first
OVERRIDDEN = 0.12  # of open deals: the rep set a forecast category other than the stage's
CATEGORIES = ["pipeline", "best_case", "commit"]
# The company's currency first: a share of the deals is in the others, at the rates of
# Rates below (company_exchangerate), so that the benchmark measures conversion.
CURRENCIES = ["USD", "EUR", "GBP"]
CURRENCY_SHARE = [0.85, 0.10, 0.05]


@dataclass
class Life:
    rows: list  # (when, field, old, new, cause)
    final: dict  # field -> its last value, as the history spells it
    planned: str | None  # a closed deal's close date before closing


MEDIAN_OPPORTUNITY = 10_000  # USD
MEDIAN_CYCLE = 60  # days from creation to close
WIN_RATE = 0.33  # of closed new business, before the rep's skill
REPEAT_WIN = 1.75  # repeat sales to a customer win more often
FROM_LEAD = 0.85  # of converted leads open an opportunity
# Of repeat sales, those another rep opens on the account (an account manager's renewal, a
# specialist's product), who then sees the account and its contact through the deal.
OTHER_OWNER = 0.2
FIRST_STAGE = {True: [50, 35, 15], False: [75, 20, 5]}  # by whether it came from a lead
OPEN_STAGE_WEIGHTS = [35, 25, 18, 13, 9]  # more open deals in early stages than in late ones
LOST_AT_WEIGHTS = [35, 25, 20, 12, 8]
# Flags: rotting (no activity done since it entered its stage), fresh (an old stage but recent
# work), an open next-step task, snoozed.
ROT, FRESH, TASK, SNOOZED = 1, 2, 4, 8
SOURCES = [*SOURCE_NAMES, *dict.fromkeys(DIRECT_SOURCES), REPEAT_SOURCE]
OPEN, STALE, WON, LOST = 0, 1, 2, 3


def weights_for(weights: list[int], n: int) -> list[int]:
    """Per-stage weights for a pipeline of n open stages: the last one repeats if it is longer."""
    return (weights + [weights[-1]] * n)[:n]


class Opportunities:
    """The plan: per opportunity (numbered by account, ids in order of creation) its facts and
    its stage path, the stages it entered and when, creation first."""

    def __init__(self, ctx: Context, org: Org, accounts: Accounts):
        self.ctx, self.org, self.accounts = ctx, org, accounts
        rng, clock, size = ctx.rng, ctx.clock, ctx.size
        self.account, self.contact, self.created = array("i"), array("i"), array("i")
        self.end, self.entered, self.amount = array("i"), array("i"), array("i")
        self.stage, self.flags, self.source = array("b"), array("b"), array("b")
        self.existing, self.opportunity_owner = array("b"), array("i")
        self.currency = array("b")
        self.rates = Rates(ctx)
        self.path_start, self.path_stage, self.path_time = array("i", [0]), array("b"), array("i")
        self.contact_opp = array("i", [-1]) * len(accounts.contact_account)

        # Most converted leads open a deal; the others are made on accounts directly.
        converting = [
            c
            for c, source in enumerate(accounts.contact_source)
            if source >= 0 and rng.random() < FROM_LEAD
        ][: size.opportunities]
        converting_set = set(converting)
        # Some accounts buy again and again, many never: a heavy-tailed interest.
        weights = [
            accounts.size[a]
            * rng.lognormvariate(0, 1.6)
            * (clock.now - accounts.created[a] + 60 * DAY)
            for a in range(accounts.n)
        ]
        direct = array("i", [0]) * accounts.n
        cum = list(accumulate(weights))
        for a in rng.choices(
            range(accounts.n), cum_weights=cum, k=size.opportunities - len(converting)
        ):
            direct[a] += 1

        for a in range(accounts.n):
            events = []  # (created, contact or -1, from a lead)
            for c in range(accounts.contact_start[a], accounts.contact_start[a + 1]):
                if c in converting_set:  # opened in the conversion, with the contact
                    events.append((accounts.contact_created[c], c, True))
            lo, hi = accounts.created[a] + DAY, clock.now - HOUR
            for _ in range(direct[a]):
                t = clock.working(rng, lo, hi) if hi > lo else hi
                events.append((t, self._some_contact(a, t), False))
            events.sort()
            first_won = -1
            for t, c, lead in events:
                if lead:
                    self.contact_opp[c] = len(self.account)
                existing = 0 <= first_won < t
                won_at = self._plan(a, t, c, lead, existing)
                if won_at >= 0 and (first_won < 0 or won_at < first_won):
                    first_won = won_at
            accounts.first_won[a] = first_won
        self.n = len(self.account)
        self.order, self.rank = ranks(self.created)

    def _some_contact(self, a: int, t: int) -> int:
        """One of the account's people known by t, as the primary contact; a few have none."""
        accounts, rng = self.accounts, self.ctx.rng
        if rng.random() < 0.1:
            return -1
        first, last = accounts.contact_start[a], accounts.contact_start[a + 1]
        c = rng.randrange(first, last)
        return c if accounts.contact_created[c] <= t else first

    def _plan(self, a: int, t: int, c: int, lead: bool, existing: bool) -> int:
        """Plan one deal created at t; return when it was won, or -1.

        1. Size and cycle are lognormal; bigger companies buy bigger and slower, repeat sales
           are smaller and quicker.
        2. Closed if its cycle ended before today: won at the owner's win rate, else lost. A
           few past their close date are left open: stale, rotting.
        3. The stage path skips stages often (reps drag deals straight to where they are);
           open deals sit in early stages more often than in late ones.
        """
        ctx, rng, clock = self.ctx, self.ctx.rng, self.ctx.clock
        now, n_open = clock.now, ctx.stages.n_open
        owner = self.accounts.owner[a]
        if existing and rng.random() < OTHER_OWNER:
            owner = self.org.owner(rng)
        size = self.accounts.size[a]
        amount = MEDIAN_OPPORTUNITY * size * rng.lognormvariate(0, 0.8) * (0.6 if existing else 1.0)
        currency = rng.choices(range(len(CURRENCIES)), CURRENCY_SHARE)[0]
        amount /= self.rates.rate(currency, t)
        amount = max(500, int(round(amount, -2 if amount >= 5000 else -1)))
        days = rng.lognormvariate(math.log(MEDIAN_CYCLE), 0.7) * size**0.3
        end = clock.at_work(t + int(min(365, max(3, days * (0.7 if existing else 1))) * DAY))
        if end >= now:
            outcome = OPEN
            if end > now + HORIZON:
                end = clock.at_work(now + rng.randrange(90, 180) * DAY)
        elif end > now - 120 * DAY and rng.random() < 0.08:
            outcome = STALE
        else:
            win = WIN_RATE * self.org.skill[owner] * (REPEAT_WIN if existing else 1.0)
            outcome = WON if rng.random() < win else LOST

        first = min(rng.choices(range(3), FIRST_STAGE[lead])[0], n_open - 1)
        path = [first]
        if outcome == WON:
            path += [s for s in range(first + 1, n_open) if rng.random() < 0.1]
            path.append(ctx.stages.won)
        elif outcome == LOST:
            if first < n_open - 1 and rng.random() < 0.2:
                later = range(first + 1, n_open)
                path.append(
                    rng.choices(later, weights_for(LOST_AT_WEIGHTS, n_open)[first + 1 :])[0]
                )
            path.append(ctx.stages.lost)
        else:
            target = rng.choices(range(n_open), weights_for(OPEN_STAGE_WEIGHTS, n_open))[0]
            # A deal opened last week is not in Negotiation yet.
            target = min(max(target, first), first + (now - t) // (7 * DAY))
            if target > first:
                if target - first > 1 and rng.random() < 0.2:
                    path.append(rng.randrange(first + 1, target))
                path.append(target)

        # When it entered each stage: closed ones close at their end, stale ones were worked
        # for a while and then left alone.
        if outcome in (WON, LOST):
            moved = sorted(clock.working(rng, t, end) for _ in path[2:]) + [end]
        else:
            last = (
                max(t, now - HOUR)
                if outcome == OPEN
                else t + int((end - t) * rng.uniform(0.3, 0.9))
            )
            moved = sorted(clock.working(rng, t, last) for _ in path[1:])
        entered = moved[-1] if moved else t

        flags = 0
        if outcome in (OPEN, STALE):
            rotting_days = ctx.stages.rotting_days[path[-1]]
            if rotting_days and now - entered > rotting_days * DAY:
                if outcome == STALE or rng.random() < 0.3:
                    flags |= ROT | (SNOOZED if rng.random() < 0.05 else 0)
                else:
                    flags |= FRESH
            if rng.random() < 0.7:
                flags |= TASK

        if lead:
            source = self.accounts.contact_source[c]
        elif existing:
            source = len(SOURCES) - 1
        else:
            source = SOURCES.index(rng.choice(DIRECT_SOURCES))
        self.account.append(a)
        self.contact.append(c)
        self.created.append(t)
        self.end.append(end)
        self.entered.append(entered)
        self.amount.append(amount)
        self.stage.append(path[-1])
        self.flags.append(flags)
        self.source.append(source)
        self.existing.append(existing)
        self.currency.append(currency)
        self.opportunity_owner.append(owner)
        self.path_stage.extend(path)
        self.path_time.append(t)
        self.path_time.extend(moved)
        self.path_start.append(len(self.path_stage))
        return end if outcome == WON else -1

    def owner(self, p: int) -> int:
        return self.opportunity_owner[p]

    def opportunity_rows(self):
        rng, clock, stages = self.ctx.rng, self.ctx.clock, self.ctx.stages
        stamp, date = clock.stamp, clock.date
        accounts = self.accounts
        for i, p in enumerate(self.order):
            a, stage, flags = self.account[p], self.stage[p], self.flags[p]
            closed = stage >= stages.won
            words = REPEAT_OPPORTUNITIES if self.existing[p] else NEW_OPPORTUNITIES
            name = f"{accounts.company(a)[0]} – {rng.choice(PRODUCTS)} {rng.choice(words)}"
            c = self.contact[p]
            updated = self.entered[p]
            snoozed_until, snooze_reason = None, ""
            if flags & SNOOZED:
                updated = max(updated, clock.now - rng.randrange(DAY, 10 * DAY))
                snoozed_until = date(clock.now + rng.randrange(3, 45) * DAY)
                snooze_reason = rng.choice(SNOOZE_REASONS)
            next_step = rng.choice(NEXT_STEPS) if not closed and rng.random() < 0.7 else ""
            life = self.life(p)
            yield (
                i + 1,
                self.opportunity_owner[p],
                1,
                stamp(self.created[p]),
                stamp(updated),
                name,
                a + 1,
                accounts.contact_rank[c] + 1 if c >= 0 else None,
                stages.pipeline_id,
                stages.ids[stage],
                f"{self.amount[p]}.00",
                CURRENCIES[self.currency[p]],
                date(self.end[p]),
                stages.probability[stage],
                life.final["forecast_category"],
                "existing_business" if self.existing[p] else "new_business",
                SOURCES[self.source[p]],
                next_step,
                "",
                rng.choice(stages.lost_reasons) if stage == stages.lost else None,
                "",
                date(self.end[p]) if closed else None,
                closed,
                stage == stages.won,
                stamp(self.entered[p]),
                snoozed_until,
                snooze_reason,
                life.planned,
            )

    def life(self, p: int) -> "Life":
        """The deal's changes as the services would have written them, creation first.

        Its own random stream (from the seed and the deal), so that the deal rows, the history
        and the states, written in three passes, tell one story.
        1. Created with every tracked field; the close date planned then is pushed later as
           it comes near, the amount re-scoped, a few deals handed to another rep, and a few
           open ones given a forecast category other than their stage's.
        2. Each stage move also sets the stage's probability and category; closing sets the
           close date to the day it closed (cause "closing").
        """
        ctx, clock, stages = self.ctx, self.ctx.clock, self.ctx.stages
        rng = random.Random(ctx.seed * 1_000_003 + p)
        day, ids = clock.date, stages.ids
        t, end, entered = self.created[p], self.end[p], self.entered[p]
        start, stop = self.path_start[p], self.path_start[p + 1]
        closed = self.stage[p] >= stages.won
        worked = max(0, entered - t - DAY)

        # The extra changes, forward in time, with the values they set.
        extra = sorted(
            clock.working(rng, t + HOUR, entered)
            for _ in range(int(worked / (EXTRA_EVERY * DAY) * rng.uniform(0.2, 1.8)))
        )
        pushes = [when for when in extra if rng.random() < 0.65]
        rescopes = [when for when in extra if when not in pushes]
        # The close date before closing, or now: pushed 7 to 30 days at a time up to it.
        planned = end + rng.randrange(-20, 31) * DAY if closed else end
        closes = [planned]
        for _ in pushes:
            closes.append(closes[-1] - rng.randrange(7, 31) * DAY)
        closes.reverse()  # closes[0] was planned at creation, closes[i] after push i
        amounts = [self.amount[p]]
        for _ in rescopes:
            before = int(round(amounts[-1] / rng.uniform(0.75, 1.3), -1))
            amounts.append(before if before != amounts[-1] else amounts[-1] + 10)
        amounts.reverse()

        owner = self.opportunity_owner[p]
        first_owner = owner
        handover = None
        if worked > 14 * DAY and rng.random() < HANDED_OVER:
            first_owner = self.org.owner(rng)
            handover = clock.working(rng, t + HOUR, entered) if first_owner != owner else None

        events = [(when, 1, "close_date", i + 1) for i, when in enumerate(pushes)]
        events += [(when, 1, "amount", i + 1) for i, when in enumerate(rescopes)]
        events += [(self.path_time[j], 0, "stage", j) for j in range(start + 1, stop)]
        if handover is not None:
            events.append((handover, 2, "owner", owner))
        override = None
        if not closed and rng.random() < OVERRIDDEN:
            # The rep calls it differently from the stage's default after the last move.
            current = stages.category[self.stage[p]]
            override = rng.choice([c for c in CATEGORIES if c != current])
            events.append(
                (clock.working(rng, entered, max(entered, clock.now - HOUR)), 3, "category", 0)
            )
        events.sort()

        stage = self.path_stage[start]
        currency = CURRENCIES[self.currency[p]]
        values = {
            "stage": str(ids[stage]),
            "amount": f"{amounts[0]}.00",
            "currency": currency,
            "close_date": day(closes[0]),
            "probability": str(stages.probability[stage]),
            "forecast_category": stages.category[stage],
            "owner": str(first_owner),
        }
        rows = [(t, field, None, value, None) for field, value in values.items()]
        for when, _, kind, value in events:
            if kind == "stage":
                stage = self.path_stage[value]
                new = {
                    "stage": str(ids[stage]),
                    "probability": str(stages.probability[stage]),
                    "forecast_category": stages.category[stage],
                }
                if stage >= stages.won:
                    new["close_date"] = day(end)
                changes = [(f, v, "closing" if f == "close_date" else None) for f, v in new.items()]
            elif kind == "close_date":
                changes = [("close_date", day(closes[value]), None)]
            elif kind == "amount":
                changes = [("amount", f"{amounts[value]}.00", None)]
            elif kind == "owner":
                changes = [("owner", str(value), None)]
            else:
                changes = [("forecast_category", override, None)]
            for field, new_value, cause in changes:
                if values[field] != new_value:
                    rows.append((when, field, values[field], new_value, cause))
                    values[field] = new_value
        return Life(rows, values, day(planned) if closed else None)

    def history_rows(self):
        """Every deal's history in the order of the deals' ids (life() says what it holds)."""
        stamp = self.ctx.clock.stamp
        row_id = 0
        for i, p in enumerate(self.order):
            owner = self.opportunity_owner[p]
            for when, field, old, new, cause in self.life(p).rows:
                row_id += 1
                yield (row_id, i + 1, field, old, new, owner, stamp(when), cause)

    def state_rows(self, forever: str):
        """The deals' states over time (OpportunityState), as the writes keep them: a state
        from each moment of the history to the next, the last one open-ended."""
        stamp, stages = self.ctx.clock.stamp, self.ctx.stages
        closed = {str(stages.ids[stages.won]), str(stages.ids[stages.lost])}
        row_id = 0
        for i, p in enumerate(self.order):
            values, held = {}, None
            for when, moment in groupby(self.life(p).rows, key=lambda row: row[0]):
                for _, field, _, new, _ in moment:
                    values[field] = new
                if held is not None:
                    yield (*held[:3], stamp(when), *held[3:])
                row_id += 1
                held = (
                    row_id,
                    i + 1,
                    stamp(when),
                    *(values[field] for field in STATE_FIELDS),
                    values["stage"] in closed,
                )
            yield (*held[:3], forever, *held[3:])


class Rates:
    """A rate a month for each currency but the company's, wandering a little around a
    plausible level from before the first deal until today (company_exchangerate)."""

    LEVEL = {1: 1.08, 2: 1.27}  # EUR, GBP in USD

    def __init__(self, ctx: Context):
        rng = random.Random(ctx.seed * 7 + 1)
        clock = ctx.clock
        self.clock = clock
        self.first = clock.start - 400 * DAY  # the oldest deal is about this old
        self.months = (clock.now - self.first) // (30 * DAY) + 2
        self.table = {}
        for currency, level in self.LEVEL.items():
            rate, rates = level, []
            for _ in range(self.months):
                rate = min(level * 1.15, max(level * 0.85, rate * rng.uniform(0.97, 1.03)))
                rates.append(round(rate, 4))
            self.table[currency] = rates

    def rate(self, currency: int, t: int) -> float:
        if currency == 0:
            return 1.0
        month = max(0, min(self.months - 1, (t - self.first) // (30 * DAY)))
        return self.table[currency][month]

    def rows(self):
        stamp, day = self.clock.stamp, self.clock.date
        row_id = 0
        for currency, rates in self.table.items():
            for month, rate in enumerate(rates):
                row_id += 1
                valid_from = day(self.first + month * 30 * DAY)
                now = stamp(self.clock.now)
                yield (row_id, CURRENCIES[currency], f"{rate:.4f}", valid_from, now, now)
