"""SQLite: the search indexes' merges and the WAL's checkpoints, done beside the requests.

Left to themselves, both happen inside whichever write comes at the wrong moment: FTS5 merges
an index's small segments into larger ones as rows are added (its 'automerge'), and SQLite
copies the write-ahead log into the database every 1,000 pages (a checkpoint), and the write
that meets either takes several times as long (docs/benchmarks.md). So automerge is off (search
migration 0004) and this thread does the work once a second.

Each process that serves requests through wsgi.py (gunicorn's workers, runserver) and the
benchmark run one thread. Where none runs (the test suite, other management commands), FTS5
still merges once a level holds 16 segments ('crisismerge') and SQLite still checkpoints at
1,000 pages, so nothing grows without bound. PostgreSQL needs none of this: its own background
processes do the same work.
"""

import logging
import threading

from django.db import connection

from salestrack.search import schema

logger = logging.getLogger(__name__)
INTERVAL = 1.0  # seconds between passes


def run_once() -> None:
    """One pass: merge what the search indexes have gathered, then checkpoint what can be."""
    schema.merge(connection)
    with connection.cursor() as cursor:
        # PASSIVE: copy what no reader still needs, without waiting for anyone.
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


class Upkeep(threading.Thread):
    def __init__(self, interval: float = INTERVAL):
        super().__init__(name="sqlite-upkeep", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.interval):
                try:
                    run_once()
                except Exception:
                    # Logged, and the next pass tries again: a thread that died here would
                    # leave the merges to the writes, without a word.
                    logger.exception("SQLite upkeep failed; trying again in %ss", self.interval)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def start(interval: float = INTERVAL) -> Upkeep | None:
    """Start the upkeep thread where the database is SQLite; None elsewhere."""
    if connection.vendor != "sqlite":
        return None
    thread = Upkeep(interval)
    thread.start()
    return thread
