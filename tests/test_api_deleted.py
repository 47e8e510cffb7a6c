"""The API's trash: GET /api/v1/deleted and POST /api/v1/deleted/<id>/restore, admins only."""

import datetime
import json

import pytest

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create, account_delete
from salestrack.audit.models import Deleted
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create, lead_delete
from salestrack.opportunities.models import Opportunity, OpportunityHistory
from salestrack.opportunities.services import opportunity_create, opportunity_delete

SOON = datetime.date.today() + datetime.timedelta(days=30)
NOT_ADMINS = ["rep", "teammate", "other_rep", "manager", "region_manager"]


@pytest.fixture
def deleted_lead(org):
    lead = lead_create(by=org.rep, first_name="Grace", last_name="Hopper")
    lead_delete(lead=Lead.objects.get(pk=lead.pk), by=org.rep)
    return Deleted.objects.get(model="leads.lead", object_id=lead.pk)


@pytest.fixture
def admin(org, as_user):
    return as_user(org.admin)


def test_an_admin_lists_the_trash_newest_first(org, admin, deleted_lead):
    account = account_create(by=org.manager, name="Initech")
    account_delete(account=Account.objects.get(pk=account.pk), by=org.manager)
    response = admin.get("/api/v1/deleted")
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [(r["kind"], r["model"], r["name"], r["deleted_by_id"]) for r in body["results"]] == [
        ("account", "accounts.account", "Initech", org.manager.pk),
        ("lead", "leads.lead", "Grace Hopper", org.rep.pk),
    ]
    assert body["results"][1]["object_id"] == deleted_lead.object_id
    assert set(body["results"][0]) == {
        "id",
        "kind",
        "model",
        "object_id",
        "name",
        "deleted_by_id",
        "deleted_at",
    }


def test_the_list_pages_by_cursor(org, admin):
    for i in range(5):
        lead = lead_create(by=org.rep, last_name=f"Lead {i}")
        lead_delete(lead=lead, by=org.rep)
    first = admin.get("/api/v1/deleted?page_size=3").json()
    assert [r["name"] for r in first["results"]] == ["Lead 4", "Lead 3", "Lead 2"]
    rest = admin.get(first["next"]).json()
    assert [r["name"] for r in rest["results"]] == ["Lead 1", "Lead 0"]
    assert admin.get("/api/v1/deleted?cursor=garbage").status_code == 404


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_the_trash_does_not_exist_for_non_admins(org, as_user, deleted_lead, who):
    client = as_user(getattr(org, who))
    assert client.get("/api/v1/deleted").status_code == 404
    response = client.post(f"/api/v1/deleted/{deleted_lead.pk}/restore")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Lead.objects.exists() and Deleted.objects.count() == 1


def test_anonymous_callers_must_sign_in(as_user, deleted_lead):
    client = as_user(None)
    assert client.get("/api/v1/deleted").status_code == 401
    assert client.post(f"/api/v1/deleted/{deleted_lead.pk}/restore").status_code == 401
    assert Deleted.objects.count() == 1


def test_an_admin_restores_a_record(org, admin, deleted_lead):
    response = admin.post(f"/api/v1/deleted/{deleted_lead.pk}/restore")
    assert response.status_code == 200
    assert response.json() == {
        "kind": "lead",
        "model": "leads.lead",
        "id": deleted_lead.object_id,
        "name": "Grace Hopper",
    }
    assert admin.get(f"/api/v1/leads/{deleted_lead.object_id}").json()["last_name"] == "Hopper"
    # Once restored it is no longer in the trash.
    again = admin.post(f"/api/v1/deleted/{deleted_lead.pk}/restore")
    assert again.status_code == 404
    assert admin.get("/api/v1/deleted").json()["results"] == []


def test_a_restored_deal_shows_its_deletion_in_its_history(org, admin):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="TPS", close_date=SOON)
    opportunity_delete(opportunity=Opportunity.objects.get(pk=deal.pk), by=org.rep)
    entry = Deleted.objects.get(model="deals.opportunity")
    assert admin.post(f"/api/v1/deleted/{entry.pk}/restore").status_code == 200
    rows = admin.get(f"/api/v1/opportunities/{deal.pk}/history").json()["results"]
    marks = [(r["field"], r["old_value"], r["new_value"]) for r in rows if r["field"] == "deleted"]
    assert marks == [("deleted", "False", "True"), ("deleted", "True", "False")]
    assert OpportunityHistory.objects.filter(opportunity_id=deal.pk).count() == len(rows)


def test_a_restore_that_cannot_be_done_answers_409_and_changes_nothing(org, admin):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="TPS", close_date=SOON)
    opportunity_delete(opportunity=Opportunity.objects.get(pk=deal.pk), by=org.rep)
    account_delete(account=Account.objects.get(pk=account.pk), by=org.rep)
    entry = Deleted.objects.get(model="deals.opportunity")
    response = admin.post(f"/api/v1/deleted/{entry.pk}/restore")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and "Restore the account Initech first" in error["message"]
    assert error["fields"] == {"account": ["The account Initech is deleted."]}
    assert not Opportunity.objects.exists() and Deleted.objects.count() == 2


@pytest.mark.parametrize(
    "path", ["/api/v1/deleted/abc/restore", "/api/v1/deleted/99999999999999999999/restore"]
)
def test_bad_ids_answer_404(admin, deleted_lead, path):
    assert admin.post(path).status_code == 404
    assert admin.post("/api/v1/deleted/999999/restore").status_code == 404
    assert Deleted.objects.count() == 1


def test_wrong_methods_answer_405(admin, deleted_lead):
    assert admin.get(f"/api/v1/deleted/{deleted_lead.pk}/restore").status_code == 405
    assert admin.post("/api/v1/deleted", {}, format="json").status_code == 405
    assert admin.delete("/api/v1/deleted").status_code == 405
    # A body is ignored: restoring takes none.
    response = admin.post(
        f"/api/v1/deleted/{deleted_lead.pk}/restore",
        data=json.dumps({"id": 1}),
        content_type="application/json",
    )
    assert response.status_code == 200


def test_the_schema_documents_the_trash(client, db):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    listed = schema["paths"]["/api/v1/deleted"]["get"]
    assert "deleted" in listed["tags"]
    page = listed["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["$ref"].endswith("/PaginatedDeletedList")
    restore = schema["paths"]["/api/v1/deleted/{id}/restore"]["post"]
    # Its own answers, and those of every write (api/schema.py), all in the error shape.
    assert set(restore["responses"]) == {"200", "400", "401", "403", "404", "409", "412", "429"}
    gone = restore["responses"]["404"]["content"]["application/json"]["schema"]
    assert gone["$ref"].endswith("/Error")
    assert "requestBody" not in restore
    ok = restore["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/Restored")
    fields = schema["components"]["schemas"]["Deleted"]["properties"]
    assert {"kind", "model", "object_id", "name", "deleted_by_id", "deleted_at"} <= set(fields)
