"""Backups of the whole database, and putting one back (docs/operations.md).

SQLite: the online backup API copies the live database page by page, so a backup taken while
the server writes is a consistent snapshot. PostgreSQL: pg_dump's custom format, which is one
snapshot too, and pg_restore. Files are created readable by their owner only: a backup holds
every customer's data.
"""

import datetime
import os
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
    path.parent.mkdir(parents=True, exist_ok=True)
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
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
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
    if not path.is_file():
        raise CommandError(f"No file {path}.")
    with path.open("rb") as file:
        head = file.read(16)
    wanted = SQLITE_MAGIC if connection.vendor == "sqlite" else PGDUMP_MAGIC
    if not head.startswith(wanted):
        kind = "an SQLite database" if connection.vendor == "sqlite" else "a pg_dump custom file"
        raise CommandError(
            f"{path} is not a backup of this database (not {kind}); nothing changed."
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
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{argv[0]} failed: {result.stderr.strip()}")
