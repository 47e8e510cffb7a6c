"""Quotas per user and per team, per month or fiscal quarter: who sets them, how they are
written, and how a period's quotas add up (docs/forecasting.md, "Quotas").

- An admin sets anyone's and any team's. A manager sets those of the people in their subtree
  but not their own, and of the teams strictly below the teams they manage, not of those
  teams themselves nor of the team they are in. Everyone else is refused (Forbidden).
- People who carry a quota are the active users who are not admins: admins run the company's
  settings, not a number (as the roll-up says).
- A quarter without a quota of its own adds up its months'; a team without one adds up its
  members' and its sub-teams' (QuotaBook).
"""

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from salestrack.access import visibility
from salestrack.audit import records
from salestrack.company.models import Company
from salestrack.forecasting import periods
from salestrack.forecasting.models import Quota
from salestrack.lib.errors import Conflict, Forbidden
from salestrack.teams.models import Team, User

MAX_AMOUNT = Decimal("1000000000000")  # 12 digits before the point, as the column holds
IMPORT_COLUMNS = {"period", "amount"}
ZERO = Decimal("0.00")


# Who carries, sees and sets quotas


def carriers() -> QuerySet:
    """The users a quota is for: active, and not admins."""
    return User.objects.filter(is_active=True).exclude(role=User.Role.ADMIN)


def settable_teams(by: User) -> QuerySet:
    """The teams whose quotas `by` may set: all for an admin; for a manager, those strictly
    below the teams they manage (not those, nor the team they are in); none for anyone else."""
    if not by.is_authenticated or not by.is_active:
        return Team.objects.none()
    if by.is_admin:
        return Team.objects.all()
    subtree = visibility.managed_team_ids(by)
    return Team.objects.filter(pk__in=sorted(subtree)).exclude(manager=by).exclude(pk=by.team_id)


def settable_users(by: User) -> QuerySet:
    """The people whose quotas `by` may set: anyone for an admin; for a manager, the people of
    their subtree but themselves; none for anyone else."""
    if not by.is_authenticated or not by.is_active:
        return User.objects.none()
    if by.is_admin:
        return carriers()
    subtree = visibility.managed_team_ids(by)
    return carriers().filter(team_id__in=sorted(subtree)).exclude(pk=by.pk)


def visible_quotas(user: User) -> QuerySet:
    """The quotas `user` sees: all for an admin; a manager's subtree's people (themselves
    included) and teams (those they manage included); anyone else their own."""
    if not user.is_authenticated or not user.is_active:
        return Quota.objects.none()
    if user.is_admin:
        return Quota.objects.all()
    teams = sorted(visibility.managed_team_ids(user))
    if not teams:
        return Quota.objects.filter(user=user)
    return Quota.objects.filter(Q(user=user) | Q(user__team_id__in=teams) | Q(team_id__in=teams))


def may_set_quotas(by: User) -> bool:
    """Whether `by` sets anyone's quota at all (the quotas page is theirs)."""
    return by.is_authenticated and by.is_active and (by.is_admin or by.role == User.Role.MANAGER)


def _check_may_set(by: User, *, user: User | None, team: Team | None, setting: bool = True) -> None:
    if not may_set_quotas(by):
        raise Forbidden("Only managers and admins set quotas.")
    if user is not None:
        if setting and (not user.is_active or user.role == User.Role.ADMIN):
            raise ValidationError(
                {"user": [f"{user.username} carries no quota: an admin or a deactivated user."]}
            )
        if user.pk == by.pk:
            raise Forbidden("Your quota is set by your manager or an admin.")
        if not by.is_admin and not settable_users(by).filter(pk=user.pk).exists():
            raise Forbidden(f"{user.username}'s quota is not yours to set.")
    elif not settable_teams(by).filter(pk=team.pk).exists():
        raise Forbidden(f"{team.name}'s quota is not yours to set.")


# Reading input


def period_check(value, fiscal_year_start: int | None = None) -> periods.Period:
    """A period named like 2026-Q4 or 2026-11, or a field error."""
    if fiscal_year_start is None:
        fiscal_year_start = Company.load().fiscal_year_start
    try:
        return periods.parse(value, fiscal_year_start)
    except ValueError as error:
        raise ValidationError({"period": [str(error)]}) from None


def amount_check(value, field: str = "amount", what: str = "A quota") -> Decimal:
    """An amount of 0 or more with at most 12 digits before the point and 2 after; errors
    name `field` and speak of `what` ("A quota", "A forecast")."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [f"{value!r} is not a number."]}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: [f"{what} is a number of 0 or more."]})
    if amount >= MAX_AMOUNT or amount.as_tuple().exponent < -2:
        raise ValidationError(
            {field: [f"{what} has at most 12 digits before the point and 2 after."]}
        )
    return amount


def _target(user: User | None, team: Team | None) -> None:
    if (user is None) == (team is None):
        message = "Give a user or a team, not both." if user else "Give a user or a team."
        raise ValidationError({"user": [message], "team": [message]})


def name_of_period(quota: Quota, fiscal_year_start: int) -> str | None:
    """The quota's period as named now; None for a quarter quota that no longer begins a
    fiscal quarter (the fiscal year start changed since it was set)."""
    period = periods.period_of(quota.start, quota.kind, fiscal_year_start)
    return period.name if period.start == quota.start else None


# Writing


@transaction.atomic
def quota_set(
    *,
    by: User,
    period: str,
    amount,
    user: User | None = None,
    team: Team | None = None,
    at: datetime.datetime | None = None,
) -> Quota | None:
    """Set the quota of `user` or `team` for `period` (a name like 2026-Q4 or 2026-11).

    1. Refuse a writer who may not set it (Forbidden) and bad input (field errors).
    2. An amount of None or "" removes the quota there is; otherwise the quota is created,
       or changed when its amount differs (who set it and when follow the amount).
    Returns the quota, or None when there is none left.
    """
    _target(user, team)
    _check_may_set(by, user=user, team=team)
    span = period_check(period)
    removing = amount is None or (isinstance(amount, str) and not amount.strip())
    value = None if removing else amount_check(amount)
    at = at or timezone.now()
    whose = {"user": user} if user is not None else {"team": team}
    current = (
        Quota.objects.select_for_update().filter(kind=span.kind, start=span.start, **whose).first()
    )
    if current is None:
        if removing:
            return None
        quota = Quota(kind=span.kind, start=span.start, amount=value, set_by=by, set_at=at, **whose)
        try:
            with transaction.atomic():
                return records.insert(quota, by=by, action="forecasting.quota.created", at=at)
        except IntegrityError:  # the same quota, set at the same moment by someone else
            raise Conflict(f"That quota for {span.name} was just set by someone else.") from None
    if removing:
        records.remove(current, by=by, action="forecasting.quota.deleted", at=at, keep=False)
        return None
    if current.amount != value:
        before = records.snapshot(current)
        current.amount, current.set_by, current.set_at = value, by, at
        records.save_changes(current, before, by=by, action="forecasting.quota.changed", at=at)
    return current


@transaction.atomic
def quota_delete(*, by: User, quota: Quota, at: datetime.datetime | None = None) -> None:
    """Remove a quota: a quarter then adds up its months again, a team its members."""
    current = (
        Quota.objects.select_for_update(of=("self",))
        .select_related("user", "team")
        .get(pk=quota.pk)
    )
    _check_may_set(by, user=current.user, team=current.team, setting=False)
    records.remove(current, by=by, action="forecasting.quota.deleted", at=at, keep=False)


@transaction.atomic
def quotas_import(*, by: User, text: str, at: datetime.datetime | None = None) -> dict:
    """Set quotas from CSV text with the columns `user` (a username) or `team` (a team's
    name), `period` and `amount`.

    All or nothing: a bad line is an error naming its line (the first ten, then how many
    more), and nothing is written. A line for a quota that exists corrects it.
    """
    if not may_set_quotas(by):
        raise Forbidden("Only managers and admins set quotas.")
    at = at or timezone.now()
    fiscal_year_start = Company.load().fiscal_year_start
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    columns = {name.strip().lower() for name in reader.fieldnames or [] if name}
    missing = sorted(IMPORT_COLUMNS - columns)
    if not columns & {"user", "team"}:
        missing.insert(0, "user or team")
    if missing:
        raise ValidationError(
            {"file": [f"The first line names the columns; missing: {', '.join(missing)}."]}
        )
    users = {u.username: u for u in User.objects.all()}
    teams = {t.name: t for t in Team.objects.all()}
    counts = {"created": 0, "changed": 0, "unchanged": 0}
    seen = set()
    errors = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        try:
            username, team_name = row.get("user", ""), row.get("team", "")
            if bool(username) == bool(team_name):
                raise ValidationError({"user": ["give a user or a team, one of the two."]})
            user, team = users.get(username), teams.get(team_name)
            if username and user is None:
                raise ValidationError({"user": [f"there is no user {username!r}."]})
            if team_name and team is None:
                raise ValidationError({"team": [f"there is no team {team_name!r}."]})
            span = period_check(row["period"], fiscal_year_start)
            if not row["amount"]:
                raise ValidationError({"amount": ["give an amount."]})
            amount = amount_check(row["amount"])
            key = (username, team_name, span.kind, span.start)
            if key in seen:
                raise ValidationError({"period": [f"{span.name} twice for the same quota."]})
            seen.add(key)
            whose = {"user": user} if user is not None else {"team": team}
            before = Quota.objects.filter(kind=span.kind, start=span.start, **whose).first()
            quota_set(by=by, period=span.name, amount=amount, at=at, **whose)
            if before is None:
                counts["created"] += 1
            elif before.amount != amount:
                counts["changed"] += 1
            else:
                counts["unchanged"] += 1
        except ValidationError as error:
            for messages in error.message_dict.values():
                errors.extend(f"Line {line}: {message}" for message in messages)
        except (Forbidden, Conflict) as error:
            errors.append(f"Line {line}: {error.message}")
    if errors:
        shown = errors[:10] + ([f"… and {len(errors) - 10} more."] if len(errors) > 10 else [])
        raise ValidationError({"file": shown})
    return counts


# Reading a period's quotas


class QuotaBook:
    """Every quota of one period, read in three queries, and what they add up to.

    - A month's quota is the month's own.
    - A quarter's is its own where set, else the sum of its three months' (None if none is).
    - A team's is its own (by the two rules above) where set, else the sum of its members'
      (the people who carry a quota and are in the team) and its sub-teams' quotas, each by
      the same rules; None when nothing below it has one.
    """

    def __init__(self, period: periods.Period):
        self.period = period
        months = [month.start for month in period.months()] if period.kind == "quarter" else []
        rows = Quota.objects.filter(kind=period.kind, start=period.start)
        if months:
            rows = Quota.objects.filter(
                Q(kind=period.kind, start=period.start) | Q(kind="month", start__in=months)
            )
        # {("user" or "team", id): {"own": amount or None, "months": [amounts]}}
        self._set: dict[tuple[str, int], dict] = {}
        for user_id, team_id, kind, amount in rows.values_list(
            "user_id", "team_id", "kind", "amount"
        ):
            key = ("user", user_id) if user_id is not None else ("team", team_id)
            entry = self._set.setdefault(key, {"own": None, "months": []})
            if kind == period.kind:
                entry["own"] = amount
            else:
                entry["months"].append(amount)
        self._children: dict[int, list[int]] = {}
        for team_id, parent_id in Team.objects.order_by().values_list("id", "parent_id"):
            if parent_id is not None:
                self._children.setdefault(parent_id, []).append(team_id)
        self._members: dict[int, list[int]] = {}
        for user_id, team_id in carriers().filter(team__isnull=False).values_list("id", "team_id"):
            self._members.setdefault(team_id, []).append(user_id)
        self._teams: dict[int, Decimal | None] = {}

    def exact(self, kind: str, pk: int) -> Decimal | None:
        """The quota set for the period itself for the user or team ("user" or "team"):
        nothing added up (the quotas page shows the rest as what it adds up to)."""
        entry = self._set.get((kind, pk))
        return None if entry is None else entry["own"]

    def own(self, kind: str, pk: int) -> Decimal | None:
        """The user's or team's own quota: the period's, or a quarter's months added up."""
        entry = self._set.get((kind, pk))
        if entry is None:
            return None
        if entry["own"] is not None:
            return entry["own"]
        return sum(entry["months"], ZERO) if entry["months"] else None

    def user(self, user_id: int) -> Decimal | None:
        return self.own("user", user_id)

    def team(self, team_id: int) -> Decimal | None:
        if team_id not in self._teams:
            self._teams[team_id] = None  # a loop in the tree (team_update refuses one) adds 0
            own = self.own("team", team_id)
            if own is None:
                found = [self.user(u) for u in self._members.get(team_id, [])]
                found += [self.team(child) for child in self._children.get(team_id, [])]
                found = [amount for amount in found if amount is not None]
                own = sum(found, ZERO) if found else None
            self._teams[team_id] = own
        return self._teams[team_id]
