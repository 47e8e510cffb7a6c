"""Deletion moves records to the trash; an admin restores them; history and audit stay.

Service level, on both databases: what a deletion takes along comes back exactly, links it
set to null are set again, a restore refuses what it cannot put back, the search finds a
restored record again, and the append-only logs refuse every ORM update and delete.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import (
    account_create,
    account_delete,
    contact_create,
    contact_delete,
)
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_delete, activity_log
from salestrack.audit import records
from salestrack.audit.models import AppendOnlyError, AuditEntry, Deleted
from salestrack.audit.trash import record_restore
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create, lead_delete
from salestrack.lib.errors import Conflict
from salestrack.opportunities.models import Opportunity, OpportunityHistory, Stage
from salestrack.opportunities.pipelines import stage_delete
from salestrack.opportunities.services import (
    OpportunityDraft,
    opportunity_create,
    opportunity_delete,
    opportunity_update,
)
from salestrack.search import schema
from salestrack.teams.models import User
from salestrack.teams.services import user_create
from tests.conftest import found, postgres_only, sqlite_only

SOON = datetime.date.today() + datetime.timedelta(days=30)


def row(record) -> dict:
    """The record's row as the database has it, every column."""
    return type(record)._base_manager.filter(pk=record.pk).values().get()


def rows(model, **filters) -> list[dict]:
    return list(model._base_manager.filter(**filters).order_by("pk").values())


def fresh(record):
    """The record read again: a deletion clears the id of the instance it is given."""
    return type(record)._base_manager.get(pk=record.pk)


def trashed(record) -> Deleted:
    return Deleted.objects.get(model=record._meta.label_lower, object_id=record.pk)


def restore(record, by):
    return record_restore(deleted=trashed(record), by=by)


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Initech", website="initech.example")


@pytest.fixture
def contact(org, account):
    return contact_create(by=org.rep, account=account, first_name="Peter", last_name="Gibbons")


@pytest.fixture
def deal(org, account, contact):
    deal = opportunity_create(
        by=org.rep, account=account, contact=contact, name="TPS reports", close_date=SOON
    )
    return opportunity_update(opportunity=deal, by=org.rep, amount=Decimal("1234.56"))


# The append-only logs


@pytest.mark.parametrize("model", [AuditEntry, OpportunityHistory])
def test_log_rows_refuse_every_orm_update_and_delete(org, deal, model):
    entry = model.objects.first()
    before = rows(model)
    with pytest.raises(AppendOnlyError, match="cannot be updated"):
        entry.save()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        entry.delete()
    for manager in (model.objects, model._base_manager, model._default_manager):
        with pytest.raises(AppendOnlyError, match="cannot be updated"):
            manager.filter(pk=entry.pk).update(id=entry.pk)
        with pytest.raises(AppendOnlyError, match="cannot be updated"):
            manager.bulk_update([entry], fields=["id"])
        with pytest.raises(AppendOnlyError, match="cannot be deleted"):
            manager.all().delete()
    assert rows(model) == before


def test_a_history_row_saved_with_an_existing_id_does_not_overwrite_it(deal):
    first = OpportunityHistory.objects.first()
    forged = OpportunityHistory(
        pk=first.pk, opportunity=deal, field="amount", new_value="1", changed_at=first.changed_at
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert OpportunityHistory.objects.get(pk=first.pk).new_value == first.new_value


def test_the_logs_keep_who_did_it_if_the_user_is_deleted(org, deal):
    aide = user_create(username="aide", role="admin", by=org.admin)
    opportunity_update(opportunity=deal, by=aide, amount=Decimal("7"))
    history = OpportunityHistory.objects.get(field="amount", changed_by=aide)
    entry = AuditEntry.objects.get(action="deals.opportunity.changed", actor=aide)
    User.objects.filter(pk=aide.pk).delete()  # nothing does; should anything ever
    assert OpportunityHistory.objects.get(pk=history.pk).changed_by_id == aide.pk
    assert AuditEntry.objects.select_related("actor").get(pk=entry.pk).actor is None
    assert AuditEntry.objects.get(pk=entry.pk).actor_id == aide.pk


def test_new_log_rows_are_still_written(org, deal):
    count = OpportunityHistory.objects.count()
    opportunity_update(opportunity=deal, by=org.rep, amount=Decimal("99"))
    assert OpportunityHistory.objects.count() == count + 1


# Deleting and restoring


def test_deleting_a_deal_keeps_its_history_and_marks_the_deletion_and_the_restore(org, deal):
    history = rows(OpportunityHistory, opportunity_id=deal.pk)
    assert {h["field"] for h in history} >= {"stage", "amount", "owner"}
    opportunity_delete(opportunity=fresh(deal), by=org.manager)
    assert not Opportunity.objects.filter(pk=deal.pk).exists()
    kept = rows(OpportunityHistory, opportunity_id=deal.pk)
    assert kept[:-1] == history  # untouched, and still naming the deal
    mark = kept[-1]
    assert (mark["field"], mark["old_value"], mark["new_value"]) == ("deleted", "False", "True")
    assert mark["changed_by_id"] == org.manager.pk
    assert mark["changed_at"] == trashed(deal).deleted_at

    restore(deal, org.admin)
    again = rows(OpportunityHistory, opportunity_id=deal.pk)
    assert again[:-1] == kept
    assert (again[-1]["field"], again[-1]["old_value"], again[-1]["new_value"]) == (
        "deleted",
        "True",
        "False",
    )
    actions = AuditEntry.objects.filter(model="deals.opportunity", object_id=deal.pk)
    assert list(actions.values_list("action", "actor")[:2]) == [
        ("deals.opportunity.restored", org.admin.pk),
        ("deals.opportunity.deleted", org.manager.pk),
    ]


def test_a_deleted_deal_takes_its_activities_along_and_comes_back_exactly(org, deal, contact):
    lead = lead_create(by=org.rep, last_name="Bolton", company="Initech")
    call = activity_log(by=org.rep, kind="call", subject="Intro", opportunity=deal)
    task = activity_log(
        by=org.rep, kind="task", subject="Quote", opportunity=deal, due_date=SOON, body="x"
    )
    other = activity_log(by=org.rep, kind="note", subject="Stays", contact=contact)
    Lead.objects.filter(pk=lead.pk).update(converted_opportunity=deal)
    before = {r: row(r) for r in (deal, call, task)}

    opportunity_delete(opportunity=fresh(deal), by=org.rep)
    assert not Activity.objects.filter(pk__in=[call.pk, task.pk]).exists()
    assert Activity.objects.filter(pk=other.pk).exists()
    assert Lead.objects.get(pk=lead.pk).converted_opportunity_id is None
    entry = trashed(deal)
    assert (entry.kind, entry.name, entry.deleted_by) == ("opportunity", "TPS reports", org.rep)
    assert [r["model"] for r in entry.rows] == [
        "deals.opportunity",
        "activities.activity",
        "activities.activity",
    ]

    restored = restore(deal, org.admin)
    assert restored.pk == deal.pk
    assert {r: row(r) for r in (deal, call, task)} == before  # created_at, version and all
    assert Lead.objects.get(pk=lead.pk).converted_opportunity_id == deal.pk
    assert not Deleted.objects.exists()


def make(kind, org, account, contact, deal):
    if kind == "lead":
        lead = lead_create(by=org.rep, first_name="Grace", last_name="Hopperton", score=7)
        activity_log(by=org.rep, kind="call", subject="Hello", lead=lead)
        return lead, lambda: lead_delete(lead=Lead.objects.get(pk=lead.pk), by=org.rep)
    if kind == "contact":
        new = contact_create(by=org.rep, account=account, last_name="Hopperton", email="h@x.io")
        activity_log(by=org.rep, kind="email", subject="Hello", contact=new)
        return new, lambda: contact_delete(contact=Contact.objects.get(pk=new.pk), by=org.rep)
    if kind == "account":
        new = account_create(by=org.rep, name="Hopperton Labs", phone="555")
        activity_log(by=org.rep, kind="note", subject="Hello", account=new)
        return new, lambda: account_delete(account=Account.objects.get(pk=new.pk), by=org.rep)
    if kind == "opportunity":
        opportunity_update(opportunity=deal, by=org.rep, name="Hopperton deal")
        return deal, lambda: opportunity_delete(
            opportunity=Opportunity.objects.get(pk=deal.pk), by=org.rep
        )
    note = activity_log(by=org.rep, kind="note", subject="Hopperton", opportunity=deal)
    return note, lambda: activity_delete(activity=fresh(note), by=org.rep)


KINDS = ["lead", "contact", "account", "opportunity", "activity"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_trashed_and_restored_with_its_activities(org, account, contact, deal, kind):
    record, delete = make(kind, org, account, contact, deal)
    model = type(record)
    field = model._meta.model_name
    activities = rows(Activity, **{field: record.pk}) if kind != "activity" else []
    before = row(record)
    delete()
    assert not model._base_manager.filter(pk=record.pk).exists()
    assert kind == "activity" or not Activity.objects.filter(**{field: record.pk}).exists()
    assert AuditEntry.objects.filter(action=f"{record._meta.label_lower}.deleted").exists()
    restore(record, org.admin)
    assert row(record) == before
    if activities:
        assert rows(Activity, **{field: record.pk}) == activities


@pytest.mark.parametrize("kind", ["lead", "contact", "account", "opportunity"])
def test_a_restored_record_is_found_by_the_search_again(org, account, contact, deal, kind):
    record, delete = make(kind, org, account, contact, deal)
    model = type(record)
    assert record.pk in found(model, "hopper")
    delete()
    assert record.pk not in found(model, "hopper") and record.pk not in found(model, "ho")
    restore(record, org.admin)
    assert record.pk in found(model, "hopper") and record.pk in found(model, "ho")
    assert record.pk in found(model, "hopper", user=org.rep)
    if kind == "opportunity":
        assert deal.pk in found(Opportunity, "initech hopper")  # its account's name too


def test_a_deleted_contact_comes_back_linked_to_its_deals(org, deal, contact):
    contact_delete(contact=fresh(contact), by=org.rep)
    assert Opportunity.objects.get(pk=deal.pk).contact_id is None
    version = Opportunity.objects.get(pk=deal.pk).version
    restore(contact, org.admin)
    relinked = Opportunity.objects.get(pk=deal.pk)
    assert relinked.contact_id == contact.pk
    assert relinked.version == version + 1  # a write based on the unlinked deal is stale


def test_a_link_cleared_by_a_later_deletion_waits_for_its_target(org, deal, contact):
    opportunity_delete(opportunity=fresh(deal), by=org.rep)
    contact_delete(contact=fresh(contact), by=org.rep)
    # The deal comes back without its contact, as deleting the contact would have left it...
    restore(deal, org.admin)
    assert Opportunity.objects.get(pk=deal.pk).contact_id is None
    # ...which restoring the contact links again.
    restore(contact, org.admin)
    assert Opportunity.objects.get(pk=deal.pk).contact_id == contact.pk


def test_a_link_to_a_trashed_row_comes_back_with_that_row(org, account):
    lead = lead_create(by=org.rep, last_name="Bolton", company="Initech")
    converted = lead_convert(
        lead=lead, by=org.rep, account=account, opportunity=OpportunityDraft("Big", SOON)
    )
    opportunity_delete(opportunity=fresh(converted.opportunity), by=org.rep)
    lead_delete(lead=fresh(lead), by=org.rep)
    restore(converted.opportunity, org.admin)  # the lead is in the trash: its kept row learns
    restore(lead, org.admin)
    assert Lead.objects.get(pk=lead.pk).converted_opportunity_id == converted.opportunity.pk


def test_a_record_whose_account_was_deleted_waits_for_the_account(org, account, deal, contact):
    opportunity_delete(opportunity=fresh(deal), by=org.rep)
    contact_delete(contact=fresh(contact), by=org.rep)
    account_delete(account=fresh(account), by=org.rep)
    with pytest.raises(Conflict, match="Restore the account Initech first"):
        restore(deal, org.admin)
    with pytest.raises(Conflict, match="Restore the account Initech first"):
        restore(contact, org.admin)
    assert not Opportunity.objects.filter(pk=deal.pk).exists()
    assert Deleted.objects.count() == 3
    restore(account, org.admin)
    restore(contact, org.admin)
    restore(deal, org.admin)
    assert Opportunity.objects.get(pk=deal.pk).contact_id == contact.pk


def test_an_activity_waits_for_the_record_it_was_on(org, deal, contact):
    call = activity_log(by=org.rep, kind="call", subject="Intro", contact=contact)
    activity_delete(activity=fresh(call), by=org.rep)
    contact_delete(contact=fresh(contact), by=org.rep)
    with pytest.raises(Conflict, match="Restore the contact Peter Gibbons first"):
        restore(call, org.admin)


def test_a_deal_whose_stage_is_gone_cannot_come_back(org, account):
    stage = Stage.objects.get(pipeline__is_default=True, name="Qualification")
    deal = opportunity_create(by=org.rep, account=account, name="D", close_date=SOON, stage=stage)
    opportunity_delete(opportunity=fresh(deal), by=org.rep)
    stage_delete(stage=stage, by=org.admin)
    with pytest.raises(Conflict, match="stage of this opportunity no longer exists") as error:
        restore(deal, org.admin)
    assert error.value.fields == {"stage": [f"Stage {stage.pk} no longer exists."]}
    assert Deleted.objects.filter(object_id=deal.pk).exists()


def test_a_taken_id_is_refused(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    lead_delete(lead=fresh(lead), by=org.rep)
    Lead.objects.create(pk=lead.pk, owner=org.rep, last_name="Squatter")
    with pytest.raises(Conflict, match=f"Another lead has the id {lead.pk}"):
        restore(lead, org.admin)
    assert Lead.objects.get(pk=lead.pk).last_name == "Squatter"


def test_a_record_is_restored_once(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    lead_delete(lead=fresh(lead), by=org.rep)
    entry = trashed(lead)
    record_restore(deleted=entry, by=org.admin)
    with pytest.raises(Conflict, match="restored already"):
        record_restore(deleted=entry, by=org.admin)
    assert Lead.objects.filter(pk=lead.pk).count() == 1


@pytest.mark.parametrize("who", ["rep", "manager", "region_manager"])
def test_only_an_admin_restores(org, who):
    lead = lead_create(by=org.rep, last_name="Doe")
    lead_delete(lead=fresh(lead), by=org.rep)
    with pytest.raises(PermissionDenied):
        restore(lead, getattr(org, who))
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_a_protected_record_is_not_deleted_and_nothing_is_trashed(org, account, deal):
    audit = AuditEntry.objects.count()
    with pytest.raises(Conflict, match="still used by other records"):
        account_delete(account=account, by=org.rep)
    assert Account.objects.filter(pk=account.pk).exists()
    assert not Deleted.objects.exists() and AuditEntry.objects.count() == audit


def test_the_deletion_moment_can_be_given(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    moment = datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    records.remove(fresh(lead), by=org.rep, action="leads.lead.deleted", at=moment)
    assert trashed(lead).deleted_at == moment


# PostgreSQL: who sees an account or a contact follows a restore.


def seen_by(record) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seen_by FROM {record._meta.db_table} WHERE id = %s", [record.pk])
        return cursor.fetchone()[0]


@postgres_only
def test_seen_by_follows_a_restore(org, account, contact):
    deal = opportunity_create(
        by=org.admin,
        owner=org.other_rep,
        account=account,
        contact=contact,
        name="D",
        close_date=SOON,
    )
    opportunity_delete(opportunity=fresh(deal), by=org.admin)
    assert seen_by(account) == seen_by(contact) == [org.rep.pk]
    restore(deal, org.admin)
    assert seen_by(account) == seen_by(contact) == [org.rep.pk, org.other_rep.pk]

    contact_delete(contact=fresh(contact), by=org.admin)
    restore(contact, org.admin)  # inserted with no deal on it, then its deal linked again
    assert seen_by(contact) == [org.rep.pk, org.other_rep.pk]
    assert contact.pk in found(Contact, "gibbons", user=org.other_rep)

    alone = account_create(by=org.teammate, name="Alone")
    account_delete(account=fresh(alone), by=org.admin)
    restore(alone, org.admin)
    assert seen_by(alone) == [org.teammate.pk]
    assert alone.pk in found(Account, "alone", user=org.teammate)


# The migrations: reversible, and the search's triggers survive the table rebuilds.


def trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_migrations_reverse_and_the_search_triggers_survive(org, default_pipeline):
    account = account_create(by=org.rep, name="Initech")
    kept = opportunity_create(by=org.rep, account=account, name="Kept", close_date=SOON)
    gone = opportunity_create(by=org.rep, account=account, name="Gone", close_date=SOON)
    opportunity_delete(opportunity=fresh(gone), by=org.rep)
    triggers = trigger_names()
    try:
        call_command("migrate", "deals", "0010", verbosity=0)
        call_command("migrate", "audit", "0002", verbosity=0)
        # As the old cascade would have: the history of the deal that is gone goes too.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT opportunity_id FROM deals_opportunityhistory ORDER BY 1"
            )
            assert [pk for (pk,) in cursor.fetchall()] == [kept.pk]
    finally:
        call_command("migrate", verbosity=0)
    assert trigger_names() == triggers
    assert schema.repair(connection) == []
    opportunity_update(opportunity=kept, by=org.rep, name="Kept still")
    assert found(Opportunity, "still") == {kept.pk}
    opportunity_delete(opportunity=fresh(kept), by=org.rep)
    assert OpportunityHistory.objects.filter(opportunity_id=kept.pk, field="deleted").exists()


@sqlite_only
def test_the_history_table_is_rebuilt_without_a_foreign_key_on_sqlite(deal):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_key_list(deals_opportunityhistory)")
        assert cursor.fetchall() == []
