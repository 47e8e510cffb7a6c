"""`salestrack bench --markdown`: earlier runs side by side, as docs/benchmarks.md shows them."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection


def report(database, rows):
    results = [{"case": c, "p50": p50, "p95": p95, "queries": q} for c, p50, p95, q in rows]
    return {"database": database, "results": results}


def test_two_runs_become_one_table(tmp_path, capsys):
    sqlite, pg = tmp_path / "sqlite.json", tmp_path / "pg.json"
    sqlite.write_text(json.dumps(report("sqlite", [("page leads", 12.34, 20.5, 4)])))
    pg.write_text(
        json.dumps(report("postgresql", [("page leads", 8.0, 9.6, 4), ("board", 1, 2, 3)]))
    )
    call_command("bench", "--markdown", str(sqlite), str(pg))
    assert capsys.readouterr().out.splitlines() == [
        "| case | sqlite p50 / p95 ms (SQL) | postgresql p50 / p95 ms (SQL) |",
        "|---|---|---|",
        "| page leads | 12 / 20 (4) | 8 / 10 (4) |",
        "| board | - | 1 / 2 (3) |",
    ]


def test_an_unreadable_report_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("bench", "--markdown", str(broken))


def test_the_sql_floor_reruns_reads_and_unions_of_reads_but_no_write(db):
    from salestrack.dev.timing import sql_floor
    from salestrack.teams.models import User

    reads = User.objects.order_by().values("pk")
    union = reads.union(reads, all=True)
    ran = []

    def count(execute, sql, params, many, context):
        ran.append(sql)
        return execute(sql, params, many, context)

    statements = [
        reads.query.sql_with_params(),
        union.query.sql_with_params(),
        ("UPDATE teams_user SET first_name = %s", ("x",)),
    ]
    # PostgreSQL's union is "(SELECT ...) UNION ALL (SELECT ...)"; SQLite's needs none.
    assert statements[1][0].startswith("(") == (connection.vendor == "postgresql")
    with connection.execute_wrapper(count):
        assert sql_floor(statements, repeat=1) > 0
    assert ran == [statements[0][0], statements[1][0]]
