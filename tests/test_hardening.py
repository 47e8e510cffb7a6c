"""Defects a probe found by sending what careless clients and attackers send (issue 13): each
answered 500 or the wrong status before its fix."""

import pytest

from salestrack.accounts.services import account_create
from salestrack.activities.services import activity_log
from salestrack.leads import services as lead_services
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create
from tests.conftest import client_for, raw, signed_in

BIG = "99999999999999999999"  # past 2^63: SQLite's driver raised OverflowError


def test_a_website_no_domain_can_be_read_from_is_a_field_error(org):
    api = client_for(org.admin)
    response = api.post("/api/v1/accounts", {"name": "a", "website": "http://["}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["website"]
    account = account_create(by=org.admin, name="Fine")
    response = api.patch(f"/api/v1/accounts/{account.pk}", {"website": "http://["}, format="json")
    assert response.status_code == 400
    page = signed_in(org.admin).post("/leads/new/", {"last_name": "x", "website": "http://["})
    assert (
        page.status_code == 400 and "Enter a website such as example.com." in page.content.decode()
    )


def test_a_lead_saved_with_such_a_website_still_matches_and_converts(org):
    lead = lead_create(by=org.rep, last_name="Doe", company="Initech")
    raw(f"UPDATE leads_lead SET website = 'http://[' WHERE id = {lead.pk}")  # saved before
    client = signed_in(org.rep)
    assert client_for(org.rep).get(f"/api/v1/leads/{lead.pk}/matches").status_code == 200
    assert client.get(f"/leads/{lead.pk}/convert/").status_code == 200
    response = client.post(f"/leads/{lead.pk}/convert/", {"account": "new", "contact": "new"})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.CONVERTED


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("field", ["lead_id", "contact_id", "account_id", "opportunity_id", "kind"])
def test_an_activity_stays_on_its_record(org, method, field):
    lead = lead_create(by=org.rep, last_name="Doe")
    note = activity_log(by=org.rep, kind="note", subject="Hi", lead=lead)
    body = {"subject": "Hi", field: None}
    response = getattr(client_for(org.rep), method)(
        f"/api/v1/activities/{note.pk}", body, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_the_convert_dialog_of_a_converted_lead_says_409(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    lead_convert(lead=lead, by=org.rep)
    client = signed_in(org.rep)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(f"/leads/{lead.pk}/convert/", **headers)
        assert response.status_code == 409
        assert "This lead has already been converted." in response.content.decode()


def test_a_conversion_lost_to_another_on_the_page_is_a_409(org, monkeypatch):
    lead = lead_create(by=org.rep, last_name="Doe")
    matches = lead_services.lead_matches

    def meanwhile(**kwargs):  # another request converts it after the page looked
        lead_convert(lead=Lead.objects.get(pk=lead.pk), by=org.manager)
        return matches(**kwargs)

    monkeypatch.setattr(lead_services, "lead_matches", meanwhile)
    response = signed_in(org.rep).post(
        f"/leads/{lead.pk}/convert/", {"account": "new", "contact": "new"}
    )
    assert response.status_code == 409
    assert "already been converted" in response.content.decode()


def test_deeply_nested_json_is_a_400(org):
    body = "[" * 5000 + "]" * 5000
    response = client_for(org.rep).generic(
        "POST", "/api/v1/leads", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_ids_past_the_databases_range_are_refused_not_500(org):
    client = signed_in(org.admin)
    lead = lead_create(by=org.admin, last_name="Doe")
    for url in (
        f"/contacts/new/?account={BIG}",
        f"/opportunities/new/?account={BIG}",
        f"/pick/accounts/?field=account&account={BIG}",
    ):
        assert client.get(url).status_code == 200, url
    posts = {
        "/contacts/new/": {"last_name": "x", "account": BIG, "owner": org.admin.pk},
        "/opportunities/new/": {"name": "x", "account": BIG, "close_date": "2027-01-01"},
        f"/leads/{lead.pk}/convert/": {"account": "other", "other_account": BIG},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 400, url
    bulk = client.post("/leads/bulk/", {"action": "delete", "ids": [BIG], "confirm": "on"})
    assert bulk.status_code in (302, 400)
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert client.get(f"/accounts/{BIG}/").status_code == 404
    assert client_for(org.admin).get(f"/api/v1/accounts/{BIG}").status_code == 404


@pytest.mark.parametrize("param", ["updated_since", "owner_id", "done", "kind"])
def test_an_empty_typed_filter_is_a_400_not_no_filter(org, param):
    response = client_for(org.rep).get("/api/v1/activities", {param: ""})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        param: ["Give a value, or leave the parameter out."]
    }
    assert client_for(org.rep).get("/api/v1/activities", {"q": ""}).status_code == 200


def test_any_other_path_under_the_api_is_a_json_404(org):
    api = client_for(org.rep)
    for method in ("get", "post", "patch", "delete"):
        for path in ("/api/v1/leads/1.5", "/api/v1/deleted/a\nb\u2028c/restore"):
            response = getattr(api, method)(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
