"""Bulk inserts for `salestrack generate`: COPY on PostgreSQL, multi-row INSERTs on SQLite."""

import sqlite3
import time
from collections.abc import Iterable
from itertools import chain, islice

from django.db import connection, transaction

CHUNK = 50_000  # rows in memory at a time: memory stays flat
# SQLite commits every few chunks: a commit writes every index page the chunk touched (twice,
# with the WAL), and a random-order index has new rows on most of its pages.
SQLITE_CHUNKS_PER_TRANSACTION = 4
STATEMENT_ROWS = 500  # rows per INSERT statement on SQLite, as its parameter limit allows


class Writer:
    """Writes rows of plain tuples, chunk by chunk, and times each table.

    1. Rows come from generators, in the order of `columns`; ids are given, so no row waits
       for another's id and foreign keys need no lookups.
    2. SQLite: a transaction every few chunks, multi-row INSERTs on the raw connection, no
       fsync while loading. PostgreSQL: a COPY and a transaction per chunk, through psycopg.
    3. `finish` moves the id sequences past the generated ids (PostgreSQL) and runs ANALYZE.
    """

    def __init__(self, out):
        self.out = out
        self.postgres = connection.vendor == "postgresql"
        self.tables: list[str] = []
        self.timings: list[tuple[str, int, float]] = []

    def prepare(self) -> None:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute("SET synchronous_commit TO off")
                # Trigram GIN indexes (search) take new rows in a pending list, merged into
                # the index when it is full: a larger list merges fewer, larger batches.
                cursor.execute("SET gin_pending_list_limit TO '64MB'")
                cursor.execute("SET work_mem TO '256MB'")
                cursor.execute("SET maintenance_work_mem TO '512MB'")
            else:
                if not connection.in_atomic_block:  # a test's transaction: leave it be
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA synchronous=OFF")
                # A large page cache keeps the indexes being filled in memory.
                cursor.execute("PRAGMA cache_size=-1000000")

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple], total: int):
        started = last = time.monotonic()
        written = 0
        rows = iter(rows)
        per_transaction = 1 if self.postgres else SQLITE_CHUNKS_PER_TRANSACTION
        more = True
        while more:
            with transaction.atomic():
                for _ in range(per_transaction):
                    chunk = list(islice(rows, CHUNK))
                    if not chunk:
                        more = False
                        break
                    self._insert(table, columns, chunk)
                    written += len(chunk)
            now = time.monotonic()
            if now - last > 10 and more:
                last = now
                rate = written / (now - started)
                self.out(f"  {table}: {written:,} of {total:,} rows, {rate:,.0f} rows/s")
        seconds = time.monotonic() - started
        self.tables.append(table)
        self.timings.append((table, written, seconds))
        rate = written / seconds if seconds else 0
        self.out(f"{table:26} {written:>10,} rows {seconds:7.1f} s {rate:>9,.0f} rows/s")

    def _insert(self, table: str, columns: tuple[str, ...], chunk: list[tuple]) -> None:
        names = ", ".join(columns)
        if self.postgres:
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in chunk:
                        write(row)
        else:
            # Many rows per statement: a statement that fires a trigger opens a savepoint, and
            # at each one FTS5 (the search indexes' triggers) writes its pending terms to disk.
            # A row per statement would be a tiny index segment per row.
            raw = connection.connection
            variables = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            per = max(1, min(STATEMENT_ROWS, variables // len(columns)))
            row = f"({', '.join('?' * len(columns))})"
            insert = f"INSERT INTO {table} ({names}) VALUES "
            full = insert + ", ".join([row] * per)
            for start in range(0, len(chunk), per):
                batch = chunk[start : start + per]
                sql = full if len(batch) == per else insert + ", ".join([row] * len(batch))
                raw.execute(sql, list(chain.from_iterable(batch)))

    def finish(self) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            if self.postgres:
                for table in self.tables:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                        f"FROM {table}"
                    )
                tables = ", ".join(dict.fromkeys(self.tables))
                # VACUUM also sets the visibility map, so index-only scans work from the
                # start; it cannot run inside a transaction (a test's), ANALYZE can.
                if connection.in_atomic_block:
                    cursor.execute(f"ANALYZE {tables}")
                else:
                    cursor.execute(f"VACUUM (ANALYZE) {tables}")
            else:
                cursor.execute("ANALYZE")
        self.out(f"{'analyze':26} {'':>10} {'':4} {time.monotonic() - started:7.1f} s")
