"""A bulk reassignment of a mixed selection in a real browser: the rows it could change are
changed, and a warning that stays names the row it skipped and why (web/bulk.py)."""

import pytest
from playwright.sync_api import expect

from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# The longest unbroken last name a lead takes: the warning wraps it instead of overflowing.
LONG = "Q" * 100


def test_a_mixed_reassignment_changes_what_it_can_and_names_what_it_skipped(org, page, shot):
    ames = lead_create(by=org.rep, first_name="Ada", last_name="Ames", company="Ames Ltd")
    cole = lead_create(by=org.rep, first_name="Ada", last_name="Cole", company="Cole Ltd")
    done = lead_create(by=org.rep, first_name="Ada", last_name=LONG, company="Byron Ltd")
    lead_convert(lead=done, by=org.rep)
    untouched = lead_create(by=org.rep, first_name="Ada", last_name="Dunn")
    sign_in(page, "mia", PASSWORD)
    page.goto("/leads/?view=team&sort=name")

    def row(lead):
        return page.locator("#list tbody tr").filter(
            has=page.locator(f"input[name=ids][value='{lead.pk}']")
        )

    for lead in (ames, cole, done):
        row(lead).locator("input[name=ids]").check()
    page.get_by_label("Bulk action").select_option("assign")
    page.locator("#bulk select[name=owner]").select_option(str(org.teammate.pk))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/leads/?view=team&sort=name")

    success = page.locator("#toasts .toast.success")
    warning = page.locator("#toasts .toast.warning")
    expect(success).to_have_text("2 leads reassigned.")
    expect(warning).to_contain_text("Skipped 1 lead:")
    expect(warning.locator("li")).to_have_count(1)
    expect(warning.locator("li")).to_have_text(
        f"Ada {LONG} — This lead was converted and is read-only."
    )
    link = warning.get_by_role("link", name=f"Ada {LONG}")
    expect(link).to_have_attribute("href", f"/leads/{done.pk}/")
    # Readable: inside the window, and the long name wraps within the toast.
    box = warning.bounding_box()
    viewport = page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    assert warning.evaluate("el => el.scrollWidth <= el.clientWidth")
    shot("reassigned")

    # The rows say the same as the database: two reassigned, the converted one and the
    # unticked one untouched.
    for lead, owner in (
        (ames, "tess"),
        (cole, "tess"),
        (done, "Rob Stone"),
        (untouched, "Rob Stone"),
    ):
        expect(row(lead).locator(".avatar")).to_have_attribute("title", owner)
    owners = dict(Lead.objects.values_list("pk", "owner__username"))
    assert owners == {ames.pk: "tess", cole.pk: "tess", done.pk: "rob", untouched.pk: "rob"}

    # The success toast goes after six seconds; the list of skipped rows stays until closed.
    expect(success).to_have_count(0, timeout=8_000)
    expect(warning).to_be_visible()
    warning.get_by_role("button", name="Close").click()
    expect(warning).to_have_count(0)
