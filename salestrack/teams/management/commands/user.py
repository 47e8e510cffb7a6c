from django.core.management.base import BaseCommand

from salestrack.teams.management.base import get_team, service_errors
from salestrack.teams.models import User
from salestrack.teams.services import user_create


class Command(BaseCommand):
    help = "Manage users: reps, managers and admins (sales ops)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a user.")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=User.Role.values)
        create.add_argument("--team", metavar="NAME")
        create.add_argument("--email", default="")
        create.add_argument(
            "--password", help="without one, the user cannot sign in until it is set"
        )
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")

    def handle(self, *, username, role, team, email, password, first_name, last_name, **options):
        team_obj = get_team(team) if team else None
        with service_errors():
            user = user_create(
                username=username,
                role=role,
                team=team_obj,
                email=email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
        where = f" in team {team_obj}" if team_obj else ""
        self.stdout.write(f"Created {user.role} {user.username} (id {user.pk}){where}.")
        if not password:
            self.stdout.write(
                f"No password set: run `salestrack changepassword {user.username}` to set one."
            )
