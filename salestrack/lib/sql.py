"""Query shapes both databases plan well, where the ORM's plain form does not."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet


def among(column: str, rows: QuerySet) -> Q:
    """`column IN (rows)`, which on PostgreSQL is also said as `column = ANY(ARRAY(rows))`.

    PostgreSQL hashes `IN (subquery)`: right while it walks a list in order, checking each row,
    but it can then only walk, and a search for a common name walked 240,000 contacts to find a
    rep's 11. `= ANY(array)` can be an index condition, ORed and ANDed with others (the owner
    index, the trigram indexes) before any row is read, but is a linear search when checked
    per row (a rep's contact list took 73 ms). Said both ways, the planner takes the index
    form where it gathers and checks the hashed one first where it walks: the array, built
    only if a row passes the hash, is then searched only for those rows.
    """
    q = Q(**{f"{column}__in": rows})
    if connections[rows.db].vendor == "postgresql":
        q &= Q(_AnyOf(F(column), ArraySubquery(rows)))
    return q


class _AnyOf(Func):
    """`column = ANY(array)`."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()
