"""Backups of the whole database, and putting one back (docs/operations.md).

SQLite: the online backup API copies the live database page by page, so a backup taken while
the server writes is a consistent snapshot. PostgreSQL: pg_dump's custom format, which is one
snapshot too, and pg_restore. Files are created readable by their owner only: a backup holds
every customer's data.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def default_path() -> Path:
    """A timestamped file in the data folder's backups/, created 0700."""
    folder = Path(settings.DATA_DIR) / "backups"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    suffix = "sqlite3" if connection.vendor == "sqlite" else "pgdump"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"salestrack-{stamp}.{suffix}"


def backup(path: Path) -> Path:
    if path.exists():
        raise CommandError(f"{path} exists: choose another file, a backup never overwrites.")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _create_private(path)
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(path)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}"])
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def restore(path: Path) -> None:
    """Replace the whole database with the backup in `path`, once nothing else uses it."""
    _check_kind(path)
    refusal = in_use()
    if refusal:
        raise CommandError(
            f"The database is in use ({refusal}): stop the server and task "
            "workers first, then restore."
        )
    if connection.vendor == "sqlite":
        _sqlite_restore(path)
    else:
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={settings.DATABASES['default']['NAME']}",
                str(path),
            ]
        )


def in_use() -> str:
    """What else is using the database ("" when nothing is)."""
    pidfile = Path(settings.SERVE_PIDFILE)
    if pidfile.exists():
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            pass  # a pid file left by a server that was killed: nothing runs
        except PermissionError:
            return f"the server, pid {pidfile.read_text().strip()}, per {pidfile}"
        else:
            return f"the server, pid {pid}, per {pidfile}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Client sessions only: an autovacuum worker also shows the database's name, and
            # pg_restore does not need it gone.
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            others = cursor.fetchone()[0]
        return f"{others} other connection{'s' if others != 1 else ''}" if others else ""
    # SQLite: a connection that is reading or writing holds a lock; try to take them all.
    probe = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=0.5)
    try:
        probe.execute("BEGIN EXCLUSIVE")
        probe.rollback()
    except sqlite3.OperationalError:
        return "another process holds a lock on it"
    finally:
        probe.close()
    return ""


def _create_private(path: Path) -> None:
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _sqlite_backup(path: Path) -> None:
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
        # The copy need not stay in WAL mode: one self-contained file.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def _sqlite_restore(path: Path) -> None:
    connection.close()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    try:
        with target:
            source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        raise CommandError(f"The restored database fails its integrity check: {check}")


def _check_kind(path: Path) -> None:
    """Refuse, before anything changes, a file that is not a whole Salestrack backup for this
    kind of database: another format, another program's database, a truncated copy."""
    if not path.is_file():
        raise CommandError(f"No file {path}.")
    with path.open("rb") as file:
        head = file.read(16)
    sqlite = connection.vendor == "sqlite"
    if not head.startswith(SQLITE_MAGIC if sqlite else PGDUMP_MAGIC):
        kind = "an SQLite database" if sqlite else "a pg_dump custom file"
        raise CommandError(
            f"{path} is not a backup of this database (not {kind}); nothing changed."
        )
    problem = _sqlite_problem(path) if sqlite else _pgdump_problem(path)
    if problem:
        raise CommandError(f"{path} is not a usable backup ({problem}); nothing changed.")


def _sqlite_problem(path: Path) -> str:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            return f"it fails SQLite's check: {check}"
        found = source.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
    except sqlite3.DatabaseError as error:
        return f"SQLite cannot read it: {error}"
    finally:
        source.close()
    return "" if found else "no Salestrack tables in it"


def _pgdump_problem(path: Path) -> str:
    # The table of contents only: a file cut short in its data still passes here, and then
    # fails inside pg_restore's single transaction, which leaves the database as it was.
    result = subprocess.run(
        [_client("pg_restore"), "--list", str(path)], capture_output=True, text=True
    )
    if result.returncode != 0:
        return f"pg_restore cannot read it: {result.stderr.strip()}"
    if not any(
        " TABLE " in line and "django_migrations" in line for line in result.stdout.splitlines()
    ):
        return "no Salestrack tables in it"
    return ""


def _client(name: str) -> str:
    """A PostgreSQL client program: on PATH, or else Debian's versioned folders, newest
    first (pg_dump reads servers of its own major version and older)."""
    found = shutil.which(name)
    if found:
        return found
    versioned = Path("/usr/lib/postgresql").glob(f"*/bin/{name}")
    newest = sorted(versioned, key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if newest:
        return str(newest[-1])
    raise CommandError(
        f"{name} is not installed: install PostgreSQL's client programs "
        "(postgresql-client), of the server's major version or newer."
    )


def _run(argv: list[str]) -> None:
    """Run a PostgreSQL client with the connection settings; the password in the environment,
    never on the command line (where `ps` would show it)."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[name] = str(db[key])
    result = subprocess.run([_client(argv[0]), *argv[1:]], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{argv[0]} failed: {result.stderr.strip()}")
