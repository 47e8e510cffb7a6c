"""PostgreSQL: the search's triggers and rows follow writes made at the same moment.

Accounts and contacts carry `seen_by` (search migration 0007), kept by triggers on them and on
their deals; a deal's text holds its account's name (0003, 0005, 0009). These tests write on
several connections at once where the order of locks matters, and check that the search reads
exactly what visible() allows.
"""

import threading

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from salestrack.access.visibility import owner_ids, visible
from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_update,
)
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_delete,
    opportunity_update,
)
from salestrack.search import schema
from salestrack.search.visibility import said_as_searched, searchable
from tests.conftest import SOON, found, postgres_only, raw, raw_copy

pytestmark = postgres_only


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Initech", website="initech.example", phone="555-7788")


def test_accounts_and_contacts_searched_say_who_sees_them_once(org, account):
    """For accounts and contacts visible()'s rule is "owned, or touched by a deal": all of it
    is swapped for `seen_by && (owners)`, and the rows stay the same."""
    contact_create(by=org.rep, last_name="Hopperton", account=account)
    theirs = account_create(by=org.other_rep, name="Hopperton Labs")
    seen = contact_create(by=org.other_rep, last_name="Hopperton", account=theirs)
    opportunity_create(
        by=org.admin, owner=org.teammate, account=theirs, contact=seen, name="D", close_date=SOON
    )
    for model in (Account, Contact):
        for user in (org.manager, org.rep, org.teammate, org.other_rep):
            rows = visible(user, model)
            said = said_as_searched(rows, owner_ids(user))
            assert set(said) == set(rows), (model, user)
            where = str(said.query).split(" WHERE ")[1]
            assert '"seen_by" &&' in where and "deals_opportunity" not in where, where
            found(model, "hopper", user=user)  # its list (said_as_searched) and search agree
    assert seen.pk in found(Contact, "hopper", user=org.teammate)  # through the deal
    assert theirs.pk in found(Account, "hopper", user=org.manager)  # through the team's deal
    assert theirs.pk not in found(Account, "hopper", user=org.rep)


@pytest.mark.django_db(transaction=True)
def test_a_deal_moved_while_its_new_account_is_renamed_gets_the_new_name(org, default_pipeline):
    """Two transactions at once: the rename's refresh cannot see the moved deal, so the move
    must wait for the rename and read the name it committed (migration 0005)."""
    renamed = account_create(by=org.rep, name="Oldname")
    other = account_create(by=org.rep, name="Bee")
    deal = opportunity_create(by=org.rep, account=other, name="Deal", close_date=SOON)
    params = connection.get_connection_params()
    with psycopg.connect(**params) as rename, psycopg.connect(**params) as move:
        rename.execute("UPDATE accounts_account SET name = 'Newname' WHERE id = %s", [renamed.pk])

        def move_deal():
            move.execute(
                "UPDATE deals_opportunity SET account_id = %s WHERE id = %s", [renamed.pk, deal.pk]
            )
            move.commit()

        mover = threading.Thread(target=move_deal)
        mover.start()
        mover.join(0.5)
        assert mover.is_alive(), "the move did not wait for the rename"
        rename.commit()
        mover.join(5)
        assert not mover.is_alive()
    assert found(Opportunity, "newname") == {deal.pk}
    assert found(Opportunity, "oldname") == set()


def seen_by(record) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seen_by FROM {record._meta.db_table} WHERE id = %s", [record.pk])
        return cursor.fetchone()[0]


def searchable_by(user, record) -> bool:
    return searchable(user, type(record)).filter(pk=record.pk).exists()


def test_accounts_and_contacts_are_seen_by_their_owner_and_their_deals_owners(org, account):
    """seen_by (search migration 0007) follows every write that changes who sees the row."""
    contact = contact_create(by=org.rep, first_name="Peter", last_name="Hopperton", account=account)
    other = account_create(by=org.other_rep, name="Other Labs")
    other_contact = contact_create(by=org.other_rep, last_name="Otter", account=other)
    assert seen_by(account) == [org.rep.pk] and seen_by(contact) == [org.rep.pk]
    assert not searchable_by(org.other_rep, account)

    deal = opportunity_create(
        by=org.admin,
        owner=org.other_rep,
        account=account,
        contact=contact,
        name="D",
        close_date=SOON,
    )
    assert seen_by(account) == seen_by(contact) == [org.rep.pk, org.other_rep.pk]
    assert searchable_by(org.other_rep, account) and searchable_by(org.other_rep, contact)
    opportunity_create(by=org.rep, account=account, name="Mine", close_date=SOON)
    assert seen_by(account) == [org.rep.pk, org.other_rep.pk]  # the owner first, each once

    opportunity_update(opportunity=deal, by=org.admin, owner=org.teammate)
    assert seen_by(account) == seen_by(contact) == [org.rep.pk, org.teammate.pk]
    assert not searchable_by(org.other_rep, contact)

    # Moved to another account and contact (as an import would, in raw SQL).
    raw(
        "UPDATE deals_opportunity SET account_id = %s, contact_id = %s WHERE id = %s",
        [other.pk, other_contact.pk, deal.pk],
    )
    assert seen_by(account) == seen_by(contact) == [org.rep.pk]
    assert seen_by(other) == seen_by(other_contact) == [org.other_rep.pk, org.teammate.pk]

    account_update(account=other, by=org.admin, owner=org.teammate)
    assert seen_by(other) == [org.teammate.pk]  # its owner, who also owns its deal
    contact_update(contact=other_contact, by=org.admin, owner=org.rep)
    assert seen_by(other_contact) == [org.rep.pk, org.teammate.pk]

    opportunity_delete(opportunity=Opportunity.objects.get(pk=deal.pk), by=org.admin)
    assert seen_by(other_contact) == [org.rep.pk]
    for user in (org.admin, org.manager, org.region_manager, org.rep, org.teammate, org.other_rep):
        for model in (Account, Contact):
            expected = set(visible(user, model).values_list("pk", flat=True))
            assert set(searchable(user, model).values_list("pk", flat=True)) == expected


@pytest.mark.django_db(transaction=True)
def test_two_deals_written_at_once_on_one_account_both_count(org, default_pipeline):
    """The second deal's trigger waits for the first's lock, then reads both deals."""
    account = account_create(by=org.rep, name="Shared")
    # A copy of a deal under another owner, as a bulk loader would write it.
    columns = [f.column for f in Opportunity._meta.concrete_fields if not f.primary_key]
    chosen = ", ".join("%s" if column == "owner_id" else column for column in columns)
    insert = (
        f"INSERT INTO deals_opportunity ({', '.join(columns)}) "
        f"SELECT {chosen} FROM deals_opportunity WHERE id = %s"
    )
    template = opportunity_create(by=org.rep, account=account, name="Template", close_date=SOON)
    params = connection.get_connection_params()
    with psycopg.connect(**params) as first, psycopg.connect(**params) as second:
        first.execute(insert, [org.teammate.pk, template.pk])

        def write_second():
            second.execute(insert, [org.other_rep.pk, template.pk])
            second.commit()

        writer = threading.Thread(target=write_second)
        writer.start()
        writer.join(0.5)
        assert writer.is_alive(), "the second deal did not wait for the first"
        first.commit()
        writer.join(5)
        assert not writer.is_alive()
    assert seen_by(account) == [org.rep.pk, *sorted([org.teammate.pk, org.other_rep.pk])]


@pytest.mark.django_db(transaction=True)
def test_the_seen_by_migration_reverses(org, default_pipeline):
    account = account_create(by=org.rep, name="Initech")
    opportunity_create(
        by=org.admin, owner=org.other_rep, account=account, name="D", close_date=SOON
    )
    call_command("migrate", "search", "0006", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = 'seen_by'"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%'")
        names = {name for (name,) in cursor.fetchall()}
    assert {"search_account_trgm", "search_contact_trgm"} <= names
    opportunity_create(by=org.rep, account=account, name="Without it", close_date=SOON)
    call_command("migrate", "search", verbosity=0)
    assert seen_by(account) == [org.rep.pk, org.other_rep.pk]  # filled from the deals there
    assert searchable_by(org.other_rep, account) and found(Account, "initech", org.other_rep)


def test_deals_written_in_bulk_fill_seen_by_once_at_the_end(org, account):
    deal = opportunity_create(by=org.rep, account=account, name="Template", close_date=SOON)
    with schema.deals_in_bulk(connection):
        raw_copy(deal, owner_id=org.other_rep.pk)
        assert seen_by(account) == [org.rep.pk]  # the trigger skipped it
    assert seen_by(account) == [org.rep.pk, org.other_rep.pk]
    raw_copy(deal, owner_id=org.teammate.pk)  # and runs again after
    assert seen_by(account) == [org.rep.pk, *sorted([org.other_rep.pk, org.teammate.pk])]


@pytest.mark.django_db(transaction=True)
def test_a_deal_reassigned_while_its_account_is_renamed_waits_its_turn(org, default_pipeline):
    """A rename locks the account, then its deals (their text has its name); a reassignment
    locks the account before the deal (deals.services._lock_account_first), so the two never
    wait for each other in a circle, which PostgreSQL would end by failing one."""
    account = account_create(by=org.rep, name="Oldname")
    deal = opportunity_create(by=org.rep, account=account, name="Deal", close_date=SOON)
    params = connection.get_connection_params()
    errors = []

    def reassign():
        try:
            opportunity_update(opportunity=deal, by=org.admin, owner=org.teammate)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()  # this thread's own

    with psycopg.connect(**params) as rename:
        # As account_update does: the account first (records.lock), then the new name.
        rename.execute("SELECT 1 FROM accounts_account WHERE id = %s FOR UPDATE", [account.pk])
        worker = threading.Thread(target=reassign)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive(), "the reassignment did not wait for the rename"
        rename.execute("UPDATE accounts_account SET name = 'Newname' WHERE id = %s", [account.pk])
        rename.commit()
        worker.join(5)
    assert not worker.is_alive() and errors == []
    assert seen_by(account) == [org.rep.pk, org.teammate.pk]
    assert found(Opportunity, "newname") == {deal.pk}


@pytest.mark.django_db(transaction=True)
def test_a_deal_saved_during_its_accounts_rename_does_not_wait_for_the_account(org, account):
    """Django's save() names every column; only a change of name or account makes the deal's
    trigger read its account (search migration 0009), so a stage move or a new amount, whose
    deal the rename is waiting for, never waits for the rename in turn."""
    deal = opportunity_create(by=org.rep, account=account, name="Deal", close_date=SOON)
    params = connection.get_connection_params()
    with psycopg.connect(**params) as save, psycopg.connect(**params) as rename:
        save.execute("SELECT 1 FROM deals_opportunity WHERE id = %s FOR UPDATE", [deal.pk])

        errors = []

        def rename_account():
            try:
                rename.execute(
                    "SELECT 1 FROM accounts_account WHERE id = %s FOR UPDATE", [account.pk]
                )
                rename.execute(
                    "UPDATE accounts_account SET name = 'Newname' WHERE id = %s", [account.pk]
                )
                rename.commit()
            except psycopg.Error as error:  # a deadlock: reported by the assertion below
                errors.append(error)

        renamer = threading.Thread(target=rename_account)
        renamer.start()
        renamer.join(0.5)
        assert renamer.is_alive(), "the rename did not wait for the deal"
        save.execute(
            "UPDATE deals_opportunity SET amount = 5, name = name, account_id = account_id "
            "WHERE id = %s",
            [deal.pk],
        )
        save.commit()
        renamer.join(5)
        assert not renamer.is_alive() and errors == []
    assert found(Opportunity, "newname") == {deal.pk} and found(Opportunity, "initech") == set()
