"""Lists render rows from .values() (api/fastlist.py): the JSON must be the serializer's own."""

import datetime
import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.api import serializers
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_create

CASES = [
    ("leads", Lead, serializers.LeadSerializer),
    ("accounts", Account, serializers.AccountSerializer),
    ("contacts", Contact, serializers.ContactSerializer),
    ("opportunities", Opportunity, serializers.OpportunitySerializer),
    ("activities", Activity, serializers.ActivitySerializer),
]


@pytest.fixture
def records(org):
    soon = datetime.date.today() + datetime.timedelta(days=9)
    account = account_create(by=org.rep, name="Acme", website="acme.test")
    contact = contact_create(by=org.rep, account=account, last_name="Roe", email="r@acme.test")
    opportunity_create(
        by=org.rep,
        account=account,
        contact=contact,
        name="Deal",
        amount=Decimal("1234.5"),
        close_date=soon,
    )
    lead = lead_create(by=org.rep, last_name="Doe", company="Doe Inc", score=7)
    activity_log(by=org.rep, kind="task", subject="Call", lead=lead, due_date=soon)
    lead_convert(lead=lead_create(by=org.rep, last_name="Poe", company="Poe"), by=org.rep)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("path,model,serializer_class", CASES)
def test_list_rows_are_what_the_serializer_says(
    records, org, as_user, settings, zone, path, model, serializer_class
):
    settings.TIME_ZONE = zone
    listed = as_user(org.admin).get(f"/api/v1/{path}?page_size=200").json()["results"]
    request = APIRequestFactory().get("/")
    request.user = org.admin
    expected = [
        json.loads(JSONRenderer().render(serializer_class(row, context={"request": request}).data))
        for row in model.objects.order_by("-id")
    ]
    assert listed == expected
    assert len(listed) >= 1


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
@pytest.mark.parametrize("path,model,serializer_class", CASES)
def test_one_record_is_what_the_serializer_says(
    records, org, as_user, settings, zone, path, model, serializer_class
):
    settings.TIME_ZONE = zone
    request = APIRequestFactory().get("/")
    request.user = org.admin
    for row in model.objects.order_by("-id")[:3]:
        shown = as_user(org.admin).get(f"/api/v1/{path}/{row.pk}").json()
        serializer = serializer_class(row, context={"request": request})
        assert shown == json.loads(JSONRenderer().render(serializer.data))


def test_a_created_record_answers_what_reading_it_back_says(org, as_user, soon):
    api = as_user(org.rep)
    account = api.post("/api/v1/accounts", {"name": "Acme"}, format="json").json()
    body = {"name": "Deal", "account_id": account["id"], "amount": "12.5", "close_date": soon}
    created = api.post("/api/v1/opportunities", body, format="json")
    assert created.status_code == 201
    assert created.json() == api.get(f"/api/v1/opportunities/{created.json()['id']}").json()
    assert created.json()["amount"] == "12.50"
