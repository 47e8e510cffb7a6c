"""Global search: leads, contacts, accounts and opportunities the user may see, by kind.

One query per kind, through the search indexes (salestrack/search/). Every word of the query
must match one of the kind's fields, so "ada initech" finds Ada Lovelace of Initech. The page
and the API can both call `search()`.

On PostgreSQL the four kinds' queries run at once, three of them in a small pool of threads
(settings.SEARCH_THREADS), each thread on a connection of its own that it keeps, as a worker
keeps its own: a search waits for the longest of the four queries instead of their sum
(docs/benchmarks.md). Inside
a transaction (the tests') the other connections would not see its writes, so the kinds run one
after another there.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connection, connections

from salestrack.access.visibility import owner_ids
from salestrack.accounts.models import Account, Contact
from salestrack.leads.models import Lead
from salestrack.opportunities.models import Opportunity
from salestrack.search import index
from salestrack.search.visibility import searchable

MIN_LENGTH = 2

# kind -> (model, related rows, the fields shown with each result; the searched fields are in
# index.FIELDS). Reading only what is shown skips a few hundred values per search.
KINDS = {
    "leads": (
        Lead,
        ["owner"],
        ["first_name", "last_name", "company", "email", "phone", "status"],
    ),
    "contacts": (
        Contact,
        ["owner", "account"],
        # The account's owner says, without a query, whether the account may be named.
        ["first_name", "last_name", "email", "phone", "account__name", "account__owner"],
    ),
    "accounts": (Account, ["owner"], ["name", "website", "phone", "type"]),
    "opportunities": (
        Opportunity,
        ["owner", "account", "stage"],
        ["name", "amount", "currency", "account__name", "stage__name"],
    ),
}
OWNER = ["owner__first_name", "owner__last_name", "owner__username"]


def search(user, q: str, limit: int = 10) -> dict[str, list]:
    """Up to `limit` matches of each kind, newest first.

    A query shorter than MIN_LENGTH finds nothing: it would match (and scan) nearly everything.
    """
    q = normalise(q)
    if len(q) < MIN_LENGTH:
        return {kind: [] for kind in KINDS}
    # Where nothing but the words narrows the rows (an admin), PostgreSQL is told how far to
    # walk them (see index.newest).
    everyone = owner_ids(user) is None
    cutoffs = index.recent_cutoffs([model for model, _, _ in KINDS.values()]) if everyone else {}
    jobs = []
    for model, related, shown in KINDS.values():
        rows = searchable(user, model).select_related(*related).only(*shown, *OWNER)
        jobs.append(partial(index.newest, rows, q, limit, cutoff=cutoffs.get(model)))
    return dict(zip(KINDS, _each_at_once(jobs), strict=True))


def normalise(q: str) -> str:
    """The query as searched: PostgreSQL refuses NUL in text, and outer spaces mean nothing."""
    return q.replace("\x00", "").strip()


_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_lock = threading.Lock()


def _each_at_once(jobs: list) -> list:
    """Each job's result, the first job run here and the others at once in the pool."""
    alone = settings.SEARCH_THREADS < 1 or connection.vendor != "postgresql"
    if alone or connection.in_atomic_block:
        return [job() for job in jobs]
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None:  # made in the worker, after gunicorn forked it
            _pool_size = settings.SEARCH_THREADS
            _pool = ThreadPoolExecutor(_pool_size, thread_name_prefix="search")
    futures = [_pool.submit(_on_own_connection, job) for job in jobs[1:]]
    first = jobs[0]()
    return [first, *(future.result() for future in futures)]


def _on_own_connection(job):
    # As at the start of a request: a connection that broke or outlived DB_CONN_MAX_AGE is
    # closed, and the job opens a new one.
    close_old_connections()
    return job()


def stop_threads() -> None:
    """Close the pool threads' connections and end them (the tests, before the test database
    is dropped; a worker that exits closes them anyway)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    # One closing job per thread: each waits at the barrier until every thread holds one.
    barrier = threading.Barrier(_pool_size)

    def close():
        connections.close_all()
        barrier.wait(timeout=30)

    for future in [pool.submit(close) for _ in range(_pool_size)]:
        future.result()
    pool.shutdown()
