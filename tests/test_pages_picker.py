"""Record pickers: forms list only the chosen account or contact; typing finds the others."""

import datetime

import pytest
from django.test import Client

from salestrack.accounts.services import account_create, contact_create
from salestrack.leads.services import lead_create
from salestrack.opportunities.services import opportunity_create
from tests.conftest import signed_in

SOON = datetime.date.today() + datetime.timedelta(days=30)


@pytest.fixture
def accounts(org):
    mine = [account_create(by=org.rep, name=f"Initech {n}") for n in range(3)]
    theirs = account_create(by=org.other_rep, name="Initech Rival")
    return mine, theirs


def test_a_form_lists_only_the_chosen_account(org, accounts):
    mine, _ = accounts
    html = signed_in(org.rep).get(f"/contacts/new/?account={mine[1].pk}").content.decode()
    assert f'<option value="{mine[1].pk}" selected>Initech 1</option>' in html
    assert "Initech 0" not in html and "Initech 2" not in html
    assert 'hx-get="/pick/accounts/"' in html


def test_an_empty_form_lists_no_account_at_all(org, accounts):
    html = signed_in(org.rep).get("/contacts/new/").content.decode()
    assert "Initech" not in html


def test_picking_finds_visible_matches_and_chooses_the_first(org, accounts):
    mine, theirs = accounts
    response = signed_in(org.rep).get("/pick/accounts/", {"q": "initech", "field": "account"})
    html = response.content.decode()
    assert response.status_code == 200
    # Newest first; another team's account is never offered.
    assert f'<option value="{mine[2].pk}" selected>Initech 2</option>' in html
    assert f'<option value="{mine[0].pk}">Initech 0</option>' in html
    assert "Rival" not in html and str(theirs.pk) not in html


def test_the_chosen_record_stays_and_stays_chosen_when_nothing_matches(org, accounts):
    mine, _ = accounts
    client = signed_in(org.rep)
    params = {"field": "account", "account": mine[0].pk}
    html = client.get("/pick/accounts/", {**params, "q": "initech 2"}).content.decode()
    assert f'<option value="{mine[2].pk}" selected>' in html
    assert f'<option value="{mine[0].pk}">Initech 0</option>' in html
    html = client.get("/pick/accounts/", {**params, "q": "zzz"}).content.decode()
    assert f'<option value="{mine[0].pk}" selected>Initech 0</option>' in html
    assert "No accounts match “zzz”" in html


def test_with_nothing_chosen_a_miss_says_so_in_the_select(org, accounts):
    html = signed_in(org.rep).get("/pick/accounts/", {"q": "zzz", "field": "account"})
    assert (
        '<option value="" disabled selected>No accounts match “zzz”</option>'
        in html.content.decode()
    )


def test_a_hidden_current_record_is_not_revealed(org, accounts):
    _, theirs = accounts
    params = {"field": "account", "account": theirs.pk, "q": "zzz"}
    html = signed_in(org.rep).get("/pick/accounts/", params).content.decode()
    assert "Rival" not in html


def test_contacts_are_picked_with_their_account(org, accounts):
    mine, _ = accounts
    peter = contact_create(by=org.rep, first_name="Peter", last_name="Gibbons", account=mine[0])
    html = signed_in(org.rep).get("/pick/contacts/", {"q": "gibb"}).content.decode()
    assert f'<option value="{peter.pk}" selected>Peter Gibbons · Initech 0</option>' in html


def test_the_opportunity_form_shows_its_chosen_account_and_contact(org, accounts, soon):
    mine, _ = accounts
    peter = contact_create(by=org.rep, first_name="Peter", last_name="Gibbons", account=mine[0])
    deal = opportunity_create(
        by=org.rep, name="Deal", account=mine[0], contact=peter, amount=1, close_date=SOON
    )
    html = signed_in(org.rep).get(f"/opportunities/{deal.pk}/edit/").content.decode()
    assert f'<option value="{mine[0].pk}" selected>Initech 0</option>' in html
    assert f'<option value="{peter.pk}" selected>Peter Gibbons · Initech 0</option>' in html
    assert "Initech 1" not in html


@pytest.mark.parametrize("q", ["", "i", "x" * 300, "\x00", "\x00zz"])
def test_short_long_and_odd_words_find_nothing_and_break_nothing(org, accounts, q):
    response = signed_in(org.rep).get("/pick/accounts/", {"q": q, "field": "account"})
    assert response.status_code == 200
    assert "Initech" not in response.content.decode()


def test_unknown_kinds_strangers_and_wrong_methods(org, accounts):
    client = signed_in(org.rep)
    assert client.get("/pick/users/", {"q": "ini"}).status_code == 404
    assert client.post("/pick/accounts/", {"q": "ini"}).status_code == 405
    anonymous = Client().get("/pick/accounts/", {"q": "ini"})
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")


def test_leads_and_opportunities_are_picked_among_the_visible_ones(org, accounts):
    """The New task form's pickers: a lead reads with its company."""
    mine, theirs = accounts
    lead = lead_create(by=org.rep, first_name="Ina", last_name="Tech", company="Initech")
    lead_create(by=org.other_rep, first_name="Ina", last_name="Rival", company="Initech")
    deal = opportunity_create(by=org.rep, account=mine[0], name="Initech deal", close_date=SOON)
    opportunity_create(by=org.other_rep, account=theirs, name="Initech other", close_date=SOON)
    client = signed_in(org.rep)
    html = client.get("/pick/leads/", {"q": "initech", "field": "lead"}).content.decode()
    assert f'<option value="{lead.pk}" selected>Ina Tech · Initech</option>' in html
    assert "Rival" not in html
    html = client.get("/pick/opportunities/", {"q": "initech", "field": "opportunity"})
    html = html.content.decode()
    assert f'<option value="{deal.pk}" selected>Initech deal</option>' in html
    assert "Initech other" not in html
