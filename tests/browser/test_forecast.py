"""The forecast page in a real browser: the chart draws, a figure opens the deals behind it,
and a past-due deal is pushed in one click; My Day shows the rep's quarter."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from salestrack.accounts.services import account_create
from salestrack.opportunities.models import Opportunity, Stage
from salestrack.opportunities.services import opportunity_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def deals(org, default_pipeline):
    today = timezone.localdate()
    stages = {s.name: s for s in Stage.objects.filter(pipeline=default_pipeline)}
    account = account_create(by=org.rep, name="Initech")
    committed = opportunity_create(
        by=org.rep,
        account=account,
        name="Initech renewal",
        stage=stages["Negotiation"],
        amount=Decimal("4200"),
        close_date=today,
    )
    late = opportunity_create(
        by=org.rep,
        account=account,
        name="Initech upgrade",
        stage=stages["Proposal"],
        amount=Decimal("900"),
        close_date=today,
    )
    # Its close date passes: written as the data would have it a week later.
    Opportunity.objects.filter(pk=late.pk).update(close_date=today - datetime.timedelta(days=3))
    return committed, late


def test_a_figure_opens_its_deals_and_a_past_due_deal_is_pushed(org, deals, page, shot):
    committed, late = deals
    sign_in(page, "rob", PASSWORD)
    page.goto("/forecast/")
    row = page.locator(f"#forecast-user-{org.rep.pk}")
    expect(row).to_contain_text("4,200")
    # The chart draws its lines (ECharts renders SVG).
    expect(page.locator("#forecast-chart svg")).to_be_visible()
    shot("page")

    row.get_by_role("link", name="4,200", exact=True).first.click()
    expect(page.locator("h1")).to_contain_text("Commit")
    expect(page.locator("table.drill")).to_contain_text(committed.name)
    page.go_back()

    page.locator("#past-due a").click()
    expect(page.locator("table.drill")).to_contain_text(late.name)
    page.get_by_role("button", name="In a week").click()
    expect(page.locator(f"#deal-{late.pk}")).to_contain_text("Now closes")
    expect(page.locator("#toasts")).to_contain_text("now closes")
    shot("pushed")
    late.refresh_from_db()
    assert late.close_date == timezone.localdate() + datetime.timedelta(days=7)

    page.goto("/")
    expect(page.locator("#my-forecast")).to_contain_text("4,200 USD")
    shot("my-day")
