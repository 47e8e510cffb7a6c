"""Who may see and change what: the one place that says so (PRODUCT.md section 1).

- An admin sees and changes everything.
- A manager sees and changes every record owned by anyone in the teams they manage and the
  teams below them, and their own records.
- A rep sees and changes their own records, and also sees (read-only) the records their own
  records make visible: the accounts and contacts their opportunities touch.
- Users, teams, pipelines and stages are the company directory: every signed-in user reads
  them, only admins change them.

This module names no kind of record: each model declares how it is seen as `access = Rule(...)`
(a lead, a quota or an import job alike), so that a new kind needs no change here.

Pages, search, exports, reports and the API all start from `visible()`; a record outside it
answers 404, so ids cannot be probed.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import F, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import In, IsNull
from django.http import Http404

from salestrack.lib.sql import NoIndex, among
from salestrack.teams.models import Team, User


@dataclass(frozen=True)
class Rule:
    """How the rows of a model are seen, declared on it as `access = Rule(...)`.

    owner: the field naming the user who owns a row; None for the directory (everyone reads,
        only admins change).
    seen_through: ("app.Model", field) pairs: a row is also seen, read-only, by whoever owns
        a row of that model whose field points at it (an account, through a deal on it).
    seen_with: the fields naming the records a row is on; it is seen with any of them that
        is seen (an activity, with its lead, deal, account or contact).
    shadowed_by: {field: other}: the record in `field` does not count when `other` is set
        (an activity on a deal is as private as the deal, whatever account it is also on).
    """

    owner: str | None = "owner"
    seen_through: tuple[tuple[str, str], ...] = ()
    seen_with: tuple[str, ...] = ()
    shadowed_by: Mapping[str, str] = field(default_factory=dict)


DIRECTORY = Rule(owner=None)


def rule_of(model: type[Model]) -> Rule:
    """The Rule `model` declares; users and teams (below this layer) are the directory."""
    if model in (User, Team):
        return DIRECTORY
    rule = getattr(model, "access", None)
    if not isinstance(rule, Rule):
        raise LookupError(
            f"{model._meta.label} declares no visibility: give it "
            f"`access = Rule(...)` (salestrack.access.visibility)"
        )
    return rule


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
        # A team owns one row in twenty: offered the owner index, SQLite would read all of
        # the team's rows and sort them, where walking the index of the list's order stops at
        # the page's end. PostgreSQL weighs both ways itself (docs/benchmarks.md).
        return Q(In(NoIndex(F(f"{field}_id")), owners))
    return Q(**{f"{field}_id__in": owners})


def visible(user, model: type[Model], *, gather: bool = False) -> QuerySet:
    """Every row of `model` that `user` may see (for `gather`, see owner_filter)."""
    rule = rule_of(model)
    if not user.is_authenticated or not user.is_active:
        return model.objects.none()
    if rule.owner is None:
        return model.objects.all()
    q = owner_filter(user, rule.owner, gather=gather)
    if q is None:
        return model.objects.all()
    if rule.seen_with:
        return _seen_with(user, model, rule, q, gather=gather)
    touched = [_touched(user, label, name, gather=gather) for label, name in rule.seen_through]
    return model.objects.filter(reduce(or_, [q, *touched]))


def writable(user, model: type[Model]) -> QuerySet:
    """Every row of `model` that `user` may change: only what they own or manage."""
    rule = rule_of(model)
    if not user.is_authenticated or not user.is_active:
        return model.objects.none()
    if rule.owner is None:
        return model.objects.all() if user.role == User.Role.ADMIN else model.objects.none()
    q = owner_filter(user, rule.owner, gather=True)
    return model.objects.all() if q is None else model.objects.filter(q)


def _owned(user: User, model: type[Model], *, gather: bool) -> QuerySet:
    """The rows of an owned `model` that `user` owns or manages (never None: not an admin)."""
    return model.objects.filter(owner_filter(user, rule_of(model).owner, gather=gather))


def _one_owner(user: User) -> bool:
    """Whether the owner filter is one person's (a rep's, or a manager's of an empty team)."""
    return len(owner_ids(user) or ()) == 1


def _touched(user: User, label: str, name: str, *, gather: bool) -> Q | IsNull:
    """The rows that one of the `label` rows the user owns points at through its field `name`.

    As with activities (see _seen_with): one owner's rows are few and gathered once (in a
    form the global search can also combine with its indexes, see lib.sql.among); a team's
    are too many to gather per request, so each row walked in the list's order is checked
    by one lookup instead (a scalar subquery, which no database hashes).
    """
    through = apps.get_model(label)
    column = through._meta.get_field(name).attname
    rows = _owned(user, through, gather=gather)
    if _one_owner(user):
        return among("pk", rows.exclude(**{column: None}).values(column))
    return IsNull(Subquery(rows.filter(**{column: OuterRef("pk")}).values("pk")[:1]), False)


def record_owner(model: type[Model], column: str) -> Subquery:
    """The owner of the `model` row that the outer row's `column` points to, looked up per row."""
    owner = model._meta.get_field(rule_of(model).owner).attname
    return Subquery(model.objects.filter(pk=OuterRef(column)).values(owner)[:1])


def _seen_with(user: User, model: type[Model], rule: Rule, q: Q, *, gather: bool) -> QuerySet:
    """A row seen with the records it is on (an activity), and by whoever owns it.

    A shadowed record does not count while its shadow is set: an activity on a deal is also
    filed on the deal's account and contact, which other reps may see, but it stays as private
    as the deal.

    Lists read such rows newest first and stop at the page's end; how each row is checked
    depends on how much the user sees:
    - one owner's (a rep): their records are few, so their ids are gathered once (id
      subqueries, hashed by the database) and each row is looked up among them;
    - several owners' (a manager): a team owns too many records to gather on every request,
      but one row in twenty is theirs, so each row walked looks up the owner of its record
      instead (scalar subqueries, one index lookup each: never hashed, unlike IN or EXISTS,
      which PostgreSQL would gather).
    Either way, the record columns are read through expressions so that no branch of the OR
    can use an index: that would gather a team's rows from several indexes and sort them.
    """
    on = {name: model._meta.get_field(name) for name in rule.seen_with}
    rows = model.objects.alias(**{f"on_{name}": Coalesce(f.attname, 0) for name, f in on.items()})

    def loose(shadow: str) -> Q:
        return Q(**{f"on_{shadow}": 0})  # not on the shadowing record

    terms = [q]
    if _one_owner(user):
        for name, f in on.items():
            record = f.related_model
            pk = record._meta.pk.attname
            seen = [Q(**{f"on_{name}__in": _owned(user, record, gather=gather).values(pk)})]
            for label, through_name in rule_of(record).seen_through:
                through = apps.get_model(label)
                column = through._meta.get_field(through_name)
                by = _owned(user, through, gather=gather)
                if column.null:
                    by = by.exclude(**{through_name: None})
                seen.append(Q(**{f"on_{name}__in": by.values(column.attname)}))
            shadow = rule.shadowed_by.get(name)
            terms += [loose(shadow) & s if shadow else s for s in seen]
        return rows.filter(reduce(or_, terms))

    owners = owner_ids(user)
    lookups = {}
    shadowed: dict[str, list[Q]] = {}
    for name, f in on.items():
        record = f.related_model
        lookups[f"{name}_owner"] = record_owner(record, f.attname)
        seen = [Q(**{f"{name}_owner__in": owners})]
        for label, through_name in rule_of(record).seen_through:
            through = apps.get_model(label)
            column = through._meta.get_field(through_name).attname
            by = _owned(user, through, gather=gather).filter(**{column: OuterRef(f.attname)})
            alias = f"{through._meta.model_name}_on_{name}"
            lookups[alias] = Subquery(by.values("pk")[:1])
            seen.append(Q(**{f"{alias}__isnull": False}))
        if name in rule.shadowed_by:
            shadowed.setdefault(rule.shadowed_by[name], []).extend(seen)
        else:
            terms += seen
    for shadow, seen in shadowed.items():
        terms.append(loose(shadow) & reduce(or_, seen))
    return rows.alias(**lookups).filter(reduce(or_, terms))


def owned_by(user, view: str, model: type[Model]) -> Q:
    """A filter on `model`'s owner: the user's own ("mine"), or everyone they manage ("team",
    for an admin everyone).

    It is visible()'s owner rule alone, so all it selects is within visible(); on rows seen
    with their records it spares visible()'s subqueries over those records.
    """
    owner = rule_of(model).owner
    if view == "mine":
        return Q(**{f"{owner}_id": user.pk})
    return owner_filter(user, owner, gather=True) or Q()


def on_owned(queryset: QuerySet, user, view: str, names: tuple[str, ...]) -> QuerySet:
    """The rows of `queryset` on a record (one of the fields `names`) owned in `view`
    (as owned_by), whoever owns the row itself.

    One owner's records are gathered as id lists, read through Coalesce so that no side of
    the OR gathers from its index; several owners' are checked row by row through the owner
    of each row's record (as in _seen_with); an admin's team is every record.
    """
    owners = [user.pk] if view == "mine" else owner_ids(user)
    on = {name: queryset.model._meta.get_field(name) for name in names}
    if owners is None:
        return queryset.filter(reduce(or_, [Q(**{f"{name}__isnull": False}) for name in on]))
    if len(owners) == 1:
        queryset = queryset.alias(
            **{f"on_{name}": Coalesce(f.attname, 0) for name, f in on.items()}
        )
        terms = []
        for name, f in on.items():
            record = f.related_model
            mine = Q(**{f"{rule_of(record).owner}_id": owners[0]})
            terms.append(Q(**{f"on_{name}__in": record.objects.filter(mine).values("id")}))
        return queryset.filter(reduce(or_, terms))
    queryset = queryset.alias(
        **{f"{name}_owner": record_owner(f.related_model, f.attname) for name, f in on.items()}
    )
    return queryset.filter(reduce(or_, [Q(**{f"{name}_owner__in": owners}) for name in on]))


def in_view(user, view: str, model: type[Model]) -> Q | None:
    """A list's view of the rows it may show: the user's own ("mine"), their team's (the user
    and everyone in the teams they manage or belong to), or None for all they may see."""
    owner = rule_of(model).owner
    if view == "mine":
        return Q(**{f"{owner}_id": user.pk})
    if view == "team":
        teams = managed_team_ids(user) | ({user.team_id} if user.team_id else set())
        return Q(**{f"{owner}_id": user.pk}) | Q(**{f"{owner}__team_id__in": sorted(teams)})
    return None


def assignable_owners(user) -> QuerySet:
    """The users `user` may make owner of a record: themselves, their subtree, or anyone (admin)."""
    users = User.objects.filter(is_active=True)
    if not user.is_authenticated:
        return users.none()
    if user.role == User.Role.ADMIN:
        return users
    return users.filter(Q(pk=user.pk) | Q(team_id__in=sorted(managed_team_ids(user))))


def check_links(user, values: Mapping[str, object], current: Model | None = None) -> None:
    """Refuse a write that links a record `user` cannot see, or gives a record to someone they
    may not assign it to (ValidationError, field by field).

    The services call it with the values they are given, so that no page, API call or
    command can forget; an admin sees everything and is not asked. A link `current` already
    has is not asked again: a form sends every field back.
    """
    errors = {}
    for name, value in values.items():
        if not isinstance(value, Model) or value.pk is None:
            continue
        if current is not None and getattr(current, f"{name}_id", None) == value.pk:
            continue
        model = value._meta.model  # request.user comes wrapped in a lazy object
        if model is User:
            if value.pk != user.pk and not assignable_owners(user).filter(pk=value.pk).exists():
                errors[name] = ["You cannot make that user the owner."]
            continue
        owner, owners = rule_of(model).owner, owner_ids(user)
        if owner is None or owners is None:
            continue  # the directory, or an admin
        # A record the user owns or manages, as read (a conversion's new account), is seen
        # without asking the database.
        if getattr(value, f"{owner}_id", None) in owners:
            continue
        if not visible(user, model).filter(pk=value.pk).exists():
            errors[name] = [f"No {model._meta.verbose_name} with that id."]
    if errors:
        raise ValidationError(errors)


def hide_unseen(user, rows, *fields: str) -> None:
    """Forget, on these rows, the related records of `fields` that `user` may not see, so that
    no page shows their names (a contact's account seen by nobody in the rep's deals).

    The rows keep the id (`account_id`) and the relation reads as None. A related record read
    along (select_related) and owned by someone the user sees for is seen without asking; the
    rest are asked about in one query per field. An admin sees everything and is not asked.
    """
    rows = [row for row in rows if row is not None]
    owners = owner_ids(user)
    if not rows or owners is None:
        return
    for name in fields:
        field = rows[0]._meta.get_field(name)
        owner = rule_of(field.related_model).owner
        if owner is None:
            continue  # the directory: everyone reads it
        unsure = set()
        for row in rows:
            related = field.get_cached_value(row, default=None)
            if getattr(related, f"{owner}_id", None) not in owners:
                unsure.add(getattr(row, field.attname))
        unsure.discard(None)
        if not unsure:
            continue
        seen = visible(user, field.related_model).filter(pk__in=unsure).values_list("pk", flat=True)
        hidden = unsure.difference(seen)
        for row in rows:
            if getattr(row, field.attname) in hidden:
                field.set_cached_value(row, None)


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
