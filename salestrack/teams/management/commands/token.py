import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salestrack.teams.management.base import get_user, service_errors
from salestrack.teams.models import ApiToken
from salestrack.teams.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Manage API tokens (bearer tokens; only their hash is stored)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create",
            help="Issue an API token for a user.",
            description="Issue an API token; the token is the last line of the output, "
            "so scripts can take it with `tail -n 1`.",
        )
        create.add_argument("username")
        create.add_argument("--name", required=True, help="what the token is for, e.g. 'zapier'")
        create.add_argument(
            "--expires-in", type=int, metavar="DAYS", help="refuse it after so many days"
        )
        listing = actions.add_parser("list", help="List tokens: everyone's, or one user's.")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="Revoke a token by the id `list` shows.")
        revoke.add_argument("id", type=int)

    def handle(self, *, action, **options):
        getattr(self, action)(**options)

    def create(self, *, username, name, expires_in, **options):
        user = get_user(username)
        expires_at = None
        if expires_in is not None:
            if expires_in < 1:
                raise CommandError("--expires-in is a number of days, at least 1.")
            expires_at = timezone.now() + datetime.timedelta(days=expires_in)
        with service_errors():
            raw = token_create(user=user, name=name, expires_at=expires_at)
        until = f", valid until {expires_at:%Y-%m-%d %H:%M}" if expires_at else ""
        self.stdout.write(
            f"API token {name!r} for {user.username}{until}. It is shown once: store it now."
        )
        # Last line on purpose: `salestrack token create ann --name x | tail -n 1`.
        self.stdout.write(raw)

    def list(self, *, username, **options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created_at")
        if username:
            tokens = tokens.filter(user=get_user(username))
        now = timezone.now()
        for token in tokens:
            used = f"{token.last_used_at:%Y-%m-%d}" if token.last_used_at else "never"
            if token.expires_at is None:
                expiry = "no expiry"
            else:
                state = "expired" if token.expires_at <= now else "expires"
                expiry = f"{state} {token.expires_at:%Y-%m-%d}"
            self.stdout.write(
                f"{token.pk}\t{token.user.username}\t{token.name}\t{token.prefix}…\t"
                f"created {token.created_at:%Y-%m-%d}\tlast used {used}\t{expiry}"
            )
        if not tokens:
            self.stdout.write("No tokens.")

    def revoke(self, *, id, **options):
        try:
            token = ApiToken.objects.select_related("user").get(pk=id)
        except ApiToken.DoesNotExist:
            raise CommandError(
                f"No token with id {id}: `salestrack token list` shows them."
            ) from None
        token_revoke(token=token, by=None)
        self.stdout.write(f"Revoked {token.name!r} of {token.user.username}.")
