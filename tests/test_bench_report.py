"""`salestrack bench --markdown`: earlier runs side by side, as docs/benchmarks.md shows them."""

import json

import pytest
from django.core.management import CommandError, call_command


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
