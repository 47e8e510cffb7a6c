"""Every main page runs under the Content-Security-Policy without a violation."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log
from salestrack.leads.services import lead_create
from salestrack.opportunities.services import opportunity_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
# What Chromium logs when the policy refuses something.
VIOLATION = re.compile(r"Content Security Policy|Refused to", re.I)


def test_main_pages_break_no_content_security_policy(org, page, shot):
    account = account_create(by=org.rep, name="Globex Corporation", website="https://globex.com")
    contact = contact_create(by=org.rep, first_name="Hank", last_name="Scorpio", account=account)
    deal = opportunity_create(
        by=org.rep,
        account=account,
        name="Globex: 50 seats",
        close_date=datetime.date.today() + datetime.timedelta(days=30),
        amount=12500,
    )
    lead = lead_create(by=org.rep, first_name="Homer", last_name="Simpson", company="Globex")
    activity_log(by=org.rep, kind="task", subject="Send the quote", opportunity=deal)
    violations = []

    def refused(message):
        if VIOLATION.search(message.text):
            violations.append(f"{page.url}: {message.text} (at {message.location})")

    page.on("console", refused)

    sign_in(page, "ada", PASSWORD)
    for url in [
        "/",
        "/leads/",
        f"/leads/{lead.pk}/",
        "/accounts/",
        f"/accounts/{account.pk}/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/opportunities/",
        f"/opportunities/{deal.pk}/",
        "/tasks/",
        "/search/?q=globex",
        "/settings/users/",
        "/settings/teams/",
        "/settings/pipelines/",
        "/password/",
        "/api/v1/docs",
    ]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Salestrack API")
    # The team tree's indent comes from data-depth, set by script.
    page.goto("/settings/teams/")
    indent = page.locator("td[data-depth='2']").first.evaluate(
        "cell => getComputedStyle(cell).paddingLeft"
    )
    assert float(indent.removesuffix("px")) > 30

    # htmx: the list filters, the quick log (reset on success) and the convert dialog.
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_label("Subject").fill("Intro call")
    page.get_by_role("button", name="Log").click()
    expect(page.locator("#timeline")).to_contain_text("Intro call")
    expect(page.get_by_label("Subject")).to_have_value("")
    page.get_by_role("link", name="Convert").click()
    expect(page.locator("dialog#modal")).to_be_visible()
    shot("convert-dialog", full_page=False)

    # The board: a card dragged to another column.
    page.goto("/board/")
    card = page.locator(f"[data-id='{deal.pk}']")
    target = page.locator(".column .cards").nth(1)
    card.drag_to(target)
    expect(target.locator(f"[data-id='{deal.pk}']")).to_be_visible()
    page.wait_for_load_state("networkidle")
    shot("board")

    assert violations == []
