"""`salestrack backup` and `salestrack restore`, on the database the tests run on."""

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from salestrack.accounts.services import account_create, contact_create
from salestrack.leads.models import Lead
from salestrack.leads.services import lead_convert, lead_create
from salestrack.opportunities.services import OpportunityDraft
from tests.conftest import SOON

pytestmark = pytest.mark.django_db(transaction=True)


def fingerprint() -> dict[str, tuple[int, str]]:
    """Every model table's row count and a checksum of its rows in id order."""
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    out = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            rows = cursor.fetchall()
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


def some_records(org):
    for n in range(3):
        lead = lead_create(by=org.rep, last_name=f"Doe {n}", company=f"Initech {n}")
        draft = OpportunityDraft(name=f"Deal {n}", close_date=SOON)
        lead_convert(lead=lead, by=org.rep, opportunity=draft)
    account = account_create(by=org.manager, name="Globex")
    contact_create(by=org.manager, account=account, last_name="Scorpio")


def test_a_backup_restores_to_the_same_rows(org, tmp_path):
    some_records(org)
    before = fingerprint()
    path = tmp_path / "one.backup"
    call_command("backup", output=path, stdout=open(os.devnull, "w"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lead_create(by=org.rep, last_name="After the backup")
    Lead.objects.filter(last_name="Doe 0").update(company="Changed")
    assert fingerprint() != before
    call_command("restore", str(path), yes=True, stdout=open(os.devnull, "w"))
    assert fingerprint() == before


def test_the_default_file_is_in_the_data_folder_and_private(org, capsys):
    call_command("backup")
    written = capsys.readouterr().out.split("Backed up to ")[1].split(" (")[0]
    path = settings.DATA_DIR / "backups" / os.path.basename(written)
    try:
        assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        path.unlink()


def test_a_backup_never_overwrites(org, tmp_path):
    path = tmp_path / "taken"
    path.write_text("keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", output=path)
    assert path.read_text() == "keep me"


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(org, tmp_path):
    some_records(org)
    before = fingerprint()
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a backup at all")
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(junk), yes=True)
    with pytest.raises(CommandError, match="No file"):
        call_command("restore", str(tmp_path / "missing"), yes=True)
    assert fingerprint() == before


def test_restore_refuses_a_backup_cut_short_and_changes_nothing(org, tmp_path):
    some_records(org)
    path = tmp_path / "whole"
    call_command("backup", output=path, stdout=open(os.devnull, "w"))
    cut = tmp_path / "cut"
    cut.write_bytes(path.read_bytes()[:2000])  # a copy that stopped early
    lead_create(by=org.rep, last_name="After the backup")
    before = fingerprint()
    with pytest.raises(CommandError, match="nothing changed|failed"):
        call_command("restore", str(cut), yes=True)
    assert fingerprint() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite files: the format check")
def test_restore_refuses_another_programs_sqlite_database(org, tmp_path):
    foreign = tmp_path / "other.sqlite3"
    with sqlite3.connect(foreign) as other:
        other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    other.close()
    before = fingerprint()
    with pytest.raises(CommandError, match="no Salestrack tables"):
        call_command("restore", str(foreign), yes=True)
    assert fingerprint() == before


def test_a_new_sqlite_database_is_private(tmp_path):
    """The settings create the database file 0600; SQLite gives its -wal file the same mode."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"SALESTRACK_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "salestrack.settings"}
    # Looked at while the connection is open: the last one to close removes the -wal file.
    script = (
        "import django, os, stat; django.setup(); from django.db import connection; "
        "connection.cursor().execute('CREATE TABLE t (x)'); "
        "name = connection.settings_dict['NAME']; "
        "print([oct(stat.S_IMODE(os.stat(n).st_mode)) for n in (name, name + '-wal')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "['0o600', '0o600']"
    assert (tmp_path / "salestrack.sqlite3").exists()


def test_restore_asks_for_confirmation(org, tmp_path):
    path = tmp_path / "b"
    call_command("backup", output=path, stdout=open(os.devnull, "w"))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))  # not a terminal: never asks, refuses


def test_restore_refuses_while_the_server_runs(org, tmp_path, settings):
    path = tmp_path / "b"
    call_command("backup", output=path, stdout=open(os.devnull, "w"))
    pidfile = tmp_path / "serve.pid"
    settings.SERVE_PIDFILE = pidfile
    pidfile.write_text(str(os.getpid()))  # a live process
    with pytest.raises(CommandError, match="stop the server and task workers first"):
        call_command("restore", str(path), yes=True)
    pidfile.write_text("999999999")  # left by a server that was killed: ignored
    call_command("restore", str(path), yes=True, stdout=open(os.devnull, "w"))


def test_restore_refuses_while_another_connection_uses_the_database(org, tmp_path):
    path = tmp_path / "b"
    call_command("backup", output=path, stdout=open(os.devnull, "w"))
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(db["NAME"])
        other.execute("BEGIN IMMEDIATE")  # a writer at work
    else:
        other = psycopg.connect(
            host=db["HOST"],
            port=db["PORT"],
            user=db["USER"],
            password=db["PASSWORD"],
            dbname=db["NAME"],
        )
    try:
        with pytest.raises(CommandError, match="in use"):
            call_command("restore", str(path), yes=True)
    finally:
        other.close()
