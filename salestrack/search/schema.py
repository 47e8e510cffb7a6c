"""The search indexes themselves: what migration 0001 creates, and how to repair them.

SQLite: one FTS5 table per kind with the trigram tokenizer (substring match of 3+ characters,
case-insensitive). Leads, contacts and accounts are external-content tables over their own rows;
opportunities have a table of their own that also holds the account's name. Triggers keep every
index in step with every write, the ORM's or not (the data generator and imports use raw SQL).

Each index also has a `starts` column: a marker character and the first two characters of every
searched field. A trigram cannot match two characters, but "<marker>jo" can: it is how a
2-character word finds the fields that start with it, as one index lookup. That column is not in
the content table, so FTS5's own 'rebuild' and 'integrity-check' refuse these tables (rather than
index them without it): `rebuild()` below re-indexes instead.

Why the opportunity index has side tables: a trigger on one table must not name another app's
table. Django rebuilds a SQLite table to alter it (create new__x, copy, drop x, rename new__x to
x), and SQLite refuses that rename while any trigger elsewhere names the missing x. So triggers
name only their own table and ours: an opportunity's account name comes from
search_account_name, and an account rename finds its opportunities in
search_opportunity_account.

The same table rebuild drops the rebuilt table's triggers: `repair()` runs after every `migrate`
and puts them back, re-indexing the kinds concerned.

PostgreSQL: migration 0001 (install() below) made a pg_trgm GIN index per field; 0002 and 0003
replaced them with one upper-cased `search_text` column per kind (generated for leads, contacts
and accounts; kept by triggers for opportunities, which hold their account's name) in a GIN
index on (ARRAY[owner_id], search_text). 0007 puts accounts and contacts in theirs under
`seen_by` instead (the owner and the deals' owners, kept by triggers); 0008 starts each field
with "\x01q", so that pg_trgm sees a field's start as a word. See those migrations for why.

A migration that changes the type of a searched column must drop search_text first and add it
back after (PostgreSQL refuses to alter a column a generated column or a trigger reads), and
one that drops a searched column must rebuild search_text without it (DROP COLUMN ... CASCADE
would drop it).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

MARKER = "\x01"  # starts a field in the `starts` column; never in a searched word (index.words)

# kind -> (index table, content table, searched columns)
EXTERNAL = {
    "lead": (
        "search_lead_fts",
        "leads_lead",
        ["first_name", "last_name", "email", "company", "phone"],
    ),
    "contact": (
        "search_contact_fts",
        "accounts_contact",
        ["first_name", "last_name", "email", "phone"],
    ),
    "account": ("search_account_fts", "accounts_account", ["name", "website", "phone"]),
}
OPPORTUNITY_FTS = "search_opportunity_fts"
OPPORTUNITY_ACCOUNT = "search_opportunity_account"  # opportunity -> account
ACCOUNT_NAME = "search_account_name"  # account -> name
KINDS = [*EXTERNAL, "opportunity"]

# PostgreSQL: table -> columns, each indexed as UPPER(column) gin_trgm_ops
TRIGRAM_COLUMNS = {
    "leads_lead": ["first_name", "last_name", "email", "company", "phone"],
    "accounts_contact": ["first_name", "last_name", "email", "phone"],
    "accounts_account": ["name", "website", "phone"],
    "deals_opportunity": ["name"],
}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the indexes and fill them from the rows already there."""
    if connection.vendor == "sqlite":
        _execute(connection, _sqlite_tables())
        for kind in KINDS:
            _execute(connection, _sqlite_triggers(kind))
            rebuild(connection, kind)
    elif connection.vendor == "postgresql":
        statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"]
        statements += [
            f"CREATE INDEX IF NOT EXISTS {_trigram_index(table, column)} ON {table} "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
            for table, columns in TRIGRAM_COLUMNS.items()
            for column in columns
        ]
        # Statistics on the new expressions let the planner tell a rare word from a common one.
        statements += [f"ANALYZE {table}" for table in TRIGRAM_COLUMNS]
        _execute(connection, statements)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in _trigger_names()]
        tables = [table for table, _, _ in EXTERNAL.values()]
        tables += [OPPORTUNITY_FTS, OPPORTUNITY_ACCOUNT, ACCOUNT_NAME]
        statements += [f"DROP TABLE IF EXISTS {table}" for table in tables]
        _execute(connection, statements)
    elif connection.vendor == "postgresql":
        # The pg_trgm extension stays: it may have been there before, and others may use it.
        _execute(
            connection,
            [
                f"DROP INDEX IF EXISTS {_trigram_index(table, column)}"
                for table, columns in TRIGRAM_COLUMNS.items()
                for column in columns
            ],
        )


def rebuild(connection: BaseDatabaseWrapper, kind: str) -> None:
    """Re-index one kind from its rows (SQLite; PostgreSQL's indexes need no help)."""
    if kind in EXTERNAL:
        table, content, columns = EXTERNAL[kind]
        cols = ", ".join(columns)
        statements = [
            f"INSERT INTO {table} ({table}) VALUES ('delete-all')",
            f"INSERT INTO {table} (rowid, {cols}, starts) "
            f"SELECT id, {cols}, {_starts(columns)} FROM {content}",
        ]
        if kind == "account":
            statements += [
                f"DELETE FROM {ACCOUNT_NAME}",
                f"INSERT INTO {ACCOUNT_NAME} (account_id, name) SELECT id, name FROM {content}",
            ]
    else:
        statements = [
            f"DELETE FROM {OPPORTUNITY_FTS}",
            f"DELETE FROM {OPPORTUNITY_ACCOUNT}",
            f"INSERT INTO {OPPORTUNITY_ACCOUNT} (opportunity_id, account_id) "
            "SELECT id, account_id FROM deals_opportunity",
            f"INSERT INTO {OPPORTUNITY_FTS} (rowid, name, account_name, starts) "
            "SELECT id, name, account_name, "
            f"{_starts(['name', 'account_name'])} FROM ("
            "SELECT o.id, o.name, coalesce(a.name, '') AS account_name "
            "FROM deals_opportunity o LEFT JOIN accounts_account a ON a.id = o.account_id)",
        ]
    _execute(connection, statements)
    optimize(connection, kind)


def optimize(connection: BaseDatabaseWrapper, kind: str | None = None) -> None:
    """Merge an index's segments into one (SQLite): worth it after a bulk load.

    Rows written one by one (the triggers) leave many small segments that every query reads;
    after a million-row load queries run about twice as fast once merged. Takes seconds.
    """
    if connection.vendor != "sqlite":
        return
    tables = [_fts_table(k) for k in ([kind] if kind else KINDS)]
    _execute(connection, [f"INSERT INTO {table} ({table}) VALUES ('optimize')" for table in tables])


MERGE_PAGES = 200  # the most a merge() writes per index: a few milliseconds' work


def merge(connection: BaseDatabaseWrapper) -> None:
    """Merge the small segments that writes left in each index, if there are enough (SQLite).

    Migration 0004 turns FTS5's own merging during writes off; lib/upkeep.py calls this beside
    the requests instead. A positive page count merges only where a level holds 'usermerge' (4)
    segments, so a pass with nothing to do costs a read of each index's structure.
    """
    if connection.vendor != "sqlite":
        return
    _execute(
        connection,
        [
            f"INSERT INTO {t} ({t}, rank) VALUES ('merge', {MERGE_PAGES})"
            for t in map(_fts_table, KINDS)
        ],
    )


def _fts_table(kind: str) -> str:
    return EXTERNAL[kind][0] if kind in EXTERNAL else OPPORTUNITY_FTS


def repair(connection: BaseDatabaseWrapper) -> list[str]:
    """Put back the triggers a table rebuild dropped and re-index those kinds (SQLite).

    Returns the kinds repaired. Does nothing where the indexes are not installed.
    """
    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name GLOB 'search_*'")
        present = {name for (name,) in cursor.fetchall()}
    if OPPORTUNITY_FTS not in present:
        return []  # not installed (yet): nothing to repair
    repaired = [kind for kind in KINDS if not set(_trigger_names(kind)) <= present]
    if "account" in repaired and "opportunity" not in repaired:
        repaired.append("opportunity")  # an account renamed meanwhile left its old name there
    for kind in repaired:
        _execute(connection, _sqlite_triggers(kind))
        rebuild(connection, kind)
    return repaired


def _sqlite_tables() -> list[str]:
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({', '.join(columns)}, starts, "
        f"content='{content}', content_rowid='id', tokenize='trigram', columnsize=0)"
        for table, content, columns in EXTERNAL.values()
    ]
    statements += [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {OPPORTUNITY_FTS} "
        "USING fts5(name, account_name, starts, tokenize='trigram', columnsize=0)",
        f"CREATE TABLE IF NOT EXISTS {OPPORTUNITY_ACCOUNT} "
        "(opportunity_id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {OPPORTUNITY_ACCOUNT}_idx "
        f"ON {OPPORTUNITY_ACCOUNT} (account_id)",
        f"CREATE TABLE IF NOT EXISTS {ACCOUNT_NAME} "
        "(account_id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
    ]
    return statements


def _starts(columns: list[str], row: str = "") -> str:
    """SQL for the `starts` value: the marker and the first two characters of each column."""
    return " || ".join(
        f"char({ord(MARKER)}) || ifnull(substr({row}{column}, 1, 2), '')" for column in columns
    )


def _trigger_names(kind: str | None = None) -> list[str]:
    names = []
    for k in [kind] if kind else KINDS:
        names += [f"search_{k}_ai", f"search_{k}_au", f"search_{k}_ad"]
        if k == "account":
            names.append("search_account_renamed")
    return names


def _sqlite_triggers(kind: str) -> list[str]:
    if kind == "opportunity":
        return _opportunity_triggers()
    table, content, columns = EXTERNAL[kind]
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = (
        f"INSERT INTO {table} (rowid, {cols}, starts) "
        f"VALUES (new.id, {new}, {_starts(columns, 'new.')});"
    )
    # An external-content index forgets a row by being told exactly what it indexed.
    delete = (
        f"INSERT INTO {table} ({table}, rowid, {cols}, starts) "
        f"VALUES ('delete', old.id, {old}, {_starts(columns, 'old.')});"
    )
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
    on_insert, on_delete = insert, delete
    if kind == "account":
        on_insert += (
            f" INSERT OR REPLACE INTO {ACCOUNT_NAME} (account_id, name) VALUES (new.id, new.name);"
        )
        on_delete += f" DELETE FROM {ACCOUNT_NAME} WHERE account_id = old.id;"
    statements = [
        f"CREATE TRIGGER IF NOT EXISTS search_{kind}_ai AFTER INSERT ON {content} "
        f"BEGIN {on_insert} END",
        f"CREATE TRIGGER IF NOT EXISTS search_{kind}_au AFTER UPDATE OF {cols} ON {content} "
        f"WHEN {changed} BEGIN {delete} {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS search_{kind}_ad AFTER DELETE ON {content} "
        f"BEGIN {on_delete} END",
    ]
    if kind == "account":
        statements.append(
            "CREATE TRIGGER IF NOT EXISTS search_account_renamed AFTER UPDATE OF name "
            f"ON {content} WHEN old.name IS NOT new.name BEGIN "
            f"INSERT OR REPLACE INTO {ACCOUNT_NAME} (account_id, name) VALUES (new.id, new.name); "
            f"UPDATE {OPPORTUNITY_FTS} SET account_name = new.name, "
            f"starts = {_starts(['name', 'new.name'])} WHERE rowid IN "
            f"(SELECT opportunity_id FROM {OPPORTUNITY_ACCOUNT} WHERE account_id = new.id); END"
        )
    return statements


def _opportunity_triggers() -> list[str]:
    account_name = (
        f"coalesce((SELECT name FROM {ACCOUNT_NAME} WHERE account_id = new.account_id), '')"
    )
    index = (
        f"DELETE FROM {OPPORTUNITY_FTS} WHERE rowid = new.id; "
        f"INSERT OR REPLACE INTO {OPPORTUNITY_ACCOUNT} (opportunity_id, account_id) "
        "VALUES (new.id, new.account_id); "
        f"INSERT INTO {OPPORTUNITY_FTS} (rowid, name, account_name, starts) "
        f"SELECT new.id, new.name, account_name, {_starts(['new.name', 'account_name'])} "
        f"FROM (SELECT {account_name} AS account_name);"
    )
    forget = (
        f"DELETE FROM {OPPORTUNITY_FTS} WHERE rowid = old.id; "
        f"DELETE FROM {OPPORTUNITY_ACCOUNT} WHERE opportunity_id = old.id;"
    )
    return [
        "CREATE TRIGGER IF NOT EXISTS search_opportunity_ai AFTER INSERT ON deals_opportunity "
        f"BEGIN {index} END",
        "CREATE TRIGGER IF NOT EXISTS search_opportunity_au AFTER UPDATE OF name, account_id "
        "ON deals_opportunity WHEN old.name IS NOT new.name OR old.account_id IS NOT "
        f"new.account_id BEGIN {forget} {index} END",
        "CREATE TRIGGER IF NOT EXISTS search_opportunity_ad AFTER DELETE ON deals_opportunity "
        f"BEGIN {forget} END",
    ]


SEEN_BY_TABLES = ["accounts_account", "accounts_contact"]  # PostgreSQL, migration 0007


@contextmanager
def deals_in_bulk(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """PostgreSQL: deals written in bulk (the generator) leave their accounts' and contacts'
    seen_by (migration 0007) to one statement per table at the end.

    The deals' trigger locks and rewrites a deal's account and contact for each deal written;
    for 300,000 deals, one pass over the accounts and contacts afterwards is far cheaper. The
    setting it reads lasts for this connection's session, not a transaction: the generator
    writes a transaction per chunk.
    """
    if connection.vendor != "postgresql":
        yield
        return
    _execute(connection, ["SET salestrack.opportunities_in_bulk = 'on'"])
    try:
        yield
    finally:
        _execute(connection, ["RESET salestrack.opportunities_in_bulk"])
    _execute(
        connection,
        [
            f"UPDATE {table} t SET seen_by = s.seen_by FROM (SELECT id, "
            f"{table}_seen_by(id, owner_id) AS seen_by FROM {table}) s "
            "WHERE t.id = s.id AND t.seen_by IS DISTINCT FROM s.seen_by"
            for table in SEEN_BY_TABLES
        ],
    )


def _trigram_index(table: str, column: str) -> str:
    return f"search_{table.split('_', 1)[1]}_{column}_trgm"


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
