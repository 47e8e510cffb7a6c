"""Every API list costs a constant number of queries, and keyset pages visit each row once."""

import itertools

import pytest
from django.db import connection

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log
from salestrack.api import filters
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create
from salestrack.opportunities.models import Stage
from salestrack.opportunities.pipelines import pipeline_create
from salestrack.opportunities.services import opportunity_create
from salestrack.teams.services import team_create, user_create

ROLES = ["rep", "teammate", "other_rep", "manager", "region_manager", "admin", "anonymous"]
RECORDS = ["leads", "accounts", "contacts", "opportunities", "activities"]


def expected_queries(endpoint: str, role: str) -> int:
    """The token with its user, a manager's team tree and people, the page, a pipeline's stages."""
    if role == "anonymous":
        return 0
    managers_tree = 2 if endpoint in RECORDS and role in ("manager", "region_manager") else 0
    return 1 + managers_tree + 1 + (endpoint == "pipelines")


@pytest.fixture
def add_rows(org, soon):
    """add_rows(endpoint, n): n more rows, owned in turn by rep, teammate, other_rep, manager."""
    owners = itertools.cycle([org.rep, org.teammate, org.other_rep, org.manager])
    serial = itertools.count()
    base = {}

    def on_account(owner):
        if owner.pk not in base:
            base[owner.pk] = account_create(by=owner, name=f"Base of {owner}")
        return base[owner.pk]

    def one(endpoint):
        owner, i = next(owners), next(serial)
        if endpoint == "leads":
            lead_create(by=owner, last_name=f"Lead {i}", company="Hooli")
        elif endpoint == "accounts":
            account_create(by=owner, name=f"Account {i}")
        elif endpoint == "contacts":
            contact_create(by=owner, last_name=f"Contact {i}", account=on_account(owner))
        elif endpoint == "opportunities":
            opportunity_create(
                by=owner, account=on_account(owner), name=f"Deal {i}", close_date=soon
            )
        elif endpoint == "activities":
            activity_log(by=owner, kind="call", subject=f"Call {i}", account=on_account(owner))
        elif endpoint == "users":
            user_create(username=f"user{i}", role="rep", team=org.team_a)
        elif endpoint == "teams":
            team_create(name=f"Team {i}", parent=org.company, manager=org.manager)
        elif endpoint == "pipelines":
            pipeline_create(name=f"Pipeline {i}", by=org.admin)

    def add_rows(endpoint, n):
        for _ in range(n):
            one(endpoint)

    return add_rows


@pytest.mark.parametrize("endpoint", [*RECORDS, "users", "teams", "pipelines"])
def test_a_list_costs_the_same_queries_for_3_rows_and_for_30(
    org, as_user, add_rows, django_assert_num_queries, endpoint
):
    clients = {r: as_user(None if r == "anonymous" else getattr(org, r)) for r in ROLES}
    for api in clients.values():
        api.get("/api/v1/users")  # the first use of a token records when it was used
    seen, added = {}, 0
    for total in (3, 30):
        add_rows(endpoint, total - added)
        added = total
        for role, api in clients.items():
            with django_assert_num_queries(expected_queries(endpoint, role)):
                response = api.get(f"/api/v1/{endpoint}", {"page_size": 200})
            if role != "anonymous":
                assert response.status_code == 200
                seen[role] = response.json()["results"]
        assert len(seen["admin"]) >= total
        assert len(seen["manager"]) > len(seen["rep"]) or endpoint not in RECORDS


@pytest.mark.parametrize(
    "params",
    [
        {"owner_id": "{rep}"},
        {"q": "Lead 1"},
        {"updated_since": "2000-01-01T00:00:00Z"},
        {"status": ["new", "working"]},
        {"ordering": "-last_name"},
        {"ordering": "company", "page_size": 2},
    ],
)
def test_filters_and_ordering_keep_the_count(
    org, as_user, add_rows, django_assert_num_queries, params
):
    add_rows("leads", 12)
    params = {k: str(org.rep.pk) if v == "{rep}" else v for k, v in params.items()}
    api = as_user(org.region_manager)
    api.get("/api/v1/users")
    # SQLite reads a search's newest ids from its index in a query of their own.
    expected = 5 if "q" in params and connection.vendor == "sqlite" else 4
    with django_assert_num_queries(expected):
        first = api.get("/api/v1/leads", params)
    assert first.json()["results"]
    if first.json()["next"]:
        with django_assert_num_queries(expected):
            assert api.get(first.json()["next"]).status_code == 200


def test_a_list_naming_no_filter_builds_no_filter_form(org, as_user, monkeypatch):
    built = []
    original = filters.LeadFilter.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(filters.LeadFilter, "__init__", counting)
    lead_create(by=org.rep, last_name="Open", status="new")
    lead_create(by=org.rep, last_name="Working", status="working")
    api = as_user(org.rep)
    everything = api.get("/api/v1/leads", {"page_size": 10, "ordering": "last_name"}).json()
    assert [row["last_name"] for row in everything["results"]] == ["Open", "Working"]
    assert built == []
    working = api.get("/api/v1/leads", {"status": "working"}).json()
    assert [row["last_name"] for row in working["results"]] == ["Working"]
    assert api.get("/api/v1/leads", {"status": "asleep"}).status_code == 400
    assert built == [1, 1]


# Keyset pages


@pytest.fixture
def many_leads(org):
    """120 of rep's leads, with only three last names and four scores, and a teammate's lead."""
    names = ["Smith", "Jones", "Brown"]
    for i in range(120):
        lead_create(by=org.rep, first_name=f"N{i}", last_name=names[i % 3], score=(i * 7) % 4)
    lead_create(by=org.teammate, last_name="Smith")  # not rep's: never on rep's pages


@pytest.mark.parametrize(
    "ordering", [None, "last_name", "-last_name", "score", "-score", "status", "-created_at"]
)
def test_walking_the_pages_gives_every_lead_once_in_order(
    org, as_user, many_leads, django_assert_num_queries, ordering
):
    api = as_user(org.rep)
    api.get("/api/v1/users")
    params = {"page_size": 50} | ({"ordering": ordering} if ordering else {})
    url, query, pages, ids = "/api/v1/leads", params, 0, []
    while url:
        with django_assert_num_queries(2) as queries:
            response = api.get(url, query)
        assert response.status_code == 200
        # A keyset page filters past the last row it sent; an OFFSET would grow page by page.
        assert "OFFSET" not in queries.captured_queries[-1]["sql"].upper()
        ids += [row["id"] for row in response.json()["results"]]
        url, query, pages = response.json()["next"], None, pages + 1

    field = ordering or "-id"
    tie = "-id" if field.startswith("-") else "id"
    expected = list(
        Lead.objects.filter(owner=org.rep).order_by(field, tie).values_list("id", flat=True)
    )
    assert len(expected) == 120
    assert ids == expected
    assert pages == 3


# Write paths


def test_writes_cost_a_fixed_number_of_queries(org, as_user, soon, django_assert_num_queries):
    api = as_user(org.rep)
    api.get("/api/v1/users")
    lead = lead_create(by=org.rep, last_name="Lovelace", company="Initech")
    # The token; the lead among those the rep may change; lock it; create and audit the
    # account and the contact; the default pipeline and stage; the company's currency, the
    # deal's by default; the account's type; create, audit and date the deal and start its
    # state over time; move the lead's activities; save and audit the lead. Each
    # service called inside the conversion also opens and releases a savepoint (6 statements),
    # as does the conversion itself here, where the test's transaction holds the request's.
    body = {"opportunity": {"name": "Initech deal", "amount": "1000", "close_date": str(soon)}}
    with django_assert_num_queries(26):
        response = api.post(f"/api/v1/leads/{lead.pk}/convert", body, format="json")
    assert response.status_code == 201, response.json()
    deal = response.json()["opportunity"]
    stage = Stage.objects.get(pipeline__is_default=True, name="Qualification")
    # The token; the deal among those the rep may change; the stage asked for; lock the deal;
    # save it, audit it and date the change; end its state and start the next (a state begun
    # at this very moment would be replaced instead); the savepoint of the test's transaction.
    with django_assert_num_queries(12):
        response = api.patch(
            f"/api/v1/opportunities/{deal['id']}", {"stage_id": stage.pk}, format="json"
        )
    assert response.status_code == 200, response.json()
    # The token; insert and audit the lead; the savepoint (2).
    with django_assert_num_queries(5):
        response = api.post("/api/v1/leads", {"last_name": "Hopper"}, format="json")
    assert response.status_code == 201, response.json()
