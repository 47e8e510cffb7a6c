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
