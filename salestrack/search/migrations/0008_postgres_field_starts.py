"""PostgreSQL: each field in search_text starts with a lower-case "q", so that the trigram index
can find a field's first two characters.

A 2-character word matches the start of a field: "an" is "\\x01AN" in search_text (0002).
But pg_trgm keeps only letters and digits, so to it "\\x01AN" is any word starting "AN",
anywhere: an admin's deals with "an" had 31,348 candidates in the index and no match,
rechecked one by one in 21 ms. Written "\\x01qAN", a field's start is a word of its own to
pg_trgm ("qan..."), which only field starts and the rare real word in "QAN" share (pg_trgm
folds case), and the recheck tells those apart: every other letter is upper-cased, so a
lower-case "q" is never anything but the marker.

Words of 3 characters or more are searched as before: upper-cased, they never match the "q".
The search_text columns of leads, contacts and accounts are generated, so they are dropped
and added back (with their indexes and their statistics target, 0006, 0007); the deals' is
rewritten by their trigger's function. On the large org this rewrites each table once, which
blocks writes to it meanwhile (about a minute per million leads). SQLite: nothing (its FTS5
tables have their own `starts` column, 0001).
"""

from django.db import migrations

GENERATED = {
    # table: (searched columns, its index, what the index starts with)
    "leads_lead": (
        ["first_name", "last_name", "email", "company", "phone"],
        "search_lead_trgm",
        "(ARRAY[owner_id])",
    ),
    "accounts_contact": (
        ["first_name", "last_name", "email", "phone"],
        "search_contact_seen_trgm",
        "seen_by",
    ),
    "accounts_account": (["name", "website", "phone"], "search_account_seen_trgm", "seen_by"),
}
DEAL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION search_opportunity_text() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN NEW.search_text := {text}; RETURN NEW; END $$"
)
ACCOUNT_NAME = "(SELECT name FROM accounts_account WHERE id = NEW.account_id FOR SHARE)"


def _field(column: str, marked: bool) -> str:
    return f"chr(1) || 'q' || upper({column})" if marked else f"chr(1) || upper({column})"


def _deal_text(marked: bool, account: str) -> str:
    return _field("NEW.name", marked) + " || " + _field(f"coalesce({account}, '')", marked)


def _statements(marked: bool) -> list[str]:
    statements = []
    for table, (columns, index, owners) in GENERATED.items():
        text = " || ".join(_field(column, marked) for column in columns)
        if not marked:  # 0002's form, upper() around the whole
            text = "upper(" + " || ".join(f"chr(1) || {column}" for column in columns) + ")"
        statements += [
            f"ALTER TABLE {table} DROP COLUMN search_text",  # and its index
            f"ALTER TABLE {table} ADD COLUMN search_text text GENERATED ALWAYS AS ({text}) STORED",
            f"CREATE INDEX {index} ON {table} USING gin ({owners}, search_text gin_trgm_ops)",
            f"ALTER TABLE {table} ALTER COLUMN search_text SET STATISTICS 1000",
            f"ANALYZE {table}",
        ]
    # The deals' text, kept by their trigger (0003, 0005): setting each name to itself runs it.
    statements += [
        DEAL_FUNCTION.format(text=_deal_text(marked, ACCOUNT_NAME)),
        "UPDATE deals_opportunity SET name = name",
        "ANALYZE deals_opportunity",
    ]
    return statements


def forwards(apps, schema_editor):
    _run(schema_editor, _statements(marked=True))


def backwards(apps, schema_editor):
    _run(schema_editor, _statements(marked=False))


def _run(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0007_postgres_seen_by")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
