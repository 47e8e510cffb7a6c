"""Fiscal quarters and months (forecasting/periods.py)."""

import datetime

import pytest

from salestrack.forecasting.periods import month_of, parse, quarter_of, span

D = datetime.date


@pytest.mark.parametrize(
    "start,day,name,first,after",
    [
        (1, D(2026, 11, 15), "2026-Q4", D(2026, 10, 1), D(2027, 1, 1)),
        (1, D(2026, 1, 1), "2026-Q1", D(2026, 1, 1), D(2026, 4, 1)),
        (4, D(2026, 4, 1), "2026-Q1", D(2026, 4, 1), D(2026, 7, 1)),
        (4, D(2027, 3, 31), "2026-Q4", D(2027, 1, 1), D(2027, 4, 1)),  # named by its start
        (2, D(2026, 1, 31), "2025-Q4", D(2025, 11, 1), D(2026, 2, 1)),
        (12, D(2026, 12, 1), "2026-Q1", D(2026, 12, 1), D(2027, 3, 1)),
    ],
)
def test_quarters_follow_the_fiscal_year(start, day, name, first, after):
    quarter = quarter_of(day, start)
    assert (quarter.name, quarter.start, quarter.end) == (name, first, after)
    assert parse(name, start) == quarter and day in quarter


def test_months_are_calendar_months():
    month = parse("2026-02", 4)
    assert (month.start, month.end, month.kind) == (D(2026, 2, 1), D(2026, 3, 1), "month")
    assert month_of(D(2026, 12, 31)).end == D(2027, 1, 1)
    assert [m.name for m in parse("2026-Q4", 1).months()] == ["2026-10", "2026-11", "2026-12"]


def test_weeks_start_on_the_first_day_then_mondays():
    weeks = parse("2026-12", 1).weeks()  # 1 Dec 2026 is a Tuesday
    assert weeks == [
        D(2026, 12, 1),
        D(2026, 12, 7),
        D(2026, 12, 14),
        D(2026, 12, 21),
        D(2026, 12, 28),
    ]


def test_a_span_lists_every_period():
    assert [p.name for p in span("2025-Q3..2026-Q2", 1)] == [
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]
    assert [p.name for p in span("2026-11..2027-01", 1)] == ["2026-11", "2026-12", "2027-01"]


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-Q5", "2026-13", "2026-00", "0000-01", "9999-Q4", "26-Q1", "x", None]
)
def test_anything_else_is_a_clear_error(text):
    with pytest.raises(ValueError, match="period"):
        parse(text, 1)


@pytest.mark.parametrize("text", ["2026-Q4..2026-Q1", "2026-Q1..2026-11"])
def test_a_span_backwards_or_of_two_kinds_is_an_error(text):
    with pytest.raises(ValueError):
        span(text, 1)
