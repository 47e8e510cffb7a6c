"""SQLite: the search indexes no longer merge their segments during writes.

FTS5 merges an index's segments as rows are added ('automerge', 4 by default), inside the
write that adds the fourth one: 30 to 50 ms on a conversion that otherwise takes 8. With it
off, lib/upkeep.py merges beside the requests, and FTS5 still merges during a write once a level
holds 16 segments ('crisismerge'), where no upkeep runs. PostgreSQL: nothing.
"""

from django.db import migrations

TABLES = ["search_lead_fts", "search_contact_fts", "search_account_fts", "search_opportunity_fts"]


def automerge(value: int):
    def set_it(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', {value})")

    return set_it


class Migration(migrations.Migration):
    dependencies = [("search", "0003_postgres_opportunity_text")]

    operations = [migrations.RunPython(automerge(0), automerge(4), elidable=False)]
