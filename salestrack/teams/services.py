"""Users, teams and API tokens: the directory, written through the one write path.

Every change is audited with its old and new values (audit/records.py); a user's
deactivation, which hands their records over, lives in salestrack/handover.
"""

import datetime
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salestrack.audit import records
from salestrack.lib.errors import Forbidden
from salestrack.teams.models import ApiToken, Team, User


def _refuse_unless_admin(by: User | None) -> None:
    # The directory is the company's: only admins change it (access/visibility.py). `by` is
    # None for the command that makes the first admin.
    if by is not None and not by.is_admin:
        raise Forbidden("Only an admin can change users and teams.")


@transaction.atomic
def team_create(
    *,
    name: str,
    by: User | None = None,
    parent: Team | None = None,
    manager: User | None = None,
    at: datetime.datetime | None = None,
) -> Team:
    _refuse_unless_admin(by)
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"A team named {name!r} already exists."]})
    if manager is not None and manager.role == User.Role.REP:
        raise ValidationError({"manager": [f"{manager.username} is a rep, not a manager."]})
    team = Team(name=name, parent=parent, manager=manager)
    return records.insert(team, by=by, action="teams.team.created", at=at)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    by: User | None = None,
    team: Team | None = None,
    email: str = "",
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    at: datetime.datetime | None = None,
) -> User:
    _refuse_unless_admin(by)
    if role not in User.Role.values:
        raise ValidationError({"role": [f"Must be one of {', '.join(User.Role.values)}."]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [f"The username {username!r} is taken."]})
    at = at or timezone.now()
    user = User(
        username=username,
        role=role,
        team=team,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == User.Role.ADMIN,
        is_superuser=role == User.Role.ADMIN,
        date_joined=at,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    return records.insert(user, by=by, action="teams.user.created", at=at)


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    by: User | None = None,
    expires_at: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
) -> str:
    """Issue an API token; the raw value is returned once and only its hash is kept.

    A user issues their own; an admin may issue one for anyone (`by` None: the command line).
    """
    if by is not None and by.pk != user.pk:
        _refuse_unless_admin(by)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Say what the token is for, e.g. “zapier”."]})
    at = at or timezone.now()
    if expires_at is not None and expires_at <= at:
        raise ValidationError({"expires_at": ["An expiry is in the future."]})
    raw = "st_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, prefix=raw[:8], digest=ApiToken.hash(raw), expires_at=expires_at
    )
    records.insert(token, by=by or user, action="teams.token.created", at=at)
    return raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User | None, at: datetime.datetime | None = None) -> None:
    """Revoke an API token for good: requests that carry it are refused from now on.

    Its user or an admin revokes it (`by` None: the command line).
    """
    if by is not None and token.user_id != by.pk:
        _refuse_unless_admin(by)
    current = records.lock(token)
    records.remove(current, by=by, action="teams.token.revoked", at=at, keep=False)


USER_FIELDS = {"first_name", "last_name", "email", "role", "team"}


def _refuse_if_manager(user: User) -> None:
    # A team's manager sees its records; a rep never does (PRODUCT.md section 1).
    managed = ", ".join(user.managed_teams.values_list("name", flat=True))
    if managed:
        message = f"{user.username} manages {managed}: give those teams another manager first."
        raise ValidationError({"role": [message]})


@transaction.atomic
def user_update(*, user: User, by: User, at: datetime.datetime | None = None, **changes) -> User:
    """Change a user's name, email, role or team; the audit log keeps old and new values."""
    records.check_fields(User, USER_FIELDS, changes)
    _refuse_unless_admin(by)
    current = records.lock(user)
    role = changes.get("role", current.role)
    if role not in User.Role.values:
        raise ValidationError({"role": [f"Must be one of {', '.join(User.Role.values)}."]})
    if current.pk == by.pk and role != User.Role.ADMIN:
        # Otherwise the last admin could lock everyone out of the settings.
        raise ValidationError({"role": ["You cannot take away your own admin role."]})
    if role == User.Role.REP and current.role != User.Role.REP:
        _refuse_if_manager(current)
    before = records.snapshot(current)
    records.apply(current, USER_FIELDS, changes)
    if current.role != before["role"]:
        # Django's admin flags follow the role.
        current.is_staff = current.is_superuser = current.role == User.Role.ADMIN
    records.save_changes(current, before, by=by, action="teams.user.changed", at=at)
    return current


@transaction.atomic
def user_reactivate(*, user: User, by: User, at: datetime.datetime | None = None) -> User:
    _refuse_unless_admin(by)
    current = records.lock(user)
    if current.is_active:
        raise ValidationError(f"{current.username} is already active.")
    before = records.snapshot(current)
    current.is_active = True
    records.save_changes(current, before, by=by, action="teams.user.reactivated", at=at)
    return current


def user_prefer_view(*, user: User, view: str) -> None:
    """Remember the view the user picked, for the next page they open.

    A display preference of the user's own, not a change to the directory: saved without an
    audit entry, and by anyone for themselves.
    """
    if user.view != view:
        user.view = view
        user.save(update_fields=["view"])


TEAM_FIELDS = {"name", "parent", "manager"}


@transaction.atomic
def team_update(*, team: Team, by: User, at: datetime.datetime | None = None, **changes) -> Team:
    """Rename a team, move it under another parent or change its manager.

    The whole tree is read under lock (teams are few), so two moves made at the same moment
    cannot close a cycle between them.
    """
    records.check_fields(Team, TEAM_FIELDS, changes)
    _refuse_unless_admin(by)
    parent_of = dict(Team.objects.select_for_update().values_list("id", "parent_id"))
    current = records.lock(team)
    name = changes.get("name", current.name)
    if Team.objects.filter(name__iexact=name).exclude(pk=current.pk).exists():
        raise ValidationError({"name": [f"A team named {name!r} already exists."]})
    parent = changes.get("parent", current.parent)
    ancestor = parent.pk if parent else None
    while ancestor is not None:
        if ancestor == current.pk:
            raise ValidationError(
                {"parent": [f"{parent} is {current.name} or inside it: that would make a loop."]}
            )
        ancestor = parent_of.get(ancestor)
    manager = changes.get("manager", current.manager)
    if manager is not None and manager.role == User.Role.REP:
        raise ValidationError({"manager": [f"{manager.username} is a rep, not a manager."]})
    before = records.snapshot(current)
    records.apply(current, TEAM_FIELDS, changes)
    records.save_changes(current, before, by=by, action="teams.team.changed", at=at)
    return current


@transaction.atomic
def team_delete(*, team: Team, by: User, at: datetime.datetime | None = None) -> None:
    """Delete a team nobody is in and nothing sits under."""
    _refuse_unless_admin(by)
    current = records.lock(team)
    if current.members.exists():
        raise ValidationError(f"{current.name} still has members: move them to another team first.")
    if current.children.exists():
        raise ValidationError(f"{current.name} has teams under it: move or delete those first.")
    # For good: the trash keeps records people own, not the organisation's shape.
    records.remove(current, by=by, action="teams.team.deleted", at=at, keep=False)
