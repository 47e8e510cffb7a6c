"""Text search indexes: FTS5 trigram tables and triggers on SQLite, pg_trgm GIN on PostgreSQL.

The DDL lives in salestrack/search/schema.py, which also repairs the SQLite triggers after other
migrations rebuild a table (see apps.py). On an existing large database, indexing its rows takes
a while: 0.5 to 2 minutes on SQLite for the large org (1,000,000 leads), about 25 s on PostgreSQL.
"""

from django.db import migrations

from salestrack.search import schema


def install(apps, schema_editor):
    schema.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_list_indexes"),
        ("deals", "0006_board_index"),
        ("leads", "0003_list_indexes"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
