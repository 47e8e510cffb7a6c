"""`salestrack generate`: a large, realistic sales organisation in an empty database, fast.

Unlike `salestrack demo`, nothing goes through the services: rows are planned in Python from
one seeded random stream and bulk inserted with ids assigned here (gen_writer.py), so that a
million leads take seconds, not hours. The rows are what the services would have written,
except that no audit log entries are made. The parts, in the order they run:

- gen_org.py: teams and users;
- gen_accounts.py: accounts and contacts, planned first, since deals and leads depend on them;
- gen_opportunities.py: opportunities and their history (which also makes accounts customers);
- gen_leads.py: leads, the converted ones repeating the contact and account they became;
- gen_activities.py: activities on all of them.
"""

import datetime
import random
import time
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from salestrack.accounts.models import Account, Contact
from salestrack.activities.models import Activity
from salestrack.company.models import ExchangeRate
from salestrack.company.money import company_currency
from salestrack.dev.gen_accounts import ACCOUNT_COLUMNS, CONTACT_COLUMNS, Accounts
from salestrack.dev.gen_activities import ACTIVITY_COLUMNS, Activities
from salestrack.dev.gen_base import SIZES, Clock, Context, Stages
from salestrack.dev.gen_leads import LEAD_COLUMNS, Leads
from salestrack.dev.gen_opportunities import (
    CURRENCIES,
    HISTORY_COLUMNS,
    OPPORTUNITY_COLUMNS,
    RATE_COLUMNS,
    STATE_COLUMNS,
    Opportunities,
)
from salestrack.dev.gen_org import TEAM_COLUMNS, USER_COLUMNS, build
from salestrack.dev.gen_writer import Writer
from salestrack.leads.models import Lead
from salestrack.opportunities.models import Opportunity, OpportunityHistory, OpportunityState
from salestrack.search import schema
from salestrack.teams.models import Team, User

PASSWORD = "bench-pass-2026"
FILLED = [
    User,
    Team,
    Account,
    Contact,
    Lead,
    Opportunity,
    OpportunityHistory,
    OpportunityState,
    Activity,
    ExchangeRate,
]


class NotEmpty(Exception):
    pass


def check_empty() -> None:
    found = [
        f"{model.objects.count():,} {model._meta.verbose_name_plural}"
        for model in FILLED
        if model.objects.exists()
    ]
    if found:
        raise NotEmpty(
            f"The database is not empty ({', '.join(found)}): generate only fills an empty, "
            "migrated one. Create a new database (or drop this one) and migrate it first."
        )
    if company_currency() != CURRENCIES[0]:
        raise NotEmpty(
            f"The company's currency is {company_currency()}: generate writes deals and rates "
            f"in {CURRENCIES[0]}, the default."
        )


def generate(
    *,
    size: str,
    seed: int = 1,
    password: str = PASSWORD,
    today: datetime.date | None = None,
    out: Callable[[str], None] = print,
) -> dict[str, int]:
    """Fill an empty database with an organisation of `size`; return the rows per table.

    Dates run up to midnight (UTC) at the start of `today`: the same seed on the same day
    gives the same data. Refuses (NotEmpty) a database with any user, team or record.
    """
    check_empty()
    started = time.monotonic()
    writer = Writer(out)
    writer.prepare()
    clock = Clock(today or timezone.now().date(), tz_suffix="+00" if writer.postgres else "")
    ctx = Context(random.Random(seed), clock, SIZES[size], Stages.load(), seed)

    org = build(ctx, password_hash=make_password(password))
    accounts = Accounts(ctx, org)
    opportunities = Opportunities(ctx, org, accounts)
    out(f"{'plan':26} {'':>10} {'':4} {time.monotonic() - started:7.1f} s")

    # A team names its manager and a user their team: one transaction for both.
    with transaction.atomic():
        writer.write("teams_team", TEAM_COLUMNS, org.teams, len(org.teams))
        writer.write("teams_user", USER_COLUMNS, org.users, len(org.users))
    rates = list(opportunities.rates.rows())
    writer.write("company_exchangerate", RATE_COLUMNS, rates, len(rates))
    writer.write("accounts_account", ACCOUNT_COLUMNS, accounts.account_rows(), accounts.n)
    contacts = len(accounts.contact_order)
    writer.write("accounts_contact", CONTACT_COLUMNS, accounts.contact_rows(), contacts)
    with schema.deals_in_bulk(connection):
        writer.write(
            "deals_opportunity",
            OPPORTUNITY_COLUMNS,
            opportunities.opportunity_rows(),
            opportunities.n,
        )
    writer.write(
        "deals_opportunityhistory", HISTORY_COLUMNS, opportunities.history_rows(), ctx.size.history
    )
    forever = "9999-12-31 00:00:00" + ("+00" if writer.postgres else "")
    states = opportunities.state_rows(forever)
    writer.write("deals_opportunitystate", STATE_COLUMNS, states, ctx.size.states)
    leads = Leads(ctx, org, accounts, opportunities)
    writer.write("leads_lead", LEAD_COLUMNS, leads.rows(), leads.n)
    activities = Activities(ctx, accounts, opportunities, leads)
    writer.write("activities_activity", ACTIVITY_COLUMNS, activities.rows(), ctx.size.activities)
    writer.finish()

    total = time.monotonic() - started
    rows = {table: n for table, n, _ in writer.timings}
    out(f"{'total':26} {sum(rows.values()):>10,} rows {total:7.1f} s")
    return rows
