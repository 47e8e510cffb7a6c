"""The scenario of docs/api.md, end to end through the API."""

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create
from salestrack.leads.models import Lead


def test_lead_to_customer_through_the_api(org, as_user, soon):
    api = as_user(org.rep)
    existing = account_create(
        by=org.rep, name="Globex Corporation", website="https://www.globex.com"
    )

    lead = api.post(
        "/api/v1/leads",
        {
            "first_name": "Hank",
            "last_name": "Scorpio",
            "email": "hank@globex.com",
            "company": "Globex",
            "website": "globex.com",
            "source": "trade show",
        },
        format="json",
    )
    assert lead.status_code == 201, lead.json()
    lead_id = lead.json()["id"]

    matches = api.get(f"/api/v1/leads/{lead_id}/matches").json()
    assert matches["accounts"][0] == {
        "id": existing.pk,
        "name": "Globex Corporation",
        "reason": "same website domain",
        "read_only": False,
    }

    converted = api.post(
        f"/api/v1/leads/{lead_id}/convert",
        {
            "account_id": existing.pk,
            "opportunity": {
                "name": "Globex - 50 seats",
                "amount": "12500.00",
                "close_date": soon.isoformat(),
            },
        },
        format="json",
    )
    assert converted.status_code == 201, converted.json()
    body = converted.json()
    assert body["lead"]["status"] == "converted"
    assert body["account"]["id"] == existing.pk
    assert body["contact"]["account_id"] == existing.pk
    assert body["opportunity"]["amount"] == "12500.00"
    assert body["opportunity"]["source"] == "trade show"
    assert body["opportunity"]["type"] == "new_business"
    opp_id = body["opportunity"]["id"]

    won_stage = next(
        s for s in api.get("/api/v1/pipelines").json()["results"][0]["stages"] if s["is_won"]
    )
    won = api.patch(f"/api/v1/opportunities/{opp_id}", {"stage_id": won_stage["id"]}, format="json")
    assert won.status_code == 200, won.json()
    assert won.json()["closed_date"] is not None
    account = api.get(f"/api/v1/accounts/{existing.pk}").json()
    assert account["type"] == "customer"
    assert account["customer_since"] == won.json()["closed_date"]

    again = api.post(f"/api/v1/leads/{lead_id}/convert", {}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"

    detail = api.get(f"/api/v1/opportunities/{opp_id}")
    stale = api.patch(
        f"/api/v1/opportunities/{opp_id}", {"amount": "1.00"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert detail["ETag"] != '"1"'
    assert stale.status_code == 412

    assert as_user(org.other_rep).get(f"/api/v1/leads/{lead_id}").status_code == 404

    bad = api.patch(f"/api/v1/opportunities/{opp_id}", {"amount": "lots"}, format="json")
    assert bad.status_code == 400
    assert "amount" in bad.json()["error"]["fields"]
    assert api.get(f"/api/v1/opportunities/{opp_id}").json()["amount"] == "12500.00"
    assert Lead.objects.get(pk=lead_id).converted_account_id == existing.pk
    assert Account.objects.count() == 1
