"""No page names a record its reader cannot see, even as the account of a contact they own."""

import pytest

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log
from salestrack.leads.services import lead_convert, lead_create
from tests.conftest import TODAY, signed_in

SECRET = "Zq Hidden Holdings"


@pytest.fixture
def hidden(org):
    """Another team's account, and a contact of org.rep's who works there."""
    account = account_create(by=org.other_rep, name=SECRET)
    contact = contact_create(
        by=org.admin, owner=org.rep, account=account, first_name="Wanda", last_name="Zqvist"
    )
    return account, contact


def test_a_contacts_invisible_account_is_not_named(org, hidden):
    account, contact = hidden
    client = signed_in(org.rep)
    pages = [
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/pick/contacts/?q=zqvist",
        "/search/?q=zqvist",
        f"/opportunities/new/?contact={contact.pk}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Zqvist" in response.content.decode(), url  # the contact is there...
        assert SECRET not in response.content.decode(), url  # ...its account is not
    # Whoever sees the account sees its name there.
    page = signed_in(org.other_rep).get(f"/contacts/{contact.pk}/")
    assert page.status_code == 404  # other_rep does not see rep's contact
    assert SECRET in signed_in(org.admin).get(f"/contacts/{contact.pk}/").content.decode()


def test_a_converted_leads_links_name_only_what_the_reader_sees(org, hidden):
    account, _ = hidden
    lead = lead_create(by=org.rep, last_name="Doe", company=SECRET)
    lead_convert(lead=lead, by=org.admin, account=account)  # on the rep's behalf
    page = signed_in(org.rep).get(f"/leads/{lead.pk}/").content.decode()
    assert f">{SECRET}</a>" not in page
    assert f'href="/accounts/{account.pk}/"' not in page
    assert f">{SECRET}</a>" in signed_in(org.admin).get(f"/leads/{lead.pk}/").content.decode()


def test_a_task_on_a_record_no_longer_seen_does_not_name_it(org, hidden):
    account, _ = hidden
    activity_log(
        by=org.admin, owner=org.rep, kind="task", subject="Zq call", account=account, due_date=TODAY
    )
    for url in ("/tasks/", "/"):
        page = signed_in(org.rep).get(url).content.decode()
        assert "Zq call" in page, url
        assert SECRET not in page, url
