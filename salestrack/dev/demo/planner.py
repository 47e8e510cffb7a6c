"""The demo's plan: companies, people, leads and what becomes of them, as dated events."""

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, account_update, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log, task_complete
from salestrack.company.models import Company as CompanySettings
from salestrack.company.services import rate_create
from salestrack.dev.demo import text
from salestrack.dev.demo.opportunities import fresh, plan_opportunity
from salestrack.dev.demo.org import create_org, read_csv
from salestrack.dev.demo.timeline import Calendar, Ref
from salestrack.forecasting import periods
from salestrack.forecasting.quotas import quota_set
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create, lead_disqualify, lead_update
from salestrack.lib import dates
from salestrack.opportunities.lost_reasons import lost_reason_create
from salestrack.opportunities.models import LostReason, Opportunity, OpportunityHistory, Pipeline
from salestrack.teams.models import Team, User

# Rates into US dollars from about two years, one year and three months ago (working days).
EXCHANGE_RATES = {
    "EUR": [(520, "1.0700"), (260, "1.0900"), (65, "1.1600")],
    "GBP": [(520, "1.2500"), (260, "1.2700"), (65, "1.3400")],
}

# Sizes at scale 1. Half the accounts come from the CRM's first import, half from converted leads.
LEADS, ACCOUNTS, CONTACTS, OPPORTUNITIES = 2000, 300, 800, 600
CONVERTED_NEW, CONVERTED_EXISTING = 150, 90  # leads converted into a new / an existing account
COUNTED = {
    "users": User,
    "teams": Team,
    "leads": Lead,
    "accounts": Account,
    "contacts": Contact,
    "opportunities": Opportunity,
    "history rows": OpportunityHistory,
    "activities": Activity,
}


# The records whose progress the selling reports, against the plan's sizes.
PROGRESS = {"leads": Lead, "accounts": Account, "contacts": Contact, "opportunities": Opportunity}
PROGRESS_EVERY = 5.0  # seconds: at most one progress line this often while the selling runs
STALE_TASK_DAYS = 21  # a task overdue longer than this was most likely cleared since


def build(
    *,
    seed: int = 1,
    scale: float = 1.0,
    out: Callable[[str], None] = lambda line: None,
    every: float = PROGRESS_EVERY,
) -> dict[str, int]:
    """Create the demo org and its selling history in one transaction; return counts.

    `out` hears each step as it starts and ends, and, while the selling runs (most of the
    time: a minute at scale 1), the records made so far at most once every `every` seconds.
    """
    plan = Plan(random.Random(seed), scale)
    with transaction.atomic():
        started = time.monotonic()
        out("Users and teams…")
        plan.create_org()
        users, teams = User.objects.count(), Team.objects.count()
        out(f"  done: {users} users in {teams} teams ({time.monotonic() - started:.0f} s)")
        started = time.monotonic()
        out("Planning 18 months of selling…")
        plan.plan()
        out(f"  done: {len(plan.events):,} events ({time.monotonic() - started:.0f} s)")
        started = time.monotonic()
        out("Selling, event by event…")
        plan.run(lambda: out(f"  {plan.progress()} ({time.monotonic() - started:.0f} s)"), every)
        out(f"  done: {plan.progress(dated=False)} ({time.monotonic() - started:.0f} s)")
        out("Quotas…")
        out(f"  done: {plan.set_quotas()} quarterly quotas")
    return {label: model.objects.count() for label, model in COUNTED.items()}


@dataclass(eq=False)
class Company:
    """What an account, or a lead's company, is made from."""

    name: str
    industry: str
    city: str
    state: str
    country: str
    employees: int
    owner: User  # the rep whose territory it is in
    description: str = ""
    parent: "Company | None" = None
    account: Account | None = None  # once created
    since: float = math.inf  # when its account is created
    won_at: float = math.inf  # its first won deal
    contacts: list["Person"] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return "".join(c for c in self.name.lower() if c.isalnum()) + ".example"

    @property
    def size(self) -> float:
        # Bigger companies buy bigger, and slower.
        return (self.employees / 2000) ** 0.3

    def contacts_before(self, x: float) -> list["Person"]:
        return [p for p in self.contacts if p.since < x]


@dataclass(eq=False)
class Person:
    first_name: str
    last_name: str
    title: str
    email: str
    phone: str
    since: float = math.inf  # when they become a contact
    contact: Contact | None = None

    def fields(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in ("first_name", "last_name", "title", "email", "phone")}


class Plan:
    def __init__(self, rng: random.Random, scale: float):
        self.rng = rng
        self.scale = scale
        self.cal = Calendar(timezone.localdate())
        # The moment of the event that is running (the org's founding before the events run):
        # every service the event calls is told that its write happened then (`at=`), so that
        # created_at, stage_entered_at, closed dates, history rows, the audit log and activities
        # all tell one story.
        self.now = self.cal.moment(self.cal.founded)
        self.events = []
        self.products = [row["product"] for row in read_csv("maven_products.csv")]
        stages = list(Pipeline.objects.get(is_default=True).stages.all())
        self.open_stages = [s for s in stages if not s.is_closed]
        self.won = next(s for s in stages if s.is_won)
        self.lost = next(s for s in stages if s.is_lost)
        self.opportunities = 0

    def create_org(self) -> None:
        self.reps, self.skill = create_org(self.rng, at=self.now)
        self.admin = User.objects.get(username="admin")
        # Sales ops set up the reasons deals are lost for; "Other" (a migration's) stays last.
        for name in text.LOST_REASONS:
            if not LostReason.objects.filter(name__iexact=name).exists():
                lost_reason_create(by=self.admin, name=name, at=self.now)
        self.lost_reasons = list(LostReason.objects.filter(is_active=True, needs_detail=False))
        # Some customers buy in euros and pounds: sales ops keep their rates, about yearly.
        for currency, rates in EXCHANGE_RATES.items():
            for working_days_ago, rate in rates:
                valid_from = self.cal.date(self.cal.now - working_days_ago)
                rate_create(
                    by=self.admin, currency=currency, rate=rate, valid_from=valid_from, at=self.now
                )

    def set_quotas(self) -> int:
        """Sales ops give each rep a quota for every quarter of the history and the next one: a
        little over what they have closed in an average full quarter, in round thousands."""
        year_start = CompanySettings.load().fiscal_year_start
        today = timezone.localdate()
        current = periods.quarter_of(today, year_start)
        first = periods.quarter_of(self.cal.date(self.cal.founded), year_start).next(year_start)
        quarters = periods.span(f"{first.name}..{current.next(year_start).name}", year_start)
        full = [q for q in quarters if q.end <= current.start]
        won = Opportunity.objects.filter(
            is_won=True, close_date__gte=first.start, close_date__lt=current.start
        )
        totals = dict(won.values_list("owner_id").annotate(total=Sum("amount")).order_by())
        count = 0
        for rep in (rep for region in self.reps.values() for rep in region):
            average = (totals.get(rep.pk) or Decimal(0)) / max(len(full), 1)
            amount = max(round(average * Decimal("1.15"), -3), Decimal(10_000))
            for quarter in quarters:
                quota_set(by=self.admin, user=rep, period=quarter.name, amount=amount, at=self.now)
                count += 1
        return count

    def at(self, x: float, fn, *args, **kwargs) -> None:
        self.events.append((x, len(self.events), fn, args, kwargs))

    def run(self, report: Callable[[], None], every: float) -> None:
        """Run the events in date order; call `report` at most once every `every` seconds."""
        last = time.monotonic()
        for x, _, fn, args, kwargs in sorted(self.events, key=lambda e: e[:2]):
            self.now = self.cal.moment(x)
            fn(*args, **kwargs)
            if time.monotonic() - last >= every:
                report()
                last = time.monotonic()

    def progress(self, *, dated: bool = True) -> str:
        """The records made so far against the plan's: "leads 1,200/2,000, accounts ..."."""
        made = ", ".join(
            f"{label} {model.objects.count():,}/{self.planned[label]:,}"
            for label, model in PROGRESS.items()
        )
        return f"{made}, up to {dates.day(self.now)}" if dated else made

    def when(self, lo: float | None = None, hi: float | None = None) -> float:
        """A moment in [lo, hi), more of them lately: the business is growing."""
        lo = self.cal.first if lo is None else lo
        hi = self.cal.now if hi is None else hi
        return lo + (hi - lo) * self.rng.random() ** 0.8

    def scaled(self, n: int) -> int:
        return max(1, int(n * self.scale + 0.5))

    def plan(self) -> None:
        r, cal = self.rng, self.cal
        leads, new, existing = map(self.scaled, (LEADS, CONVERTED_NEW, CONVERTED_EXISTING))
        self.limit = self.scaled(OPPORTUNITIES)
        self.planned = {
            "leads": leads,
            "accounts": self.scaled(ACCOUNTS),
            "contacts": self.scaled(CONTACTS),
            "opportunities": self.limit,
        }
        imported = self.maven_companies(max(1, self.scaled(ACCOUNTS) - new))
        names = text.company_names(r)
        while len(imported) < self.scaled(ACCOUNTS) - new:
            imported.append(self.company(names.pop()))
        converting = [self.company(names.pop()) for _ in range(new)]
        prospects = [self.company(names.pop()) for _ in range(min(len(names), leads // 3))]

        # The CRM starts with an import of the accounts already known, parents first.
        for i, company in enumerate(imported):
            self.plan_account(company, cal.imported + i * 1e-4)
        # Every imported account comes with a contact or two; more are met later.
        for i in range(self.scaled(CONTACTS) - new - existing):
            company = imported[i] if i < len(imported) else r.choice(imported)
            later = i >= len(imported) and r.random() < 0.5
            self.plan_contact(company, self.when() if later else cal.imported + 0.5)

        for company in converting:
            self.plan_lead(company, convert=True)
        for _ in range(existing):
            self.plan_lead(r.choice(imported), convert=True)
        for _ in range(leads - new - existing):
            self.plan_lead(r.choice(imported if r.random() < 0.06 else prospects), convert=False)

        accounts = imported + converting
        while self.opportunities < self.limit:
            x = self.when()
            plan_opportunity(self, r.choice([c for c in accounts if c.since < x]), x)
        for company in accounts:
            self.plan_account_care(company)

    def maven_companies(self, limit: int) -> list[Company]:
        rows = read_csv("maven_accounts.csv")
        rows = self.rng.sample(rows, min(limit, len(rows)))
        companies = {row["account"]: self.company(row["account"], row) for row in rows}
        for row in rows:
            companies[row["account"]].parent = companies.get(row["subsidiary_of"])
        return sorted(companies.values(), key=lambda c: c.parent is not None)

    def company(self, name: str, row: dict | None = None) -> Company:
        """A company in the East (two thirds) or West region, owned by a rep of that region."""
        r = self.rng
        region = "East" if r.random() < 2 / 3 else "West"
        city, state = r.choice(text.CITIES[region])
        if row:  # from maven_accounts.csv
            employees = int(row["employees"])
            industry = text.industry(row["sector"])
            country = text.COUNTRIES.get(row["office_location"], row["office_location"])
            description = (
                f"Founded {row['year_established']}. {employees:,} employees, "
                f"revenue ${float(row['revenue']):,.0f}M."
            )
        else:
            employees = max(8, int(r.lognormvariate(math.log(900), 1.1)))
            industry = text.industry_of(name)
            country, description = "United States", f"{employees:,} employees."
        if country != "United States":
            city = state = ""
        owner = r.choice(self.reps[region])
        return Company(name, industry, city, state, country, employees, owner, description)

    def person(self, company: Company) -> Person:
        r = self.rng
        first, last = r.choice(text.FIRST_NAMES), r.choice(text.LAST_NAMES)
        email = f"{first}.{last}@{company.domain}".lower().replace("'", "")
        phone = f"+1 {r.randint(201, 989)} 555 01{r.randint(0, 99):02d}"
        return Person(first, last, r.choice(text.TITLES), email, phone)

    def address(self, company: Company) -> dict[str, str]:
        return {"city": company.city, "state": company.state, "country": company.country}

    def plan_account(self, company: Company, x: float) -> None:
        company.since = x

        def create():
            parent = company.parent.account if company.parent else None
            mine = parent is None or parent.owner_id == company.owner.pk
            company.account = account_create(
                by=company.owner,
                name=company.name,
                website=f"www.{company.domain}",
                industry=company.industry,
                description=company.description,
                parent=parent if mine else None,
                at=self.now,
                **self.address(company),
            )
            if not mine:
                # A rep links only accounts they see: sales ops puts a subsidiary in another
                # rep's territory under its group.
                company.account = account_update(
                    account=company.account, by=self.admin, parent=parent, at=self.now
                )

        self.at(x, create)

    def plan_contact(self, company: Company, x: float) -> None:
        person = self.person(company)
        person.since = x
        company.contacts.append(person)

        def create():
            person.contact = contact_create(
                by=company.owner,
                account=company.account,
                at=self.now,
                **self.address(company),
                **person.fields(),
            )

        self.at(x, create)

    def activity(self, x: float, kind: str, subject: str, owner: User, **on) -> None:
        """Log an activity at x; a task falls due a few days later and is mostly done then."""
        if kind != Activity.Kind.TASK:
            self.at(
                x,
                lambda: activity_log(
                    by=owner, kind=kind, subject=subject, at=self.now, **resolve(on)
                ),
            )
            return
        due = x + self.rng.uniform(1, 8)
        task = Ref()

        def add():
            task.obj = activity_log(
                by=owner,
                kind=kind,
                subject=subject,
                due_date=self.cal.date(due),
                at=self.now,
                **resolve(on),
            )

        self.at(x, add)
        done = due + self.rng.uniform(-1, 1.5)
        # One in ten recent tasks is still overdue; older ones were mostly cleared since, so
        # a rep's My Day is not a list of tasks forgotten months ago.
        left_open = 0.1 if self.cal.now - due < STALE_TASK_DAYS else 0.02
        if done < self.cal.now and self.rng.random() >= left_open:
            self.at(
                max(done, x + 0.01), lambda: task_complete(task=task.obj, by=owner, at=self.now)
            )

    def plan_lead(self, company: Company, *, convert: bool) -> None:
        """A lead comes in, is worked, then converted, disqualified, nurtured or left open."""
        r, cal = self.rng, self.cal
        person, owner, lead = self.person(company), company.owner, Ref()
        x = self.when(hi=cal.now - 6) if convert else self.when()
        sources = text.CONVERTING_SOURCES if convert else text.SOURCES
        source = r.choices(list(sources), weights=list(sources.values()))[0]
        score = r.randint(55, 98) if convert else int(r.triangular(0, 100, 30))

        def create():
            lead.obj = lead_create(
                by=owner,
                company=company.name,
                website=f"www.{company.domain}",
                source=source,
                industry=company.industry,
                score=score,
                at=self.now,
                **self.address(company),
                **person.fields(),
            )

        self.at(x, create)
        age = cal.now - x
        if not convert and (age < 3 and r.random() < 0.6 or r.random() < 0.08):
            return  # not touched yet
        working = x + r.uniform(0.1, min(3, age))
        self.at(
            working, lambda: lead_update(lead=lead.obj, by=owner, status="working", at=self.now)
        )
        end = min(working + r.uniform(3, 35), cal.now - 1 if convert else cal.now)
        for _ in range(r.choice([1, 1, 1, 1, 2, 3])):
            kind, subject = r.choice(text.LEAD_TOUCHES)
            self.activity(r.uniform(working, end), kind, subject, owner, lead=lead)
        if convert:
            self.plan_conversion(company, person, lead, end)
        elif end < cal.now - 1 and r.random() < 0.75:
            if r.random() < 0.62:
                reason = r.choice(text.DISQUALIFY_REASONS)
                self.at(
                    end,
                    lambda: lead_disqualify(lead=lead.obj, by=owner, reason=reason, at=self.now),
                )
            else:
                self.at(
                    end,
                    lambda: lead_update(lead=lead.obj, by=owner, status="nurturing", at=self.now),
                )
                if r.random() < 0.4:
                    self.activity(end + 0.01, "task", "Send the newsletter", owner, lead=lead)
        elif r.random() < 0.7:
            self.activity(r.uniform(working, cal.now), "task", "Follow up", owner, lead=lead)

    def plan_conversion(self, company: Company, person: Person, lead: Ref, x: float) -> None:
        """Convert at x: into the company's account, or a new one; mostly with a deal."""
        existing = company.since < x
        company.since = min(company.since, x)
        person.since = x
        company.contacts.append(person)
        opportunity = None
        if self.rng.random() < 0.92:
            opportunity = plan_opportunity(self, company, x, lead=lead)

        def convert():
            done = lead_convert(
                lead=lead.obj,
                by=company.owner,
                account=fresh(company.account) if existing else None,
                opportunity=opportunity.draft if opportunity else None,
                at=self.now,
            )
            company.account, person.contact = done.account, done.contact
            if opportunity:
                opportunity.obj = done.opportunity

        self.at(x, convert)

    def plan_account_care(self, company: Company) -> None:
        """Customers get business reviews; some prospects a note."""
        r, t = self.rng, company.won_at + self.rng.uniform(20, 60)
        while t < self.cal.now:
            contacts = company.contacts_before(t)
            on = {"contact": contacts[0]} if contacts else {"account": company}
            self.activity(t, "meeting", "Quarterly business review", company.owner, **on)
            t += r.uniform(50, 75)
        if company.won_at == math.inf and r.random() < 0.3:
            t = self.when(lo=max(company.since + 0.01, self.cal.first))
            note = r.choice(text.ACCOUNT_NOTES)
            self.activity(t, "note", note, company.owner, account=company)


def resolve(on: dict) -> dict:
    """The records an activity is on, from the plan's references, now that they exist."""
    records = {}
    for name, ref in on.items():
        if isinstance(ref, Ref):
            records[name] = ref.obj
        else:
            records[name] = ref.contact if isinstance(ref, Person) else ref.account
    return records
