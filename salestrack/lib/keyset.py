"""Keyset pagination for pages: page 5,000 costs what page 1 costs, and nothing counts all rows.

A cursor is the (sort value, id) of the row at the edge of the page, opaque to the user.
"""

import base64
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.sql.where import WhereNode


@dataclass
class Page:
    rows: list
    next: str | None  # cursor for the page after this one
    previous: str | None  # cursor for the page before this one


def encode(value, pk) -> str:
    raw = json.dumps([None if value is None else str(value), pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[str, int] | None:
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return value, int(pk)
    except (ValueError, TypeError):
        return None  # a mangled cursor shows the first page rather than an error page


def paginate(
    queryset: QuerySet, *, order: str, size: int, after: str = "", before: str = ""
) -> Page:
    """One page of `queryset` sorted by `order` (a non-null field, '-' for descending), then id."""
    field = order.lstrip("-")
    descending = order.startswith("-")
    backwards = bool(before) and not after
    cursor = decode(before if backwards else after) if (after or before) else None
    # Walking backwards reads the rows before the cursor in reverse, then flips them.
    forward_desc = descending != backwards
    if cursor is not None:
        value, pk = cursor
        op = "lt" if forward_desc else "gt"
        # (field, id) beyond the cursor, written so that the first condition is a plain range
        # on the (field, id) index: an OR alone would make the database scan from the start.
        try:
            queryset = queryset.filter(
                Q(**{f"{field}__{op}e": value}),
                Q(**{f"{field}__{op}": value}) | Q(**{f"pk__{op}": pk}),
            )
        except (ValueError, ValidationError):
            # A forged cursor whose value does not fit the field: the first page, not a 500.
            return paginate(queryset, order=order, size=size)
    sign = "-" if forward_desc else ""
    ordered = queryset.order_by(f"{sign}{field}", f"{sign}pk")
    # Pick the page's ids from an index alone, then read only those rows: sorting the full
    # rows of every match (a manager's 50,000 leads) costs a hundred times more. The outer
    # query drops the filters, which the ids already passed, so that the planner cannot choose
    # to evaluate them again over the whole table.
    page_ids = ordered.values("pk")[: size + 1]
    outer = ordered.all()
    outer.query.where = WhereNode()
    rows = list(outer.filter(pk__in=page_ids))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return Page(rows, None, None)
    has_next = more if not backwards else True
    has_previous = (cursor is not None) if not backwards else more
    return Page(
        rows,
        next=encode(*_position(rows[-1], field)) if has_next else None,
        previous=encode(*_position(rows[0], field)) if has_previous else None,
    )


def _position(row, field: str) -> tuple:
    # Rows are model instances, or dicts from .values() (the API's lists).
    if isinstance(row, dict):
        return row[field], row["id"]
    return getattr(row, field), row.pk
