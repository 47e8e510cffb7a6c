"""Activities: calls, meetings, emails, notes and tasks on deals, leads, contacts and accounts.

Each kind of record gets a share of `size.activities`, spread over its records by how long each
was worked; every activity falls inside its record's working window. On top, the deals that
must not rot get a recent done activity, and most open deals an open next-step task.
"""

from array import array
from itertools import count

from salestrack.dev.gen_accounts import Accounts
from salestrack.dev.gen_base import DAY, HOUR, Context, spread
from salestrack.dev.gen_leads import CONVERTED, DISQUALIFIED, NEW, NURTURING, WORKING, Leads
from salestrack.dev.gen_opportunities import FRESH, ROT, TASK, Opportunities
from salestrack.dev.gen_words import (
    BODIES,
    FRESH_TOUCHES,
    LEAD_TOUCHES,
    NEXT_STEPS,
    OPPORTUNITY_TOUCHES,
    RECORD_TOUCHES,
)

ACTIVITY_COLUMNS = (
    "id",
    "kind",
    "subject",
    "body",
    "owner_id",
    "lead_id",
    "contact_id",
    "account_id",
    "opportunity_id",
    "occurred_at",
    "due_date",
    "done",
    "done_at",
    "version",
    "created_at",
    "updated_at",
)
# Shares of the activities left after the required ones.
SHARES = {"opportunities": 0.48, "leads": 0.36, "contacts": 0.09}  # accounts: the rest
LEAD_WEIGHT = {NEW: 0, WORKING: 3, NURTURING: 1, CONVERTED: 4, DISQUALIFIED: 2}


class Activities:
    def __init__(
        self, ctx: Context, accounts: Accounts, opportunities: Opportunities, leads: Leads
    ):
        self.ctx, self.accounts, self.leads = ctx, accounts, leads
        self.opportunities = opportunities
        self.ids = count(1)

    def rows(self):
        ctx, opportunities = self.ctx, self.opportunities
        required = sum(bool(flags & FRESH) + bool(flags & TASK) for flags in opportunities.flags)
        rest = max(0, ctx.size.activities - required)
        budgets = {kind: int(rest * share) for kind, share in SHARES.items()}
        budgets["accounts"] = rest - sum(budgets.values())
        yield from self._opportunities(budgets["opportunities"])
        yield from self._leads(budgets["leads"])
        yield from self._contacts(budgets["contacts"])
        yield from self._accounts(budgets["accounts"])

    def _row(self, kind, subject, owner, lead, contact, account, opp, when, hi, due=None):
        """One activity at `when`. A task is due `due` days later (some days by default); most
        past ones were done, by `hi` at the latest, and a few are overdue. An explicit `due`
        makes an open task."""
        rng, clock = self.ctx.rng, self.ctx.clock
        occurred = clock.stamp(when)
        if kind == "task":
            done = due is None
            due = due if due is not None else rng.randrange(1, 10)
            due_at = when + due * DAY
            # Old tasks were mostly done; a few from the last weeks are overdue.
            done = (
                done
                and due_at < clock.now
                and rng.random() < (0.85 if clock.now - due_at < 30 * DAY else 0.98)
            )
            done_at = clock.stamp(min(hi, when + int(rng.random() * due * DAY))) if done else None
            due_date = clock.date(due_at)
        else:
            done, done_at, due_date = True, occurred, None
        return (
            next(self.ids),
            kind,
            subject,
            rng.choice(BODIES),
            owner,
            lead,
            contact,
            account,
            opp,
            occurred,
            due_date,
            done,
            done_at,
            1,
            occurred,
            done_at or occurred,
        )

    def _opportunities(self, budget: int):
        """On each deal, between its creation and its close (a rotting one: its last move)."""
        ctx, rng, clock, opportunities = self.ctx, self.ctx.rng, self.ctx.clock, self.opportunities
        now, n_open = clock.now, ctx.stages.n_open
        ends = []
        for p in opportunities.order:
            flags = opportunities.flags[p]
            if flags & ROT:  # nothing done since its last move
                ends.append(opportunities.entered[p] - 60)
            elif opportunities.stage[p] >= n_open:
                ends.append(opportunities.end[p])
            else:
                ends.append(now - HOUR)
        weights = array(
            "q",
            (
                int(max(0, end - opportunities.created[p]) // HOUR * rng.uniform(0.3, 1.7))
                for p, end in zip(opportunities.order, ends, strict=True)
            ),
        )
        for i, (p, n, hi) in enumerate(
            zip(opportunities.order, spread(budget, weights), ends, strict=True)
        ):
            lo, owner, flags = (
                opportunities.created[p],
                opportunities.owner(p),
                opportunities.flags[p],
            )
            opp, account = i + 1, opportunities.account[p] + 1
            start, stop = opportunities.path_start[p], opportunities.path_start[p + 1]
            for when in sorted(clock.working(rng, lo, hi) for _ in range(n)):
                # Fits the stage the deal was in at the time.
                j = start
                while j + 1 < stop and opportunities.path_time[j + 1] <= when:
                    j += 1
                stage = min(opportunities.path_stage[j], n_open - 1, len(OPPORTUNITY_TOUCHES) - 1)
                kind, subject = rng.choice(OPPORTUNITY_TOUCHES[stage])
                yield self._row(kind, subject, owner, None, None, account, opp, when, hi)
            if flags & FRESH:  # worked lately: not rotting
                days = ctx.stages.rotting_days[opportunities.stage[p]]
                when = clock.working(
                    rng, max(opportunities.entered[p], now - days * DAY + HOUR), now - HOUR
                )
                kind, subject = rng.choice(FRESH_TOUCHES)
                yield self._row(kind, subject, owner, None, None, account, opp, when, now)
            if flags & TASK:  # the next step, due soon or overdue
                when = clock.working(rng, max(lo, now - 14 * DAY), now - HOUR)
                due = max(1, (now - when) // DAY + rng.randrange(-7, 15))
                subject = rng.choice(NEXT_STEPS)
                yield self._row("task", subject, owner, None, None, account, opp, when, now, due)

    def _leads(self, budget: int):
        """On the leads that were worked; a converted lead's moved to what it became."""
        rng, clock, leads, accounts, opportunities = (
            self.ctx.rng,
            self.ctx.clock,
            self.leads,
            self.accounts,
            self.opportunities,
        )
        weights = array("q", (int(LEAD_WEIGHT[s] * rng.uniform(300, 1700)) for s in leads.status))
        for i, n in enumerate(spread(budget, weights)):
            if not n:
                continue
            # Done before the lead was converted or disqualified, not at that very moment.
            lo, owner = leads.created[i], leads.owner[i]
            hi = max(lo, leads.until[i] - 60)
            c = leads.contact[i]
            if c >= 0:
                opp = opportunities.contact_opp[c]
                links = (
                    accounts.contact_rank[c] + 1,
                    accounts.contact_account[c] + 1,
                    opportunities.rank[opp] + 1 if opp >= 0 else None,
                )
            else:
                links = (None, None, None)
            for when in sorted(clock.working(rng, lo, hi) for _ in range(n)):
                kind, subject = rng.choice(LEAD_TOUCHES)
                yield self._row(kind, subject, owner, i + 1, *links, when, hi)

    def _contacts(self, budget: int):
        rng, clock, accounts = self.ctx.rng, self.ctx.clock, self.accounts
        now = clock.now
        created = array("i", (accounts.contact_created[c] for c in accounts.contact_order))
        weights = array("q", (int((now - t) // DAY * rng.uniform(0.3, 1.7)) for t in created))
        for i, (c, n) in enumerate(
            zip(accounts.contact_order, spread(budget, weights), strict=True)
        ):
            a = accounts.contact_account[c]
            for when in sorted(clock.working(rng, created[i], now - HOUR) for _ in range(n)):
                kind, subject = rng.choice(RECORD_TOUCHES)
                yield self._row(
                    kind, subject, accounts.owner[a], None, i + 1, a + 1, None, when, now
                )

    def _accounts(self, budget: int):
        rng, clock, accounts = self.ctx.rng, self.ctx.clock, self.accounts
        now = clock.now
        weights = array(
            "q",
            (
                int(
                    (now - accounts.created[a])
                    // DAY
                    * (2 if accounts.first_won[a] >= 0 else 1)
                    * rng.uniform(0.3, 1.7)
                )
                for a in range(accounts.n)
            ),
        )
        for a, n in enumerate(spread(budget, weights)):
            for when in sorted(
                clock.working(rng, accounts.created[a], now - HOUR) for _ in range(n)
            ):
                kind, subject = rng.choice(RECORD_TOUCHES)
                yield self._row(
                    kind, subject, accounts.owner[a], None, None, a + 1, None, when, now
                )
