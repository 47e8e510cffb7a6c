"""A record's timeline names related records only for a reader who may see them."""

import datetime
import re

import pytest
from django.template.loader import render_to_string

from salestrack.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salestrack.audit.models import AuditEntry
from salestrack.leads.services import lead_convert, lead_create, lead_update
from salestrack.lib import dates
from salestrack.opportunities.services import opportunity_create, opportunity_update
from salestrack.web import pages
from tests.conftest import SOON, signed_in


@pytest.fixture
def parented(org):
    """The rep's account, which an admin put under another team's account."""
    secret = account_create(by=org.other_rep, name="Secret Holdings")
    mine = account_create(by=org.rep, name="Mine Co")
    account_update(account=mine, by=org.admin, parent=secret, phone="555-0100")
    return mine, secret


def test_a_timeline_never_names_a_record_the_reader_cannot_see(org, parented):
    mine, secret = parented
    page = signed_in(org.rep).get(f"/accounts/{mine.pk}/").content.decode()
    assert "Mine Co" in page
    assert "Secret Holdings" not in page and f"/accounts/{secret.pk}/" not in page
    assert "parent: — → <em>a record you cannot see</em>" in page
    assert "phone: — → 555-0100" in page


def test_a_reader_who_sees_the_record_gets_its_name_and_link(org, parented):
    mine, secret = parented
    page = signed_in(org.admin).get(f"/accounts/{mine.pk}/").content.decode()
    assert f'parent: — → <a href="/accounts/{secret.pk}/">Secret Holdings</a>' in page


def test_names_are_read_now_not_when_logged(org, parented):
    mine, secret = parented
    account_update(account=secret, by=org.other_rep, name="Holdings & <Co>")
    html = render_to_string(
        "web/_timeline.html", {"timeline": pages.timeline(mine, user=org.admin)}
    )
    assert "Holdings &amp; &lt;Co&gt;" in html and "Secret Holdings" not in html


def test_a_converted_leads_timeline_hides_an_account_linked_but_not_seen(org):
    theirs = account_create(by=org.other_rep, name="Their Account")
    lead = lead_create(by=org.rep, last_name="Doe", company="Their Account")
    lead_convert(lead=lead, by=org.admin, account=theirs)  # on the rep's behalf
    page = signed_in(org.rep).get(f"/leads/{lead.pk}/").content.decode()
    assert "converted this lead" in page
    timeline = page.split('id="timeline"')[1].split("</ul>")[0]
    assert "Their Account" not in timeline
    assert "converted account: — → <em>a record you cannot see</em>" in page


def test_old_and_new_owner_show_by_name(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    lead_update(lead=lead, by=org.manager, owner=org.teammate, status="working")
    html = render_to_string(
        "web/_timeline.html", {"timeline": pages.timeline(lead, user=org.manager)}
    )
    assert "owner: Rob Stone → tess" in html
    assert "status: New → Working" in html  # the choices as the pages name them


def test_entries_written_before_old_values_were_kept_still_show(org, parented):
    """Older entries kept only new values, a related record as {"id", "name"}."""
    mine, secret = parented
    for data in (
        {"parent": {"id": secret.pk, "name": "Secret Holdings"}, "industry": "Retail"},
        {"parent": {"id": 999999, "name": "Long Gone Ltd"}},
        {"parent": None, "owner": org.rep.pk},
    ):
        AuditEntry.objects.create(
            action="accounts.account.changed",
            model="accounts.account",
            object_id=mine.pk,
            data=data,
        )
    rep = render_to_string("web/_timeline.html", {"timeline": pages.timeline(mine, user=org.rep)})
    assert "Secret Holdings" not in rep and "Long Gone" not in rep
    assert "industry → Retail, parent → <em>a record you cannot see</em>" in rep
    assert "owner → Rob Stone, parent → —" in rep
    admin = render_to_string(
        "web/_timeline.html", {"timeline": pages.timeline(mine, user=org.admin)}
    )
    assert f'parent → <a href="/accounts/{secret.pk}/">Secret Holdings</a>' in admin
    assert "parent → <em>a deleted record</em>" in admin and "Long Gone" not in admin


def test_names_are_looked_up_once_per_kind_of_record(org, django_assert_num_queries):
    first = account_create(by=org.rep, name="First")
    second = account_create(by=org.rep, name="Second")
    contact = contact_create(by=org.rep, last_name="Doe", account=first)
    for account, owner in [(second, org.teammate), (first, org.rep)] * 4:
        contact = contact_update(contact=contact, by=org.manager, account=account, owner=owner)
    pages.timeline(contact, user=org.manager)  # who the manager sees is kept on the user
    # The activities, the entries, then one query for the accounts and one for the users named.
    with django_assert_num_queries(4):
        events = pages.timeline(contact, user=org.manager)
    changes = [e.item for e in events if e.kind == "change"]
    assert len(changes) == 9
    assert [(c.label, c.old.text, c.new.text) for c in changes[0].shown] == [
        ("owner", "tess", "Rob Stone"),
        ("account", "Second", "First"),
    ]


def test_a_won_deal_reads_as_a_sentence(org, default_pipeline):
    """Names and labels, dates as the page writes them; no dict, ISO time or bookkeeping."""
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="Big", close_date=SOON)
    won = default_pipeline.stages.get(is_won=True)
    opportunity_update(
        opportunity=deal, by=org.rep, stage=won, close_date=SOON + datetime.timedelta(days=3)
    )
    html = render_to_string("web/_timeline.html", {"timeline": pages.timeline(deal, user=org.rep)})
    assert "stage: Prospecting → Closed won" in html
    assert "forecast category: Pipeline → Closed" in html
    assert "close date: " + dates.day(SOON) in html
    for raw in ("{'", "is won", "is closed", "stage entered at", "version", "True"):
        assert raw not in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d", html)
