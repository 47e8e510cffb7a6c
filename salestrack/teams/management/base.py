"""What the team, user and token commands share: finding records by name, reporting errors."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError

from salestrack.teams.models import Team, User


def get_team(name: str) -> Team:
    try:
        return Team.objects.get(name=name)
    except Team.DoesNotExist:
        names = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
        raise CommandError(f"No team named {name!r}. Teams: {names}.") from None


def get_user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"No user named {username!r}.") from None


def describe(error: ValidationError) -> str:
    """'username: The username 'ann' is taken.; role: Must be one of ...' on one line."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


@contextmanager
def service_errors() -> Iterator[None]:
    """Report a service's ValidationError as a CommandError: a message and exit status 1."""
    try:
        yield
    except ValidationError as error:
        raise CommandError(describe(error)) from error
