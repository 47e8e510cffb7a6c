"""Settings > Deleted records: admins see the trash newest first and restore from it."""

import datetime

import pytest
from django.test import Client

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create, account_delete
from salestrack.audit.models import Deleted
from salestrack.audit.records import remove
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create, lead_delete
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_create, opportunity_delete
from tests.conftest import signed_in

SOON = datetime.date.today() + datetime.timedelta(days=30)


@pytest.fixture
def admin(org):
    return signed_in(org.admin)


@pytest.fixture
def deleted_lead(org):
    lead = lead_create(by=org.rep, first_name="Grace", last_name="Hopper")
    lead_delete(lead=Lead.objects.get(pk=lead.pk), by=org.rep)
    return Deleted.objects.get(model="leads.lead", object_id=lead.pk)


def urls(entry) -> list[str]:
    return ["/settings/deleted/", f"/settings/deleted/{entry.pk}/restore/"]


@pytest.mark.parametrize("who", ["rep", "teammate", "other_rep", "manager", "region_manager"])
def test_the_trash_does_not_exist_for_non_admins(org, deleted_lead, who):
    client = signed_in(getattr(org, who))
    for url in urls(deleted_lead):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert Deleted.objects.count() == 1 and not Lead.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(org, deleted_lead):
    for url in urls(deleted_lead):
        for response in (Client().get(url), Client().post(url)):
            assert response.status_code == 302 and response.url.startswith("/login/"), url
    assert Deleted.objects.count() == 1


def test_the_list_shows_what_who_and_when_newest_first(org, admin, deleted_lead):
    account = account_create(by=org.manager, name="Initech")
    account_delete(account=Account.objects.get(pk=account.pk), by=org.manager)
    html = admin.get("/settings/deleted/").content.decode()
    assert 'aria-current="page">Deleted records' in html
    assert html.index("Initech") < html.index("Grace Hopper")  # newest first
    assert "<td>Account</td>" in html and "<td>Lead</td>" in html
    assert "<td>Rob Stone</td>" in html and "<td>mia</td>" in html  # the name, or the username
    assert html.count(">Restore</button>") == 2
    entry = Deleted.objects.get(model="accounts.account")
    assert f'action="/settings/deleted/{entry.pk}/restore/"' in html


def test_the_nav_links_the_trash(org, admin):
    html = admin.get("/settings/users/").content.decode()
    assert 'href="/settings/deleted/"' in html


def test_the_list_pages_in_constant_queries(org, admin, django_assert_max_num_queries):
    for i in range(60):
        lead = lead_create(by=org.rep, last_name=f"Lead {i:02}")
        remove(lead, by=org.rep, action="leads.lead.deleted")
    with django_assert_max_num_queries(4):
        first = admin.get("/settings/deleted/")
    html = first.content.decode()
    assert "Lead 59" in html and "Lead 10" in html and "Lead 09" not in html
    older = html.split('href="?after=')[1].split('"')[0]
    html = admin.get(f"/settings/deleted/?after={older}").content.decode()
    assert "Lead 09" in html and "Lead 00" in html and "Lead 10" not in html
    assert admin.get("/settings/deleted/?after=garbage").status_code == 200


def test_an_admin_restores_a_record(org, admin, deleted_lead):
    response = admin.post(f"/settings/deleted/{deleted_lead.pk}/restore/", follow=True)
    assert response.redirect_chain[-1][0] == "/settings/deleted/"
    assert "Lead Grace Hopper restored." in response.content.decode()
    assert Lead.objects.get(pk=deleted_lead.object_id).last_name == "Hopper"
    assert not Deleted.objects.exists()
    # Gone from the trash: a second click answers 404.
    assert admin.post(f"/settings/deleted/{deleted_lead.pk}/restore/").status_code == 404


def test_a_restore_that_cannot_be_done_says_why(org, admin):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="TPS", close_date=SOON)
    opportunity_delete(opportunity=Opportunity.objects.get(pk=deal.pk), by=org.rep)
    account_delete(account=Account.objects.get(pk=account.pk), by=org.rep)
    entry = Deleted.objects.get(model="deals.opportunity")
    response = admin.post(f"/settings/deleted/{entry.pk}/restore/")
    assert response.status_code == 409
    assert "Restore the account Initech first" in response.content.decode()
    assert not Opportunity.objects.exists() and Deleted.objects.count() == 2


def test_wrong_methods_and_ids_answer_4xx(org, admin, deleted_lead):
    assert admin.get(f"/settings/deleted/{deleted_lead.pk}/restore/").status_code == 405
    assert admin.post("/settings/deleted/").status_code == 405
    assert admin.post("/settings/deleted/999999/restore/").status_code == 404
    assert admin.post("/settings/deleted/99999999999999999999/restore/").status_code == 404
    assert admin.post("/settings/deleted/abc/restore/").status_code == 404
    assert Deleted.objects.count() == 1
