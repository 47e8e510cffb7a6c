"""access.visibility follows the Rule each model declares, and names no kind of record."""

import pytest
from django.contrib.auth.models import AnonymousUser

from salestrack.access.visibility import DIRECTORY, Rule, visible, writable
from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.audit.models import AuditEntry
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create
from salestrack.opportunities.models import Opportunity, Pipeline, Stage
from salestrack.opportunities.services import opportunity_create
from salestrack.teams.models import Team, User
from tests.conftest import records_of, signed_in, subjects


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def shared(org, soon):
    """`rep`'s deal at other_rep's account and contact, with a call on each of them."""
    account = account_create(by=org.other_rep, name="Globex", website="globex.com")
    contact = contact_create(by=org.other_rep, account=account, last_name="Scorpio")
    theirs = opportunity_create(
        by=org.other_rep, account=account, contact=contact, name="Globex deal", close_date=soon
    )
    mine = opportunity_create(
        by=org.admin,
        owner=org.rep,
        account=account,
        contact=contact,
        name="Globex for Boston",
        close_date=soon,
    )
    on_their_deal = activity_log(
        by=org.other_rep, kind="call", subject="Price talk", opportunity=theirs, contact=contact
    )
    on_account = activity_log(by=org.other_rep, kind="call", subject="Hello", account=account)
    return account, contact, mine, on_their_deal, on_account


@pytest.mark.parametrize("who", ["rep", "manager"])  # one owner's query shape, and several's
def test_the_declared_rule_decides_what_is_seen_through_and_with(org, shared, monkeypatch, who):
    account, contact, mine, on_their_deal, on_account = shared
    user = getattr(org, who)
    assert account.pk in ids(visible(user, Account)) and contact.pk in ids(visible(user, Contact))
    assert ids(visible(user, Activity)) == {on_account.pk}  # the deal's call stays private

    monkeypatch.setattr(Account, "access", Rule())  # no longer seen through deals
    monkeypatch.setattr(Activity, "access", Rule(seen_with=("lead", "account", "contact")))
    assert account.pk not in ids(visible(user, Account))
    assert contact.pk in ids(visible(user, Contact))
    # Without a shadow, the call on their deal is seen with the contact that rep's deal touches.
    assert ids(visible(user, Activity)) == {on_their_deal.pk}


def test_a_kind_needs_only_a_rule_to_be_seen_and_changed(org, monkeypatch):
    """A new kind (here leads, declared as something else) works with no change to access."""
    lead = lead_create(by=org.other_rep, last_name="Faraway", company="Globex")
    assert lead.pk not in ids(visible(org.rep, Lead))

    monkeypatch.setattr(Lead, "access", DIRECTORY)
    assert lead.pk in ids(visible(org.rep, Lead))
    assert not writable(org.rep, Lead).exists()
    assert lead.pk in ids(writable(org.admin, Lead))

    monkeypatch.setattr(Lead, "access", Rule(owner="owner"))
    assert lead.pk in ids(visible(org.other_rep, Lead)) and lead.pk in ids(
        writable(org.admin, Lead)
    )
    assert lead.pk not in ids(visible(org.manager, Lead))


def test_a_kind_without_a_rule_is_refused_plainly(org, monkeypatch):
    with pytest.raises(LookupError, match=r"access = Rule\(\.\.\.\)"):
        visible(org.rep, AuditEntry)
    monkeypatch.setattr(Lead, "access", None)
    with pytest.raises(LookupError, match="leads.Lead"):
        writable(org.admin, Lead)


@pytest.mark.parametrize("model", [User, Team, Pipeline, Stage])
def test_the_directory_is_read_by_everyone_and_changed_by_admins(org, default_pipeline, model):
    everything = ids(model.objects.all())
    assert everything
    for user in (org.rep, org.manager, org.admin):
        assert ids(visible(user, model)) == everything
    assert not writable(org.rep, model).exists() and not writable(org.manager, model).exists()
    assert ids(writable(org.admin, model)) == everything


def test_no_one_signed_out_sees_anything(org, default_pipeline):
    for model in (Lead, Account, Contact, Opportunity, Activity, Pipeline, User):
        assert not visible(AnonymousUser(), model).exists()


@pytest.fixture
def tasks(org):
    for who in ("rep", "teammate", "other_rep"):
        records_of(getattr(org, who))


@pytest.mark.parametrize("url", ["/", "/tasks/"])
def test_my_day_and_tasks_take_the_view_parameter(org, tasks, url):
    manager = signed_in(org.manager)
    team = manager.get(f"{url}?view=team").content.decode()
    assert {"Task-rob", "Task-tess"} <= set(subjects(team)) and "Task-otto" not in team
    assert 'view=team"' in team and "scope=" not in team
    assert not subjects(manager.get(f"{url}?view=mine").content.decode())
    assert not subjects(manager.get(f"{url}?scope=team").content.decode())  # the old name
