"""The demo's teams and users, and the logins table `salestrack demo` prints."""

import csv
import datetime
import random
from collections import defaultdict
from pathlib import Path

from salestrack.teams.models import Team, User
from salestrack.teams.services import team_create, user_create, user_update

DEMO_PASSWORD = "demo-pass-2026"
EMAIL_DOMAIN = "mavenhardware.example"
DATA = Path(__file__).resolve().parent.parent / "data"

# Teams: name, parent, manager (from maven_sales_teams.csv). A manager is a member of the team
# they manage; the reps of a sales team are its manager's first four agents.
ORG = [
    ("Maven Hardware", None, "Dustin Brinkmann"),
    ("East", "Maven Hardware", "Cara Losch"),
    ("West", "Maven Hardware", "Celia Rouche"),
    ("New York", "East", "Rocco Neubert"),
    ("Boston", "East", "Melvin Marxen"),
    ("San Francisco", "West", "Summer Sewald"),
]
REGIONS = ["East", "West"]
REPS_PER_TEAM = 4


def read_csv(name: str) -> list[dict]:
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def create_org(
    rng: random.Random, *, at: datetime.datetime
) -> tuple[dict[str, list[User]], dict[int, float]]:
    """Create the admin, the teams with their managers, and the reps, `at` the founding.

    Returns the reps by region ("East", "West") and each rep's skill, a factor on their win rate
    and activity: some reps sell better than others, and the leaderboard should show it.
    """
    agents = defaultdict(list)
    for row in read_csv("maven_sales_teams.csv"):
        agents[row["manager"]].append(row["sales_agent"])
    admin = _user("Sales Ops", User.Role.ADMIN, None, by=None, at=at, username="admin")
    teams, reps = {}, defaultdict(list)
    for name, parent, manager in ORG:
        boss = _user(manager, User.Role.MANAGER, None, by=admin, at=at)
        teams[name] = team_create(
            name=name, parent=teams.get(parent), manager=boss, by=admin, at=at
        )
        user_update(user=boss, by=admin, team=teams[name], at=at)
        if parent in REGIONS:
            for agent in agents[manager][:REPS_PER_TEAM]:
                reps[parent].append(_user(agent, User.Role.REP, teams[name], by=admin, at=at))
    skill = {rep.pk: rng.uniform(0.7, 1.3) for region in reps.values() for rep in region}
    return reps, skill


def _user(
    full_name: str, role: str, team: Team | None, *, by, at: datetime.datetime, username: str = ""
) -> User:
    first, last = full_name.split(" ", 1)
    username = username or first.lower()
    return user_create(
        by=by,
        username=username,
        role=role,
        team=team,
        email=f"{username}@{EMAIL_DOMAIN}",
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        at=at,
    )


def logins() -> list[dict[str, str]]:
    """The demo users: admin, managers from the top down, then reps by team."""
    rows = [
        {
            "username": user.username,
            "role": user.role,
            "team": user.team.name if user.team else "",
            "password": DEMO_PASSWORD,
        }
        for user in User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).select_related("team")
    ]
    roles = [User.Role.ADMIN, User.Role.MANAGER, User.Role.REP]
    teams = [name for name, _, _ in ORG]

    def order(row):
        team = teams.index(row["team"]) if row["team"] in teams else len(teams)
        return roles.index(row["role"]), team, row["username"]

    return sorted(rows, key=order)
