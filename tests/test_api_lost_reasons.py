"""/api/v1/lost-reasons: read by everyone signed in, kept by admins; deals name theirs by id."""

import datetime

import pytest

from salestrack.accounts.services import account_create
from salestrack.opportunities.models import LostReason, Opportunity, Stage
from salestrack.opportunities.services import opportunity_create, opportunity_move_stage

SOON = datetime.date.today() + datetime.timedelta(days=20)
ROLES = ["rep", "teammate", "other_rep", "manager", "region_manager", "admin"]


def rows() -> list[dict]:
    return list(LostReason.objects.order_by("pk").values())


@pytest.mark.parametrize("who", ROLES)
def test_everyone_signed_in_reads_the_list_in_its_order(org, lost_reasons, as_user, who):
    response = as_user(getattr(org, who)).get("/api/v1/lost-reasons")
    assert response.status_code == 200
    body = response.json()
    assert [r["name"] for r in body["results"]] == [
        "Price",
        "Timing",
        "Competitor",
        "Budget",
        "Other",
    ]
    assert body["next"] is None
    assert body["results"][-1] == {
        "id": lost_reasons["Other"].pk,
        "name": "Other",
        "position": 5,
        "is_active": True,
        "needs_detail": True,
    }
    one = as_user(getattr(org, who)).get(f"/api/v1/lost-reasons/{lost_reasons['Price'].pk}")
    assert one.status_code == 200 and one.json()["name"] == "Price"


def test_anonymous_requests_answer_401(db, as_user):
    assert as_user(None).get("/api/v1/lost-reasons").status_code == 401
    assert (
        as_user(None).post("/api/v1/lost-reasons", {"name": "X"}, format="json").status_code == 401
    )


@pytest.mark.parametrize("who", ["rep", "manager", "region_manager"])
def test_only_admins_write_and_others_change_nothing(org, lost_reasons, as_user, who):
    api = as_user(getattr(org, who))
    before = rows()
    path = f"/api/v1/lost-reasons/{lost_reasons['Timing'].pk}"
    answers = [
        api.post("/api/v1/lost-reasons", {"name": "Mine"}, format="json"),
        api.patch(path, {"is_active": False}, format="json"),
        api.put(path, {"name": "T", "is_active": True, "needs_detail": False}, format="json"),
        api.delete(path),
    ]
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert answers[0].json()["error"]["code"] == "permission_denied"
    assert rows() == before


def test_an_admin_adds_renames_retires_and_deletes(org, lost_reasons, as_user):
    api = as_user(org.admin)
    created = api.post("/api/v1/lost-reasons", {"name": "No champion"}, format="json")
    assert created.status_code == 201
    new = created.json()
    assert (new["name"], new["position"], new["is_active"]) == ("No champion", 5, True)
    assert LostReason.objects.get(name="Other").position == 6  # "Other" stays last
    path = f"/api/v1/lost-reasons/{new['id']}"
    renamed = api.patch(path, {"name": "Champion left", "is_active": False}, format="json")
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["is_active"]) == ("Champion left", False)
    assert api.delete(path).status_code == 204
    retired = api.post("/api/v1/lost-reasons", {"name": "Old", "is_active": False}, format="json")
    assert retired.status_code == 201 and retired.json()["is_active"] is False
    assert not LostReason.objects.filter(pk=new["id"]).exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "price"}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Fine", "needs_detail": "yes"}, "needs_detail"),
        ({"name": "Fine", "is_active": 1}, "is_active"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(org, lost_reasons, as_user, body, field):
    before = rows()
    response = as_user(org.admin).post("/api/v1/lost-reasons", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert rows() == before


def test_a_reason_deals_were_lost_for_cannot_be_deleted(org, lost_reasons, as_user):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="Deal", close_date=SOON)
    lost = Stage.objects.get(pipeline__is_default=True, is_lost=True)
    opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=lost, lost_reason=lost_reasons["Price"]
    )
    response = as_user(org.admin).delete(f"/api/v1/lost-reasons/{lost_reasons['Price'].pk}")
    assert response.status_code == 409
    assert "retire it instead" in response.json()["error"]["message"]
    assert LostReason.objects.filter(pk=lost_reasons["Price"].pk).exists()


@pytest.mark.parametrize("pk", ["abc", "0", "999999"])
def test_an_unknown_reason_is_404(org, as_user, pk):
    assert as_user(org.admin).get(f"/api/v1/lost-reasons/{pk}").status_code == 404
    assert as_user(org.admin).delete(f"/api/v1/lost-reasons/{pk}").status_code == 404


def test_a_deal_is_lost_by_reason_id_and_reopening_clears_it(org, lost_reasons, as_user):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="Deal", close_date=SOON)
    stages = {s.name: s for s in Stage.objects.filter(pipeline__is_default=True)}
    api = as_user(org.rep)
    path = f"/api/v1/opportunities/{deal.pk}"
    assert api.get(path).json()["lost_reason_id"] is None
    body = {"stage_id": stages["Closed lost"].pk, "lost_reason_id": lost_reasons["Timing"].pk}
    lost = api.patch(path, body, format="json")
    assert lost.status_code == 200
    assert (lost.json()["lost_reason_id"], lost.json()["lost_reason_detail"]) == (
        lost_reasons["Timing"].pk,
        "",
    )
    listed = api.get("/api/v1/opportunities").json()["results"][0]
    assert listed["lost_reason_id"] == lost_reasons["Timing"].pk
    reopened = api.patch(path, {"stage_id": stages["Proposal"].pk}, format="json")
    assert reopened.status_code == 200
    assert (reopened.json()["lost_reason_id"], reopened.json()["is_closed"]) == (None, False)
    assert Opportunity.objects.get(pk=deal.pk).lost_reason is None


def test_the_schema_describes_the_endpoint_and_the_fields(org, as_user):
    schema = as_user(org.rep).get("/api/v1/schema?format=json").json()
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/lost-reasons"])
    assert {"get", "put", "patch", "delete"} <= set(schema["paths"]["/api/v1/lost-reasons/{id}"])
    fields = schema["components"]["schemas"]["Opportunity"]["properties"]
    assert fields["lost_reason_id"]["nullable"] is True
    assert fields["lost_reason_detail"]["maxLength"] == 200
    assert "409" in schema["paths"]["/api/v1/lost-reasons/{id}"]["delete"]["responses"]
