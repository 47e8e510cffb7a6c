"""Forecast periods: calendar months and fiscal quarters.

A fiscal year starts in the company's `fiscal_year_start` month and is named by the calendar
year it starts in: with April, "2026-Q1" is April to June 2026 and "2026-Q4" January to March
2027. Months are calendar months, "2026-11". A deal falls in the period of its close date.
"""

import datetime
import re
from dataclasses import dataclass

QUARTER = re.compile(r"(\d{4})-Q([1-4])")
MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date  # the first day
    end: datetime.date  # the day after the last
    name: str

    @property
    def kind(self) -> str:
        return "quarter" if "Q" in self.name else "month"

    def __contains__(self, day: datetime.date) -> bool:
        return self.start <= day < self.end

    def __str__(self) -> str:
        return self.name

    def months(self) -> list["Period"]:
        months, day = [], self.start
        while day < self.end:
            months.append(month_of(day))
            day = _add_months(day, 1)
        return months

    def weeks(self) -> list[datetime.date]:
        """The period's first day and each Monday after it: the points a chart is drawn at."""
        days = [self.start]
        monday = self.start + datetime.timedelta(days=(7 - self.start.weekday()) % 7 or 7)
        while monday < self.end:
            days.append(monday)
            monday += datetime.timedelta(days=7)
        return days

    def next(self, fiscal_year_start: int) -> "Period":
        return period_of(self.end, self.kind, fiscal_year_start)

    def previous(self, fiscal_year_start: int) -> "Period":
        return period_of(self.start - datetime.timedelta(days=1), self.kind, fiscal_year_start)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_of(day: datetime.date) -> Period:
    start = day.replace(day=1)
    return Period(start, _add_months(start, 1), f"{start:%Y-%m}")


def quarter_of(day: datetime.date, fiscal_year_start: int) -> Period:
    offset = (day.month - fiscal_year_start) % 12
    year = day.year if day.month >= fiscal_year_start else day.year - 1
    quarter = offset // 3 + 1
    start = _add_months(datetime.date(year, fiscal_year_start, 1), 3 * (quarter - 1))
    return Period(start, _add_months(start, 3), f"{year}-Q{quarter}")


def period_of(day: datetime.date, kind: str, fiscal_year_start: int) -> Period:
    return quarter_of(day, fiscal_year_start) if kind == "quarter" else month_of(day)


def parse(name: str, fiscal_year_start: int) -> Period:
    """A quarter like 2026-Q4 or a month like 2026-11; anything else is a ValueError that says
    what is expected."""
    text = str(name or "").strip().upper()
    match = QUARTER.fullmatch(text) or MONTH.fullmatch(text)
    if match and not 1900 <= int(match[1]) <= 2999:
        raise ValueError(f"{name!r}: a period from the year 1900 to 2999.")
    if match := QUARTER.fullmatch(text):
        year, quarter = int(match[1]), int(match[2])
        start = _add_months(datetime.date(year, fiscal_year_start, 1), 3 * (quarter - 1))
        return quarter_of(start, fiscal_year_start)
    if (match := MONTH.fullmatch(text)) and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
        return month_of(datetime.date(int(match[1]), int(match[2]), 1))
    raise ValueError(
        f"{name!r} is not a period: write a quarter like 2026-Q4 or a month like 2026-11."
    )


def span(text: str, fiscal_year_start: int) -> list[Period]:
    """From "2025-Q1..2026-Q4", every period from the first to the last, of the first one's kind."""
    first, _, last = str(text).partition("..")
    start = parse(first, fiscal_year_start)
    end = parse(last, fiscal_year_start) if last else start
    if end.kind != start.kind or end < start:
        raise ValueError(f"{text!r}: give two periods of one kind, the earlier first.")
    periods = [start]
    while periods[-1] != end:
        periods.append(periods[-1].next(fiscal_year_start))
    return periods
