"""The main journeys of a sales rep, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create, lead_update
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_lead_becomes_a_customer(org, page, shot):
    account = account_create(by=org.rep, name="Globex Corporation", website="https://globex.com")

    sign_in(page, "rob", PASSWORD)
    shot("my-day")

    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_role("link", name="New lead").click()
    page.get_by_label("First name").fill("Hank")
    page.get_by_label("Last name").fill("Scorpio")
    page.get_by_label("Email").fill("hank@globex.com")
    page.get_by_label("Company").fill("Globex")
    page.get_by_label("Website").fill("globex.com")
    page.get_by_label("Source").fill("Trade show")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Hank Scorpio")).to_be_visible()
    lead = Lead.objects.get(last_name="Scorpio")

    page.get_by_label("Subject").fill("Intro call: wants 50 seats")
    page.get_by_role("button", name="Log").click()
    expect(page.locator("#timeline")).to_contain_text("Intro call: wants 50 seats")
    shot("lead")

    page.get_by_role("link", name="Convert").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_contain_text("same website domain")
    expect(dialog.get_by_role("radio", name=re.compile("Globex Corporation"))).to_be_checked()
    dialog.get_by_label("Amount").fill("12500")
    shot("convert-dialog", full_page=False)
    dialog.get_by_role("button", name="Convert").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+/$"))
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_account == account
    opportunity = lead.converted_opportunity

    page.goto("/board/")
    card = page.locator(f"[data-id='{opportunity.pk}']")
    won_column = page.locator(".column:has(h2:text-matches('^Closed won')) .cards")
    card.drag_to(won_column)
    expect(won_column.locator(f"[data-id='{opportunity.pk}']")).to_be_visible()
    page.wait_for_function(
        "id => document.querySelector(`.column [data-id='${id}']`) !== null", arg=opportunity.pk
    )
    shot("board")
    for _ in range(50):
        account.refresh_from_db()
        if account.type == Account.Type.CUSTOMER:
            break
        page.wait_for_timeout(100)
    assert account.type == Account.Type.CUSTOMER
    page.goto(f"/accounts/{account.pk}/")
    expect(page.locator("main")).to_contain_text("Customer")

    page.context.clear_cookies()
    sign_in(page, "otto", PASSWORD)
    response = page.goto(f"/leads/{lead.pk}/")
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("Not found")


def test_a_stale_edit_shows_the_conflict(org, page, shot):
    lead = lead_create(by=org.rep, last_name="Lovelace", company="Analytical Engines")
    sign_in(page, "rob", PASSWORD)
    page.goto(f"/leads/{lead.pk}/edit/")
    page.get_by_label("Company").fill("Mine Ltd")
    lead_update(lead=lead, by=org.manager, company="Theirs Inc")  # someone saves meanwhile
    page.get_by_role("button", name="Save").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("Someone else saved this record")
    expect(conflict).to_contain_text("Mine Ltd")
    expect(conflict).to_contain_text("Theirs Inc")
    shot("conflict")
    lead.refresh_from_db()
    assert lead.company == "Theirs Inc"


def test_a_contact_is_filed_at_an_account_found_by_typing(org, page, shot):
    for n in range(3):
        account_create(by=org.rep, name=f"Globex {n}")
    initech = account_create(by=org.rep, name="Initech")
    sign_in(page, "rob", PASSWORD)
    page.goto("/contacts/new/")
    page.get_by_label("Last name").fill("Gibbons")
    page.get_by_label("Find accounts").fill("initech")
    expect(page.get_by_label("Account", exact=True)).to_have_value(str(initech.pk))
    shot("picked")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    expect(page.locator("main")).to_contain_text("Initech")
    contact = Contact.objects.get(last_name="Gibbons")
    assert contact.account == initech


def test_a_lead_is_converted_onto_an_account_found_by_typing(org, page, shot):
    umbrella = account_create(by=org.rep, name="Umbrella Corporation")
    lead = lead_create(by=org.rep, last_name="Wesker", company="Raccoon Labs")
    sign_in(page, "rob", PASSWORD)
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Convert").click()
    dialog = page.locator("dialog#modal")
    # Typed key by key, as a person does: the dialog's picker comes in with an htmx swap, and a
    # single `fill` right after it may land before htmx has wired the box up.
    dialog.get_by_label("Find accounts").press_sequentially("umbrella", delay=60)
    expect(dialog.get_by_label("Another account", exact=True)).to_have_value(str(umbrella.pk))
    expect(dialog.get_by_role("radio", name="Another account:")).to_be_checked()
    dialog.get_by_role("checkbox", name="Open an opportunity").uncheck()
    shot("convert-picker", full_page=False)
    dialog.get_by_role("button", name="Convert").click()
    page.wait_for_url(f"**/accounts/{umbrella.pk}/")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_account == umbrella
