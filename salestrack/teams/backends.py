from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from salestrack.teams.models import User


def signin_username(identifier: str) -> str:
    """The username a sign-in with `identifier`, a username or an email address, is for.

    An email address is matched case-insensitively; an identifier nobody has is returned as is.
    """
    if "@" in identifier:
        user = User.objects.filter(email__iexact=identifier.strip()).order_by("id").first()
        if user is not None:
            return user.username
    return identifier


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with a username or an email address (case-insensitive)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username:
            username = signin_username(username)
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottleBackend(AxesStandaloneBackend):
    """Axes' check, first in AUTHENTICATION_BACKENDS: refuses a locked-out person or address.

    A sign-in without a request (the test client's login(), the shell) has no client address
    to count and cannot come from the web; axes would raise for it, so it is let through.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
