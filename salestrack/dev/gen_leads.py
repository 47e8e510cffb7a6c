"""Leads, in order of creation: the converted ones, made from the contacts that came from a lead,
merged into the stream of those that were not (yet) converted."""

import math
from array import array
from itertools import accumulate

from salestrack.dev.gen_accounts import COMPANIES, SOURCE_NAMES, Accounts, company, email_name
from salestrack.dev.gen_base import DAY, HOUR, RECORD_COLUMNS, Context
from salestrack.dev.gen_opportunities import Opportunities
from salestrack.dev.gen_org import Org
from salestrack.dev.gen_words import (
    DISQUALIFY_REASONS,
    FIRST_NAMES,
    FREE_MAIL,
    LAST_NAMES,
    LEAD_SOURCES,
    LEGAL_FORMS,
    REGIONS,
    STREETS,
    TITLES,
)
from salestrack.lib.models import ADDRESS_FIELDS

LEAD_COLUMNS = (
    *RECORD_COLUMNS,
    *ADDRESS_FIELDS,
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company",
    "website",
    "industry",
    "source",
    "description",
    "status",
    "score",
    "disqualified_reason",
    "converted_at",
    "converted_by_id",
    "converted_account_id",
    "converted_contact_id",
    "converted_opportunity_id",
)
NEW, WORKING, NURTURING, CONVERTED, DISQUALIFIED = range(5)
STATUS = ["new", "working", "nurturing", "converted", "disqualified"]
SOURCES = list(LEAD_SOURCES)
SOURCE_WEIGHTS = list(accumulate(LEAD_SOURCES.values()))
AROUND_THE_CLOCK = {"Web form", "API"}  # the others arrive in working hours
DISQUALIFIED_SHARE = 0.36  # of the leads not converted, once they are a month old
NOTES = ["Asked for a callback", "Visited the pricing page", "Met at the booth", "Wants a trial"]


class Leads:
    """Writes the leads and keeps, per lead, what its activities need: when it was worked,
    by whom, its status and (converted) the contact it became."""

    def __init__(self, ctx: Context, org: Org, accounts: Accounts, opportunities: Opportunities):
        self.ctx, self.org, self.accounts, self.opportunities = ctx, org, accounts, opportunities
        self.n = ctx.size.leads
        self.created, self.owner, self.until = array("i"), array("i"), array("i")
        self.status, self.contact = array("b"), array("i")

    def rows(self):
        rng, clock = self.ctx.rng, self.ctx.clock
        # A converted lead came in some days before its conversion made the contact.
        converted = []
        for c, source in enumerate(self.accounts.contact_source):
            if source >= 0:
                age = min(120 * DAY, HOUR + int(rng.expovariate(1 / (18 * DAY))))
                made = self.accounts.contact_created[c]
                if made - age < clock.start:  # the lead came in after the CRM was set up
                    age = int((made - clock.start) * rng.random())
                converted.append((made - age, c))
        converted.sort()
        converted = converted[: self.n]
        others = self.n - len(converted)
        j = 0
        for i in range(others):
            # Lead volume grows: twice as many a day now as three years ago.
            share = (i + rng.random()) / others
            t = clock.start + int((math.sqrt(1 + 3 * share) - 1) * (clock.now - clock.start))
            while j < len(converted) and converted[j][0] <= t:
                yield self._converted(len(self.created) + 1, *converted[j])
                j += 1
            yield self._other(len(self.created) + 1, t)
        for t, c in converted[j:]:
            yield self._converted(len(self.created) + 1, t, c)

    def _keep(self, t: int, owner: int, status: int, until: int, contact: int = -1) -> None:
        self.created.append(t)
        self.owner.append(owner)
        self.status.append(status)
        self.until.append(until)
        self.contact.append(contact)

    def _other(self, lead_id: int, t: int) -> tuple:
        rng, clock, org = self.ctx.rng, self.ctx.clock, self.org
        now = clock.now
        source = SOURCES[rng.choices(range(len(SOURCES)), cum_weights=SOURCE_WEIGHTS)[0]]
        if source not in AROUND_THE_CLOCK:
            t = min(clock.at_work(t), now - HOUR)
        owner = org.owner(rng)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name, web, industry = company(rng.randrange(COMPANIES))
        has_company = rng.random() < 0.85
        r = rng.random()
        if has_company and r < 0.65:
            email = f"{email_name(first, last)}@{web}.example"
        elif r < 0.9:
            handle = f"{first}{last}{rng.randrange(100)}".lower().replace("'", "")
            email = f"{handle}@{rng.choice(FREE_MAIL)}"
        else:
            email = ""
        age = now - t
        reason = ""
        if rng.random() < DISQUALIFIED_SHARE * min(1.0, age / (30 * DAY)):
            status = DISQUALIFIED
            until = updated = clock.working(rng, t, min(now - HOUR, t + 45 * DAY))
            reason = rng.choice(DISQUALIFY_REASONS)
        else:
            r = rng.random()
            if age < 7 * DAY:
                status = NEW if r < 0.6 else WORKING
            elif age < 60 * DAY:
                status = NEW if r < 0.1 else WORKING if r < 0.65 else NURTURING
            else:
                status = NEW if r < 0.15 else WORKING if r < 0.3 else NURTURING
            until = now - HOUR
            updated = t if status == NEW else clock.working(rng, t, min(until, t + 60 * DAY))
        self._keep(t, owner, status, until)
        cities = REGIONS[org.region[owner]]
        if rng.random() < 0.5:
            city, state, country, postal = rng.choice(cities)
            street = f"{rng.randrange(1, 400)} {rng.choice(STREETS)}" if rng.random() < 0.6 else ""
            address = (street, city, state, f"{postal}{rng.randrange(100):02d}", country)
        else:
            address = ("", "", "", "", "")
        return (
            lead_id,
            owner,
            1,
            clock.stamp(t),
            clock.stamp(updated),
            *address,
            first,
            last,
            email,
            f"+1 555-01{rng.randrange(100):02d}" if rng.random() < 0.6 else "",
            rng.choice(TITLES) if rng.random() < 0.7 else "",
            name + rng.choice(LEGAL_FORMS) if has_company else "",
            f"https://www.{web}.example" if has_company and rng.random() < 0.45 else "",
            industry if has_company and rng.random() < 0.8 else "",
            source,
            rng.choice(NOTES) if rng.random() < 0.05 else "",
            STATUS[status],
            int(rng.triangular(0, 100, 25)),
            reason,
            None,
            None,
            None,
            None,
            None,
        )

    def _converted(self, lead_id: int, t: int, c: int) -> tuple:
        """A lead that became contact c: the contact and its account repeat its details."""
        rng, clock, accounts, opportunities = (
            self.ctx.rng,
            self.ctx.clock,
            self.accounts,
            self.opportunities,
        )
        a = accounts.contact_account[c]
        owner = accounts.owner[a]
        first, last, email, phone, title = accounts.person(c)
        name, website, industry, _ = accounts.company(a)
        converted_at = accounts.contact_created[c]
        self._keep(t, owner, CONVERTED, converted_at, c)
        opp = opportunities.contact_opp[c]
        return (
            lead_id,
            owner,
            1,
            clock.stamp(t),
            clock.stamp(converted_at),
            *accounts.address(a),
            first,
            last,
            email,
            phone,
            title,
            name,
            website,
            industry,
            SOURCE_NAMES[accounts.contact_source[c]],
            "",
            STATUS[CONVERTED],
            int(rng.triangular(40, 100, 75)),
            "",
            clock.stamp(converted_at),
            owner,
            a + 1,
            accounts.contact_rank[c] + 1,
            opportunities.rank[opp] + 1 if opp >= 0 else None,
        )
