"""The deal page in a real browser: the stage bar, Won, and Lost with a reason from the list."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SOON = datetime.date.today() + datetime.timedelta(days=30)


@pytest.fixture
def deal(org):
    account = account_create(by=org.rep, name="Globex Corporation")
    return opportunity_create(
        by=org.rep, account=account, name="Globex rollout", amount=12500, close_date=SOON
    )


def stage_bar(page):
    return page.locator("#stage-bar")


def test_a_deal_is_won_through_the_stage_bar(org, deal, page, shot):
    sign_in(page, "rob", PASSWORD)
    page.goto(f"/opportunities/{deal.pk}/")
    current = stage_bar(page).locator("[aria-current=step]")
    expect(current).to_have_text("Prospecting")
    shot("open")

    stage_bar(page).get_by_role("button", name="Proposal").click()
    expect(stage_bar(page).locator("[aria-current=step]")).to_have_text("Proposal")
    expect(page.locator("#toasts")).to_contain_text("Moved to Proposal.")
    expect(stage_bar(page).locator("li.passed")).to_have_count(3)
    deal.refresh_from_db()
    assert (deal.stage.name, deal.probability) == ("Proposal", 60)
    shot("proposal")

    page.get_by_role("button", name="Won", exact=True).click()
    outcome = page.locator(".outcome")
    expect(outcome).to_contain_text("Won on")
    expect(page.get_by_role("button", name="Reopen in Proposal")).to_be_visible()
    expect(page.get_by_role("button", name="Won", exact=True)).to_have_count(0)
    deal.refresh_from_db()
    assert deal.is_won
    assert Account.objects.get(pk=deal.account_id).type == Account.Type.CUSTOMER
    shot("won")


def test_a_deal_is_lost_through_the_dialog_with_a_reason(org, deal, lost_reasons, page, shot):
    sign_in(page, "rob", PASSWORD)
    page.goto(f"/opportunities/{deal.pk}/")
    page.get_by_role("link", name="Lost", exact=True).click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Close Globex rollout as lost")
    dialog.get_by_label("Why was it lost?").select_option(label="Other")
    dialog.get_by_role("button", name="Close as lost").click()
    expect(dialog).to_contain_text("Other needs a detail")  # said in the dialog, nothing lost
    deal.refresh_from_db()
    assert not deal.is_closed
    dialog.get_by_label("Detail").fill("Their parent company chose for them")
    shot("lost-dialog", full_page=False)
    dialog.get_by_role("button", name="Close as lost").click()
    page.wait_for_url(f"**/opportunities/{deal.pk}/")
    outcome = page.locator(".outcome")
    expect(outcome).to_contain_text("Lost on")
    expect(outcome).to_contain_text("Other — Their parent company chose for them")
    expect(page.get_by_role("button", name="Reopen in Prospecting")).to_be_visible()
    deal.refresh_from_db()
    assert (deal.is_closed, deal.is_won, deal.lost_reason) == (True, False, lost_reasons["Other"])
    shot("lost")


def test_a_long_name_leaves_the_buttons_on_screen(org, page, shot):
    account = account_create(by=org.rep, name="Initech")
    name = "Enterprise" * 20  # 200 characters with no space to break at
    deal = opportunity_create(by=org.rep, account=account, name=name, close_date=SOON)
    sign_in(page, "rob", PASSWORD)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 860})
        page.goto(f"/opportunities/{deal.pk}/")
        for button in [
            page.get_by_role("link", name="Edit", exact=True),
            page.get_by_role("button", name="Won", exact=True),
            page.get_by_role("link", name="Lost", exact=True),
            stage_bar(page).get_by_role("button", name="Negotiation"),
        ]:
            box = button.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, width
        shot(f"long-name-{width}")
        # Nothing of the deal's page (the top bar folds on its own) reaches past the screen.
        wide = page.evaluate(
            "w => [...document.querySelectorAll('#deal *')].filter("
            "e => e.checkVisibility() && e.getBoundingClientRect().right > w)"
            ".map(e => e.tagName + '.' + e.className).slice(0, 5)",
            width,
        )
        assert not wide, wide
    stage_bar(page).get_by_role("button", name="Negotiation").click()
    expect(stage_bar(page).locator("[aria-current=step]")).to_have_text("Negotiation")
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "Negotiation"


def test_a_deal_dropped_on_lost_on_the_board_asks_the_reason_from_the_list(
    org, deal, lost_reasons, page, shot
):
    sign_in(page, "rob", PASSWORD)
    page.goto("/board/")
    # The card's stage menu: the keyboard's way, and the drop's (a drag scrolls the wide board).
    card = page.locator(f"[data-id='{deal.pk}']")
    card.get_by_text("Move to stage").click()
    card.get_by_label("Stage of Globex rollout").select_option(label="Closed lost")
    card.get_by_role("button", name="Move").click()
    dialog = page.locator("dialog#modal")
    expect(dialog).to_contain_text("Close Globex rollout as lost")
    dialog.get_by_label("Why was it lost?").select_option(label="Price")
    shot("board-lost-dialog", full_page=False)
    dialog.get_by_role("button", name="Close as lost").click()
    expect(page.locator("#toasts")).to_contain_text(re.compile("moved to Closed lost"))
    deal.refresh_from_db()
    assert (deal.is_closed, deal.lost_reason) == (True, lost_reasons["Price"])
