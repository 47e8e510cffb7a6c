"""Layout in a real browser: lists on a phone, 200-character names, and htmx list swaps."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create
from salestrack.opportunities.services import opportunity_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SOON = datetime.date.today() + datetime.timedelta(days=10)
PHONE = {"width": 390, "height": 844}
# The longest unbroken names the fields take (a lead's or contact's last name holds 100).
LONG = "A" * 200


def no_sideways_scroll(page) -> None:
    """The whole page does not scroll sideways; else name an element that sticks out."""
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    if width <= page.viewport_size["width"] + 1:
        return
    culprit = page.evaluate(
        """() => {
            const clipped = el => el.parentElement && el.parentElement !== document.body
                && (getComputedStyle(el.parentElement).overflowX !== "visible"
                    || clipped(el.parentElement));
            const edge = document.documentElement.clientWidth + 1;
            return [...document.querySelectorAll("body *")].reverse()
                .find(el => el.getBoundingClientRect().right > edge && !clipped(el))
                ?.outerHTML.slice(0, 300);
        }"""
    )
    raise AssertionError(f"{page.url} is {width} px wide: {culprit}")


def clickable(page, locator) -> None:
    """The element takes a click where it is drawn: inside the screen, and nothing covers it."""
    locator.click(trial=True, timeout=3_000)
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 1
    hit = locator.evaluate(
        """(el, [x, y]) => {
            const top = document.elementFromPoint(x, y);
            return el.contains(top) ? null : top?.outerHTML.slice(0, 120);
        }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit is None, f"covered by {hit}"


def records(org, long: bool = False):
    """A lead, an account with a contact and a deal, and a task due today, of the rep."""
    name = LONG if long else "Globex Corporation"
    account = account_create(by=org.rep, name=name, website="https://globex.com", phone="555-0100")
    contact = contact_create(
        by=org.rep, first_name="Hank", last_name=LONG[:100] if long else "Scorpio", account=account
    )
    deal = opportunity_create(
        by=org.rep,
        account=account,
        name=LONG if long else "Globex: 50 seats",
        close_date=SOON,
        amount=12500,
    )
    lead = lead_create(
        by=org.rep,
        first_name="Homer",
        last_name=LONG[:100] if long else "Simpson",
        company=name,
        email="homer@globex.com",
        source="Trade show",
    )
    activity_log(
        by=org.rep,
        kind="task",
        subject="Send the quote",
        opportunity=deal,
        due_date=datetime.date.today(),
    )
    return lead, account, contact, deal


LISTS = {
    "/leads/": "#list tbody tr",
    "/accounts/": "#list tbody tr",
    "/contacts/": "#list tbody tr",
    "/opportunities/": "#list tbody tr",
    "/tasks/": "#list tbody tr",
    "/": "#tasks-head ~ .table-wrap tbody tr",
}


class TestPhone:
    @pytest.fixture
    def page(self, browser, live_server):
        context = browser.new_context(
            base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()

    def test_every_list_shows_its_first_row_on_the_first_screen(self, org, page, shot):
        records(org)
        for n in range(12):
            lead_create(by=org.rep, last_name=f"Lead {n}", company=f"Company {n}", status="working")
        sign_in(page, "rob", PASSWORD)
        for url, rows in LISTS.items():
            page.goto(url)
            first = page.locator(rows).first
            expect(first).to_be_visible()
            assert first.bounding_box()["y"] < PHONE["height"], url
            no_sideways_scroll(page)
        page.goto("/leads/")
        shot("leads", full_page=False)
        page.goto("/opportunities/")
        shot("opportunities", full_page=False)

    def test_the_menu_opens_and_its_links_work(self, org, page, shot):
        sign_in(page, "rob", PASSWORD)
        page.goto("/leads/")
        accounts = page.get_by_role("link", name="Accounts", exact=True)
        expect(accounts).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        expect(accounts).to_be_visible()
        no_sideways_scroll(page)
        shot("leads-menu", full_page=False)
        accounts.click()
        page.wait_for_url("**/accounts/")
        expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
        # A new page opens with the menu folded again.
        expect(page.get_by_role("link", name="Leads", exact=True)).to_be_hidden()
        page.goto("/opportunities/")
        page.get_by_text("Menu", exact=True).click()
        shot("opportunities-menu", full_page=False)
        page.get_by_role("link", name="My Day", exact=True).click()
        page.wait_for_url(re.compile(r"/$"))

    def test_filters_open_from_their_button(self, org, page, shot):
        lead_create(by=org.rep, last_name="Working", status="working")
        lead_create(by=org.rep, last_name="Fresh", status="new")
        records(org)
        sign_in(page, "rob", PASSWORD)
        page.goto("/leads/")
        status = page.locator(".filters").get_by_label("Status")
        expect(status).to_be_hidden()
        expect(page.locator(".filters").get_by_label("Search")).to_be_visible()
        page.get_by_text("Filters", exact=True).click()
        expect(status).to_be_visible()
        no_sideways_scroll(page)
        shot("leads-filters", full_page=False)
        status.select_option("working")
        expect(page.locator("#list tbody tr")).to_have_count(1)
        expect(page.locator("#list")).to_contain_text("Working")
        page.goto("/opportunities/")
        page.get_by_text("Filters", exact=True).click()
        expect(page.get_by_label("Stage")).to_be_visible()
        no_sideways_scroll(page)
        shot("opportunities-filters", full_page=False)

    def test_long_names_and_the_board_stay_inside_the_screen(self, org, page, shot):
        lead, account, contact, deal = records(org, long=True)
        sign_in(page, "rob", PASSWORD)
        for url in [
            *LISTS,
            f"/leads/{lead.pk}/",
            f"/accounts/{account.pk}/",
            f"/contacts/{contact.pk}/",
            f"/opportunities/{deal.pk}/",
            f"/opportunities/{deal.pk}/edit/",
            "/leads/new/",
        ]:
            page.goto(url)
            no_sideways_scroll(page)
            if url in ("/", f"/opportunities/{deal.pk}/"):
                shot("my-day" if url == "/" else "opportunity")
        page.goto("/leads/")
        clickable(page, page.locator("#list tbody input[name=ids]").first)
        page.goto("/board/")
        board = page.locator(".board")
        assert board.evaluate("el => el.scrollWidth > el.clientWidth")
        no_sideways_scroll(page)
        clickable(page, page.locator(f"#deal-{deal.pk} .title"))
        shot("board", full_page=False)


def test_a_200_character_name_breaks_no_page(org, page, shot):
    lead, account, contact, deal = records(org, long=True)
    sign_in(page, "rob", PASSWORD)
    for url in LISTS:
        page.goto(url)
        no_sideways_scroll(page)
        for box in page.locator("#list tbody input[name=ids]").all():
            clickable(page, box)
    page.goto("/opportunities/")
    name = page.locator(f"#list a[href='/opportunities/{deal.pk}/']")
    assert name.get_attribute("title") == LONG
    clickable(page, name)
    shot("opportunities")

    for url in [
        f"/leads/{lead.pk}/",
        f"/accounts/{account.pk}/",
        f"/contacts/{contact.pk}/",
        f"/opportunities/{deal.pk}/",
    ]:
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        no_sideways_scroll(page)
        buttons = page.locator("main").locator("button:visible:enabled, a.btn:visible")
        assert buttons.count() > 0, url
        for button in buttons.all():
            clickable(page, button)

    page.goto("/board/")
    card = page.locator(f"#deal-{deal.pk}")
    assert card.locator(".title").get_attribute("title") == LONG
    no_sideways_scroll(page)
    clickable(page, card.locator(".title"))
    clickable(page, card.locator("summary"))
    card.locator("summary").click()
    clickable(page, card.get_by_role("button", name="Move"))
    shot("board")


def test_a_list_swap_shows_it_is_loading(org, page):
    for n in range(3):
        lead_create(by=org.rep, last_name=f"Lead {n}", status="working" if n else "new")
    sign_in(page, "rob", PASSWORD)
    page.goto("/leads/")
    busy = page.locator("#list-busy")
    expect(busy).to_be_hidden()
    held = []
    page.route(re.compile(r"/leads/\?"), lambda route: held.append(route))
    page.locator(".filters").get_by_label("Status").select_option("working")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    expect(busy).to_be_visible()
    expect(busy).to_have_text("Loading…")
    held[0].continue_()
    expect(busy).to_be_hidden()
    expect(page.locator("#list tbody tr")).to_have_count(2)


def test_ticked_rows_survive_a_filter_and_a_page(org, page):
    first = lead_create(by=org.rep, last_name="Aardvark", company="Zebra")
    many = [lead_create(by=org.rep, last_name=f"Lead {n:02}") for n in range(55)]
    last = lead_create(by=org.rep, last_name="Zyzzyva")
    sign_in(page, "rob", PASSWORD)
    page.goto("/leads/?sort=name")

    def tick(lead):
        return page.locator(f"#list input[type=checkbox][name=ids][value='{lead.pk}']")

    def search(words):
        # Leaving the box changes the form once (Enter would both change and submit it, and the
        # second answer could land after the next step).
        box = page.locator(".filters").get_by_label("Search")
        box.fill(words)
        box.blur()

    tick(first).check()
    tick(many[0]).check()
    # A filter that hides one of them: the other stays ticked, and the hidden one is kept.
    search("aardvark")
    expect(page.locator("#list tbody tr")).to_have_count(1)
    expect(tick(first)).to_be_checked()
    expect(page.locator("#bulk .ticked")).to_contain_text("2 ticked, 1 of them not shown here")
    search("")
    expect(page.locator("#list tbody tr")).to_have_count(50)
    expect(tick(many[0])).to_be_checked()
    # The next page, and back.
    page.get_by_role("link", name="Next →").click()
    expect(tick(last)).to_be_visible()
    tick(last).check()
    expect(page.locator("#bulk .ticked")).to_contain_text("3 ticked, 2 of them not shown here")
    page.get_by_role("link", name="← Previous").click()
    expect(tick(first)).to_be_checked()
    expect(tick(many[0])).to_be_checked()
    expect(tick(many[1])).not_to_be_checked()
    # The bulk action gets all three.
    page.get_by_label("Bulk action").select_option("status")
    page.locator("#bulk select[name=status]").select_option("working")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    working = set(Lead.objects.filter(status="working").values_list("pk", flat=True))
    assert working == {first.pk, many[0].pk, last.pk}
    # "Untick all" forgets them.
    tick(many[1]).check()
    page.get_by_role("button", name="Untick all").click()
    expect(tick(many[1])).not_to_be_checked()
    expect(page.locator("#bulk .ticked")).to_have_count(0)
