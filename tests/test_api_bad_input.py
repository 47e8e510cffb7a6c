"""Bad input answers 4xx in the error shape, names the field, and changes nothing (PRODUCT.md 7)."""

import base64
from types import SimpleNamespace

import pytest

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.audit.models import AuditEntry
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create, lead_disqualify
from salestrack.opportunities.models import Opportunity, OpportunityHistory, Stage
from salestrack.opportunities.pipelines import pipeline_create
from salestrack.opportunities.services import opportunity_create

MISSING = object()  # drop the field from the valid body
LONG = "x" * 201
MODELS = [Lead, Account, Contact, Opportunity, Activity, OpportunityHistory, AuditEntry]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def row(record):
    return type(record).objects.filter(pk=record.pk).values().get()


@pytest.fixture
def base(org, lost_reasons):
    """Enough to create any record: a lead and an account of rep's, and another team's ids."""
    return SimpleNamespace(
        leads=lead_create(by=org.rep, last_name="Mead", company="Hooli"),
        accounts=account_create(by=org.rep, name="Hooli"),
        other_account=account_create(by=org.other_rep, name="Globex"),
        other_rep=org.other_rep,
        lost=Stage.objects.get(pipeline__is_default=True, is_lost=True),
        won=Stage.objects.get(pipeline__is_default=True, is_won=True),
        other_reason=lost_reasons["Other"],
    )


@pytest.fixture
def data(org, soon, base):
    """One record of each kind, owned by rep."""
    base.contacts = contact_create(by=org.rep, account=base.accounts, last_name="Belson")
    base.opportunities = opportunity_create(
        by=org.rep, account=base.accounts, contact=base.contacts, name="Deal", close_date=soon
    )
    base.activities = activity_log(
        by=org.rep, kind="task", subject="Send quote", opportunity=base.opportunities
    )
    return base


@pytest.fixture
def api(org, as_user):
    return as_user(org.rep)


def resolve(body: dict, data) -> dict:
    """Values like "{other_account.pk}" name an id of the fixture."""
    out = {}
    for key, value in body.items():
        if value is MISSING:
            continue
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            value = int(value.format(**vars(data)))
        out[key] = value
    return out


VALID = {
    "leads": {"last_name": "Doe"},
    "accounts": {"name": "Initech"},
    "contacts": {"last_name": "Doe"},
    "opportunities": {"name": "Deal", "account_id": "{accounts.pk}", "close_date": "2031-01-31"},
    "activities": {"kind": "call", "subject": "Call", "lead_id": "{leads.pk}"},
}

CREATE = [
    # wrong types
    ("leads", {"last_name": ["Doe"]}, "last_name"),
    ("leads", {"score": "high"}, "score"),
    ("leads", {"owner_id": "me"}, "owner_id"),
    ("leads", {"owner_id": True}, "owner_id"),
    ("accounts", {"name": {"en": "Initech"}}, "name"),
    ("opportunities", {"amount": "lots"}, "amount"),
    ("opportunities", {"probability": "likely"}, "probability"),
    ("opportunities", {"account_id": "abc"}, "account_id"),
    ("activities", {"done": "maybe"}, "done"),
    ("activities", {"lead_id": [1]}, "lead_id"),
    # missing required fields
    ("leads", {"last_name": MISSING}, "last_name"),
    ("leads", {"last_name": ""}, "last_name"),
    ("accounts", {"name": MISSING}, "name"),
    ("contacts", {"last_name": MISSING}, "last_name"),
    ("opportunities", {"name": MISSING}, "name"),
    ("opportunities", {"account_id": MISSING}, "account_id"),
    ("opportunities", {"close_date": MISSING}, "close_date"),
    ("activities", {"kind": MISSING}, "kind"),
    ("activities", {"subject": MISSING}, "subject"),
    ("activities", {"lead_id": MISSING}, "non_field_errors"),
    # unknown ids and another team's ids
    ("leads", {"owner_id": 999999}, "owner_id"),
    ("leads", {"owner_id": "{other_rep.pk}"}, "owner_id"),
    ("accounts", {"parent_id": 999999}, "parent_id"),
    ("contacts", {"account_id": "{other_account.pk}"}, "account_id"),
    ("opportunities", {"account_id": 999999}, "account_id"),
    ("opportunities", {"account_id": 99999999999999999999}, "account_id"),
    ("opportunities", {"account_id": "{other_account.pk}"}, "account_id"),
    ("opportunities", {"stage_id": 999999}, "stage_id"),
    ("opportunities", {"contact_id": 999999}, "contact_id"),
    ("activities", {"lead_id": 999999}, "lead_id"),
    ("activities", {"lead_id": MISSING, "account_id": "{other_account.pk}"}, "account_id"),
    # too long, out of range, not a choice
    ("leads", {"last_name": LONG}, "last_name"),
    ("leads", {"email": "not an email"}, "email"),
    ("leads", {"score": 150}, "score"),
    ("leads", {"status": "converted"}, "status"),
    ("leads", {"status": "bogus"}, "status"),
    ("accounts", {"name": LONG}, "name"),
    ("accounts", {"type": "customer"}, "type"),
    ("contacts", {"email": "@"}, "email"),
    ("opportunities", {"amount": "-1.00"}, "amount"),
    ("opportunities", {"amount": "1000000000000.00"}, "amount"),
    ("opportunities", {"amount": "1.005"}, "amount"),
    ("opportunities", {"amount": "NaN"}, "amount"),
    ("opportunities", {"probability": 150}, "probability"),
    ("opportunities", {"probability": -1}, "probability"),
    ("opportunities", {"currency": "EURO"}, "currency"),
    ("opportunities", {"forecast_category": "maybe"}, "forecast_category"),
    ("opportunities", {"stage_id": "{lost.pk}"}, "lost_reason_id"),
    ("opportunities", {"lost_reason_id": 999999}, "lost_reason_id"),
    ("opportunities", {"lost_reason_detail": LONG}, "lost_reason_detail"),
    ("opportunities", {"next_step": LONG}, "next_step"),
    ("activities", {"kind": "lunch"}, "kind"),
    ("activities", {"subject": LONG}, "subject"),
    ("activities", {"due_date": "2031-01-01"}, "due_date"),
    # bad dates
    ("opportunities", {"close_date": "2031-02-30"}, "close_date"),
    ("opportunities", {"close_date": "next week"}, "close_date"),
    ("opportunities", {"close_date": 20310101}, "close_date"),
    ("activities", {"occurred_at": "yesterday"}, "occurred_at"),
    ("activities", {"occurred_at": "0001-01-01T00:00:00+05:00"}, "occurred_at"),
    ("activities", {"kind": "task", "due_date": "31/01/2031"}, "due_date"),
]


@pytest.mark.parametrize("endpoint, bad, field", CREATE)
def test_create_with_bad_input_is_refused_and_creates_nothing(api, base, endpoint, bad, field):
    before = counts()
    response = api.post(f"/api/v1/{endpoint}", resolve(VALID[endpoint] | bad, base), format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]
    assert list(error["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert counts() == before


@pytest.mark.parametrize("endpoint", list(VALID))
def test_the_valid_bodies_above_are_accepted(api, base, endpoint):
    # So that each bad case fails for its one bad field only.
    response = api.post(f"/api/v1/{endpoint}", resolve(VALID[endpoint], base), format="json")
    assert response.status_code == 201, response.json()


PATCH = [
    ("leads", {"last_name": ""}, "last_name"),
    ("leads", {"last_name": None}, "last_name"),
    ("leads", {"score": -5}, "score"),
    ("leads", {"status": "converted"}, "status"),
    ("leads", {"status": "disqualified"}, "status"),
    ("leads", {"owner_id": None}, "owner_id"),
    ("leads", {"owner_id": "{other_rep.pk}"}, "owner_id"),
    ("leads", {"website": LONG}, "website"),
    ("accounts", {"name": LONG}, "name"),
    ("accounts", {"type": "former"}, "type"),
    ("accounts", {"parent_id": "{other_account.pk}"}, "parent_id"),
    ("contacts", {"account_id": 999999}, "account_id"),
    ("contacts", {"email": "x@"}, "email"),
    ("opportunities", {"amount": "-0.01"}, "amount"),
    ("opportunities", {"probability": 150}, "probability"),
    ("opportunities", {"close_date": "2031-13-01"}, "close_date"),
    ("opportunities", {"stage_id": "{lost.pk}"}, "lost_reason_id"),
    ("opportunities", {"stage_id": "{lost.pk}", "lost_reason_id": None}, "lost_reason_id"),
    (
        "opportunities",
        {"stage_id": "{lost.pk}", "lost_reason_id": "{other_reason.pk}"},
        "lost_reason_detail",
    ),
    ("opportunities", {"lost_reason_id": "{other_reason.pk}"}, "lost_reason_id"),
    ("opportunities", {"lost_reason_detail": "Too expensive"}, "lost_reason_detail"),
    ("opportunities", {"stage_id": 999999}, "stage_id"),
    ("opportunities", {"stage_id": None}, "stage_id"),
    ("opportunities", {"account_id": "{other_account.pk}"}, "account_id"),
    ("opportunities", {"account_id": None}, "account_id"),
    ("activities", {"subject": ""}, "subject"),
    ("activities", {"due_date": "soon"}, "due_date"),
    ("activities", {"done": "yes please"}, "done"),
    ("activities", {"occurred_at": "2031-01-01T25:00:00Z"}, "occurred_at"),
]


@pytest.mark.parametrize("endpoint, bad, field", PATCH)
def test_patch_with_bad_input_is_refused_and_changes_nothing(api, data, endpoint, bad, field):
    record = getattr(data, endpoint)
    before, before_counts = row(record), counts()
    response = api.patch(f"/api/v1/{endpoint}/{record.pk}", resolve(bad, data), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]
    assert row(record) == before
    assert counts() == before_counts


def test_a_stage_of_another_pipeline_is_named_by_its_api_field(api, data, org):
    other = pipeline_create(name="Renewals", by=org.admin).stages.first()
    before, before_counts = row(data.opportunities), counts()
    response = api.patch(
        f"/api/v1/opportunities/{data.opportunities.pk}", {"stage_id": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["stage_id"]
    assert row(data.opportunities) == before
    assert counts() == before_counts


def test_a_contact_from_another_account_is_named_by_its_api_field(api, data, org):
    stranger = contact_create(
        by=org.rep, account=account_create(by=org.rep, name="B"), last_name="Z"
    )
    before, before_counts = row(data.opportunities), counts()
    response = api.patch(
        f"/api/v1/opportunities/{data.opportunities.pk}", {"contact_id": stranger.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["contact_id"]
    assert row(data.opportunities) == before
    assert counts() == before_counts


WRITES = [
    ("post", "/api/v1/leads"),
    ("post", "/api/v1/accounts"),
    ("post", "/api/v1/contacts"),
    ("post", "/api/v1/opportunities"),
    ("post", "/api/v1/activities"),
    ("patch", "/api/v1/leads/{leads.pk}"),
    ("patch", "/api/v1/accounts/{accounts.pk}"),
    ("patch", "/api/v1/contacts/{contacts.pk}"),
    ("patch", "/api/v1/opportunities/{opportunities.pk}"),
    ("patch", "/api/v1/activities/{activities.pk}"),
    ("put", "/api/v1/leads/{leads.pk}"),
    ("post", "/api/v1/leads/{leads.pk}/convert"),
    ("post", "/api/v1/leads/{leads.pk}/disqualify"),
]
BODIES = [
    ("{not json", "application/json", 400, "parse_error"),
    ('{"last_name": "Doe"', "application/json", 400, "parse_error"),
    ("[1, 2]", "application/json", 400, "invalid"),
    ('"Doe"', "application/json", 400, "invalid"),
    ("last_name=Doe", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ("last_name: Doe", "text/plain", 415, "unsupported_media_type"),
    ("<lead/>", "application/xml", 415, "unsupported_media_type"),
]


@pytest.mark.parametrize("method, path", WRITES)
def test_a_body_that_is_not_a_json_object_is_refused(api, data, method, path):
    records = [data.leads, data.accounts, data.contacts, data.opportunities, data.activities]
    before, before_counts = [row(r) for r in records], counts()
    for body, content_type, status, code in BODIES:
        response = getattr(api, method)(path.format(**vars(data)), body, content_type=content_type)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
        assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert [row(r) for r in records] == before
    assert counts() == before_counts


@pytest.mark.parametrize(
    "body, field",
    [
        ({"opportunity": {"name": "Deal"}}, "opportunity.close_date"),
        (
            {"opportunity": {"name": "D", "close_date": "2031-01-01", "amount": "-1"}},
            "opportunity.amount",
        ),
        (
            {"opportunity": {"name": "D", "close_date": "2031-01-01", "stage_id": "{won.pk}"}},
            "opportunity.stage_id",
        ),
        ({"opportunity": "yes"}, "opportunity.non_field_errors"),
        ({"account_id": 999999}, "account_id"),
        ({"account_id": "{other_account.pk}"}, "account_id"),
        ({"contact_id": "abc"}, "contact_id"),
    ],
)
def test_convert_with_bad_input_converts_nothing(api, base, body, field):
    before, before_counts = row(base.leads), counts()
    body = {
        k: resolve(v, base) if isinstance(v, dict) else v for k, v in resolve(body, base).items()
    }
    response = api.post(f"/api/v1/leads/{base.leads.pk}/convert", body, format="json")
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]
    assert row(base.leads) == before
    assert counts() == before_counts


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": LONG}])
def test_disqualify_needs_a_reason(api, base, body):
    before = row(base.leads)
    response = api.post(f"/api/v1/leads/{base.leads.pk}/disqualify", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert row(base.leads) == before


@pytest.mark.parametrize(
    "endpoint, params, field",
    [
        ("leads", {"status": "bogus"}, "status"),
        ("leads", {"status": ["new", "bogus"]}, "status"),
        ("leads", {"ordering": "password"}, "ordering"),
        ("leads", {"ordering": "owner__password"}, "ordering"),
        ("leads", {"ordering": "last_name,id"}, "ordering"),
        ("leads", {"owner_id": "abc"}, "owner_id"),
        ("leads", {"owner_id": "1.5"}, "owner_id"),
        ("leads", {"owner_id": "99999999999999999999"}, "owner_id"),
        ("leads", {"updated_since": "yesterday"}, "updated_since"),
        ("leads", {"updated_since": "0001-01-01T00:00:00+05:00"}, "updated_since"),
        ("leads", {"q": "nul\x00l"}, "q"),
        ("accounts", {"type": "bogus"}, "type"),
        ("accounts", {"ordering": "customer_since"}, "ordering"),
        ("contacts", {"account_id": "x"}, "account_id"),
        ("opportunities", {"stage_id": "x"}, "stage_id"),
        ("opportunities", {"is_closed": "maybe"}, "is_closed"),
        ("opportunities", {"close_date_from": "2031-02-30"}, "close_date_from"),
        ("opportunities", {"ordering": "-probability"}, "ordering"),
        ("activities", {"kind": "lunch"}, "kind"),
        ("activities", {"done": "perhaps"}, "done"),
        ("activities", {"ordering": "due_date"}, "ordering"),
        ("users", {"role": "boss"}, "role"),
        ("users", {"ordering": "password"}, "ordering"),
        ("users", {"team_id": "x"}, "team_id"),
    ],
)
def test_an_unknown_filter_value_is_an_error_not_ignored(api, endpoint, params, field):
    response = api.get(f"/api/v1/{endpoint}", params)
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [field]


def test_yes_no_filters_take_true_false_one_and_zero(api, data):
    def ids(endpoint, params):
        response = api.get(f"/api/v1/{endpoint}", params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids("opportunities", {"is_closed": "false"}) == [data.opportunities.pk]
    assert ids("opportunities", {"is_closed": "1"}) == []
    assert ids("activities", {"done": "0"}) == [data.activities.pk]
    assert ids("activities", {"done": "true"}) == []


@pytest.mark.parametrize(
    "raw",
    [
        '["abc", 1]',
        '["1", "x"]',
        "[null, 1]",
        '["99999999999999999999999", 1]',
        '["1"]',
        '{"p": 1}',
        "p=1&o=5",
        "not json",
    ],
)
def test_a_forged_cursor_is_refused(api, raw):
    cursor = base64.urlsafe_b64encode(raw.encode()).decode()
    response = api.get("/api/v1/leads", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid cursor"


def test_a_cursor_that_is_not_base64_is_refused(api):
    response = api.get("/api/v1/leads", {"cursor": "%%%"})
    assert response.status_code == 404


def test_page_size_is_a_whole_number_up_to_200(org, api):
    for i in range(201):
        lead_create(by=org.rep, last_name=f"L{i}")
    for page_size, expected in [("200", 200), ("1", 1)]:
        response = api.get("/api/v1/leads", {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == expected
        assert response.json()["next"]
    # Said wrong is a 400 naming the parameter, not a silent default (the schema says 1-200).
    for page_size in ["1000", "201", "0", "-3", "x", "false", "1.5", "²"]:
        response = api.get("/api/v1/leads", {"page_size": page_size})
        assert response.status_code == 400, page_size
        assert response.json()["error"]["fields"] == {
            "page_size": ["A whole number from 1 to 200."]
        }


@pytest.mark.parametrize("endpoint", list(VALID))
def test_a_malformed_if_match_is_refused(api, data, endpoint):
    record = getattr(data, endpoint)
    path = f"/api/v1/{endpoint}/{record.pk}"
    change = {"body": "x"} if endpoint == "activities" else {"description": "x"}
    before = row(record)
    for if_match in ['"three"', '"1", "2"', 'W/"x"', '""', '"-1"']:
        response = api.patch(path, change, format="json", HTTP_IF_MATCH=if_match)
        assert response.status_code == 400, if_match
        assert list(response.json()["error"]["fields"]) == ["If-Match"]
    # A bare 3 (no quotes) reads as version 3: stale rather than malformed.
    assert api.patch(path, change, format="json", HTTP_IF_MATCH="3").status_code == 412
    assert row(record) == before


# State rules


def test_a_lost_stage_needs_a_lost_reason(api, data):
    path = f"/api/v1/opportunities/{data.opportunities.pk}"
    refused = api.patch(path, {"stage_id": data.lost.pk}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["lost_reason_id"]
    assert Opportunity.objects.get(pk=data.opportunities.pk).stage_id != data.lost.pk

    other = data.other_reason.pk
    body = {"stage_id": data.lost.pk, "lost_reason_id": other, "lost_reason_detail": "Budget cut"}
    lost = api.patch(path, body, format="json")
    assert lost.status_code == 200
    answer = lost.json()
    assert (answer["lost_reason_id"], answer["lost_reason_detail"]) == (other, "Budget cut")
    assert answer["is_closed"] is True


def test_converting_a_disqualified_lead_is_a_conflict(api, base, org):
    lead_disqualify(lead=base.leads, by=org.rep, reason="Student")
    before, before_counts = row(base.leads), counts()
    response = api.post(f"/api/v1/leads/{base.leads.pk}/convert", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert row(base.leads) == before
    assert counts() == before_counts


@pytest.fixture
def converted(base, org):
    return lead_convert(lead=base.leads, by=org.rep).lead


@pytest.mark.parametrize(
    "method, suffix, body",
    [
        ("patch", "", {"title": "CEO"}),
        ("patch", "", {"status": "working"}),
        ("put", "", {"last_name": "Mead"}),
        ("post", "/convert", {}),
        ("post", "/disqualify", {"reason": "Changed their mind"}),
    ],
)
def test_a_converted_lead_is_read_only(api, converted, method, suffix, body):
    before, before_counts = row(converted), counts()
    response = getattr(api, method)(f"/api/v1/leads/{converted.pk}{suffix}", body, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert row(converted) == before
    assert counts() == before_counts


def test_an_activity_on_a_converted_lead_is_a_conflict(api, converted):
    before = counts()
    response = api.post(
        "/api/v1/activities",
        {"kind": "call", "subject": "S", "lead_id": converted.pk},
        format="json",
    )
    assert response.status_code == 409
    assert counts() == before


def test_converting_onto_a_contact_without_account_gives_it_the_new_account(api, base, org):
    loner = contact_create(by=org.rep, last_name="Loner")
    response = api.post(
        f"/api/v1/leads/{base.leads.pk}/convert", {"contact_id": loner.pk}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["contact"]["id"] == loner.pk
    assert body["contact"]["account_id"] == body["account"]["id"]


@pytest.mark.parametrize("parent", ["itself", "its own child"])
def test_an_account_cannot_be_its_own_ancestor(api, base, org, parent):
    child = account_create(by=org.rep, name="Hooli Europe", parent=base.accounts)
    new_parent = base.accounts if parent == "itself" else child
    before = row(base.accounts)
    response = api.patch(
        f"/api/v1/accounts/{base.accounts.pk}", {"parent_id": new_parent.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["parent_id"]
    assert row(base.accounts) == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/leads/{leads.pk}",
        "/api/v1/accounts/{accounts.pk}",
        "/api/v1/contacts/{contacts.pk}",
        "/api/v1/opportunities/{opportunities.pk}",
        "/api/v1/activities/{activities.pk}",
        "/api/v1/pipelines/{lost.pipeline_id}",
        "/api/v1/users/{other_rep.pk}",
    ],
)
def test_delete_is_not_allowed(api, data, path):
    before = counts()
    response = api.delete(path.format(**vars(data)))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert counts() == before


@pytest.mark.parametrize("endpoint", [*VALID, "users", "teams", "pipelines"])
def test_a_malformed_or_unknown_id_is_404(api, endpoint):
    for pk in ["abc", "0", "-1", "1.5", "999999", "99999999999999999999"]:
        assert api.get(f"/api/v1/{endpoint}/{pk}").status_code == 404
