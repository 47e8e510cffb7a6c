from django.contrib.auth.backends import ModelBackend

from salestrack.teams.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with a username or an email address (case-insensitive)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            user = User.objects.filter(email__iexact=username.strip()).order_by("id").first()
            username = user.username if user else username
        return super().authenticate(request, username=username, password=password, **kwargs)
