from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from salestrack.audit.services import audit_log
from salestrack.teams.models import ApiToken, Team, User


@transaction.atomic
def team_create(
    *, name: str, by: User | None = None, parent: Team | None = None, manager: User | None = None
) -> Team:
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [f"A team named {name!r} already exists."]})
    if manager is not None and manager.role == User.Role.REP:
        raise ValidationError({"manager": [f"{manager.username} is a rep, not a manager."]})
    team = Team(name=name, parent=parent, manager=manager)
    team.full_clean()
    team.save()
    audit_log(instance=team, action="teams.team.created", by=by, data={"name": name})
    return team


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
) -> User:
    if role not in User.Role.values:
        raise ValidationError({"role": [f"Must be one of {', '.join(User.Role.values)}."]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [f"The username {username!r} is taken."]})
    user = User(
        username=username,
        role=role,
        team=team,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_staff=role == User.Role.ADMIN,
        is_superuser=role == User.Role.ADMIN,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_log(instance=user, action="teams.user.created", by=by, data={"role": role})
    return user


def token_create(*, user: User, name: str = "", by: User | None = None) -> str:
    """Issue an API token; the raw value is returned once and only its hash is kept."""
    token, raw = ApiToken.issue(user=user, name=name)
    audit_log(instance=token, action="teams.token.created", by=by or user, data={"name": name})
    return raw


def _apply(instance, changes: dict) -> dict:
    """Set the fields whose value differs; return them as {field: new value} for the log."""
    changed = {}
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        new = value.pk if field.is_relation and value is not None else value
        if getattr(instance, field.attname) != new:
            setattr(instance, name, value)
            changed[name] = value
    return changed


USER_FIELDS = {"first_name", "last_name", "email", "role", "team"}


def _refuse_if_manager(user: User) -> None:
    # A team's manager sees its records; a rep never does (PRODUCT.md section 1).
    managed = ", ".join(user.managed_teams.values_list("name", flat=True))
    if managed:
        message = f"{user.username} manages {managed}: give those teams another manager first."
        raise ValidationError({"role": [message]})


@transaction.atomic
def user_update(*, user: User, by: User, **changes) -> User:
    """Change a user's name, email, role or team; the audit log keeps the changed fields."""
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)} of a user")
    current = User.objects.select_for_update().get(pk=user.pk)
    role = changes.get("role", current.role)
    if role not in User.Role.values:
        raise ValidationError({"role": [f"Must be one of {', '.join(User.Role.values)}."]})
    if current.pk == by.pk and role != User.Role.ADMIN:
        # Otherwise the last admin could lock everyone out of the settings.
        raise ValidationError({"role": ["You cannot take away your own admin role."]})
    if role == User.Role.REP and current.role != User.Role.REP:
        _refuse_if_manager(current)
    changed = _apply(current, changes)
    if not changed:
        return current
    current.is_staff = current.is_superuser = current.role == User.Role.ADMIN
    current.full_clean(exclude=["password", "team"])
    current.save()
    audit_log(instance=current, action="teams.user.changed", by=by, data=changed)
    return current


@transaction.atomic
def user_reactivate(*, user: User, by: User) -> User:
    current = User.objects.select_for_update().get(pk=user.pk)
    if current.is_active:
        raise ValidationError(f"{current.username} is already active.")
    current.is_active = True
    current.save(update_fields=["is_active"])
    audit_log(instance=current, action="teams.user.reactivated", by=by)
    return current


TEAM_FIELDS = {"name", "parent", "manager"}


@transaction.atomic
def team_update(*, team: Team, by: User, **changes) -> Team:
    """Rename a team, move it under another parent or change its manager.

    The whole tree is read under lock (teams are few), so two moves made at the same moment
    cannot close a cycle between them.
    """
    unknown = set(changes) - TEAM_FIELDS
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)} of a team")
    parent_of = dict(Team.objects.select_for_update().values_list("id", "parent_id"))
    current = Team.objects.get(pk=team.pk)
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
    changed = _apply(current, changes)
    if not changed:
        return current
    current.full_clean(exclude=["parent", "manager"], validate_unique=False)
    current.save()
    audit_log(instance=current, action="teams.team.changed", by=by, data=changed)
    return current


@transaction.atomic
def team_delete(*, team: Team, by: User) -> None:
    """Delete a team nobody is in and nothing sits under."""
    current = Team.objects.select_for_update().get(pk=team.pk)
    if current.members.exists():
        raise ValidationError(f"{current.name} still has members: move them to another team first.")
    if current.children.exists():
        raise ValidationError(f"{current.name} has teams under it: move or delete those first.")
    audit_log(instance=current, action="teams.team.deleted", by=by, data={"name": current.name})
    current.delete()
