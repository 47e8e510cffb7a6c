"""Who may see and change what: the one place that says so (PRODUCT.md section 1).

- An admin sees and changes everything.
- A manager sees and changes every record owned by anyone in the teams they manage and the
  teams below them, and their own records.
- A rep sees and changes their own records, and also sees (read-only) the accounts and contacts
  that their own opportunities touch.
- Users, teams and pipelines are the company directory: every signed-in user reads them.

Pages, search, exports, reports and the API all start from `visible()`; a record outside it
answers 404, so ids cannot be probed.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import Overlap
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    BigIntegerField,
    F,
    Func,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import Col
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, In, IsNull
from django.db.models.sql.where import WhereNode
from django.http import Http404

from salestrack.accounts.models import Account, Contact
from salestrack.activities.models import Activity
from salestrack.leads.models import Lead
from salestrack.lib.sql import Undeclared, among
from salestrack.opportunities.models import Opportunity
from salestrack.teams.models import Team, User

RECORDS = ("lead", "opportunity", "account", "contact")  # what an activity may be on


def subtree_team_ids(user: User) -> set[int]:
    """The teams a user manages and every team below them."""
    if not user.is_authenticated or user.role != User.Role.MANAGER:
        return set()
    children: dict[int | None, list[int]] = {}
    roots = []
    for team_id, parent_id, manager_id in Team.objects.values_list("id", "parent_id", "manager_id"):
        children.setdefault(parent_id, []).append(team_id)
        if manager_id == user.pk:
            roots.append(team_id)
    seen: set[int] = set()
    stack = roots
    while stack:
        team_id = stack.pop()
        if team_id not in seen:
            seen.add(team_id)
            stack.extend(children.get(team_id, []))
    return seen


def managed_team_ids(user: User) -> set[int]:
    """subtree_team_ids(), cached on the user object: one request asks it several times."""
    if not hasattr(user, "_visible_team_ids"):
        user._visible_team_ids = subtree_team_ids(user)
    return user._visible_team_ids


def owner_ids(user: User) -> list[int] | None:
    """The owners whose records `user` sees: themselves and their subtree; None for an admin."""
    if user.role == User.Role.ADMIN:
        return None
    if not managed_team_ids(user):
        return [user.pk]
    # Cached on the user object, as managed_team_ids is.
    if not hasattr(user, "_visible_owner_ids"):
        teams = sorted(managed_team_ids(user))
        people = User.objects.filter(Q(pk=user.pk) | Q(team_id__in=teams))
        user._visible_owner_ids = sorted(people.values_list("id", flat=True))
    return user._visible_owner_ids


def owner_filter(user: User, field: str = "owner", *, gather: bool = False) -> Q | None:
    """A filter on the owner field for what `user` owns or manages; None means everything.

    gather=True is for totals over a team's records (the board, My Day): there the rows are
    best found from the owner index, which lists in a sort order should not use (below).
    """
    owners = owner_ids(user)
    if owners is None:
        return None
    if len(owners) == 1:
        return Q(**{f"{field}_id": owners[0]})
    if connection.vendor == "sqlite" and not gather:
        # A team owns one row in twenty. Offered the owner index, SQLite reads all of the team's
        # rows (50,000 leads) and sorts them, whatever the list's order; without it, it walks
        # the index of that order and stops at the page's end, 40 times sooner. PostgreSQL
        # weighs both ways itself.
        return Q(In(_NoIndex(F(f"{field}_id")), owners))
    return Q(**{f"{field}_id__in": owners})


class _NoIndex(Func):
    """SQLite's `+column`: the same value, but no index is used to find it."""

    template = "+%(expressions)s"


def _owned(user: User, model: type[Model]) -> QuerySet:
    q = owner_filter(user, gather=True)
    return model.objects.all() if q is None else model.objects.filter(q)


def visible(user, model: type[Model], *, gather: bool = False) -> QuerySet:
    """Every row of `model` that `user` may see (for `gather`, see owner_filter)."""
    if not user.is_authenticated or not user.is_active:
        return model.objects.none()
    if model in (User, Team) or model._meta.app_label == "deals" and model is not Opportunity:
        return model.objects.all()  # the directory, pipelines and stages
    q = owner_filter(user, gather=gather)
    if q is None:
        return model.objects.all()
    if model in (Lead, Opportunity):
        return model.objects.filter(q)
    if model in (Account, Contact):
        return model.objects.filter(q | _touched(user, q, model))
    if model is Activity:
        return _activities(user, q)
    raise LookupError(f"no visibility rule for {model.__name__}")


def searchable(user, model: type[Model]) -> QuerySet:
    """visible(), as the search reads it: the same rows, said so that its index can find them.

    On PostgreSQL each kind is searched through one index on (owners, search_text)
    (search/migrations/0002, 0003, 0007): written `ARRAY[owner_id] && (owners)` for leads and
    deals, `seen_by && (owners)` for accounts and contacts, a team's records with a word are
    found in one scan of both, 446 "bright" leads in 5 ms, where `owner_id IN (owners)` made it
    gather all 8,000 leads with the word and check their owners (45 ms).
    """
    owners = owner_ids(user) if user.is_authenticated and user.is_active else None
    if owners is not None and connection.vendor == "postgresql" and model in SEARCHED:
        return model.objects.filter(owned_by_any(owners, model))
    return visible(user, model)


SEARCHED = (Lead, Opportunity, Account, Contact)


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

    Said both ways, PostgreSQL takes the two for unrelated conditions and multiplies them: it
    expected 741 of a team's 14,600 leads with "com", so it gathered them all and sorted them
    (28 ms) where walking the newest first meets 500 in 30,000 rows (6 ms). Said only as
    visible() says it, a rare word's matches are gathered among everyone's and then checked
    for their owner, and a team's contacts are walked to look up each one's deals. The rows
    are the same either way. The rule found is visible()'s (`owner_id IN (owners)`, for
    accounts and contacts OR'ed with their deals); where it is not found, both are said.
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


def _touched(user: User, q: Q, model: type[Model]) -> Q | IsNull:
    """The accounts (or contacts) that one of the deals of the owners in `q` is on.

    As with activities (see _activities): one owner's deals are few and gathered once (in a
    form the global search can also combine with its indexes, see lib.sql.among); a team's
    are too many to gather per request, so each account walked in the list's order is checked
    by one lookup of its deals instead (a scalar subquery, which no database hashes).
    """
    column = "account_id" if model is Account else "contact_id"
    deals = Opportunity.objects.filter(q)
    if _one_owner(user):
        return among("pk", deals.exclude(**{column: None}).values(column))
    return IsNull(Subquery(deals.filter(**{column: OuterRef("pk")}).values("pk")[:1]), False)


def _one_owner(user: User) -> bool:
    """Whether the owner filter is one person's (a rep's, or a manager's of an empty team)."""
    return len(owner_ids(user) or ()) == 1


def record_owner(model: type[Model], column: str) -> Subquery:
    """The owner of the `model` row that an activity's `column` points to, looked up per row."""
    return Subquery(model.objects.filter(pk=OuterRef(column)).values("owner_id")[:1])


def _activities(user: User, q: Q) -> QuerySet:
    """An activity is seen with the record it is on, and by whoever owns it.

    One on a deal is the deal's: it is also filed on the deal's account and contact, which
    other reps may see, but it stays as private as the deal.

    Lists read activities newest first and stop at the page's end; how each row is checked
    depends on how much the user sees:
    - one owner's (a rep): their records are few, so their ids are gathered once (id
      subqueries, hashed by the database) and each activity is looked up among them;
    - several owners' (a manager): a team owns a hundred thousand records, too many to gather
      on every request, but one activity in twenty is theirs, so each activity walked looks
      up the owner of its record instead (scalar subqueries, one index lookup each: never
      hashed, unlike IN or EXISTS, which PostgreSQL would gather).
    Either way, the record columns are read through expressions so that no branch of the OR
    can use an index: that would gather a team's activities from seven indexes and sort them.
    """
    activities = Activity.objects.alias(
        **{f"on_{name}": Coalesce(f"{name}_id", 0) for name in RECORDS}
    )
    loose = Q(on_opportunity=0)  # not on a deal
    deals = Opportunity.objects.filter(q)
    if _one_owner(user):
        return activities.filter(
            q
            | Q(on_lead__in=Lead.objects.filter(q).values("id"))
            | Q(on_opportunity__in=deals.values("id"))
            | loose & Q(on_account__in=Account.objects.filter(q).values("id"))
            | loose & Q(on_account__in=deals.values("account_id"))
            | loose & Q(on_contact__in=Contact.objects.filter(q).values("id"))
            | loose & Q(on_contact__in=deals.exclude(contact=None).values("contact_id"))
        )
    owners = owner_ids(user)

    def a_deal_on(column: str) -> Subquery:
        return Subquery(deals.filter(**{column: OuterRef(column)}).values("pk")[:1])

    return activities.alias(
        lead_owner=record_owner(Lead, "lead_id"),
        deal_owner=record_owner(Opportunity, "opportunity_id"),
        account_owner=record_owner(Account, "account_id"),
        contact_owner=record_owner(Contact, "contact_id"),
        deal_on_account=a_deal_on("account_id"),
        deal_on_contact=a_deal_on("contact_id"),
    ).filter(
        q
        | Q(lead_owner__in=owners)
        | Q(deal_owner__in=owners)
        | loose
        & (
            Q(account_owner__in=owners)
            | Q(deal_on_account__isnull=False)
            | Q(contact_owner__in=owners)
            | Q(deal_on_contact__isnull=False)
        )
    )


def writable(user, model: type[Model]) -> QuerySet:
    """Every row of `model` that `user` may change."""
    if not user.is_authenticated or not user.is_active:
        return model.objects.none()
    if model in (User, Team) or model._meta.app_label == "deals" and model is not Opportunity:
        return model.objects.all() if user.role == User.Role.ADMIN else model.objects.none()
    return _owned(user, model)


def assignable_owners(user) -> QuerySet:
    """The users `user` may make owner of a record: themselves, their subtree, or anyone (admin)."""
    users = User.objects.filter(is_active=True)
    if not user.is_authenticated:
        return users.none()
    if user.role == User.Role.ADMIN:
        return users
    return users.filter(Q(pk=user.pk) | Q(team_id__in=sorted(managed_team_ids(user))))


def get_visible_or_404(user, model: type[Model], pk, *, write: bool = False) -> Model:
    """The record if `user` may see it, else 404; with write=True, 403 when it is read-only."""
    # A write reads the record among those the user may change: one query where it is theirs,
    # the common case; only a refusal asks whether they may see it at all (403 or 404).
    try:
        return (writable if write else visible)(user, model).get(pk=pk)
    except (ValueError, TypeError):
        pass  # not an id
    except model.DoesNotExist:
        if write and visible(user, model).filter(pk=pk).exists():
            raise PermissionDenied(
                f"This {model._meta.verbose_name} is read-only for you."
            ) from None
    raise Http404(f"No {model._meta.verbose_name} with that id")


def can_write(user, instance: Model) -> bool:
    return writable(user, type(instance)).filter(pk=instance.pk).exists()
