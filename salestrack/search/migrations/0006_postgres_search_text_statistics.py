"""PostgreSQL: ANALYZE samples each search_text ten times as finely (statistics target 1,000).

The planner chooses between walking a kind's rows newest first and gathering a word's matches
through the trigram index from its estimate of how many rows the word matches, which it takes
from a histogram of sampled values. At the default target (100) it put a surname found in
6,943 leads at 20,216, walked 289,000 leads for an admin's list of that name and took 210 ms;
at 1,000 it estimates 7,007, gathers them, and the query takes 25 ms (docs/benchmarks.md).
ANALYZE then reads 300,000 rows of a table instead of 30,000. SQLite: nothing.
"""

from django.db import migrations

TABLES = ["leads_lead", "accounts_contact", "accounts_account", "deals_opportunity"]


def statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(
                    f"ALTER TABLE {table} ALTER COLUMN search_text SET STATISTICS {target}"
                )
                cursor.execute(f"ANALYZE {table} (search_text)")

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0005_postgres_opportunity_text_locks")]

    operations = [migrations.RunPython(statistics(1000), statistics(-1), elidable=False)]
