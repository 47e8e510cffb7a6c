"""Opportunities and their history: how each deal goes, from creation to won, lost or still open."""

import math
from array import array
from itertools import accumulate

from salestrack.dev.gen_accounts import SOURCE_NAMES, Accounts
from salestrack.dev.gen_base import DAY, HORIZON, HOUR, RECORD_COLUMNS, Context, ranks, spread
from salestrack.dev.gen_org import Org
from salestrack.dev.gen_words import (
    DIRECT_SOURCES,
    LOST_REASONS,
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
    "lost_reason",
    "closed_date",
    "is_closed",
    "is_won",
    "stage_entered_at",
    "snoozed_until",
    "snooze_reason",
)
HISTORY_COLUMNS = (
    "id",
    "opportunity_id",
    "field",
    "old_value",
    "new_value",
    "changed_by_id",
    "changed_at",
)
# The fields a creation writes to the history. The service writes all six tracked fields; two
# keep large at the 1,000,000 history rows of PRODUCT.md section 7 with room for the stage moves.
CREATED_FIELDS = ("stage", "amount")

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
                "USD",
                date(self.end[p]),
                stages.probability[stage],
                stages.category[stage],
                "existing_business" if self.existing[p] else "new_business",
                SOURCES[self.source[p]],
                next_step,
                "",
                rng.choice(LOST_REASONS) if stage == stages.lost else "",
                date(self.end[p]) if closed else None,
                closed,
                stage == stages.won,
                stamp(self.entered[p]),
                snoozed_until,
                snooze_reason,
            )

    def history_rows(self):
        """Creation rows, then stage moves, close date pushes and amount changes, in time order.

        Values are spelled as the service's _record_history spells them: ids for the stage,
        two decimals for amounts, ISO dates. The pushes and changes fill what the stage moves
        leave of `size.history`, spread over the deals that were worked a while.
        """
        ctx, rng, clock, stages = self.ctx, self.ctx.rng, self.ctx.clock, self.ctx.stages
        stamp, day, stage_ids = clock.stamp, clock.date, stages.ids
        moves = len(self.path_stage) - self.n
        spare = max(0, ctx.size.history - len(CREATED_FIELDS) * self.n - moves)
        windows = array(
            "q", (max(0, self.entered[p] - self.created[p] - DAY) // HOUR for p in self.order)
        )
        row_id = 0
        for i, (p, extra) in enumerate(zip(self.order, spread(spare, windows), strict=True)):
            t, owner = self.created[p], self.owner(p)
            changes = []  # (when, field, old, new)
            close, amount = self.end[p], self.amount[p]
            # The values run backwards from the final ones.
            for when in sorted(
                (clock.working(rng, t + HOUR, self.entered[p]) for _ in range(extra)),
                reverse=True,
            ):
                if rng.random() < 0.65:  # the rep pushes the close date as it comes near
                    before = close - rng.randrange(7, 31) * DAY
                    changes.append((when, "close_date", day(before), day(close)))
                    close = before
                else:  # re-scoped once the needs are known
                    before = int(round(amount / rng.uniform(0.75, 1.3), -1))
                    before = before if before != amount else amount + 10
                    changes.append((when, "amount", f"{before}.00", f"{amount}.00"))
                    amount = before
            start, stop = self.path_start[p], self.path_start[p + 1]
            for j in range(start + 1, stop):
                old, new = stage_ids[self.path_stage[j - 1]], stage_ids[self.path_stage[j]]
                changes.append((self.path_time[j], "stage", str(old), str(new)))
            changes.sort(key=lambda change: change[0])
            opp = i + 1
            first = self.path_stage[start]
            initial = {
                "stage": str(stage_ids[first]),
                "amount": f"{amount}.00",
                "close_date": day(close),
                "probability": str(stages.probability[first]),
                "forecast_category": stages.category[first],
                "owner": str(owner),
            }
            created = stamp(t)
            for field in CREATED_FIELDS:
                row_id += 1
                yield (row_id, opp, field, None, initial[field], owner, created)
            for when, field, old, new in changes:
                row_id += 1
                yield (row_id, opp, field, old, new, owner, stamp(when))
