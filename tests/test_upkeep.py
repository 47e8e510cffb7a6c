"""SQLite's search index merges and WAL checkpoints run beside the requests (lib/upkeep.py)."""

import logging
import threading

import pytest
from django.db import DatabaseError, connection

from salestrack.leads.models import Lead
from salestrack.leads.services import lead_create
from salestrack.search import index, schema, upkeep

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 and WAL")


@sqlite_only
def test_the_search_indexes_do_not_merge_during_writes(db):
    with connection.cursor() as cursor:
        for kind in schema.KINDS:
            table = schema._fts_table(kind)
            cursor.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'")
            assert cursor.fetchone() == (0,), table


def segments(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT segid) FROM {table}_idx")
        return cursor.fetchone()[0]


@sqlite_only
@pytest.mark.django_db(transaction=True)  # as in the thread: no transaction around the pass
def test_a_pass_merges_the_segments_writes_left_and_checkpoints(org):
    # Each committed write leaves a segment; with automerge off, nothing merges them yet.
    leads = [lead_create(by=org.rep, last_name=f"Hopperton {n}") for n in range(8)]
    before = segments("search_lead_fts")
    assert before >= 8
    upkeep.run_once()
    assert segments("search_lead_fts") < before
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, frames, copied = cursor.fetchone()
    assert busy == 0 and frames == copied  # nothing left in the log to copy
    assert {r.pk for r in index.matching(Lead.objects.all(), "hopperton")} == {
        lead.pk for lead in leads
    }


def test_the_thread_runs_passes_until_stopped_and_logs_a_failure(monkeypatch, caplog):
    passes = []
    done = threading.Event()

    def one_pass():
        passes.append(1)
        if len(passes) == 1:
            raise DatabaseError("database is locked")
        if len(passes) == 2:
            raise ValueError("anything else")
        if len(passes) == 3:
            done.set()

    monkeypatch.setattr(upkeep, "run_once", one_pass)
    monkeypatch.setattr(upkeep.connection, "vendor", "sqlite")
    with caplog.at_level(logging.ERROR, logger="salestrack.search.upkeep"):
        thread = upkeep.start(interval=0.01)
        try:
            assert done.wait(5), "the thread stopped after a failed pass"
        finally:
            thread.stop()
    assert not thread.is_alive()
    assert caplog.text.count("SQLite upkeep failed") == 2


def test_no_thread_where_the_database_is_not_sqlite(monkeypatch):
    monkeypatch.setattr(upkeep.connection, "vendor", "postgresql")
    assert upkeep.start() is None
