"""Query shapes both databases plan well, where the ORM's plain form does not."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import BooleanField, F, Field, Func, Q, QuerySet
from django.db.models.expressions import Col, Expression


def among(column: str, rows: QuerySet) -> Q:
    """`column IN (rows)`, which on PostgreSQL is also said as `column = ANY(ARRAY(rows))`.

    PostgreSQL hashes `IN (subquery)`: right while it walks a list in order, checking each row,
    but it can then only walk, and a search for a common name walked most contacts to find a
    rep's few. `= ANY(array)` can be an index condition, ORed and ANDed with others (the owner
    index, the trigram indexes) before any row is read, but is a linear search when checked
    per row (slow for a rep's sorted contact list). Said both ways, the planner takes the index
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


class Undeclared(Expression):
    """A column of the query's own table that its model does not declare, such as PostgreSQL's
    search_text and seen_by (search migrations 0002, 0007), under whatever alias the table has
    there (a subquery renames it), as a model field's column would be."""

    def __init__(self, column: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.column = column

    def resolve_expression(self, query=None, *args, **kwargs):
        field = self.output_field.clone()
        field.set_attributes_from_name(self.column)
        field.model = query.model
        return Col(query.get_initial_alias(), field)


class NoIndex(Func):
    """SQLite's `+column`: the same value, but no index is used to find it.

    Offered an index on a filter column, SQLite gathers every matching row and sorts them,
    where walking the index of the list's order would stop at the page's end.
    """

    template = "+%(expressions)s"
