"""visible(), said so that the search index can find the rows (PostgreSQL).

access.visibility says who sees what for any kind of record; this module knows the search's
kinds and the columns of its indexes (search/migrations/0002, 0003, 0007), so it may name them.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap
from django.db import connection
from django.db.models import BigIntegerField, F, Func, Model, QuerySet, Value
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import WhereNode

from salestrack.access.visibility import owner_ids, visible
from salestrack.accounts.models import Account, Contact
from salestrack.leads.models import Lead
from salestrack.lib.sql import Undeclared
from salestrack.opportunities.models import Opportunity

SEARCHED = (Lead, Opportunity, Account, Contact)


def searchable(user, model: type[Model]) -> QuerySet:
    """visible(), as the search reads it: the same rows, said so that its index can find them.

    On PostgreSQL each kind is searched through one index on (owners, search_text): written
    `ARRAY[owner_id] && (owners)` for leads and deals, `seen_by && (owners)` for accounts and
    contacts, a team's records with a word are found in one scan of both, where
    `owner_id IN (owners)` made it gather everyone's rows with the word and check their owners
    (docs/benchmarks.md).
    """
    owners = owner_ids(user) if user.is_authenticated and user.is_active else None
    if owners is not None and connection.vendor == "postgresql" and model in SEARCHED:
        return model.objects.filter(owned_by_any(owners, model))
    return visible(user, model)


def owned_by_any(owners: list[int], model: type[Model]) -> Overlap:
    """PostgreSQL: the owner test the search index of `model` answers, the rows `owners` see.

    Leads and deals: `ARRAY[owner_id] && (owners)`. Accounts and contacts: `seen_by &&
    (owners)`, where seen_by is the row's owner and its deals' owners, kept by triggers
    (search/migrations/0007): the same as visible()'s "owned, or touched by a deal of theirs".
    """
    ids = ArrayField(BigIntegerField())
    column = _Array(F("owner_id")) if model in (Lead, Opportunity) else Undeclared("seen_by", ids)
    return Overlap(column, Value(owners, output_field=ids))


def said_as_searched(queryset: QuerySet, owners: list[int]) -> QuerySet:
    """PostgreSQL: `queryset` (visible()'s, maybe filtered) with its owner rule said only as
    owned_by_any(), the form the search index answers.

    Said both ways, PostgreSQL takes the two for unrelated conditions and multiplies their
    selectivities: it expects few of a team's rows to match, so it gathers them all and sorts
    them, where walking the newest first would stop sooner. Said only as visible() says it, a
    rare word's matches are gathered among everyone's and then checked for their owner, and a
    team's contacts are walked to look up each one's deals. The rows are the same either way.
    The rule found is visible()'s (`owner_id IN (owners)`, for accounts and contacts OR'ed
    with their deals); where it is not found, both are said.
    """
    rows = queryset.all()
    where = rows.query.where
    alias = rows.query.get_initial_alias()
    touched = queryset.model in (Account, Contact)  # the rule is "owned OR touched"
    for child in where.children if where.connector == "AND" and not where.negated else []:
        if touched:
            if not isinstance(child, WhereNode) or child.connector != "OR" or child.negated:
                continue
            rule = child.children[0]
        else:
            rule = child
        said = rule.rhs if isinstance(rule, In) else [getattr(rule, "rhs", None)]
        if (
            isinstance(rule, (In, Exact))
            and isinstance(rule.lhs, Col)
            and rule.lhs.alias == alias
            and rule.lhs.target.attname == "owner_id"
            and isinstance(said, (list, tuple, set))
            and set(said) == set(owners)
        ):
            where.children.remove(child)  # a clone's: the queryset given is unchanged
            break
    return rows.filter(owned_by_any(owners, queryset.model))


class _Array(Func):
    """PostgreSQL's `ARRAY[column]`."""

    template = "ARRAY[%(expressions)s]"
    output_field = ArrayField(BigIntegerField())
