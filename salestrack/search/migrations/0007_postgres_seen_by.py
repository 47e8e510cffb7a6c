"""PostgreSQL: each account and contact lists the owners through whom it is seen, in its index.

A manager (or a rep) sees an account or a contact that their people own, or that one of their
people's deals is on (teams/visibility.py). The search index could not say the second: a
team's contacts with "jo" were found by walking 214,000 contacts newest first and looking up
each one's deals (61 ms of SQL). Now `seen_by` holds the owner and every owner of a deal on
the row, and the trigram index is on (seen_by, search_text), so that `seen_by && (owners)`
finds a team's matches in one scan, as ARRAY[owner_id] does for leads and deals (0002, 0003).

Kept by triggers: on the row's own insert and change of owner, and on every deal that is
created, deleted, or changes owner, account or contact (the old and the new rows). A deal's
trigger locks the accounts and contacts it changes before reading their deals, so that two
deals written at once on one account both count: the second waits for the first to commit,
then reads both (each statement of a PL/pgSQL function takes a new snapshot).

A bulk load sets `salestrack.opportunities_in_bulk` to skip the deals' trigger, and fills seen_by in
one statement per table afterwards (search/schema.py). On an existing database every account
and contact is written once (seconds on the large
org), blocking writes to them meanwhile. SQLite: nothing (its lists read deals as they are).
"""

from django.db import migrations

KINDS = {
    # table: (the deals' column that points at it, new index, 0002's index it replaces)
    "accounts_account": ("account_id", "search_account_seen_trgm", "search_account_trgm"),
    "accounts_contact": ("contact_id", "search_contact_seen_trgm", "search_contact_trgm"),
}


def _seen_by(table: str) -> str:
    # The owner first, then the other owners of its deals in order: the same owners give the
    # same array, so an unchanged row is not written again.
    column = KINDS[table][0]
    return (
        f"CREATE FUNCTION {table}_seen_by(row_id bigint, owner bigint) RETURNS bigint[] "
        "LANGUAGE sql STABLE AS $$ SELECT ARRAY[owner] || coalesce(array_agg(DISTINCT "
        f"o.owner_id ORDER BY o.owner_id), '{{}}') FROM deals_opportunity o "
        f"WHERE o.{column} = row_id AND o.owner_id <> owner $$"
    )


def _own_trigger(table: str) -> list[str]:
    return [
        f"CREATE FUNCTION {table}_seen_by_own() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.seen_by := {table}_seen_by(NEW.id, NEW.owner_id); RETURN NEW; END $$",
        f"CREATE TRIGGER {table}_seen_by BEFORE INSERT OR UPDATE OF owner_id ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_seen_by_own()",
    ]


def _refresh(table: str, ids: str) -> str:
    """Lock the rows of `ids` in id order, then write the seen_by of those that changed."""
    return (
        f"PERFORM 1 FROM {table} WHERE id = ANY({ids}) ORDER BY id FOR NO KEY UPDATE; "
        f"UPDATE {table} t SET seen_by = s.seen_by FROM (SELECT id, "
        f"{table}_seen_by(id, owner_id) AS seen_by FROM {table} WHERE id = ANY({ids})) s "
        "WHERE t.id = s.id AND t.seen_by IS DISTINCT FROM s.seen_by; "
    )


BULK = "salestrack.opportunities_in_bulk"
DEAL_FUNCTION = (
    "CREATE FUNCTION search_deal_seen_by() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE accounts bigint[] := '{}'; contacts bigint[] := '{}'; BEGIN "
    # Set by a bulk load (the generator), which fills seen_by in one statement afterwards.
    f"IF current_setting('{BULK}', true) = 'on' THEN RETURN NULL; END IF; "
    "IF TG_OP <> 'INSERT' THEN "
    "accounts := accounts || OLD.account_id; contacts := contacts || OLD.contact_id; END IF; "
    "IF TG_OP <> 'DELETE' THEN "
    "accounts := accounts || NEW.account_id; contacts := contacts || NEW.contact_id; END IF; "
    + _refresh("accounts_account", "accounts")
    + _refresh("accounts_contact", "contacts")
    + "RETURN NULL; END $$"
)
DEAL_TRIGGERS = [
    "CREATE TRIGGER search_deal_seen_by AFTER INSERT OR DELETE ON deals_opportunity "
    "FOR EACH ROW EXECUTE FUNCTION search_deal_seen_by()",
    "CREATE TRIGGER search_deal_seen_by_moved AFTER UPDATE OF owner_id, account_id, contact_id "
    "ON deals_opportunity FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id "
    "OR OLD.account_id IS DISTINCT FROM NEW.account_id "
    "OR OLD.contact_id IS DISTINCT FROM NEW.contact_id) EXECUTE FUNCTION search_deal_seen_by()",
]


def forwards(apps, schema_editor):
    statements = []
    for table, (column, index, _) in KINDS.items():
        statements += [
            f"ALTER TABLE {table} ADD COLUMN seen_by bigint[] NOT NULL DEFAULT '{{}}'",
            _seen_by(table),
            *_own_trigger(table),
            f"UPDATE {table} SET seen_by = {table}_seen_by(id, owner_id)",
            f"CREATE INDEX {index} ON {table} USING gin (seen_by, search_text gin_trgm_ops)",
            f"DROP INDEX {KINDS[table][2]}",
            f"ANALYZE {table}",
        ]
    statements += [DEAL_FUNCTION, *DEAL_TRIGGERS]
    _run(schema_editor, statements)


def backwards(apps, schema_editor):
    statements = [
        "DROP TRIGGER search_deal_seen_by ON deals_opportunity",
        "DROP TRIGGER search_deal_seen_by_moved ON deals_opportunity",
        "DROP FUNCTION search_deal_seen_by()",
    ]
    for table, (_, index, old_index) in KINDS.items():
        statements += [
            f"CREATE INDEX {old_index} ON {table} "
            "USING gin ((ARRAY[owner_id]), search_text gin_trgm_ops)",
            f"DROP INDEX {index}",
            f"DROP TRIGGER {table}_seen_by ON {table}",
            f"DROP FUNCTION {table}_seen_by_own()",
            f"DROP FUNCTION {table}_seen_by(bigint, bigint)",
            f"ALTER TABLE {table} DROP COLUMN seen_by",
            f"ANALYZE {table}",
        ]
    _run(schema_editor, statements)


def _run(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0006_postgres_search_text_statistics")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
