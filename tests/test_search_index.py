"""The search index follows every write, keeps to visibility and takes odd input as plain text.

Runs on both databases: on SQLite it exercises the FTS5 tables and their triggers, on PostgreSQL
the pg_trgm indexes. Writes go through the services and, to stand for the data generator and
imports, through raw SQL that no Django code sees.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salestrack.access.visibility import owner_ids, visible
from salestrack.accounts.models import Account, Contact
from salestrack.accounts.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
)
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create, lead_delete, lead_update
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_delete,
    opportunity_update,
)
from salestrack.search import index, schema
from salestrack.search.visibility import said_as_searched, searchable
from salestrack.web.search import search
from tests.conftest import (
    SOON,
    client_for,
    found,
    postgres_only,
    raw,
    raw_copy,
    signed_in,
    sqlite_only,
)


@pytest.fixture
def account(org):
    return account_create(by=org.rep, name="Initech", website="initech.example", phone="555-7788")


def make(kind: str, org, account) -> tuple[object, str]:
    """A record of `kind` whose name field holds "Hopperton"; that field's name."""
    rep = org.rep
    if kind == "lead":
        return lead_create(by=rep, first_name="Grace", last_name="Hopperton"), "last_name"
    if kind == "contact":
        contact = contact_create(by=rep, first_name="Peter", last_name="Hopperton", account=account)
        return contact, "last_name"
    if kind == "account":
        return account_create(by=rep, name="Hopperton Labs"), "name"
    deal = opportunity_create(by=rep, account=account, name="Hopperton deal", close_date=SOON)
    return deal, "name"


UPDATE = {
    "lead": lambda record, by, **kw: lead_update(lead=record, by=by, **kw),
    "contact": lambda record, by, **kw: contact_update(contact=record, by=by, **kw),
    "account": lambda record, by, **kw: account_update(account=record, by=by, **kw),
    "opportunity": lambda record, by, **kw: opportunity_update(opportunity=record, by=by, **kw),
}
DELETE = {
    "lead": lambda record, by: lead_delete(lead=record, by=by),
    "contact": lambda record, by: contact_delete(contact=record, by=by),
    "account": lambda record, by: account_delete(account=record, by=by),
    "opportunity": lambda record, by: opportunity_delete(opportunity=record, by=by),
}
KINDS = ["lead", "contact", "account", "opportunity"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_index_follows_create_rename_and_delete(org, account, kind):
    record, field = make(kind, org, account)
    model = type(record)
    assert found(model, "hopper") == {record.pk}
    assert found(model, "PERTON") == {record.pk}  # anywhere in the field, any case
    assert found(model, "ho") == {record.pk}  # two characters: the start of a field
    UPDATE[kind](record, org.rep, **{field: "Kleinrock"})
    assert found(model, "hopper") == set() and found(model, "ho") == set()
    assert found(model, "einroc") == {record.pk} and found(model, "kl") == {record.pk}
    DELETE[kind](model.objects.get(pk=record.pk), org.rep)
    assert found(model, "einroc") == set() and found(model, "kl") == set()


@pytest.mark.parametrize("kind", KINDS)
def test_rows_written_with_raw_sql_are_indexed(org, account, kind):
    record, field = make(kind, org, account)
    model = type(record)
    table = model._meta.db_table
    copy = raw_copy(record, **{field: "Zuckerman"})
    assert found(model, "ckerma") == {copy} and found(model, "zu") == {copy}
    raw(f"UPDATE {table} SET {field} = %s WHERE id = %s", ["Yamamoto", copy])
    assert found(model, "ckerma") == set() and found(model, "zu") == set()
    assert found(model, "amamot") == {copy}
    raw(f"DELETE FROM {table} WHERE id = %s", [copy])
    assert found(model, "amamot") == set() and found(model, "ya") == set()
    assert found(model, "hopper") == {record.pk}


def test_an_opportunity_is_found_by_its_accounts_name_which_follows_renames(org, account):
    deal = opportunity_create(by=org.rep, account=account, name="TPS reports", close_date=SOON)
    assert found(Opportunity, "initech") == {deal.pk} and found(Opportunity, "in") == {deal.pk}
    assert found(Opportunity, "tps initech") == {deal.pk}  # one word in each field
    account_update(account=account, by=org.rep, name="Initrode")
    assert found(Opportunity, "initech") == set()
    assert found(Opportunity, "initrode") == {deal.pk}
    # Renamed behind Django's back, as an import would.
    raw("UPDATE accounts_account SET name = %s WHERE id = %s", ["Chotchkie's", account.pk])
    assert found(Opportunity, "initrode") == set() and found(Opportunity, "in") == set()
    assert found(Opportunity, "chotchkie's") == {deal.pk} and found(Opportunity, "ch") == {deal.pk}


def test_an_opportunity_moved_to_another_account_is_found_by_the_new_ones_name(org, account):
    deal = opportunity_create(by=org.rep, account=account, name="TPS reports", close_date=SOON)
    other = account_create(by=org.rep, name="Hooli")
    opportunity_update(opportunity=deal, by=org.rep, account=other)
    assert found(Opportunity, "initech") == set() and found(Opportunity, "hooli") == {deal.pk}
    raw_deal = raw_copy(deal, name="Pied Piper")
    assert found(Opportunity, "hooli") == {deal.pk, raw_deal}
    raw("UPDATE deals_opportunity SET account_id = %s WHERE id = %s", [account.pk, raw_deal])
    assert found(Opportunity, "hooli") == {deal.pk} and found(Opportunity, "initech") == {raw_deal}


def test_every_word_must_match_a_field_and_short_words_are_sensible(org, account):
    ada = lead_create(by=org.rep, first_name="Ada", last_name="Lovelace", company="Analytical")
    wu = lead_create(by=org.rep, first_name="Ming", last_name="Wu", company="HP")
    assert found(Lead, "ada lovelace") == {ada.pk} and found(Lead, "lovelace ADA") == {ada.pk}
    assert found(Lead, "ada wu") == set()
    assert found(Lead, "ada lo") == {ada.pk}  # a 2-character word: the start of a field
    assert found(Lead, "ov") == set()  # not the middle: that would match nearly everything
    assert found(Lead, "wu") == {wu.pk} and found(Lead, "hp") == {wu.pk}  # whole short fields
    assert found(Lead, "ada v") == {ada.pk} and found(Lead, "ada z") == set()  # 1 character
    assert found(Lead, "a") == set() and found(Lead, "a d") == set()  # alone: nothing
    assert found(Lead, "  ") == set()


ODD = [
    '"',
    '""',
    "'",
    "*",
    "a*",
    '"ada"',
    "ada*",
    "NEAR(ada lovelace)",
    "NEAR",
    "ada OR wu",
    "ada AND",
    "NOT ada",
    "(ada)",
    "first_name:ada",
    "{first_name last_name}: ada",
    "^ada",
    "-ada",
    "+ada",
    "ada\x00",
    "\x00",
    "\x01ad",
    "%",
    "%%",
    "__",
    "\\",
    "x" * 5000,
    "ada " * 50,
    "Ω≈ç√ 𝕏 ü",
]


@pytest.mark.parametrize("q", ODD)
def test_odd_input_is_plain_text(org, account, q):
    lead_create(by=org.rep, first_name="Ada", last_name="Lovelace", company="Analytical")
    for model in (Lead, Contact, Account, Opportunity):
        found(model, q)
    for model in (Lead, Contact, Account, Opportunity):
        found(model, q, user=org.rep)


def test_odd_input_finds_what_it_says_literally(org, account):
    odd = lead_create(
        by=org.rep,
        first_name='"Bob"',
        last_name="O'Brien (Jr.)",
        company="A*B NEAR OR",
        phone="x%y_z",
    )
    lead_create(by=org.rep, first_name="Bob", last_name="OBrien", company="AB near", phone="xy_")
    for q in ['"bob"', "o'brien", "(jr.)", "a*b", "a*b near", "x%y", "y_z", '"b', "a*", "o'"]:
        assert found(Lead, q) == {odd.pk}, q
    assert found(Lead, "a*b NOPE") == set()  # every word must match: NOPE is not an operator


@pytest.mark.parametrize("q", ['"', "NEAR(a b", "a*", "x" * 5000, "ad OR (", "\x01ad", "%_"])
def test_odd_input_never_breaks_a_page_or_the_api(org, account, as_user, q):
    client, api = signed_in(org.rep), as_user(org.rep)
    for url in ["/search/", "/leads/", "/contacts/", "/accounts/", "/opportunities/"]:
        assert client.get(url, {"q": q}).status_code == 200, url
    for endpoint in ["leads", "contacts", "accounts", "opportunities"]:
        assert api.get(f"/api/v1/{endpoint}", {"q": q}).status_code == 200, endpoint


def test_search_and_lists_keep_to_visibility(org, account):
    mine = lead_create(by=org.rep, last_name="Hopperton")
    theirs = lead_create(by=org.other_rep, last_name="Hopperton")
    their_account = account_create(by=org.other_rep, name="Hopperton Labs")
    their_deal = opportunity_create(
        by=org.other_rep, account=their_account, name="Hopperton deal", close_date=SOON
    )
    for q in ["hopper", "ho", "hopperton h"]:
        assert found(Lead, q, user=org.rep) == {mine.pk}
        assert found(Lead, q, user=org.admin) == {mine.pk, theirs.pk}
        assert found(Account, q, user=org.rep) == set()
        assert found(Opportunity, q, user=org.rep) == set()
        assert found(Opportunity, q, user=org.other_rep) == {their_deal.pk}
        assert found(Lead, q, user=org.manager) == {mine.pk}
        results = search(org.rep, q)
        assert [r.pk for r in results["leads"]] == [mine.pk]
        assert results["accounts"] == [] and results["opportunities"] == []
    listed = signed_in(org.rep).get("/leads/", {"q": "hopper"}).context["rows"]
    assert [r.pk for r in listed] == [mine.pk]


def test_the_search_reads_exactly_the_visible_rows(org, account):
    """searchable() says visible() in the search index's terms: the same rows for everyone."""
    lead_create(by=org.rep, last_name="Hopperton")
    lead_create(by=org.other_rep, last_name="Hopperton")
    opportunity_create(by=org.rep, account=account, name="Mine", close_date=SOON)
    other = account_create(by=org.other_rep, name="Theirs")
    opportunity_create(by=org.other_rep, account=other, name="Theirs", close_date=SOON)
    for user in (org.admin, org.manager, org.rep, org.other_rep):
        for model in (Lead, Contact, Account, Opportunity):
            expected = set(visible(user, model).values_list("pk", flat=True))
            assert set(searchable(user, model).values_list("pk", flat=True)) == expected
            assert expected or model is Contact  # the fixture gives each role something


def test_the_global_search_shows_the_newest_matches_first(org):
    leads = [lead_create(by=org.rep, last_name=f"Smith{n}") for n in range(15)]
    newest = [r.pk for r in index.newest(Lead.objects.all(), "smith", limit=5)]
    assert newest == [lead.pk for lead in reversed(leads)][:5]
    assert [r.pk for r in search(org.rep, "smith", limit=3)["leads"]] == newest[:3]
    assert [r.pk for r in index.newest(Lead.objects.all(), "sm", limit=5)] == newest


def test_a_list_filtered_by_a_very_common_word_covers_its_newest_matches(org, monkeypatch):
    monkeypatch.setattr(index, "LIST_CAP", 3)
    leads = [lead_create(by=org.rep, last_name=f"Smith{n}") for n in range(5)]
    assert {r.pk for r in index.matching(Lead.objects.all(), "smith")} == {
        lead.pk for lead in leads[-3:]
    }
    # The newest of them whatever the list's order: a list by name holds Smith2 to Smith4.
    by_name = index.matching(Lead.objects.all(), "smith").order_by("last_name")
    assert [r.last_name for r in by_name] == ["Smith2", "Smith3", "Smith4"]
    # The global search has no cap: it stops at its limit instead.
    assert len(index.newest(Lead.objects.all(), "smith", limit=10)) == 5


@sqlite_only
def test_every_query_reads_the_index_not_the_table(org, account):
    for model in (Lead, Contact, Account, Opportunity):
        # What a list's ids and the global search read (matching() reads its ids this way).
        for rows in [
            index._narrow(model.objects.all(), "hopper").values("pk")[: index.LIST_CAP],
            index._narrow(model.objects.all(), "ho").values("pk")[: index.LIST_CAP],
            index._narrow(model.objects.all(), "hopper ho")[:10],
        ]:
            sql, params = rows.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = [row[-1] for row in cursor.fetchall()]
            assert any("VIRTUAL TABLE" in step for step in plan), plan
            assert not any(step.startswith(f"SCAN {model._meta.db_table}") for step in plan), plan


@sqlite_only
def test_a_reps_list_checks_the_words_on_their_rows_and_finds_what_the_index_finds(org, account):
    """SQLite: one owner's rows are checked field by field (LIKE) rather than read from the
    index newest first; the same rows come back, in every kind."""
    ada = lead_create(by=org.rep, first_name="Ada", last_name="Lovelace", company="Analytical")
    lead_create(by=org.rep, first_name="Élodie", last_name="Ómar", company="ÉCOLE")
    lead_create(by=org.teammate, first_name="Ada", last_name="Lovelace")  # not the rep's
    contact_create(by=org.rep, first_name="Grace", last_name="Hopper", account=account)
    opportunity_create(by=org.rep, account=account, name="Renewal", close_date=SOON)
    queries = [
        "ada",
        "ADA lovelace",
        "an",
        "ov",
        "lo ada",
        "ytic",
        "ada x",
        "écol",
        "élodie",
        "ÉCOLE",
    ]
    for model in (Lead, Contact, Account, Opportunity):
        for q in ["%", "__", "a_", "%%x", "Ω≈ç√"]:
            found(model, q, user=org.rep)  # the same rows either way
        for q in [*queries, "hopper", "gr", "renewal", account.name]:
            found(model, q, user=org.rep)
            with CaptureQueriesContext(connection) as run:
                index.matching(visible(org.rep, model), q, owners=[org.rep.pk])
            # ASCII words are checked on the rep's rows, the others read from the index.
            ids_query = run.captured_queries[0]["sql"]
            assert ("MATCH" in ids_query) == (not q.isascii()), (model, q, ids_query)
    assert found(Lead, "ADA lovelace", user=org.rep) == {ada.pk}
    assert len(found(Lead, "écol", user=org.rep)) == 1  # FTS5 folds É to é; LIKE would not


def test_a_capped_list_holds_the_newest_matches_among_what_the_filters_keep(org, monkeypatch):
    """The words are applied last: other filters and the user's visibility narrow first."""
    monkeypatch.setattr(index, "LIST_CAP", 3)
    older = lead_create(by=org.rep, last_name="Smithers")
    for n in range(4):
        lead_create(by=org.teammate, last_name=f"Smithers {n}")
    manager = signed_in(org.manager)
    rows = manager.get("/leads/", {"q": "smithers", "owner": org.rep.pk}).context["rows"]
    assert [r.pk for r in rows] == [older.pk]
    api = client_for(org.manager)
    found = api.get("/api/v1/leads", {"q": "smithers", "owner_id": org.rep.pk}).json()
    assert [r["id"] for r in found["results"]] == [older.pk]
    mine = signed_in(org.rep).get("/leads/", {"q": "smithers"}).context["rows"]
    assert [r.pk for r in mine] == [older.pk]


@postgres_only
def test_an_admins_list_takes_the_newest_ids_then_older_ones_only_if_too_few(org, monkeypatch):
    monkeypatch.setattr(index, "LIST_CAP", 3)
    leads = [lead_create(by=org.rep, last_name=f"Smith{n}") for n in range(5)]
    other = lead_create(by=org.rep, last_name="Jones")
    everyone = Lead.objects.all()

    def listed(cutoff):
        return {r.pk for r in index.matching(everyone, "smith", cutoff=cutoff)}

    newest = {lead.pk for lead in leads[-3:]}
    assert listed(cutoff=other.pk) == newest  # no match above the cutoff: all gathered below
    assert listed(cutoff=leads[3].pk) == newest  # one above it, two more from below
    assert listed(cutoff=leads[0].pk) == newest  # enough above it: nothing gathered
    monkeypatch.setattr(index, "LIST_CAP", 10)
    assert listed(cutoff=leads[2].pk) == {lead.pk for lead in leads}
    assert list(index.matching(everyone, "zqxw", cutoff=leads[2].pk)) == []


@postgres_only
def test_an_admins_list_reads_the_older_matches_either_way_with_the_same_rows(org, monkeypatch):
    """Gathered through the index when the newest ids held few matches, walked when they held
    more (_gather_below): both arms give the same rows."""
    monkeypatch.setattr(index, "LIST_CAP", 4)
    leads = [lead_create(by=org.rep, last_name=f"Smith{n}") for n in range(6)]
    everyone = Lead.objects.all().order_by("last_name")
    for few in (0, index.LIST_CAP):  # always walk, always gather
        monkeypatch.setattr(index, "_gather_below", lambda cutoff, few=few: few)
        for cutoff, expected in [(leads[0].pk - 1, leads[2:]), (leads[4].pk, leads[2:])]:
            listed = index.matching(everyone, "smith", cutoff=cutoff)
            assert [r.pk for r in listed] == [lead.pk for lead in expected], few


def test_older_matches_are_gathered_below_a_threshold_that_falls_as_the_rows_grow():
    cap = index.LIST_CAP
    assert index._gather_below(0) == cap  # nothing older: the gather reads nothing
    on_a_million = index._gather_below(1_000_000 - index.RECENT_IDS)
    assert 100 < on_a_million < 250  # a surname (about 135 of the newest 20,000) is gathered
    thresholds = [index._gather_below(n) for n in (10_000, 100_000, 1_000_000, 10_000_000)]
    assert thresholds == sorted(thresholds, reverse=True) and thresholds[-1] > 0


@postgres_only
def test_a_teams_searched_list_says_its_owners_once_in_the_search_indexs_terms(org):
    """said_as_searched(): visible()'s owner rule swapped for owned_by_any(), the same rows."""
    mine = lead_create(by=org.rep, last_name="Hopperton", status="new")
    lead_create(by=org.teammate, last_name="Hopperton", status="working")
    lead_create(by=org.other_rep, last_name="Hopperton", status="new")  # another team's
    for user, filters in [
        (org.manager, {}),
        (org.manager, {"status__in": ["new"]}),
        (org.manager, {"owner": org.rep}),  # a filter by one owner stays
        (org.rep, {}),
    ]:
        rows = visible(user, Lead).filter(**filters)
        said = said_as_searched(rows, owner_ids(user))
        assert set(said) == set(rows) and set(said) <= set(visible(user, Lead))
        where = str(said.query).split(" WHERE ")[1]
        assert "&&" in where and where.count('"owner_id"') == 1 + ("owner" in filters), where
        assert "&&" not in str(rows.query)  # the queryset given is unchanged
    assert found(Lead, "hopper", user=org.manager) == set(
        visible(org.manager, Lead).values_list("pk", flat=True)
    )
    assert mine.pk in found(Lead, "hopper", user=org.rep)


@postgres_only
def test_postgres_answers_with_the_trigram_indexes(org, account):
    with connection.cursor() as cursor:
        # A handful of rows: a full scan would be cheaper, so forbid it to see what else works.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for model in (Lead, Contact, Account, Opportunity):
            for q in ["hopper", "ho"]:
                # The words' conditions, of which every search query is built.
                rows = index._narrow(model.objects.all(), q)
                sql, params = rows.query.sql_with_params()
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "_trgm" in plan, plan


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_table_rebuilt_by_another_migration_gets_its_triggers_back(org, default_pipeline):
    """Django alters a SQLite table by rebuilding it, which drops the table's triggers."""
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="TPS reports", close_date=SOON)
    lead = lead_create(by=org.rep, last_name="Hopperton")
    for model, name in [(Lead, "last_name"), (Account, "name"), (Opportunity, "name")]:
        old = model._meta.get_field(name)
        new = old.clone()
        new.max_length = old.max_length + 1
        new.set_attributes_from_name(name)
        new.model = model
        with connection.schema_editor() as editor:  # must not fail on our other triggers
            editor.alter_field(model, old, new)
            editor.alter_field(model, new, old)
    # Written while the triggers were gone:
    raw("UPDATE leads_lead SET last_name = 'Kleinrock' WHERE id = %s", [lead.pk])
    raw("UPDATE accounts_account SET name = 'Initrode' WHERE id = %s", [account.pk])
    call_command("migrate", "search", verbosity=0)  # post_migrate repairs
    assert schema.repair(connection) == []
    assert found(Lead, "kleinrock") == {lead.pk} and found(Lead, "hopper") == set()
    assert found(Account, "initrode") == {account.pk}
    assert found(Opportunity, "initrode tps") == {deal.pk}
    assert found(Opportunity, "initech") == set()
    # And the triggers work again.
    account_update(account=account, by=org.rep, name="Hooli")
    assert found(Opportunity, "hooli") == {deal.pk}


@pytest.mark.django_db(transaction=True)
def test_the_migration_reverses_and_rebuilds_from_existing_rows(org, default_pipeline):
    account = account_create(by=org.rep, name="Initech")
    deal = opportunity_create(by=org.rep, account=account, name="TPS reports", close_date=SOON)
    lead = lead_create(by=org.rep, last_name="Hopperton")
    call_command("migrate", "search", "zero", verbosity=0)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name GLOB 'search_*'")
        else:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'search_%%'")
        assert cursor.fetchone()[0] == 0
    lead_create(by=org.rep, last_name="Hopperton")  # writes still work without the index
    if connection.vendor == "postgresql":
        # 0002 reversed alone gives back 0001's index per field, and no search_text.
        call_command("migrate", "search", "0001", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%'")
            names = {name for (name,) in cursor.fetchall()}
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns WHERE column_name = 'search_text'"
            )
            assert cursor.fetchone()[0] == 0
        assert {"search_lead_last_name_trgm", "search_opportunity_name_trgm"} <= names
        assert "search_lead_trgm" not in names
    call_command("migrate", "search", verbosity=0)
    assert len(found(Lead, "hopper")) == 2 and lead.pk in found(Lead, "ho")
    assert found(Opportunity, "initech tps") == {deal.pk}


def statistics_targets() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attstattarget FROM pg_attribute "
            "JOIN pg_class ON pg_class.oid = attrelid "
            "WHERE attname = 'search_text' AND relkind = 'r' AND NOT attisdropped"
        )
        return dict(cursor.fetchall())


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_search_text_is_sampled_finely_and_the_migration_reverses(org):
    tables = ["accounts_account", "accounts_contact", "deals_opportunity", "leads_lead"]
    assert statistics_targets() == dict.fromkeys(tables, 1000)
    call_command("migrate", "search", "0005", verbosity=0)
    # -1 (PostgreSQL 15) or NULL (17): the default target again.
    assert set(statistics_targets().values()) <= {-1, None}
    call_command("migrate", "search", verbosity=0)
    assert statistics_targets() == dict.fromkeys(tables, 1000)


def index_recheck(model, q: str) -> tuple[int, int]:
    """PostgreSQL: the rows a search for `q` finds through its index, and the candidates the
    index offered that the recheck then refused."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = index._narrow(model.objects.all(), q).values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
    while plan["Node Type"] != "Bitmap Heap Scan":
        (plan,) = plan["Plans"]
    return plan["Actual Rows"], plan.get("Rows Removed by Index Recheck", 0)


@postgres_only
def test_a_two_letter_word_is_found_at_a_fields_start_through_the_index_alone(org, account):
    """pg_trgm drops the field-start marker; the lower-case "q" after it (search migration
    0008) makes a field's start a word of its own, which "sm" inside a field is not."""
    smith = lead_create(by=org.rep, last_name="Smith")
    for n in range(3):
        lead_create(by=org.rep, last_name="Jones", company=f"Acme Smiths {n}")
    deal = opportunity_create(by=org.rep, account=account, name="Smart deal", close_date=SOON)
    opportunity_create(by=org.rep, account=account, name="Big smart deal", close_date=SOON)
    assert found(Lead, "sm") == {smith.pk} and found(Opportunity, "sm") == {deal.pk}
    assert index_recheck(Lead, "sm") == (1, 0)
    assert index_recheck(Opportunity, "sm") == (1, 0)
    assert found(Lead, "q") == set() and found(Lead, "qsm") == set()  # the marker is not text
    assert len(found(Lead, "smiths")) == 3 and found(Lead, "ac") == set(found(Lead, "acme"))


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_field_starts_migration_reverses(org, account):
    lead = lead_create(by=org.rep, first_name="Ada", last_name="Lovelace")
    deal = opportunity_create(by=org.rep, account=account, name="Analytical", close_date=SOON)

    def texts():
        with connection.cursor() as cursor:
            cursor.execute("SELECT search_text FROM leads_lead WHERE id = %s", [lead.pk])
            (lead_text,) = cursor.fetchone()
            cursor.execute("SELECT search_text FROM deals_opportunity WHERE id = %s", [deal.pk])
            return lead_text, cursor.fetchone()[0]

    assert texts() == ("\x01qADA\x01qLOVELACE\x01q\x01q\x01q", "\x01qANALYTICAL\x01qINITECH")
    call_command("migrate", "search", "0007", verbosity=0)
    assert texts() == ("\x01ADA\x01LOVELACE\x01\x01\x01", "\x01ANALYTICAL\x01INITECH")
    assert statistics_targets()["leads_lead"] == 1000
    call_command("migrate", "search", verbosity=0)
    assert texts()[1] == "\x01qANALYTICAL\x01qINITECH"
    assert statistics_targets() == dict.fromkeys(
        ["accounts_account", "accounts_contact", "deals_opportunity", "leads_lead"], 1000
    )
    assert found(Lead, "lo") == {lead.pk} and found(Opportunity, "in") == {deal.pk}
