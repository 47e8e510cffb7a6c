"""The services ask access themselves: no caller (page, API, command) can write around it."""

import pytest
from django.core.exceptions import ValidationError

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import account_create, account_update, contact_create
from salestrack.activities.services import activity_delete, activity_log, activity_update
from salestrack.handover.services import user_deactivate
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create, lead_delete, lead_update
from salestrack.lib.errors import Forbidden
from salestrack.opportunities.models import Pipeline
from salestrack.opportunities.pipelines import pipeline_create, stage_update
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_delete,
    opportunity_update,
)
from salestrack.teams.services import team_update, token_create, token_revoke, user_update
from tests.conftest import SOON


@pytest.fixture
def theirs(org):
    """Another team's account and contact, which org.rep sees only through a deal of theirs."""
    account = account_create(by=org.other_rep, name="Globex")
    contact = contact_create(by=org.other_rep, last_name="Scorpio", account=account)
    return account, contact


def test_a_rep_cannot_change_or_delete_someone_elses_records(org):
    lead = lead_create(by=org.teammate, last_name="Doe")
    with pytest.raises(Forbidden):
        lead_update(lead=lead, by=org.rep, last_name="Mine now")
    with pytest.raises(Forbidden):
        lead_delete(lead=lead, by=org.rep)
    task = activity_log(by=org.teammate, kind="note", subject="Hi", lead=lead)
    with pytest.raises(Forbidden):
        activity_update(activity=task, by=org.rep, subject="Edited")
    with pytest.raises(Forbidden):
        activity_delete(activity=task, by=org.rep)
    assert Lead.objects.get(pk=lead.pk).last_name == "Doe"


def test_a_rep_cannot_write_to_what_they_only_read(org, theirs):
    account, contact = theirs
    deal = opportunity_create(
        by=org.admin, owner=org.rep, account=account, contact=contact, name="Pilot", close_date=SOON
    )
    with pytest.raises(Forbidden):
        account_update(account=account, by=org.rep, industry="Steel")
    assert Account.objects.get(pk=account.pk).industry == ""
    # Their own deal on it they may change, and delete.
    opportunity_update(opportunity=deal, by=org.rep, name="Pilot 2")
    opportunity_delete(opportunity=deal, by=org.rep)


def test_a_rep_cannot_link_what_they_cannot_see(org, theirs):
    account, contact = theirs
    with pytest.raises(ValidationError) as error:
        opportunity_create(
            by=org.rep, account=account, contact=contact, name="Sneaky", close_date=SOON
        )
    assert set(error.value.message_dict) == {"account", "contact"}
    mine = account_create(by=org.rep, name="Mine")
    with pytest.raises(ValidationError) as error:
        account_update(account=mine, by=org.rep, parent=account)
    assert set(error.value.message_dict) == {"parent"}
    with pytest.raises(ValidationError):
        activity_log(by=org.rep, kind="note", subject="Peek", account=account)
    lead = lead_create(by=org.rep, last_name="Doe")
    with pytest.raises(ValidationError) as error:
        lead_convert(lead=lead, by=org.rep, account=account)
    assert set(error.value.message_dict) == {"account_id"}
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_owners_are_only_those_the_writer_may_assign(org):
    with pytest.raises(ValidationError) as error:
        lead_create(by=org.rep, owner=org.teammate, last_name="Doe")
    assert set(error.value.message_dict) == {"owner"}
    lead = lead_create(by=org.rep, last_name="Doe")
    with pytest.raises(ValidationError):
        lead_update(lead=lead, by=org.rep, owner=org.other_rep)
    # A manager hands work around their own team, not to another's.
    lead_update(lead=lead, by=org.manager, owner=org.teammate)
    with pytest.raises(ValidationError):
        lead_update(lead=lead, by=org.manager, owner=org.other_rep)
    assert Lead.objects.get(pk=lead.pk).owner == org.teammate


def test_a_conversion_links_read_only_records_without_filling_them(org, theirs):
    account, contact = theirs
    opportunity_create(
        by=org.admin, owner=org.rep, account=account, contact=contact, name="Pilot", close_date=SOON
    )
    versions = (account.version, contact.version)
    lead = lead_create(
        by=org.rep, last_name="Scorpio", company="Globex", industry="Steel", title="CEO"
    )
    done = lead_convert(lead=lead, by=org.rep, account=account, contact=contact)
    assert (done.account.pk, done.contact.pk) == (account.pk, contact.pk)
    assert {r.pk for r in done.unfilled} == {account.pk, contact.pk}
    account, contact = Account.objects.get(pk=account.pk), Contact.objects.get(pk=contact.pk)
    assert (account.industry, contact.title) == ("", "")
    assert (account.version, contact.version) == versions


def test_the_directory_is_changed_by_admins_only(org, default_pipeline):
    stage = default_pipeline.stages.first()
    for by in (org.rep, org.manager):
        with pytest.raises(Forbidden):
            team_update(team=org.team_a, by=by, name="Renamed")
        with pytest.raises(Forbidden):
            user_update(user=org.rep, by=by, first_name="X")
        with pytest.raises(Forbidden):
            pipeline_create(name="Partners", by=by)
        with pytest.raises(Forbidden):
            stage_update(stage=stage, by=by, name="Renamed")
        with pytest.raises(Forbidden):
            user_deactivate(user=org.teammate, by=by, reassign_to=org.rep)
    assert not Pipeline.objects.filter(name="Partners").exists()


def test_a_token_is_revoked_by_its_user_or_an_admin(org):
    token_create(user=org.rep, name="laptop")
    token = org.rep.api_tokens.get()
    with pytest.raises(Forbidden):
        token_revoke(token=token, by=org.manager)
    token_revoke(token=token, by=org.rep)
    assert not org.rep.api_tokens.exists()
