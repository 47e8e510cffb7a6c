"""Django's PostgreSQL backend, with a health check that needs no round trip when idle, and
psycopg's own (C) loader of timestamps.

With CONN_HEALTH_CHECKS, Django asks a kept connection `SELECT 1` at the start of every request,
so that a worker whose connection died (a database restart) reconnects instead of failing a
request. That is one more round trip per request: under load, the 50-row API list served 311
requests/s once with no check at all against 268 with Django's (runs of the same setup vary by
about a tenth; docs/benchmarks.md has them).

A server that closes a connection (a restart, pg_terminate_backend, an idle timeout) sends the
client a message or end of file, which makes the socket readable. An idle connection whose
socket has nothing to read has not been closed by the server: it is taken as usable without
asking. Only when something has arrived does the check ask `SELECT 1` as Django does. What this
cannot see is a server gone without a word (its machine lost, a network cut): the next request
fails, and Django closes that connection after it, as it does without health checks.

Django reads every `timestamptz` through a Python subclass of psycopg's loader, to give the
values its own time zone; that parsed them in Python, a hundred per 50-row list and about a
twelfth of its CPU (docs/benchmarks.md). psycopg's loader gives the zone the session has, which
Django sets to its own (`ensure_timezone`), so each cursor takes that loader back: with the C
build of psycopg (`psycopg[binary]`), the timestamps are parsed in C.
"""

import select

import psycopg
from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.pq import Format

TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid
PSYCOPG_TZ_LOADER = psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        if settings.USE_TZ:
            cursor.adapters.register_loader(TIMESTAMPTZ, PSYCOPG_TZ_LOADER)
        return cursor

    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        try:
            socket = self.connection.pgconn.socket
        except Exception:  # psycopg reports a connection it cannot describe: ask the server
            return super().is_usable()
        # poll(), not select(): select() refuses a descriptor numbered 1024 or more.
        poller = select.poll()
        poller.register(socket, select.POLLIN | select.POLLPRI)
        return True if not poller.poll(0) else super().is_usable()
