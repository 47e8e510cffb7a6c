"""Timing requests in-process: server time, SQL statements, and the floor of their bare SQL."""

import statistics
import time
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.test import override_settings


@dataclass
class Result:
    case: str
    runs: int
    p50: float  # milliseconds of server time
    p95: float
    max: float
    queries: int
    sql_floor: float  # milliseconds: the same statements run bare, results fetched
    status: int
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.p50 / self.sql_floor if self.sql_floor else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"ratio": round(self.ratio, 1)}


class Recorder:
    """Collects (sql, params) of every statement a request runs."""

    def __init__(self):
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params if not many else None))
        return execute(sql, params, many, context)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def sql_floor(statements, repeat: int = 5) -> float:
    """Median time of running the read statements bare (no ORM, no templates), all rows fetched.

    Writes are not re-run (they would change data); a request made of writes has floor 0.
    """
    reads = [
        (sql, params)
        for sql, params in statements
        # A union of reads starts with "(" (the board's column totals).
        if sql.lstrip("( \n").upper().startswith(("SELECT", "WITH")) and params is not None
    ]
    if not reads:
        return 0.0
    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            start = time.perf_counter()
            for sql, params in reads:
                cursor.execute(sql, params)
                cursor.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(name: str, call, *, runs: int, warmup: int = 2) -> Result:
    """Time `call()` (one request; returns a response) `runs` times after `warmup` runs."""
    for _ in range(warmup):
        call()
    # The statements are recorded on a run of their own, with every one on this thread's
    # connection: the global search runs its kinds on other threads' connections at once.
    recorder = Recorder()
    with override_settings(SEARCH_THREADS=0), connection.execute_wrapper(recorder):
        call()
    statements = recorder.statements
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
    return Result(
        case=name,
        runs=runs,
        p50=statistics.median(times),
        p95=percentile(times, 0.95),
        max=max(times),
        queries=len(statements),
        sql_floor=sql_floor(statements),
        status=response.status_code,
    )


def markdown(reports: list[dict]) -> str:
    """Reports of `salestrack bench --json` side by side: p50 / p95 (queries) per database."""
    titles = [f"{r['database']} p50 / p95 ms (SQL)" for r in reports]
    lines = ["| case | " + " | ".join(titles) + " |", "|---" * (len(reports) + 1) + "|"]
    by_case = [{row["case"]: row for row in r["results"]} for r in reports]
    names = list(dict.fromkeys(name for cases in by_case for name in cases))
    for name in names:
        cells = []
        for cases in by_case:
            row = cases.get(name)
            cells.append(f"{row['p50']:.0f} / {row['p95']:.0f} ({row['queries']})" if row else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
