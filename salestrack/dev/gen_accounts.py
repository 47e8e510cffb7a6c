"""Accounts and their contacts: planned first (the deals and leads depend on them), then written.

A company's or a person's details are a function of its index and the seed, recomputed where
needed (a converted lead repeats its contact's name and its account's company) instead of kept.
"""

from array import array
from itertools import accumulate

from salestrack.dev.gen_base import DAY, HOUR, RECORD_COLUMNS, Context, ranks, scramble
from salestrack.dev.gen_org import Org
from salestrack.dev.gen_words import (
    ACCOUNT_NOTES,
    COMPANY_FIRST,
    COMPANY_LAST,
    COMPANY_MIDDLE,
    CONVERTED_SOURCES,
    FIRST_NAMES,
    LAST_NAMES,
    LEGAL_FORMS,
    REGIONS,
    STREETS,
    TITLES,
)
from salestrack.lib.models import ADDRESS_FIELDS
from salestrack.lib.text import company_key, domain_of_website, person_key

ACCOUNT_COLUMNS = (
    *RECORD_COLUMNS,
    *ADDRESS_FIELDS,
    "name",
    "website",
    "phone",
    "industry",
    "description",
    "type",
    "customer_since",
    "parent_id",
    "domain",
    "name_key",
)
CONTACT_COLUMNS = (
    *RECORD_COLUMNS,
    *ADDRESS_FIELDS,
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "account_id",
    "description",
    "email_key",
    "name_key",
)
IMPORTED = 0.2  # of the accounts come from the CRM's first import, in its first ten days
FROM_LEADS = 0.55  # of the accounts were made by converting a lead
CONVERTED = 0.10  # of the leads were converted, each into a new contact
SOURCE_NAMES = list(CONVERTED_SOURCES)
SOURCE_WEIGHTS = list(accumulate(CONVERTED_SOURCES.values()))
NO_ADDRESS = ("", "", "", "", "")

LAST_WORDS = list(COMPANY_LAST)
COMPANIES = len(COMPANY_FIRST) * len(COMPANY_MIDDLE) * len(LAST_WORDS)
STEP = 7919  # a prime that does not divide COMPANIES: account names never repeat


def company(index: int) -> tuple[str, str, str]:
    """The index-th made-up company: its name, web name and industry."""
    first, rest = divmod(index % COMPANIES, len(COMPANY_MIDDLE) * len(LAST_WORDS))
    middle, last = divmod(rest, len(LAST_WORDS))
    words = COMPANY_FIRST[first], COMPANY_MIDDLE[middle], LAST_WORDS[last]
    return " ".join(words), "".join(words).lower(), COMPANY_LAST[words[2]]


def phone(h: int) -> str:
    return f"+1 555-01{h % 100:02d}"


def email_name(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace("'", "")


class Accounts:
    """The plan: per account its creation, owner, size and origin; per contact the same.

    Contacts are numbered by account (an account's are contact_start[a] to
    contact_start[a + 1] - 1) and get their ids in order of creation (contact_rank).
    """

    def __init__(self, ctx: Context, org: Org):
        rng, clock, size = ctx.rng, ctx.clock, ctx.size
        self.ctx, self.org = ctx, org
        self.salt = scramble(ctx.seed)
        self.n = n = size.accounts
        if n > COMPANIES:
            raise ValueError(f"at most {COMPANIES:,} accounts have distinct names")
        self.created = array("i")
        self.owner = array("i")
        self.size = array("f")  # bigger companies buy bigger, and slower; median 1
        self.from_lead = array("b")
        self.first_won = array("i", [-1]) * n  # set by the deals: when it became a customer
        imported = clock.start + 10 * DAY
        later = clock.now - DAY - imported
        for a in range(n):
            share = (a + rng.random()) / n  # increasing: ids follow creation
            if share < IMPORTED:
                t = clock.start + int(share / IMPORTED * 10 * DAY)
            else:
                t = imported + int((share - IMPORTED) / (1 - IMPORTED) * later)
            self.created.append(clock.at_work(t))
            self.owner.append(org.owner(rng))
            self.size.append(rng.lognormvariate(0, 0.55))
            lead = share >= IMPORTED and rng.random() < FROM_LEADS / (1 - IMPORTED)
            self.from_lead.append(lead)
        self._plan_contacts(ctx)

    def _plan_contacts(self, ctx: Context) -> None:
        rng, clock, size = ctx.rng, ctx.clock, ctx.size
        n, extra = self.n, size.contacts - self.n
        if extra < 0:
            raise ValueError("every account needs a contact: contacts >= accounts")
        # Bigger and older accounts have more people in the CRM.
        weights = [self.size[a] * (clock.now - self.created[a] + 90 * DAY) / DAY for a in range(n)]
        counts = array("i", [1]) * n
        for a in rng.choices(range(n), cum_weights=list(accumulate(weights)), k=extra):
            counts[a] += 1
        self.contact_start = array("i", [0, *accumulate(counts)])
        # The leads converted into an account that existed already, each a new contact there.
        wanted = CONVERTED * size.leads - sum(self.from_lead)
        later = max(0.0, min(1.0, wanted / extra)) if extra else 0.0
        self.contact_account = array("i")
        self.contact_created = array("i")
        self.contact_source = array("b")  # the converted lead's source, or -1: not from a lead
        for a in range(n):
            created = self.created[a]
            for j in range(counts[a]):
                self.contact_account.append(a)
                if j == 0:
                    self.contact_created.append(created)
                    lead = self.from_lead[a]
                else:
                    self.contact_created.append(clock.working(rng, created, clock.now - HOUR))
                    lead = rng.random() < later
                source = rng.choices(range(6), cum_weights=SOURCE_WEIGHTS)[0] if lead else -1
                self.contact_source.append(source)
        self.contact_order, self.contact_rank = ranks(self.contact_created)

    # Details, recomputed from the index wherever they are needed.

    def company(self, a: int) -> tuple[str, str, str, str]:
        """(name, website, industry, email domain) of account a."""
        name, web, industry = company(a * STEP + self.salt)
        h = scramble(a + self.salt)
        name += LEGAL_FORMS[h % len(LEGAL_FORMS)]
        website = f"https://www.{web}.example" if h >> 28 else ""  # one in sixteen has none
        return name, website, industry, f"{web}.example"

    def address(self, a: int) -> tuple[str, str, str, str, str]:
        h = scramble(a ^ self.salt)
        city, state, country, postal = REGIONS[self.org.region[self.owner[a]]][h % 10]
        street = f"{1 + (h >> 4) % 400} {STREETS[(h >> 13) % len(STREETS)]}"
        return street, city, state, f"{postal}{(h >> 20) % 100:02d}", country

    def person(self, c: int) -> tuple[str, str, str, str, str]:
        """(first name, last name, email, phone, title) of contact c."""
        h = scramble(c * 31 + self.salt)
        first = FIRST_NAMES[h % len(FIRST_NAMES)]
        last = LAST_NAMES[(h >> 8) % len(LAST_NAMES)]
        domain = self.company(self.contact_account[c])[3]
        email = f"{email_name(first, last)}@{domain}" if h & 0xF else ""
        number = phone(h >> 20) if h & 0x30 else ""
        return first, last, email, number, TITLES[(h >> 24) % len(TITLES)]

    # Rows.

    def account_rows(self):
        rng, stamp, date = self.ctx.rng, self.ctx.clock.stamp, self.ctx.clock.date
        for a in range(self.n):
            name, website, industry, _ = self.company(a)
            created, won = self.created[a], self.first_won[a]
            parent = rng.randrange(a) + 1 if a > 100 and rng.random() < 0.03 else None
            note = rng.choice(ACCOUNT_NOTES) if rng.random() < 0.08 else ""
            yield (
                a + 1,
                self.owner[a],
                1,
                stamp(created),
                stamp(max(created, won)),
                *self.address(a),
                name,
                website,
                phone(scramble(a)),
                industry,
                note,
                "customer" if won >= 0 else "prospect",
                date(won) if won >= 0 else None,
                parent,
                domain_of_website(website),
                company_key(name),
            )

    def contact_rows(self):
        stamp = self.ctx.clock.stamp
        for i, c in enumerate(self.contact_order):
            a = self.contact_account[c]
            first, last, email, number, title = self.person(c)
            # A contact made from a lead has the lead's address, which was its company's.
            lead = self.contact_source[c] >= 0
            address = self.address(a) if lead or c % 5 < 2 else NO_ADDRESS
            created = stamp(self.contact_created[c])
            yield (
                i + 1,
                self.owner[a],
                1,
                created,
                created,
                *address,
                first,
                last,
                email,
                number,
                title,
                a + 1,
                "",
                email.strip().lower(),
                person_key(first, last),
            )
