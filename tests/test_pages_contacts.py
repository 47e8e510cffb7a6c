import datetime

import pytest
from django.test import Client

from salestrack.accounts.models import Contact
from salestrack.accounts.services import account_create, contact_create, contact_update
from salestrack.opportunities.services import opportunity_create
from tests.conftest import PASSWORD, signed_in

SOON = datetime.date.today() + datetime.timedelta(days=30)


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Initech")


@pytest.fixture
def contact(org, account):
    return contact_create(
        by=org.rep,
        first_name="Peter",
        last_name="Gibbons",
        email="peter@initech.com",
        account=account,
    )


VISIBILITY = [
    ("rep", 200),
    ("teammate", 404),
    ("other_rep", 404),
    ("manager", 200),
    ("region_manager", 200),
    ("admin", 200),
]


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_contact_page_visibility(org, contact, who, status):
    assert signed_in(getattr(org, who)).get(f"/contacts/{contact.pk}/").status_code == status


@pytest.mark.parametrize("who,status", VISIBILITY)
def test_contact_edit_page_visibility(org, contact, who, status):
    assert signed_in(getattr(org, who)).get(f"/contacts/{contact.pk}/edit/").status_code == status


@pytest.mark.parametrize("who,sees", [(w, s == 200) for w, s in VISIBILITY])
def test_contact_list_shows_only_visible_contacts(org, contact, who, sees):
    page = signed_in(getattr(org, who)).get("/contacts/")
    assert page.status_code == 200
    assert (f"/contacts/{contact.pk}/" in page.content.decode()) is sees


@pytest.mark.parametrize(
    "url", ["/contacts/", "/contacts/new/", "/contacts/1/", "/contacts/1/edit/"]
)
def test_anonymous_users_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_an_unknown_contact_answers_404(org):
    assert signed_in(org.admin).get("/contacts/999999/").status_code == 404
    assert signed_in(org.admin).get("/contacts/999999/edit/").status_code == 404


def test_a_rep_sees_the_contact_of_their_own_deal_read_only(org):
    account = account_create(by=org.other_rep, name="Globex")
    theirs = contact_create(by=org.other_rep, last_name="Scorpio", account=account)
    opportunity_create(
        by=org.admin,
        owner=org.rep,
        account=account,
        contact=theirs,
        name="Globex pilot",
        close_date=SOON,
    )
    client = signed_in(org.rep)
    page = client.get(f"/contacts/{theirs.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "read-only for you" in html and "Globex pilot" in html
    assert client.get(f"/contacts/{theirs.pk}/edit/").status_code == 403
    response = client.post(f"/contacts/{theirs.pk}/edit/", {"last_name": "Mine"})
    assert response.status_code == 403
    assert signed_in(org.teammate).get(f"/contacts/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.last_name == "Scorpio"


def test_the_contact_page_shows_its_account_and_opportunities(org, contact, account):
    opportunity_create(
        by=org.rep, account=account, contact=contact, name="Big deal", close_date=SOON
    )
    opportunity_create(
        by=org.admin,
        owner=org.other_rep,
        account=account,
        contact=contact,
        name="Secret",
        close_date=SOON,
    )
    html = signed_in(org.rep).get(f"/contacts/{contact.pk}/").content.decode()
    assert f"/accounts/{account.pk}/" in html and "Initech" in html
    assert "Big deal" in html and "Secret" not in html
    assert f"/opportunities/new/?account={account.pk}&amp;contact={contact.pk}" in html


def test_the_contact_page_says_what_to_do_when_empty(org, contact):
    html = signed_in(org.rep).get(f"/contacts/{contact.pk}/").content.decode()
    assert "No opportunities with Peter Gibbons yet." in html


def test_create_a_contact_and_see_field_errors(org, account):
    client = signed_in(org.rep)
    form = client.get(f"/contacts/new/?account={account.pk}").content.decode()
    assert f'<option value="{account.pk}" selected>' in form
    bad = client.post("/contacts/new/", {"first_name": "No", "email": "nope", "owner": org.rep.pk})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "This field is required" in html and "Enter a valid email address" in html
    assert Contact.objects.count() == 0
    good = client.post(
        "/contacts/new/", {"last_name": "Bolton", "account": account.pk, "owner": org.rep.pk}
    )
    contact = Contact.objects.get()
    assert good.status_code == 302 and good.url == f"/contacts/{contact.pk}/"
    assert (contact.account, contact.owner) == (account, org.rep)


def test_a_contact_cannot_go_to_an_account_the_user_cannot_see(org):
    hidden = account_create(by=org.other_rep, name="Hidden")
    response = signed_in(org.rep).post(
        "/contacts/new/", {"last_name": "X", "account": hidden.pk, "owner": org.rep.pk}
    )
    assert response.status_code == 400
    assert Contact.objects.count() == 0


def test_a_stale_edit_shows_the_conflict_with_both_values(org, contact):
    form = {"last_name": "Mine", "owner": org.rep.pk, "version": contact.version}
    contact_update(contact=contact, by=org.manager, last_name="Theirs")
    response = signed_in(org.rep).post(f"/contacts/{contact.pk}/edit/", form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record" in html and "Mine" in html and "Theirs" in html
    contact.refresh_from_db()
    assert contact.last_name == "Theirs"


def test_a_manager_edits_and_reassigns_a_contact(org, contact, account):
    response = signed_in(org.manager).post(
        f"/contacts/{contact.pk}/edit/",
        {
            "last_name": "Gibbons",
            "title": "Engineer",
            "account": account.pk,
            "owner": org.teammate.pk,
            "version": contact.version,
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.title, contact.owner, contact.version) == ("Engineer", org.teammate, 2)


def test_bulk_assign_and_delete(org, contact):
    theirs = contact_create(by=org.other_rep, last_name="Other")
    client = signed_in(org.manager)
    client.post(
        "/contacts/bulk/",
        {"action": "assign", "ids": [contact.pk, theirs.pk], "owner": org.teammate.pk},
    )
    contact.refresh_from_db()
    assert contact.owner == org.rep
    client.post("/contacts/bulk/", {"action": "delete", "ids": [contact.pk]})
    assert Contact.objects.filter(pk=contact.pk).exists()
    client.post("/contacts/bulk/", {"action": "delete", "ids": [contact.pk], "confirm": "on"})
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_list_filters_by_account_and_search(org, contact, account):
    other = account_create(by=org.rep, name="Hooli")
    contact_create(by=org.rep, last_name="Belson", account=other)
    client = signed_in(org.rep)
    html = client.get(f"/contacts/?account_id={account.pk}").content.decode()
    assert "Gibbons" in html and "Belson" not in html
    html = client.get("/contacts/?account_name=hoo").content.decode()
    assert "Belson" in html and "Gibbons" not in html
    html = client.get("/contacts/?q=peter@").content.decode()
    assert "Gibbons" in html and "Belson" not in html
    assert "Belson" in client.get("/contacts/?sort=-name&view=team").content.decode()
    bad = client.get("/contacts/?account_id=abc")
    assert bad.status_code == 200 and "Some filters are not valid" in bad.content.decode()


def test_wrong_methods_answer_405(org, contact):
    client = signed_in(org.rep)
    assert client.post("/contacts/").status_code == 405
    assert client.post(f"/contacts/{contact.pk}/").status_code == 405
    assert client.get("/contacts/bulk/").status_code == 405


def test_csrf_is_enforced(org, contact):
    client = Client(enforce_csrf_checks=True)
    client.login(username="rob", password=PASSWORD)
    response = client.post(
        "/contacts/bulk/", {"action": "delete", "ids": [contact.pk], "confirm": "on"}
    )
    assert response.status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_list_query_count_does_not_grow_with_rows(
    org, account, django_assert_max_num_queries
):
    for i in range(60):
        contact_create(by=org.rep, last_name=f"C{i}", account=account)
    client = signed_in(org.manager)
    with django_assert_max_num_queries(8):
        page = client.get("/contacts/?sort=name")
    assert len(page.context["rows"]) == 50
    with django_assert_max_num_queries(8):
        client.get(f"/contacts/?sort=name&after={page.context['page'].next}")
