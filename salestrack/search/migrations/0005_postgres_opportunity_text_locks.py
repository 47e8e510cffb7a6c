"""PostgreSQL: a deal's search text reads its account's name under a share lock.

0003's trigger read the name without one: a deal moved onto an account while another
transaction renamed that account could keep the old name, since the rename's own refresh did
not see the moved deal yet, and the move did not see the new name. Locked FOR SHARE, the move
waits for the rename to commit and reads the new name; a rename after it waits for the move,
then refreshes the deal with the rest. SQLite: nothing (one writer at a time).
"""

from django.db import migrations

FUNCTION = (
    "CREATE OR REPLACE FUNCTION search_opportunity_text() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN NEW.search_text := upper(chr(1) || NEW.name || chr(1) || coalesce("
    "(SELECT name FROM accounts_account WHERE id = NEW.account_id{lock}), '')); "
    "RETURN NEW; END $$"
)


def replace(lock: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FUNCTION.format(lock=lock))

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_sqlite_merge_apart")]

    operations = [migrations.RunPython(replace(" FOR SHARE"), replace(""), elidable=False)]
