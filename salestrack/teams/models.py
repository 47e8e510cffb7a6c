import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models

from salestrack.lib.models import now


class Team(models.Model):
    """A node of the sales organisation tree: company, region, team."""

    name = models.CharField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    manager = models.ForeignKey(
        "teams.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        REP = "rep", "Rep"
        MANAGER = "manager", "Manager"
        ADMIN = "admin", "Admin"

    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # The last "mine / my team / all" the user picked on My Day, a list or the board; "" until
    # they pick (web.pages.chosen_view then starts a manager on their team).
    view = models.CharField(max_length=10, blank=True, default="", db_default="")

    class Meta:
        ordering = ["username"]

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def initials(self) -> str:
        parts = [self.first_name, self.last_name]
        return "".join(p[0] for p in parts if p).upper() or self.username[:2].upper()


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored: a leaked database leaks no usable token."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Refused from this moment on; None: until revoked.
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name or 'token'} ({self.prefix}…, {self.user})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
