from django.core.management.base import BaseCommand

from salestrack.teams.management.base import get_team, get_user, service_errors
from salestrack.teams.services import team_create


class Command(BaseCommand):
    help = "Manage the teams of the sales organisation (a tree: company, region, team)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create",
            help="Create a team.",
            description="Create a team. Create its manager first (a manager or admin user, "
            "usually a member of the parent team), then the team with --manager.",
        )
        create.add_argument("name")
        create.add_argument("--parent", metavar="NAME", help="the team this one belongs to")
        create.add_argument("--manager", metavar="USERNAME", help="a manager or admin user")

    def handle(self, *, name, parent, manager, **options):
        parent_team = get_team(parent) if parent else None
        manager_user = get_user(manager) if manager else None
        with service_errors():
            team = team_create(name=name, parent=parent_team, manager=manager_user)
        details = [f"under {parent_team}" if parent_team else "at the top"]
        if manager_user:
            details.append(f"managed by {manager_user.username}")
        self.stdout.write(f"Created team {team.name} (id {team.pk}), {', '.join(details)}.")
