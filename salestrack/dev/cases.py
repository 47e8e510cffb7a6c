"""The benchmark cases: each list page and API list, search, the board, a record, writes."""

import base64
import datetime
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Count
from django.test import Client
from django.utils import timezone

from salestrack.accounts.models import Account
from salestrack.activities.models import Activity
from salestrack.company.models import Company
from salestrack.forecasting import periods
from salestrack.forecasting.models import Calibration
from salestrack.forecasting.probability import calibrate, forecast_range
from salestrack.forecasting.rollup import rollup
from salestrack.leads.models import Lead
from salestrack.lib import keyset
from salestrack.opportunities.models import Opportunity, Stage
from salestrack.opportunities.selectors import pipeline_as_of
from salestrack.teams.models import Team, User
from salestrack.teams.services import token_create

DEEP = 20_000  # rows into a list for the "deep page" cases


@dataclass
class Case:
    name: str
    call: Callable


def cast() -> dict[str, User]:
    """An admin, a team's manager and a rep of that team, as the generator makes them."""
    admin = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("id").first()
    team = (
        Team.objects.filter(manager__role=User.Role.MANAGER, parent__parent__isnull=False)
        .order_by("id")
        .first()
    )
    if admin is None or team is None:
        raise LookupError("no generated organisation here: run `salestrack generate` first")
    rep = User.objects.filter(team=team, role=User.Role.REP).order_by("id").first()
    return {"admin": admin, "manager": team.manager, "rep": rep}


def _page_cursor(queryset, field: str, descending: bool, depth: int) -> str:
    sign = "-" if descending else ""
    row = queryset.order_by(f"{sign}{field}", f"{sign}pk")[depth : depth + 1].first()
    if row is None:  # a small database: the deepest page there is will do
        row = queryset.order_by(f"{sign}{field}", f"{sign}pk").last()
    return keyset.encode(getattr(row, field), row.pk)


def _api_cursor(queryset, field: str, descending: bool, depth: int) -> str:
    sign = "-" if descending else ""
    row = queryset.order_by(f"{sign}{field}", f"{sign}pk")[depth : depth + 1].first()
    if row is None:
        row = queryset.order_by(f"{sign}{field}", f"{sign}pk").last()
    raw = json.dumps([str(getattr(row, field)), row.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def build(people: dict[str, User]) -> list[Case]:
    clients = {}
    for role, user in people.items():
        client = Client()
        client.force_login(user)
        clients[role] = client
    api = {
        role: Client(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user, name='bench')}")
        for role, user in people.items()
    }
    rep = people["rep"]
    page_deep = _page_cursor(Lead.objects.all(), "updated_at", True, DEEP)
    api_deep = _api_cursor(Lead.objects.all(), "id", True, DEEP)
    name_deep = _api_cursor(Lead.objects.all(), "last_name", False, DEEP)
    busiest = (
        Opportunity.objects.filter(
            pk__in=Activity.objects.exclude(opportunity=None).values("opportunity_id")[:5000]
        )
        .annotate(n=Count("activities"))
        .order_by("-n")
        .first()
    )
    surname = Lead.objects.filter(owner=rep).values_list("last_name", flat=True).first() or "smith"
    # A word of company names, which thousands of accounts (and their deals) share.
    company_word = Account.objects.filter(owner=rep).values_list("name", flat=True).first() or "x"
    company_word = company_word.split()[0]

    def get(client, url):
        return lambda: client.get(url)

    cases = []
    for role in ("admin", "manager", "rep"):
        page, json_api = clients[role], api[role]
        cases += [
            Case(f"page leads ({role})", get(page, "/leads/")),
            Case(f"api leads ({role})", get(json_api, "/api/v1/leads")),
        ]
    page, json_api = clients["manager"], api["manager"]
    cases += [
        Case("page leads by owner+status", get(page, f"/leads/?owner={rep.pk}&status=working")),
        Case("page leads sorted by name", get(page, "/leads/?sort=name")),
        Case("page leads deep (admin)", get(clients["admin"], f"/leads/?after={page_deep}")),
        # A surname's matches sit together in a list by name: a walk of the name index meets
        # them late.
        Case(
            "page leads search by name (admin)",
            get(clients["admin"], f"/leads/?q={surname}&sort=name"),
        ),
        Case("page leads search by name", get(page, f"/leads/?q={surname}")),
        Case(
            "page leads search company word by company",
            get(page, f"/leads/?q={company_word}&sort=company"),
        ),
        Case("page contacts search by name", get(page, f"/contacts/?q={surname}")),
        # A word in a third of all leads (their email domains): its newest matches among what
        # the user sees (search.index.LIST_CAP) are a long walk or a large gather.
        Case("page leads search common word", get(page, "/leads/?q=com")),
        Case("page leads search common word (rep)", get(clients["rep"], "/leads/?q=com")),
        # A manager sees a contact or account through a deal of the team's too: the search
        # index holds both (PostgreSQL: seen_by, search/migrations/0007).
        Case("page contacts search 2-letter word", get(page, "/contacts/?q=jo")),
        Case("page accounts search common word", get(page, "/accounts/?q=inc")),
        # A 2-letter word is a field's start, which its letters inside a word are not
        # (PostgreSQL: search/migrations/0008).
        Case(
            "page opportunities search 2-letter word (admin)",
            get(clients["admin"], "/opportunities/?q=an"),
        ),
        Case("page accounts", get(page, "/accounts/")),
        Case("page contacts", get(page, "/contacts/")),
        Case("page opportunities", get(page, "/opportunities/")),
        Case(
            "api leads by owner+status",
            get(json_api, f"/api/v1/leads?owner_id={rep.pk}&status=working"),
        ),
        Case("api leads by name", get(json_api, "/api/v1/leads?ordering=last_name")),
        Case("api leads deep (admin)", get(api["admin"], f"/api/v1/leads?cursor={api_deep}")),
        Case(
            "api leads deep by name (admin)",
            get(api["admin"], f"/api/v1/leads?ordering=last_name&cursor={name_deep}"),
        ),
        Case("api accounts", get(json_api, "/api/v1/accounts")),
        Case("api contacts", get(json_api, "/api/v1/contacts")),
        Case("api opportunities", get(json_api, "/api/v1/opportunities")),
        Case("api activities", get(json_api, "/api/v1/activities")),
        Case("api activities (rep)", get(api["rep"], "/api/v1/activities")),
        Case(
            "api activities by date (rep)",
            get(api["rep"], "/api/v1/activities?ordering=-occurred_at"),
        ),
        Case("search (admin)", get(clients["admin"], f"/search/?q={surname}")),
        Case("search (manager)", get(page, f"/search/?q={surname}")),
        Case("search (rep)", get(clients["rep"], f"/search/?q={surname}")),
        Case("search company word (admin)", get(clients["admin"], f"/search/?q={company_word}")),
        Case("search company word (manager)", get(page, f"/search/?q={company_word}")),
        Case("search company word (rep)", get(clients["rep"], f"/search/?q={company_word}")),
        # A word no record has, as a typo is: nothing stops a walk through the rows early.
        Case("search missing word (admin)", get(clients["admin"], "/search/?q=zqxw")),
        Case("search missing word (manager)", get(page, "/search/?q=zqxw")),
        Case("search 2-letter word (admin)", get(clients["admin"], "/search/?q=an")),
        Case("board (team)", get(page, "/board/")),
        Case("board (everyone)", get(clients["admin"], "/board/")),
        Case("record page, long timeline", get(clients["admin"], f"/opportunities/{busiest.pk}/")),
        # The list's totals, loaded after it: every deal an admin sees, open or closed.
        Case("page opportunities totals (admin)", get(clients["admin"], "/opportunities/totals/")),
        Case("page opportunities totals (manager)", get(page, "/opportunities/totals/")),
        Case(
            "page opportunities totals search (admin)",
            get(clients["admin"], "/opportunities/totals/?q=an"),
        ),
        Case("open pipeline as of 90 days ago (everyone)", _as_of(90)),
        Case("forecast roll-up, this quarter (company)", _rollup(people["admin"])),
        Case("forecast roll-up, this quarter (manager)", _rollup(people["manager"])),
        Case("forecast range P10/P50/P90, this quarter (company)", _range(people["admin"])),
        Case("forecast range P10/P50/P90, this quarter (manager)", _range(people["manager"])),
        Case("page forecast (admin)", get(clients["admin"], "/forecast/")),
        Case("page forecast (manager)", get(page, "/forecast/")),
        Case(
            "page forecast drill-down, open pipeline (admin)",
            get(clients["admin"], "/forecast/deals/?figure=open_pipeline"),
        ),
        Case("forecast chart, week by week (admin)", get(clients["admin"], "/forecast/trend/")),
        Case("forecast chart, week by week (manager)", get(page, "/forecast/trend/")),
        Case("my day (rep)", get(clients["rep"], "/")),
        Case("my day (manager team)", get(page, "/?view=team")),
    ]
    cases += _writes(api["rep"], rep)
    return cases


def _rollup(viewer: User) -> Callable:
    """The roll-up of this quarter as `viewer` sees it: the company for an admin, the team for
    a manager (forecasting/rollup.py)."""
    quarter = periods.quarter_of(timezone.localdate(), Company.load().fiscal_year_start)

    def call():
        result = rollup(quarter, viewer=viewer)
        return SimpleNamespace(status_code=200 if result.rows else 404)

    return call


def _range(viewer: User) -> Callable:
    """P10, P50 and P90 of this quarter's closed revenue as `viewer` sees it, from the kept
    calibration (forecasting/probability.py; fitted first if there is none)."""
    quarter = periods.quarter_of(timezone.localdate(), Company.load().fiscal_year_start)
    if not Calibration.objects.exists():
        calibrate()

    def call():
        result = forecast_range(quarter, viewer=viewer)
        return SimpleNamespace(status_code=200 if result.deals else 404)

    return call


def _as_of(days: int) -> Callable:
    """The open pipeline as it stood `days` ago, read into memory (a forecast's first step)."""
    moment = timezone.now() - datetime.timedelta(days=days)

    def call():
        rows = pipeline_as_of(moment, open_only=True).values_list(
            "opportunity_id", "stage_id", "amount", "currency", "close_date", "probability"
        )
        return SimpleNamespace(status_code=200 if len(list(rows)) else 404)

    return call


def _writes(client: Client, rep: User) -> list[Case]:
    """The API's write paths, each run on fresh records so every run does the real work."""
    counter = itertools.count()
    soon = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    stages = list(Stage.objects.filter(pipeline__is_default=True, is_won=False, is_lost=False))
    opportunities = itertools.cycle(
        Opportunity.objects.filter(owner=rep, is_closed=False).values_list("pk", flat=True)[:200]
    )
    account = Account.objects.filter(owner=rep).values_list("pk", flat=True).first()

    def create_lead():
        n = next(counter)
        body = {"last_name": f"Bench {n}", "company": f"Bench Co {n}", "email": f"b{n}@bench.test"}
        return client.post("/api/v1/leads", body, content_type="application/json")

    def log_activity():
        body = {"kind": "call", "subject": "Bench call", "account_id": account}
        return client.post("/api/v1/activities", body, content_type="application/json")

    def move_stage():
        stage = stages[next(counter) % len(stages)]
        return client.patch(
            f"/api/v1/opportunities/{next(opportunities)}",
            {"stage_id": stage.pk},
            content_type="application/json",
        )

    fresh = Lead.objects.filter(owner=rep, status=Lead.Status.NEW).values_list("pk", flat=True)
    to_convert = iter(list(fresh[:400]))

    def convert():
        body = {"opportunity": {"name": "Bench deal", "amount": "1000", "close_date": soon}}
        return client.post(
            f"/api/v1/leads/{next(to_convert)}/convert", body, content_type="application/json"
        )

    return [
        Case("api write: create lead", create_lead),
        Case("api write: log activity", log_activity),
        Case("api write: move stage", move_stage),
        Case("api write: convert lead", convert),
    ]
