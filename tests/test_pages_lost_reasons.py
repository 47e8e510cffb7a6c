"""Settings › Lost reasons: add, rename, reorder, retire, delete; admins only, each with a toast."""

import datetime

import pytest
from django.test import Client

from salestrack.accounts.services import account_create
from salestrack.opportunities.models import LostReason, Stage
from salestrack.opportunities.services import opportunity_create, opportunity_move_stage
from tests.conftest import signed_in

SOON = datetime.date.today() + datetime.timedelta(days=20)
URLS = [
    ("get", "/settings/lost-reasons/"),
    ("get", "/settings/lost-reasons/new/"),
    ("post", "/settings/lost-reasons/new/"),
    ("get", "/settings/lost-reasons/{pk}/edit/"),
    ("post", "/settings/lost-reasons/{pk}/edit/"),
    ("post", "/settings/lost-reasons/{pk}/move/"),
    ("post", "/settings/lost-reasons/{pk}/retire/"),
    ("post", "/settings/lost-reasons/{pk}/delete/"),
]


def names() -> list[str]:
    return list(LostReason.objects.values_list("name", flat=True))


def toast(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.parametrize("who", ["rep", "teammate", "manager", "region_manager"])
def test_the_pages_do_not_exist_for_anyone_but_admins(org, lost_reasons, who):
    client = signed_in(getattr(org, who))
    before = list(LostReason.objects.values())
    for method, url in URLS:
        url = url.format(pk=lost_reasons["Timing"].pk)
        data = {"name": "X", "direction": "up", "active": "0"}
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert response.status_code == 404, url
    assert list(LostReason.objects.values()) == before


def test_anonymous_users_are_sent_to_sign_in(db):
    response = Client().get("/settings/lost-reasons/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_list_shows_each_reason_with_its_deals(org, lost_reasons):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="Deal", close_date=SOON)
    lost = Stage.objects.get(pipeline__is_default=True, is_lost=True)
    opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=lost, lost_reason=lost_reasons["Price"]
    )
    page = signed_in(org.admin).get("/settings/lost-reasons/")
    assert page.status_code == 200
    rows = {r.name: r.deal_count for r in page.context["reasons"]}
    assert rows == {"Price": 1, "Timing": 0, "Competitor": 0, "Budget": 0, "Other": 0}
    html = page.content.decode()
    assert 'aria-label="Delete Timing"' in html
    assert 'aria-label="Delete Price"' not in html  # in use: retire it instead
    assert "Lost reasons</a>" in html  # the settings tab


def test_add_rename_reorder_retire_and_delete_each_confirm(org, lost_reasons):
    client = signed_in(org.admin)
    added = client.post("/settings/lost-reasons/new/", {"name": "No champion"}, follow=True)
    assert "Lost reason No champion added." in toast(added)
    assert names()[-2:] == ["No champion", "Other"]
    new = LostReason.objects.get(name="No champion")

    edited = client.post(
        f"/settings/lost-reasons/{new.pk}/edit/",
        {"name": "Champion left", "needs_detail": "on"},
        follow=True,
    )
    assert "Lost reason Champion left saved." in toast(edited)
    new.refresh_from_db()
    assert (new.name, new.needs_detail) == ("Champion left", True)

    moved = client.post(f"/settings/lost-reasons/{new.pk}/move/", {"direction": "up"}, follow=True)
    assert "moved up" in toast(moved)
    assert names()[3:5] == ["Champion left", "Budget"]

    retired = client.post(f"/settings/lost-reasons/{new.pk}/retire/", {"active": "0"}, follow=True)
    assert "retired" in toast(retired)
    new.refresh_from_db()
    assert not new.is_active
    again = client.post(f"/settings/lost-reasons/{new.pk}/retire/", {"active": "1"}, follow=True)
    assert "offered again" in toast(again)

    deleted = client.post(f"/settings/lost-reasons/{new.pk}/delete/", follow=True)
    assert "Lost reason Champion left deleted." in toast(deleted)
    assert "Champion left" not in names()


@pytest.mark.parametrize("name", ["", "  ", "price", "x" * 101])
def test_a_bad_name_is_refused_beside_the_field(org, lost_reasons, name):
    before = names()
    client = signed_in(org.admin)
    response = client.post("/settings/lost-reasons/new/", {"name": name})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    edit = client.post(f"/settings/lost-reasons/{lost_reasons['Timing'].pk}/edit/", {"name": name})
    assert edit.status_code == 400
    assert names() == before


def test_refused_moves_and_bad_buttons_say_why(org, lost_reasons):
    client = signed_in(org.admin)
    first = client.post(
        f"/settings/lost-reasons/{lost_reasons['Price'].pk}/move/", {"direction": "up"}
    )
    assert first.status_code == 400 and "Price is already first." in toast(first)
    odd = client.post(
        f"/settings/lost-reasons/{lost_reasons['Price'].pk}/move/", {"direction": "x"}
    )
    assert odd.status_code == 400
    bad = client.post(f"/settings/lost-reasons/{lost_reasons['Price'].pk}/retire/", {"active": "x"})
    assert bad.status_code == 400
    assert LostReason.objects.get(pk=lost_reasons["Price"].pk).is_active
    assert names() == ["Price", "Timing", "Competitor", "Budget", "Other"]


def test_a_reason_in_use_is_not_deleted_and_the_page_says_so(org, lost_reasons):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="Deal", close_date=SOON)
    lost = Stage.objects.get(pipeline__is_default=True, is_lost=True)
    opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=lost, lost_reason=lost_reasons["Price"]
    )
    response = signed_in(org.admin).post(
        f"/settings/lost-reasons/{lost_reasons['Price'].pk}/delete/"
    )
    assert response.status_code == 409
    assert "1 deal was lost for Price: retire it instead" in toast(response)
    assert "Price" in names()


def test_wrong_methods_answer_405(org, lost_reasons):
    client = signed_in(org.admin)
    pk = lost_reasons["Price"].pk
    for action in ["move", "retire", "delete"]:
        assert client.get(f"/settings/lost-reasons/{pk}/{action}/").status_code == 405
    assert client.post("/settings/lost-reasons/").status_code == 405
    assert client.post("/settings/lost-reasons/999999/delete/").status_code == 404
