"""Optimistic concurrency: the ETag is the record's version; a stale If-Match is refused (412)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.audit.models import AuditEntry
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create, lead_update
from salestrack.opportunities.models import Opportunity, OpportunityHistory
from salestrack.opportunities.services import opportunity_create, opportunity_update

ENDPOINTS = ["leads", "accounts", "contacts", "opportunities", "activities"]
CHANGE = {
    "leads": {"title": "CTO"},
    "accounts": {"industry": "Retail"},
    "contacts": {"title": "CFO"},
    "opportunities": {"amount": "900.00"},
    "activities": {"subject": "Call back"},
}
MODELS = [Lead, Account, Contact, Opportunity, Activity, OpportunityHistory, AuditEntry]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def row(record):
    return type(record).objects.filter(pk=record.pk).values().get()


def new_body(endpoint, records):
    return {
        "leads": {"last_name": "Doe"},
        "accounts": {"name": "Initech"},
        "contacts": {"last_name": "Doe"},
        "opportunities": {
            "name": "Deal",
            "account_id": records.accounts.pk,
            "close_date": "2031-01-31",
        },
        "activities": {"kind": "note", "subject": "Met", "lead_id": records.leads.pk},
    }[endpoint]


@pytest.fixture
def records(org, soon):
    lead = lead_create(by=org.rep, last_name="Mead")
    account = account_create(by=org.rep, name="Hooli")
    contact = contact_create(by=org.rep, account=account, last_name="Belson")
    opportunity = opportunity_create(by=org.rep, account=account, name="Deal", close_date=soon)
    activity = activity_log(by=org.rep, kind="call", subject="Intro", opportunity=opportunity)
    return SimpleNamespace(
        leads=lead,
        accounts=account,
        contacts=contact,
        opportunities=opportunity,
        activities=activity,
    )


@pytest.fixture
def api(org, as_user):
    return as_user(org.rep)


def etag_of(response) -> str:
    assert response.has_header("ETag"), response.headers
    return response["ETag"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_detail_create_and_patch_carry_the_version_as_etag(api, records, endpoint):
    record = getattr(records, endpoint)
    detail = api.get(f"/api/v1/{endpoint}/{record.pk}")
    assert etag_of(detail) == f'"{detail.json()["version"]}"' == '"1"'

    created = api.post(f"/api/v1/{endpoint}", new_body(endpoint, records), format="json")
    assert created.status_code == 201, created.json()
    assert etag_of(created) == '"1"' == f'"{created.json()["version"]}"'

    changed = api.patch(f"/api/v1/{endpoint}/{record.pk}", CHANGE[endpoint], format="json")
    assert changed.status_code == 200, changed.json()
    assert etag_of(changed) == '"2"' == f'"{changed.json()["version"]}"'
    assert etag_of(api.get(f"/api/v1/{endpoint}/{record.pk}")) == '"2"'


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_patch_with_the_current_etag_succeeds_and_bumps_it(api, records, endpoint):
    record = getattr(records, endpoint)
    path = f"/api/v1/{endpoint}/{record.pk}"
    current = etag_of(api.get(path))
    response = api.patch(path, CHANGE[endpoint], format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200, response.json()
    assert etag_of(response) == '"2"'
    assert row(record)["version"] == 2

    again = api.patch(path, CHANGE[endpoint], format="json", HTTP_IF_MATCH='W/"2"')
    assert again.status_code == 200
    # Nothing changed: the version, and so the ETag, stay.
    assert etag_of(again) == '"2"'


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_patch_with_a_stale_etag_is_refused_and_changes_nothing(
    org, as_user, api, records, endpoint
):
    record = getattr(records, endpoint)
    path = f"/api/v1/{endpoint}/{record.pk}"
    stale = etag_of(api.get(path))
    # Their manager saves meanwhile.
    first = as_user(org.manager).patch(path, CHANGE[endpoint], format="json", HTTP_IF_MATCH=stale)
    assert first.status_code == 200
    before, before_counts = row(record), counts()

    late = {"description": "mine"} if endpoint != "activities" else {"body": "mine"}
    response = api.patch(path, late, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    error = response.json()["error"]
    assert error["code"] == "stale_version"
    assert error["fields"] == {"version": ["Stale: the current version is 2."]}
    assert row(record) == before
    assert counts() == before_counts


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_if_match_star_matches_any_version(api, records, endpoint):
    record = getattr(records, endpoint)
    path = f"/api/v1/{endpoint}/{record.pk}"
    api.patch(path, CHANGE[endpoint], format="json")
    response = api.patch(
        path,
        {"description": "any"} if endpoint != "activities" else {"body": "any"},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 200
    assert etag_of(response) == '"3"'


def test_two_users_editing_the_same_deal_lose_no_update(org, as_user, records):
    path = f"/api/v1/opportunities/{records.opportunities.pk}"
    rep, manager = as_user(org.rep), as_user(org.manager)
    seen_by_rep, seen_by_manager = etag_of(rep.get(path)), etag_of(manager.get(path))

    saved = manager.patch(path, {"amount": "5000.00"}, format="json", HTTP_IF_MATCH=seen_by_manager)
    refused = rep.patch(path, {"amount": "1.00"}, format="json", HTTP_IF_MATCH=seen_by_rep)
    assert (saved.status_code, refused.status_code) == (200, 412)

    # The rep reloads and tries again on top of the manager's change.
    fresh = rep.get(path)
    assert fresh.json()["amount"] == "5000.00"
    retried = rep.patch(path, {"next_step": "Demo"}, format="json", HTTP_IF_MATCH=etag_of(fresh))
    assert retried.status_code == 200
    assert (retried.json()["amount"], retried.json()["next_step"]) == ("5000.00", "Demo")
    history = OpportunityHistory.objects.filter(opportunity=records.opportunities, field="amount")
    assert [(h.old_value, h.new_value) for h in history.order_by("id")][-1] == ("0.00", "5000.00")


def test_a_change_made_outside_the_api_makes_the_etag_stale(org, api, records):
    path = f"/api/v1/leads/{records.leads.pk}"
    seen = etag_of(api.get(path))
    lead_update(lead=records.leads, by=org.manager, title="VP")  # a page, an import...
    response = api.patch(path, {"title": "CTO"}, format="json", HTTP_IF_MATCH=seen)
    assert response.status_code == 412
    assert Lead.objects.get(pk=records.leads.pk).title == "VP"


@pytest.mark.parametrize(
    "suffix, body",
    [("/disqualify", {"reason": "No budget"}), ("/convert", {})],
)
def test_lead_actions_honour_if_match(org, api, records, suffix, body):
    path = f"/api/v1/leads/{records.leads.pk}"
    lead_update(lead=records.leads, by=org.rep, title="VP")  # now at version 2
    before, before_counts = row(records.leads), counts()

    stale = api.post(path + suffix, body, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert row(records.leads) == before
    assert counts() == before_counts

    current = api.post(path + suffix, body, format="json", HTTP_IF_MATCH='"2"')
    assert current.status_code in (200, 201)
    assert Lead.objects.get(pk=records.leads.pk).version == 3
    if suffix == "/disqualify":
        assert etag_of(current) == '"3"'


def test_a_stale_stage_move_records_no_history(org, api, records):
    path = f"/api/v1/opportunities/{records.opportunities.pk}"
    opportunity_update(opportunity=records.opportunities, by=org.rep, amount=Decimal("10"))
    history = OpportunityHistory.objects.count()
    stages = api.get("/api/v1/pipelines").json()["results"][0]["stages"]
    response = api.patch(path, {"stage_id": stages[2]["id"]}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert OpportunityHistory.objects.count() == history
    assert Opportunity.objects.get(pk=records.opportunities.pk).stage_id == stages[0]["id"]
