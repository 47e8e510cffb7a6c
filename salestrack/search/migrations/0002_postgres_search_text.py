"""PostgreSQL: one upper-cased search text per lead, contact and account, in one trigram index.

Each of these rows gets a stored generated column, `search_text`: its searched fields upper-cased,
each after a \\x01 marker (schema.MARKER), so that a word is one LIKE on one string, and a
2-character word finds the start of a field as "\\x01JO". Its index is a GIN index on
(ARRAY[owner_id], search_text): a team's matches of a word are found in one scan of both, and
a word alone still uses it. It replaces 0001's index per field on these tables. Opportunities
keep their name alone (their account's name lives in another table), in an index on
(ARRAY[owner_id], UPPER(name)) for the same reason.

Why (docs/benchmarks.md): the planner estimates one column far better than an OR of five, so
it walks the newest rows for a common word and gathers the matches of a rare one; checking one
column costs a walk a third of what five did; a manager's search found the team's 446 leads of
"bright" in 5 ms instead of walking 34,000 rows or gathering 8,000.

SQLite: nothing (its FTS5 tables, 0001, do this job). On an existing large database the columns
are written into every row: about 45 s for 1,000,000 leads.
"""

from django.db import migrations

MARKER = "chr(1)"
TABLES = {
    # table: (index name, searched columns, those of 0001's per-column indexes it replaces)
    "leads_lead": (
        "search_lead_trgm",
        ["first_name", "last_name", "email", "company", "phone"],
        ["first_name", "last_name", "email", "company", "phone"],
    ),
    "accounts_contact": (
        "search_contact_trgm",
        ["first_name", "last_name", "email", "phone"],
        ["first_name", "last_name", "email", "phone"],
    ),
    # The account's name keeps its own index: deals are searched by their account's name.
    "accounts_account": ("search_account_trgm", ["name", "website", "phone"], ["website", "phone"]),
}
OPPORTUNITY_INDEX = "search_opportunity_trgm"


def _old_index(table: str, column: str) -> str:
    # 0001's names (schema._trigram_index), written out: a migration does not change.
    return f"search_{table.split('_', 1)[1]}_{column}_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = []
    for table, (index, columns, replaced) in TABLES.items():
        text = " || ".join(f"{MARKER} || {column}" for column in columns)
        statements += [
            f"ALTER TABLE {table} ADD COLUMN search_text text "
            f"GENERATED ALWAYS AS (upper({text})) STORED",
            f"CREATE INDEX {index} ON {table} "
            "USING gin ((ARRAY[owner_id]), search_text gin_trgm_ops)",
        ]
        statements += [f"DROP INDEX IF EXISTS {_old_index(table, c)}" for c in replaced]
        statements.append(f"ANALYZE {table}")
    statements += [
        f"CREATE INDEX {OPPORTUNITY_INDEX} ON deals_opportunity "
        "USING gin ((ARRAY[owner_id]), UPPER(name) gin_trgm_ops)",
        f"DROP INDEX IF EXISTS {_old_index('deals_opportunity', 'name')}",
        "ANALYZE deals_opportunity",
    ]
    _run(schema_editor, statements)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = []
    for table, (index, _, replaced) in TABLES.items():
        statements += [
            f"CREATE INDEX IF NOT EXISTS {_old_index(table, c)} ON {table} "
            f"USING gin (UPPER({c}) gin_trgm_ops)"
            for c in replaced
        ]
        statements += [f"DROP INDEX {index}", f"ALTER TABLE {table} DROP COLUMN search_text"]
        statements.append(f"ANALYZE {table}")
    statements += [
        f"CREATE INDEX IF NOT EXISTS {_old_index('deals_opportunity', 'name')} "
        "ON deals_opportunity USING gin (UPPER(name) gin_trgm_ops)",
        f"DROP INDEX {OPPORTUNITY_INDEX}",
    ]
    _run(schema_editor, statements)


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
