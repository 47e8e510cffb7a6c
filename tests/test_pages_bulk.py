"""Bulk actions on every list write row by row: a row the service refuses is skipped and named
with its reason, the others are written (web/bulk.py)."""

import pytest

from salestrack.accounts import services as account_services
from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salestrack.audit.models import AuditEntry
from salestrack.leads import services as lead_services
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create, lead_update
from salestrack.opportunities import services as deal_services
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_create, opportunity_update
from salestrack.teams.models import User
from tests.conftest import SOON, signed_in


def toasts(response) -> list[tuple[str, str]]:
    """The messages on the list a bulk POST went back to: (level, text)."""
    assert [url for url, _ in response.redirect_chain] == [response.request["PATH_INFO"]]
    return [(m.level_tag, str(m.message)) for m in response.context["messages"]]


def entries(action: str, rows) -> dict[int, int]:
    """How many audit entries of `action` each row has."""
    ids = [row.pk for row in rows]
    found = AuditEntry.objects.filter(action=action, object_id__in=ids)
    return {pk: found.filter(object_id=pk).count() for pk in ids}


def meanwhile(monkeypatch, module, name: str, change, *, before_call: int = 1):
    """Run `change` (someone else's write, for real) just before the service's `before_call`-th
    call: a row the form accepted is refused by the service when its turn comes. `change`
    calls the services as imported here, unwrapped."""
    real = getattr(module, name)
    calls = []

    def service(**kwargs):
        calls.append(kwargs)
        if len(calls) == before_call:
            change()
        return real(**kwargs)

    monkeypatch.setattr(module, name, service)
    return calls


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Initech")


@pytest.fixture
def leads(org):
    """Three of the rep's leads; the second is converted."""
    rows = [
        lead_create(by=org.rep, first_name="Ada", last_name=name, company=f"{name} Ltd")
        for name in ("Ames", "Byron", "Cole")
    ]
    lead_convert(lead=rows[1], by=org.rep)
    rows[1].refresh_from_db()
    return rows


def owners(model, rows) -> list[int]:
    return [model.objects.get(pk=row.pk).owner_id for row in rows]


# Leads


def test_a_mixed_reassignment_reassigns_the_rest_and_names_the_converted_lead(org, leads):
    ames, byron, cole = leads
    response = signed_in(org.manager).post(
        "/leads/bulk/",
        {"action": "assign", "ids": [r.pk for r in leads], "owner": org.teammate.pk},
        follow=True,
    )
    assert owners(Lead, leads) == [org.teammate.pk, org.rep.pk, org.teammate.pk]
    assert entries("leads.lead.changed", leads) == {ames.pk: 1, byron.pk: 0, cole.pk: 1}
    (success, success_text), (warning, warning_text) = toasts(response)
    assert (success, success_text) == ("success", "2 leads reassigned.")
    assert warning == "warning"
    assert warning_text.startswith("Skipped 1 lead:")
    assert f'<a href="/leads/{byron.pk}/">Ada Byron</a>' in warning_text
    assert "This lead was converted and is read-only." in warning_text
    assert "Ames" not in warning_text and "Cole" not in warning_text


def test_a_mixed_status_change_updates_the_rest_and_names_the_converted_lead(org, leads):
    ames, byron, cole = leads
    response = signed_in(org.rep).post(
        "/leads/bulk/",
        {"action": "status", "ids": [r.pk for r in leads], "status": "working"},
        follow=True,
    )
    statuses = [Lead.objects.get(pk=r.pk).status for r in leads]
    assert statuses == ["working", "converted", "working"]
    assert entries("leads.lead.changed", leads) == {ames.pk: 1, byron.pk: 0, cole.pk: 1}
    [success, warning] = toasts(response)
    assert success == ("success", "2 leads updated.")
    assert "Ada Byron</a> — This lead was converted and is read-only." in warning[1]


def test_a_mixed_delete_deletes_the_rest_and_names_the_lead_taken_away_meanwhile(
    org, leads, monkeypatch
):
    ames, byron, cole = leads

    def reassigned_away():  # an admin gives Cole to another team while the bulk runs
        lead_update(lead=cole, by=org.admin, owner=org.other_rep)

    meanwhile(monkeypatch, lead_services, "lead_delete", reassigned_away)
    response = signed_in(org.manager).post(
        "/leads/bulk/",
        {"action": "delete", "ids": [r.pk for r in leads], "confirm": "on"},
        follow=True,
    )
    assert list(Lead.objects.filter(pk__in=[r.pk for r in leads])) == [cole]
    assert entries("leads.lead.deleted", leads) == {ames.pk: 1, byron.pk: 1, cole.pk: 0}
    [success, warning] = toasts(response)
    assert success == ("success", "2 leads deleted.")
    assert "Ada Cole</a> — You may not change this lead." in warning[1]


def test_when_every_row_is_skipped_only_a_warning_says_nothing_changed(org, leads):
    lead_convert(lead=leads[0], by=org.rep)
    converted = leads[:2]
    before = AuditEntry.objects.count()
    response = signed_in(org.manager).post(
        "/leads/bulk/",
        {"action": "assign", "ids": [r.pk for r in converted], "owner": org.teammate.pk},
        follow=True,
    )
    assert owners(Lead, converted) == [org.rep.pk, org.rep.pk]
    assert AuditEntry.objects.count() == before
    [(level, text)] = toasts(response)
    assert level == "warning"
    assert text.startswith("Nothing changed. Skipped 2 leads:")
    assert text.count("<li>") == 2


def test_the_warning_names_ten_skipped_rows_and_counts_the_rest(org):
    open_lead = lead_create(by=org.rep, last_name="Open")
    converted = []
    for n in range(12):
        lead = lead_create(by=org.rep, last_name=f"Done{n:02}")
        lead_convert(lead=lead, by=org.rep)
        converted.append(lead)
    ids = [open_lead.pk] + [r.pk for r in converted]
    response = signed_in(org.rep).post(
        "/leads/bulk/", {"action": "status", "ids": ids, "status": "nurturing"}, follow=True
    )
    [success, (level, text)] = toasts(response)
    assert success == ("success", "1 lead updated.")
    assert text.startswith("Skipped 12 leads:")
    assert text.count("converted and is read-only") == 10
    assert text.endswith("<li>and 2 more</li></ul>")
    named = [r for r in converted if f"/leads/{r.pk}/" in text]
    assert named == converted[:10]  # in the order the rows were written (by id)


def test_a_row_refused_by_validation_is_skipped_too(org, leads, monkeypatch):
    ames, _, cole = leads

    def owner_leaves():  # the new owner is deactivated while the bulk runs
        User.objects.filter(pk=org.teammate.pk).update(is_active=False)

    meanwhile(monkeypatch, lead_services, "lead_update", owner_leaves, before_call=2)
    response = signed_in(org.manager).post(
        "/leads/bulk/",
        {"action": "assign", "ids": [ames.pk, cole.pk], "owner": org.teammate.pk},
        follow=True,
    )
    assert owners(Lead, [ames, cole]) == [org.teammate.pk, org.rep.pk]
    [success, warning] = toasts(response)
    assert success == ("success", "1 lead reassigned.")
    assert "Ada Cole</a> — You cannot make that user the owner." in warning[1]


def test_a_row_outside_the_users_reach_still_refuses_the_whole_form(org, leads):
    """The page never offered another team's lead: its id is a form error, not a skipped row."""
    theirs = lead_create(by=org.other_rep, last_name="Other")
    ids = [leads[0].pk, leads[1].pk, theirs.pk]
    response = signed_in(org.manager).post(
        "/leads/bulk/", {"action": "assign", "ids": ids, "owner": org.teammate.pk}, follow=True
    )
    assert owners(Lead, [leads[0], theirs]) == [org.rep.pk, org.other_rep.pk]
    assert toasts(response) == [("error", "Some ticked rows are not yours to change.")]


def test_the_list_shows_the_warning_with_links_and_escaped_names(org, leads):
    odd = lead_create(by=org.rep, first_name="<b>Bold</b>", last_name="Name")
    lead_convert(lead=odd, by=org.rep)
    response = signed_in(org.manager).post(
        "/leads/bulk/",
        {"action": "assign", "ids": [leads[0].pk, odd.pk], "owner": org.teammate.pk},
        follow=True,
    )
    html = response.content.decode()
    assert '<div class="toast success" role="status">1 lead reassigned.</div>' in html
    assert '<div class="toast keep warning" role="status">Skipped 1 lead:<ul><li>' in html
    assert f'<a href="/leads/{odd.pk}/">&lt;b&gt;Bold&lt;/b&gt; Name</a>' in html
    assert "<b>Bold</b>" not in html


# Accounts


def test_accounts_mixed_reassignment_skips_the_one_taken_away_meanwhile(org, account, monkeypatch):
    kept, gone = account_create(by=org.rep, name="Kept"), account_create(by=org.rep, name="Gone")

    def reassigned_away():
        account_update(account=gone, by=org.admin, owner=org.other_rep)

    meanwhile(monkeypatch, account_services, "account_update", reassigned_away)
    rows = [account, kept, gone]
    response = signed_in(org.manager).post(
        "/accounts/bulk/",
        {"action": "assign", "ids": [r.pk for r in rows], "owner": org.teammate.pk},
        follow=True,
    )
    assert owners(Account, rows) == [org.teammate.pk, org.teammate.pk, org.other_rep.pk]
    [success, warning] = toasts(response)
    assert success == ("success", "2 accounts reassigned.")
    assert (
        f'<a href="/accounts/{gone.pk}/">Gone</a> — You may not change this account.'
        in (warning[1])
    )


def test_accounts_mixed_delete_keeps_and_names_the_one_with_deals(org, account):
    busy = account_create(by=org.rep, name="Busy")
    opportunity_create(by=org.rep, account=busy, name="Deal", close_date=SOON)
    response = signed_in(org.rep).post(
        "/accounts/bulk/",
        {"action": "delete", "ids": [account.pk, busy.pk], "confirm": "on"},
        follow=True,
    )
    assert list(Account.objects.filter(pk__in=[account.pk, busy.pk])) == [busy]
    assert entries("accounts.account.deleted", [account, busy]) == {account.pk: 1, busy.pk: 0}
    [success, warning] = toasts(response)
    assert success == ("success", "1 account deleted.")
    assert "Busy</a> — Busy is still used by other records and cannot be deleted." in warning[1]


# Contacts


def test_contacts_mixed_reassignment_and_delete(org, monkeypatch):
    rows = [contact_create(by=org.rep, last_name=name) for name in ("Ames", "Byrd", "Cole")]

    def reassigned_away():
        contact_update(contact=rows[1], by=org.admin, owner=org.other_rep)

    meanwhile(monkeypatch, account_services, "contact_update", reassigned_away)
    client = signed_in(org.manager)
    ids = [r.pk for r in rows]
    response = client.post(
        "/contacts/bulk/", {"action": "assign", "ids": ids, "owner": org.teammate.pk}, follow=True
    )
    assert owners(Contact, rows) == [org.teammate.pk, org.other_rep.pk, org.teammate.pk]
    assert entries("accounts.contact.changed", [rows[0], rows[2]]) == {rows[0].pk: 1, rows[2].pk: 1}
    [success, warning] = toasts(response)
    assert success == ("success", "2 contacts reassigned.")
    assert "Byrd</a> — You may not change this contact." in warning[1]

    def taken_back():  # and someone else takes Cole meanwhile
        contact_update(contact=rows[2], by=org.admin, owner=org.other_rep)

    meanwhile(monkeypatch, account_services, "contact_delete", taken_back)
    response = client.post(
        "/contacts/bulk/",
        {"action": "delete", "ids": [ids[0], ids[2]], "confirm": "on"},
        follow=True,
    )
    assert list(Contact.objects.filter(pk__in=ids).order_by("pk")) == rows[1:]
    [success, warning] = toasts(response)
    assert success == ("success", "1 contact deleted.")
    assert "Cole</a> — You may not change this contact." in warning[1]


# Opportunities


def test_opportunities_mixed_reassignment_and_delete(org, account, monkeypatch):
    other = account_create(by=org.rep, name="Other")
    deals = [
        opportunity_create(by=org.rep, account=a, name=f"Deal {n}", close_date=SOON)
        for n, a in enumerate([other, account, other])
    ]

    def reassigned_away():
        opportunity_update(opportunity=deals[2], by=org.admin, owner=org.other_rep)

    calls = meanwhile(monkeypatch, deal_services, "opportunity_update", reassigned_away)
    client = signed_in(org.manager)
    ids = [d.pk for d in deals]
    response = client.post(
        "/opportunities/bulk/",
        {"action": "assign", "ids": ids, "owner": org.teammate.pk},
        follow=True,
    )
    # Still account by account, the skipped row included.
    assert [c["opportunity"].pk for c in calls] == [deals[1].pk, deals[0].pk, deals[2].pk]
    assert owners(Opportunity, deals) == [org.teammate.pk, org.teammate.pk, org.other_rep.pk]
    [success, warning] = toasts(response)
    assert success == ("success", "2 opportunities reassigned.")
    assert f'<a href="/opportunities/{deals[2].pk}/">Deal 2</a> — You may not change' in warning[1]

    def deleted_meanwhile():  # the admin takes Deal 0 away before the bulk delete reaches it
        opportunity_update(opportunity=deals[0], by=org.admin, owner=org.other_rep)

    meanwhile(monkeypatch, deal_services, "opportunity_delete", deleted_meanwhile)
    response = client.post(
        "/opportunities/bulk/", {"action": "delete", "ids": ids[:2], "confirm": "on"}, follow=True
    )
    assert set(Opportunity.objects.values_list("pk", flat=True)) == {deals[0].pk, deals[2].pk}
    assert entries("deals.opportunity.deleted", deals) == {
        deals[0].pk: 0,
        deals[1].pk: 1,
        deals[2].pk: 0,
    }
    [success, warning] = toasts(response)
    assert success == ("success", "1 opportunity deleted.")
    assert "Deal 0</a> — You may not change this opportunity." in warning[1]
