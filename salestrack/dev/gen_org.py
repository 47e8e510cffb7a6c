"""The sales organisation: a company team, regions, sales teams, their managers and reps."""

from dataclasses import dataclass, field
from itertools import accumulate

from salestrack.dev.gen_base import DAY, HOUR, Context
from salestrack.dev.gen_words import COMPANY, FIRST_NAMES, LAST_NAMES, REGIONS, STAFF_DOMAIN

TEAM_COLUMNS = ("id", "name", "parent_id", "manager_id", "created_at")
USER_COLUMNS = (
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "role",
    "team_id",
)
MANAGER_SHARE = 0.15  # a team manager owns a few records, next to their reps


@dataclass
class Org:
    teams: list[tuple] = field(default_factory=list)
    users: list[tuple] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)  # who owns records: reps and team managers
    cum_weights: list[float] = field(default_factory=list)
    region: dict[int, str] = field(default_factory=dict)  # a user's region
    team: dict[int, int] = field(default_factory=dict)
    skill: dict[int, float] = field(default_factory=dict)  # a factor on win rate and activity

    def owner(self, rng) -> int:
        return rng.choices(self.owners, cum_weights=self.cum_weights)[0]


def build(ctx: Context, *, password_hash: str) -> Org:
    """The company team, `size.regions` regions, their sales teams, managers, reps and an admin.

    Usernames: admin, mgr01 ... (region managers first, then team managers), rep001 ...
    Every user is in a team: the admin in the company team, a manager in the team they
    manage, reps spread evenly over the sales teams.
    """
    rng, clock, size = ctx.rng, ctx.clock, ctx.size
    org = Org()
    regions = list(REGIONS)[: size.regions]
    sales_teams = [(r, city[0]) for r in regions for city in REGIONS[r][: size.teams_per_region]]
    reps = size.users - len(regions) - len(sales_teams)
    if reps < len(sales_teams):
        raise ValueError("too few users for a rep in every team")
    founded = clock.start - 30 * DAY
    region_team = {r: 2 + i for i, r in enumerate(regions)}
    team_ids = [2 + len(regions) + i for i in range(len(sales_teams))]

    def user(username: str, role: str, team: int, region: str | None, joined: int) -> int:
        user_id = len(org.users) + 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        seen = rng.random() < 0.85
        login = clock.stamp(clock.now - rng.randrange(HOUR, 7 * DAY)) if seen else None
        admin = role == "admin"
        org.users.append(
            (
                user_id,
                password_hash,
                login,
                admin,
                username,
                first,
                last,
                f"{username}@{STAFF_DOMAIN}",
                admin,
                True,
                clock.stamp(joined),
                role,
                team,
            )
        )
        org.team[user_id] = team
        if region:
            org.region[user_id] = region
        return user_id

    user("admin", "admin", 1, None, founded)
    managers = {}
    for i, (team, region) in enumerate(
        [(region_team[r], r) for r in regions]
        + list(zip(team_ids, [r for r, _ in sales_teams], strict=True))
    ):
        joined = founded - rng.randrange(0, 700) * DAY
        managers[team] = user(f"mgr{i + 1:02d}", "manager", team, region, joined)
    rep_ids = []
    for i in range(reps):
        team = team_ids[i % len(team_ids)]
        region = sales_teams[i % len(team_ids)][0]
        rep = user(f"rep{i + 1:03d}", "rep", team, region, founded - rng.randrange(0, 400) * DAY)
        org.skill[rep] = rng.uniform(0.7, 1.3)
        rep_ids.append(rep)

    stamp = clock.stamp(founded)
    org.teams.append((1, COMPANY, None, None, stamp))
    for r in regions:
        org.teams.append((region_team[r], r, 1, managers[region_team[r]], stamp))
    for team, (region, city) in zip(team_ids, sales_teams, strict=True):
        org.teams.append((team, city, region_team[region], managers[team], stamp))

    weights = []
    for team in team_ids:
        org.owners.append(managers[team])
        org.skill[managers[team]] = 1.0
        weights.append(MANAGER_SHARE)
    for rep in rep_ids:
        org.owners.append(rep)
        weights.append(rng.uniform(0.8, 1.2))
    org.cum_weights = list(accumulate(weights))
    return org
