"""Narrow leads, contacts, accounts and opportunities by a text query, through the search indexes.

A query is words, and a record matches when every word matches one of its searched fields,
case-insensitively, so "ada initech" finds Ada Lovelace of Initech:
- a word of 3 characters or more matches anywhere in a field (trigram indexes, see schema.py);
- a 2-character word matches the start of a field ("jo": John, Jones, jo@example.com);
- a 1-character word is checked on the rows the other words found; alone it finds nothing.

`matching()` filters a list (its `q`); `newest()` is the global search's few newest matches.
"""

import re

from django.db import connections
from django.db.models import F, Lookup, Model, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import WhereNode

from salestrack.accounts.models import Account, Contact
from salestrack.leads.models import Lead
from salestrack.lib.sql import Undeclared
from salestrack.opportunities.models import Opportunity
from salestrack.search import schema
from salestrack.search.visibility import said_as_searched

MAX_WORDS = 5  # more only make the query slower
MAX_WORD_LENGTH = 254  # no searched field is longer (email), so a longer word matches nothing
FIELDS = {
    Lead: ["first_name", "last_name", "email", "company", "phone"],
    Contact: ["first_name", "last_name", "email", "phone"],
    Account: ["name", "website", "phone"],
    Opportunity: ["name", "account__name"],
}
FTS_TABLES = {
    Lead: schema.EXTERNAL["lead"][0],
    Contact: schema.EXTERNAL["contact"][0],
    Account: schema.EXTERNAL["account"][0],
    Opportunity: schema.OPPORTUNITY_FTS,
}
# A list filtered by a word that many records of a kind match (a very common one, like "inc")
# holds only its newest LIST_CAP matches among the rows the list's user and filters keep, in
# the order asked: sorting every match by another column is what makes such a query slow, and
# finding the newest matches of a common word among a team's costs in proportion to the cap
# (docs/benchmarks.md; the list pages say so). The global search (`newest`) has no cap.
LIST_CAP = 500
# PostgreSQL: how many of a kind's newest ids the global search walks before it gathers the
# older matches through the indexes instead (see newest()).
RECENT_IDS = 20_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # NUL, which PostgreSQL refuses, and the marker


def words(q: str) -> list[str]:
    """The distinct words of a query, at most MAX_WORDS of them."""
    found: list[str] = []
    for word in _CONTROL.sub(" ", q).split():
        if word.casefold() not in (w.casefold() for w in found):
            found.append(word)
    return found[:MAX_WORDS]


def matching(
    queryset: QuerySet, q: str, *, cutoff: int | None = None, owners: list[int] | None = None
) -> QuerySet:
    """The rows of `queryset` that match every word of `q`, at most the newest LIST_CAP.

    The newest matches are picked first, then sorted as the list asks: without that,
    PostgreSQL walked a list's sort index checking the words on each row, and a surname's
    matches, all under one letter, cost an admin's list sorted by name 1.9 s. `cutoff` is
    newest()'s, for the lists of someone who sees everything.
    """
    postgres = connections[queryset.db].vendor == "postgresql"
    if postgres and owners is not None:
        # The owners said as the search index has them: a team's matches of a word are one
        # scan of it (search.visibility.searchable).
        queryset_said = said_as_searched(queryset, owners)
    else:
        queryset_said = queryset
    rows = _narrow(queryset_said, q)
    if rows.query.is_empty():
        return rows
    if not postgres:
        # SQLite reads the index newest first, joined to the rows, and stops at the cap (as in
        # newest()). Its ids are read apart: the join names the tables, which a subquery would
        # rename. It once took the index's newest 10,000 matches before anything else narrowed
        # them, and a rep's list of "inc" showed 74 of their 588 leads.
        if owners is not None and len(owners) == 1 and all(w.isascii() for w in words(q)):
            rows = _checked(queryset, q)
        return queryset.filter(pk__in=list(rows.values_list("pk", flat=True)[:LIST_CAP]))
    if cutoff is None:
        ids = _ids(rows, LIST_CAP, Q(), walk=True)
        return queryset.filter(pk__in=ids)
    # newest()'s two steps in one statement: the older ids are read only when the newest held
    # fewer than LIST_CAP matches (one-time conditions, checked before those arms run). How
    # they are read depends on how many the newest held (_gather_below): a rare word's older
    # matches are gathered through the index, a commoner word's walked newest first. Left to
    # choose, PostgreSQL walked where gathering was twice as fast (docs/benchmarks.md).
    recent, params = _ids(rows, LIST_CAP, Q(pk__gt=cutoff), walk=True).query.sql_with_params()
    gathered, gather_params = _ids(
        rows, LIST_CAP, Q(pk__lte=cutoff), walk=False
    ).query.sql_with_params()
    walked, walk_params = _ids(rows, LIST_CAP, Q(pk__lte=cutoff), walk=True).query.sql_with_params()
    few = _gather_below(cutoff)
    ids = RawSQL(
        f"WITH recent AS ({recent}), held AS (SELECT count(*) AS n FROM recent) "
        "SELECT * FROM (SELECT * FROM recent "
        f"UNION ALL SELECT * FROM ({gathered}) g WHERE (SELECT n FROM held) < %s "
        f"UNION ALL SELECT * FROM ({walked}) w WHERE (SELECT n FROM held) BETWEEN %s AND %s"
        ") found ORDER BY 1 DESC LIMIT %s",
        (*params, *gather_params, few, *walk_params, few, LIST_CAP - 1, LIST_CAP),
    )
    return queryset.filter(pk__in=ids)


# A match gathered through a trigram index costs about as much as four rows walked newest
# first (1.1 against 0.25 microseconds, PostgreSQL on the large org).
GATHER_COST = 4


def _gather_below(cutoff: int) -> int:
    """The fewest matches among the newest RECENT_IDS at which walking the older rows for the
    rest of LIST_CAP is cheaper than gathering all the older matches.

    With k of them, the rest is met in about (LIST_CAP - k) * RECENT_IDS / k rows, and the
    older matches number about k * cutoff / RECENT_IDS. On a million leads, 180.
    """
    k = 0
    while k < LIST_CAP and (
        GATHER_COST * k * k * max(cutoff, 0) < (LIST_CAP - k) * RECENT_IDS * RECENT_IDS
    ):
        k += 1
    return k


def newest(queryset: QuerySet, q: str, limit: int, *, cutoff: int | None = None) -> list[Model]:
    """Up to `limit` rows of `queryset` matching `q`, newest first.

    On SQLite the index is read newest first, and reading stops once `limit` rows of
    `queryset` are found, however many records a common word matches.

    PostgreSQL cannot read its trigram indexes in id order: it either walks the rows newest
    first, checking each, or gathers every match through the indexes and sorts them. Walking
    suits a common word (the first thousand rows hold ten matches) and gathering a rare one,
    and its estimates cannot tell them apart: it walked every lead for a word none has, or
    gathered thousands of a surname's matches to keep ten. Given
    a `cutoff` (recent_cutoffs()), it walks only the ids above it, and gathers below it only if
    those held fewer than `limit` matches, which a common word never leaves to do. Without one
    the planner chooses, as it does well where the rows are also narrowed by their owners (the
    owner index bounds both ways): the two steps made a rep's searches twice as slow.
    """
    rows = _narrow(queryset, q)
    if connections[queryset.db].vendor != "postgresql":
        return list((rows if rows.query.order_by else rows.order_by("-pk"))[:limit])
    if rows.query.is_empty():
        return []
    if cutoff is None:
        return _rows(queryset, _ids(rows, limit, Q(), walk=True), limit)
    found = _rows(queryset, _ids(rows, limit, Q(pk__gt=cutoff), walk=True), limit)
    if len(found) < limit:
        more = limit - len(found)
        found += _rows(queryset, _ids(rows, more, Q(pk__lte=cutoff), walk=False), more)
    return found


def recent_cutoffs(models: list[type[Model]]) -> dict[type[Model], int]:
    """PostgreSQL: for each model, the id below which newest() gathers instead of walking.

    All in one statement: the global search asks for its four kinds at once. SQLite: none.
    """
    if connections[models[0].objects.db].vendor != "postgresql":
        return {}
    tops = ", ".join(f"(SELECT max(id) FROM {model._meta.db_table})" for model in models)
    with connections[models[0].objects.db].cursor() as cursor:
        cursor.execute(f"SELECT {tops}")
        row = cursor.fetchone()
    return {model: (top or 0) - RECENT_IDS for model, top in zip(models, row, strict=True)}


def _ids(rows: QuerySet, limit: int, window: Q, *, walk: bool) -> QuerySet:
    """The ids of the newest `limit` matches within `window`; walk=False orders them by an
    expression, which no index gives, so that PostgreSQL gathers the matches and sorts them."""
    order = "-pk" if walk else (F("pk") + 0).desc()
    return rows.filter(window).order_by(order).values("pk")[:limit]


def _rows(queryset: QuerySet, ids: QuerySet, limit: int) -> list[Model]:
    # The ids first, then their rows and related rows: PostgreSQL otherwise joins the owner
    # and account of all 2,000 matches of a common name before keeping the newest ten.
    # The outer query drops the filters the ids already passed (as lib/keyset.py does).
    outer = queryset.all()
    outer.query.where = WhereNode()
    return list(outer.filter(pk__in=ids).order_by("-pk")[:limit])


def _narrow(queryset: QuerySet, q: str) -> QuerySet:
    """The rows matching every word (on SQLite, newest first)."""
    found = words(q)
    indexed = [w for w in found if len(w) >= 2]
    if not indexed or any(len(w) > MAX_WORD_LENGTH for w in found):
        return queryset.none()
    if connections[queryset.db].vendor == "sqlite":
        queryset = _fts(queryset, indexed)
    else:
        for word in indexed:
            queryset = queryset.filter(_trigram(word))
    for word in found:
        if len(word) == 1:
            queryset = queryset.filter(_contains(queryset, word))
    return queryset


def _fts(queryset: QuerySet, indexed: list[str]) -> QuerySet:
    """SQLite: the rows whose index entry matches every word, newest first.

    Joined rather than IN (...): SQLite then walks the index newest first and stops at the
    LIMIT, instead of collecting every match first.
    """
    table = FTS_TABLES[queryset.model]
    own = queryset.model._meta.db_table
    return queryset.extra(
        tables=[table],
        where=[f"{table}.rowid = {own}.id", f"{table} MATCH %s"],
        params=[_fts_query(indexed)],
    ).order_by(RawSQL(f"{table}.rowid", []).desc())


def _fts_query(indexed: list[str]) -> str:
    # Each word is an FTS5 string, in which quotes, stars, parentheses, column names and
    # operators (AND, OR, NOT, NEAR) are plain text; a 2-character one is a field's start.
    return " AND ".join(
        '"{}"'.format((word if len(word) > 2 else schema.MARKER + word).replace('"', '""'))
        for word in indexed
    )


def _trigram(word: str) -> Q:
    """PostgreSQL: a word in (or, 2 characters, at the start of) any field, by the index on
    search_text (search/migrations/0002, 0003 and 0008; a trigram cannot match fewer than three
    characters anywhere, but "\x01qJO" is the start of a field)."""
    if len(word) == 2:
        return Q(_LikeStart(SEARCH_TEXT, _escaped(word) + "%"))
    return Q(_Like(SEARCH_TEXT, f"%{_escaped(word)}%"))


def _contains(queryset: QuerySet, word: str) -> Q:
    if connections[queryset.db].vendor == "postgresql":
        return Q(_Like(SEARCH_TEXT, f"%{_escaped(word)}%"))
    return _on_fields(queryset.model, "icontains", word)


def _on_fields(model: type[Model], lookup: str, word: str) -> Q:
    query = Q()
    for field in FIELDS[model]:
        query |= Q(**{f"{field}__{lookup}": word})
    return query


def _checked(queryset: QuerySet, q: str) -> QuerySet:
    """SQLite, for one owner's rows (a rep's): the rows matching every word, each row checked
    field by field with LIKE, newest first, as the index would match them.

    A rep's rows are few, and checking each costs the same whatever the word, where reading the
    index newest first crosses everyone's matches of a common word (docs/benchmarks.md). LIKE
    folds the case of ASCII letters only, and FTS5 of every letter: words with other characters
    go through the index.
    """
    for word in words(q):
        lookup = "istartswith" if len(word) == 2 else "icontains"  # as in _fts_query
        queryset = queryset.filter(_on_fields(queryset.model, lookup, word))
    return queryset.order_by("-pk")


# PostgreSQL: the row's search_text, a column the models do not declare (migration 0002).
SEARCH_TEXT = Undeclared("search_text", TextField())


def _escaped(word: str) -> str:
    """PostgreSQL: a word as LIKE reads it literally."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Like(Lookup):
    """`search_text LIKE UPPER(pattern)`: upper-cased by PostgreSQL, as the column was."""

    lookup_name = "search_like"
    prepare_rhs = False

    prefix = ""  # not upper-cased

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if self.prefix:
            return f"{lhs} LIKE %s || UPPER({rhs})", [*lhs_params, self.prefix, *rhs_params]
        return f"{lhs} LIKE UPPER({rhs})", [*lhs_params, *rhs_params]


class _LikeStart(_Like):
    """`search_text LIKE '%\x01q' || UPPER(pattern)`: the pattern at a field's start, where
    the marker and a lower-case "q" are (search/migrations/0008)."""

    lookup_name = "search_like_start"
    prefix = f"%{schema.MARKER}q"
