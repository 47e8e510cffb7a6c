"""PostgreSQL: a deal's search text is rewritten only when its name or account changes.

0003's trigger ran on every UPDATE that named the columns, and Django's save() names them all:
each change of a deal (a stage move, an amount) re-read its account's name under a share lock
(0005). An account's rename locks the account, then its deals, to refresh their text; a deal
saved at the same moment had locked the deal and waited for the account. Each waited for the
other until PostgreSQL failed one (a deadlock). Now the trigger runs on an insert, and on an
update only when the name or the account differs, and the rename writes its deals' text
itself rather than by touching their account_id. A change of name or account still reads the
account: the service locks the account before the deal for those (deals.services).
SQLite: nothing (one writer at a time).
"""

from django.db import migrations

# 0008's text of a deal, with the account's new name: the rename's refresh.
RENAMED = (
    "CREATE OR REPLACE FUNCTION search_account_renamed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE deals_opportunity SET search_text = chr(1) || 'q' || upper(name) || chr(1) "
    "|| 'q' || upper(NEW.name) WHERE account_id = NEW.id; RETURN NULL; END $$"
)
# 0003's: setting account_id to itself ran the deal's own trigger.
RENAMED_BEFORE = (
    "CREATE OR REPLACE FUNCTION search_account_renamed() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE deals_opportunity SET account_id = account_id WHERE account_id = NEW.id; "
    "RETURN NULL; END $$"
)

FORWARDS = [
    "DROP TRIGGER search_opportunity_text ON deals_opportunity",
    "CREATE TRIGGER search_opportunity_text BEFORE INSERT ON deals_opportunity "
    "FOR EACH ROW EXECUTE FUNCTION search_opportunity_text()",
    "CREATE TRIGGER search_opportunity_text_changed BEFORE UPDATE OF name, account_id "
    "ON deals_opportunity FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name "
    "OR OLD.account_id IS DISTINCT FROM NEW.account_id) "
    "EXECUTE FUNCTION search_opportunity_text()",
    RENAMED,
]
BACKWARDS = [
    RENAMED_BEFORE,
    "DROP TRIGGER search_opportunity_text_changed ON deals_opportunity",
    "DROP TRIGGER search_opportunity_text ON deals_opportunity",
    "CREATE TRIGGER search_opportunity_text BEFORE INSERT OR UPDATE OF name, account_id "
    "ON deals_opportunity FOR EACH ROW EXECUTE FUNCTION search_opportunity_text()",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0008_postgres_field_starts")]

    operations = [migrations.RunPython(run(FORWARDS), run(BACKWARDS), elidable=False)]
