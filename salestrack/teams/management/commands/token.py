from django.core.management.base import BaseCommand

from salestrack.teams.management.base import get_user
from salestrack.teams.services import token_create


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
        create.add_argument("--name", default="", help="what the token is for, e.g. 'zapier'")

    def handle(self, *, username, name, **options):
        user = get_user(username)
        raw = token_create(user=user, name=name)
        label = f" {name!r}" if name else ""
        self.stdout.write(f"API token{label} for {user.username}. It is shown once: store it now.")
        # Last line on purpose: `salestrack token create ann | tail -n 1`.
        self.stdout.write(raw)
