"""The shared pieces of `salestrack generate`: sizes, time, the pipeline, spreading counts."""

import datetime
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from salestrack.dev.gen_words import LOST_REASONS
from salestrack.opportunities.models import LostReason, Pipeline, Stage

DAY = 86_400
HOUR = 3_600
YEARS = 3
HORIZON = 182 * DAY  # open deals close at most six months ahead
# The first columns of every owned record (lib/models.py OwnedRecord), as rows give them.
RECORD_COLUMNS = ("id", "owner_id", "version", "created_at", "updated_at")


@dataclass(frozen=True)
class Size:
    regions: int
    teams_per_region: int
    users: int  # managers and reps; the admin comes on top
    leads: int
    accounts: int
    contacts: int
    opportunities: int
    activities: int

    # About what a deal's life leaves (docs/benchmarks.md: 12.9 history rows and 3.8 states a
    # deal on the large org): the progress lines' estimates, not targets.
    @property
    def history(self) -> int:
        return self.opportunities * 13

    @property
    def states(self) -> int:
        return self.opportunities * 4


SIZES = {
    "small": Size(2, 2, 20, 10_000, 1_000, 3_000, 3_000, 20_000),
    "medium": Size(4, 5, 200, 100_000, 10_000, 30_000, 30_000, 200_000),
    "large": Size(4, 5, 200, 1_000_000, 100_000, 300_000, 300_000, 2_000_000),
}


class Clock:
    """Time as whole seconds from an origin, and its spelling for the database.

    1. `now` is midnight at the start of `today` (UTC): the same seed on the same day gives the
       same data, and nothing but due and close dates lies in the future.
    2. A timestamp is spelled with two table lookups: per-row strftime or isoformat is what
       makes a generator slow.
    """

    def __init__(self, today: datetime.date, *, tz_suffix: str = ""):
        self.origin = today - datetime.timedelta(days=YEARS * 365 + 800)
        self.now = (today - self.origin).days * DAY
        self.start = self.now - YEARS * 365 * DAY
        days = (today - self.origin).days + 400
        self._days = [(self.origin + datetime.timedelta(days=d)).isoformat() for d in range(days)]
        self._times = [
            f" {h:02d}:{m:02d}:{s:02d}{tz_suffix}"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        ]
        self._weekday0 = self.origin.weekday()

    def stamp(self, t: int) -> str:
        day, second = divmod(t, DAY)
        return self._days[day] + self._times[second]

    def date(self, t: int) -> str:
        return self._days[t // DAY]

    def at_work(self, t: int) -> int:
        """The moment t squeezed into a working day: 08:00 to 18:00, Saturday to Monday."""
        day, second = divmod(t, DAY)
        weekday = (day + self._weekday0) % 7
        if weekday >= 5:
            day += 7 - weekday
        return day * DAY + 8 * HOUR + second * 10 // 24

    def working(self, rng, lo: int, hi: int) -> int:
        """A moment in [lo, hi], at work where the range allows."""
        t = self.at_work(lo + int(rng.random() * (hi - lo)))
        if t > hi:  # a weekend at the end of the range: the Friday before
            t -= 3 * DAY
        return lo if t < lo else hi if t > hi else t


@dataclass(frozen=True)
class Stages:
    """The default pipeline's stages: open ones by position, then won (index n), lost (n + 1)."""

    pipeline_id: int
    ids: list[int]
    probability: list[int]
    category: list[str]
    rotting_days: list[int | None]
    n_open: int
    # The ids of the reasons lost deals are lost for (the generator's words, made if missing).
    lost_reasons: list[int]

    @property
    def won(self) -> int:
        return self.n_open

    @property
    def lost(self) -> int:
        return self.n_open + 1

    @classmethod
    def load(cls) -> "Stages":
        pipeline = Pipeline.objects.filter(is_default=True).first()
        if pipeline is None:
            raise LookupError("There is no default pipeline: run `salestrack migrate` first.")
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id"))
        ordered = [s for s in stages if not s.is_closed]
        won = [s for s in stages if s.is_won]
        lost = [s for s in stages if s.is_lost]
        if not ordered or not won or not lost:
            raise LookupError(
                "The default pipeline needs open stages, a won stage and a lost stage."
            )
        ordered += [won[0], lost[0]]
        return cls(
            pipeline_id=pipeline.pk,
            ids=[s.pk for s in ordered],
            probability=[s.probability for s in ordered],
            category=[s.forecast_category for s in ordered],
            rotting_days=[s.rotting_days for s in ordered],
            n_open=len(ordered) - 2,
            lost_reasons=[
                LostReason.objects.get_or_create(
                    name__iexact=name, defaults={"name": name, "position": position}
                )[0].pk
                for position, name in enumerate(LOST_REASONS, start=1)
            ],
        )


def spread(total: int, weights: Sequence[int]) -> Iterator[int]:
    """Split `total` into whole counts in proportion to `weights`, summing to it exactly."""
    whole = sum(weights)
    if whole == 0:
        yield from (0 for _ in weights)
        return
    cumulative = done = 0
    for weight in weights:
        cumulative += weight
        upto = cumulative * total // whole
        yield upto - done
        done = upto


def scramble(n: int) -> int:
    """A cheap, fixed 32-bit hash of n: details that must be recomputed later, not stored."""
    n = (n * 0x9E3779B1) & 0xFFFFFFFF
    n ^= n >> 15
    n = (n * 0x85EBCA6B) & 0xFFFFFFFF
    return n ^ (n >> 13)


def ranks(keys: Sequence[int]) -> tuple[array, array]:
    """Ids in order of time: (order, rank) with order[id - 1] = index and rank[index] = id - 1."""
    order = array("i", sorted(range(len(keys)), key=keys.__getitem__))
    rank = array("i", bytes(4 * len(keys)))
    for position, index in enumerate(order):
        rank[index] = position
    return order, rank


@dataclass
class Context:
    """What every part of the generator reads: the random stream, the clock, sizes, stages."""

    rng: random.Random
    clock: Clock
    size: Size
    stages: Stages
    seed: int
