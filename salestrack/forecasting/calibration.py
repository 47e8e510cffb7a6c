"""Win and slip probabilities calibrated from the company's own history (docs/forecasting.md,
"Probabilistic forecast").

Two pure fits over numpy arrays, so that the backtest can fit as of any past moment from one
sweep of the history:

- `fit(samples, as_of, priors)`: the chance that an open deal is won, by pipeline, stage and
  time already spent in the stage (bucketed by `DAY_EDGES`), from every stage visit of a deal
  that closed before `as_of`. A cell's estimate is the mean of a Beta posterior whose prior,
  Beta(k * p0, k * (1 - p0)), is centred on the stage's default probability p0 with the weight
  of `k` deals: (wins + k * p0) / (visits + k). Thin history leaves the default; a thick one
  speaks for itself.
- `fit_slip(samples, as_of)`: the chance that an open deal's close date leaves its period
  before it closes, by stage and days left to the period's end (bucketed by `SLIP_EDGES`),
  from the periods that had ended before `as_of`. Shrunk toward the pooled rate of its days-left
  bucket, itself shrunk toward 0 (no slip, what the stage defaults assume).

`History.load()` reads every deal's states (OpportunityState) once into arrays; its
`win_samples` and `slip_samples` derive both fits' samples from them.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from salestrack.opportunities.models import OpportunityState

DAY = 86400.0
# Buckets of days already spent in a stage: [0, 7), [7, 14), ... [180, forever).
DAY_EDGES = np.array([0, 7, 14, 30, 60, 90, 180], dtype=np.float64)
# Buckets of days left to the period's end at which slip is observed: a bucket's deals are
# observed at its first day (a deal observed 14 days before the end stands for 14 to 29 days).
SLIP_EDGES = np.array([0, 7, 14, 30, 60], dtype=np.float64)
# The prior's weight, in deals: a cell needs about this many closed visits to move halfway
# from the stage's default to its own win rate.
STRENGTH = 20.0


def epoch(moment: datetime.datetime | float) -> float:
    """Seconds since 1970 (UTC) of an aware datetime, or the number itself."""
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None:
            raise ValueError("an aware datetime, please")
        return moment.timestamp()
    return float(moment)


def _bucket(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # Negative days (a clock skew, a close date already past) count in the first bucket.
    return np.clip(np.searchsorted(edges, days, side="right") - 1, 0, len(edges) - 1)


# --- win probability ---------------------------------------------------------------------


@dataclass
class WinSamples:
    """One row per visit of a deal to an open stage, with how that deal next closed."""

    pipeline: np.ndarray  # int64
    stage: np.ndarray  # int64
    days: np.ndarray  # float64: how long the visit lasted, in days
    won: np.ndarray  # bool: the deal was won when it next closed
    closed_at: np.ndarray  # float64: when it closed (epoch seconds): the outcome is known then

    @classmethod
    def empty(cls) -> "WinSamples":
        return cls.of([])

    @classmethod
    def of(cls, rows: Iterable[tuple[int, int, float, bool, float]]) -> "WinSamples":
        rows = list(rows)
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
        return cls(
            pipeline=np.array(columns[0], dtype=np.int64),
            stage=np.array(columns[1], dtype=np.int64),
            days=np.array(columns[2], dtype=np.float64),
            won=np.array(columns[3], dtype=bool),
            closed_at=np.array(columns[4], dtype=np.float64),
        )

    def __len__(self) -> int:
        return len(self.stage)


@dataclass
class WinModel:
    """Win probabilities per (pipeline, stage) and days-in-stage bucket."""

    pipelines: np.ndarray  # (S,) int64, one per stage
    stages: np.ndarray  # (S,) int64, sorted
    edges: np.ndarray  # (B,) the buckets' first days
    prior: np.ndarray  # (S,) the stages' default probabilities, 0..1
    wins: np.ndarray  # (S, B) visits that went on to be won
    seen: np.ndarray  # (S, B) visits that lasted at least the bucket's first day
    strength: float

    @property
    def probability(self) -> np.ndarray:
        """(S, B): the Beta posterior means."""
        k = self.strength
        return (self.wins + k * self.prior[:, None]) / (self.seen + k)

    def _rows(self, pipeline_ids, stage_ids) -> np.ndarray:
        stage_ids = np.asarray(stage_ids, dtype=np.int64)
        pipeline_ids = np.asarray(pipeline_ids, dtype=np.int64)
        rows = np.searchsorted(self.stages, stage_ids)
        inside = rows < len(self.stages)
        found = np.zeros(len(stage_ids), dtype=bool)
        found[inside] = (self.stages[rows[inside]] == stage_ids[inside]) & (
            self.pipelines[rows[inside]] == pipeline_ids[inside]
        )
        if not found.all():
            pairs = zip(pipeline_ids[~found].tolist(), stage_ids[~found].tolist(), strict=True)
            missing = sorted(set(pairs))
            raise ValueError(f"no prior for (pipeline, stage) {missing[:5]}")
        return rows

    def with_stages(self, priors: Mapping[int, tuple[int, float]]) -> "WinModel":
        """This fit, with a row of no history (its default alone) for each stage of `priors`
        it lacks: a stage added since the fit keeps the others' learning."""
        new = sorted(set(priors) - set(self.stages.tolist()))
        if not new:
            return self
        stages = np.concatenate([self.stages.astype(np.int64), np.array(new, dtype=np.int64)])
        order = np.argsort(stages, kind="stable")
        blank = np.zeros((len(new), len(self.edges)))

        def grown(old, added, dtype) -> np.ndarray:
            return np.concatenate([np.asarray(old, dtype), np.asarray(added, dtype)])[order]

        # A fit of no stage comes back from its JSON as 1-D: give its tables their width.
        wins, seen = (np.reshape(t, (-1, len(self.edges))) for t in (self.wins, self.seen))
        return WinModel(
            grown(self.pipelines, [priors[s][0] for s in new], np.int64),
            stages[order],
            self.edges,
            grown(self.prior, [priors[s][1] for s in new], np.float64),
            grown(wins, blank, np.float64),
            grown(seen, blank, np.float64),
            self.strength,
        )

    def predict(self, pipeline_ids, stage_ids, days_in_stage) -> np.ndarray:
        """The win probability (0..1) of each deal, by its pipeline, stage and days in it."""
        rows = self._rows(pipeline_ids, stage_ids)
        columns = _bucket(np.asarray(days_in_stage, dtype=np.float64), self.edges)
        return self.probability[rows, columns]


def fit(
    samples: WinSamples,
    as_of: datetime.datetime | float,
    priors: Mapping[int, tuple[int, float]],
    *,
    strength: float = STRENGTH,
    edges: np.ndarray = DAY_EDGES,
) -> WinModel:
    """Win probabilities from the visits of deals closed before `as_of` (never after: no
    peeking), for the stages in `priors` ({stage id: (pipeline id, default probability 0..1)}).

    1. Keep the visits whose deal closed before `as_of`, in a stage with a prior.
    2. A visit that lasted d days was, at every day before d, a deal in that stage still open:
       it counts in each bucket whose first day is at most d (`seen`), and as a win there if
       the deal was won.
    3. Each cell's probability is (wins + k * p0) / (seen + k): the posterior mean under a
       Beta(k * p0, k * (1 - p0)) prior centred on the stage's default p0.
    """
    stages = np.array(sorted(priors), dtype=np.int64)
    pipelines = np.array([priors[s][0] for s in stages.tolist()], dtype=np.int64)
    prior = np.array([priors[s][1] for s in stages.tolist()], dtype=np.float64)
    if ((prior < 0) | (prior > 1)).any():
        raise ValueError("a prior probability outside 0..1")
    buckets = len(edges)
    wins = np.zeros((len(stages), buckets))
    seen = np.zeros((len(stages), buckets))
    if len(samples) and len(stages):
        keep = samples.closed_at < epoch(as_of)
        rows = np.searchsorted(stages, samples.stage)
        rows = np.minimum(rows, len(stages) - 1)
        keep &= (stages[rows] == samples.stage) & (pipelines[rows] == samples.pipeline)
        rows, days, won = rows[keep], samples.days[keep], samples.won[keep]
        for column, first_day in enumerate(edges):
            alive = days >= first_day
            seen[:, column] = np.bincount(rows[alive], minlength=len(stages))
            wins[:, column] = np.bincount(rows[alive & won], minlength=len(stages))
    return WinModel(pipelines, stages, np.asarray(edges, np.float64), prior, wins, seen, strength)


# --- slip probability --------------------------------------------------------------------


@dataclass
class SlipSamples:
    """One row per open deal observed at a bucket's first day before the end of the period
    its close date was in, with whether it then failed to close in that period."""

    stage: np.ndarray  # int64: its stage at that moment
    days_left: np.ndarray  # float64: the bucket's first day (days to the period's end)
    slipped: np.ndarray  # bool: its close date left the period, or it was open at the end
    known_at: np.ndarray  # float64: when that was known (epoch seconds)

    @classmethod
    def of(cls, rows: Iterable[tuple[int, float, bool, float]]) -> "SlipSamples":
        rows = list(rows)
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
        return cls(
            stage=np.array(columns[0], dtype=np.int64),
            days_left=np.array(columns[1], dtype=np.float64),
            slipped=np.array(columns[2], dtype=bool),
            known_at=np.array(columns[3], dtype=np.float64),
        )

    def __len__(self) -> int:
        return len(self.stage)


@dataclass
class SlipModel:
    stages: np.ndarray  # (S,) int64, sorted: those seen in the history
    edges: np.ndarray  # (B,)
    slipped: np.ndarray  # (S, B)
    seen: np.ndarray  # (S, B)
    pooled: np.ndarray  # (B,) every stage's rate in the bucket, shrunk toward 0
    strength: float

    @property
    def probability(self) -> np.ndarray:
        k = self.strength
        return (self.slipped + k * self.pooled[None, :]) / (self.seen + k)

    def predict(self, stage_ids, days_left) -> np.ndarray:
        """The slip probability (0..1) of each deal, by its stage and the days left to the
        end of the period; a stage never seen takes the pooled rate of its bucket."""
        stage_ids = np.asarray(stage_ids, dtype=np.int64)
        columns = _bucket(np.asarray(days_left, dtype=np.float64), self.edges)
        result = self.pooled[columns].copy()
        if len(self.stages):
            rows = np.minimum(np.searchsorted(self.stages, stage_ids), len(self.stages) - 1)
            known = self.stages[rows] == stage_ids
            result[known] = self.probability[rows[known], columns[known]]
        return result


def fit_slip(
    samples: SlipSamples,
    as_of: datetime.datetime | float,
    *,
    strength: float = STRENGTH,
    edges: np.ndarray = SLIP_EDGES,
) -> SlipModel:
    """Slip rates from the observations whose outcome was known before `as_of`.

    A bucket's pooled rate is slipped / (seen + k) over every stage (a Beta prior at 0 with
    weight k: no history, no slip); a stage's cell is (slipped + k * pooled) / (seen + k).
    """
    keep = samples.known_at < epoch(as_of)
    stage, slipped = samples.stage[keep], samples.slipped[keep]
    columns = _bucket(samples.days_left[keep], np.asarray(edges, np.float64))
    stages = np.unique(stage)
    rows = np.searchsorted(stages, stage)
    cells = rows * len(edges) + columns
    size = len(stages) * len(edges)
    seen = np.bincount(cells, minlength=size).reshape(len(stages), len(edges)).astype(float)
    hits = np.bincount(cells[slipped], minlength=size).reshape(len(stages), len(edges))
    hits = hits.astype(float)
    pooled = hits.sum(axis=0) / (seen.sum(axis=0) + strength)
    return SlipModel(stages, np.asarray(edges, np.float64), hits, seen, pooled, strength)


# --- samples from the states ---------------------------------------------------------------


@dataclass
class History:
    """Every OpportunityState row as arrays, ordered by deal and time."""

    opp: np.ndarray  # int64
    start: np.ndarray  # float64 epoch seconds (valid_from)
    end: np.ndarray  # float64 epoch seconds (valid_to; the far future for a state that holds)
    stage: np.ndarray  # int64
    closed: np.ndarray  # bool
    close_date: np.ndarray  # int64: the close date's ordinal

    @classmethod
    def load(cls, *more: str, each: Callable[..., None] | None = None) -> "History":
        """Read every state; the values of the fields in `more`, read in the same pass, go to
        `each` row by row (the backtest's amounts: a second read took as long as this one)."""
        rows = OpportunityState.objects.order_by("opportunity_id", "valid_from", "id").values_list(
            "opportunity_id", "valid_from", "valid_to", "stage_id", "is_closed", "close_date", *more
        )
        opp, start, end, stage, closed, close_date = [], [], [], [], [], []
        for o, f, t, s, c, d, *rest in rows.iterator(chunk_size=20_000):
            if each is not None:
                each(*rest)
            opp.append(o)
            start.append(f.timestamp())
            end.append(t.timestamp())
            stage.append(s)
            closed.append(c)
            close_date.append(d.toordinal())
        return cls(
            np.array(opp, dtype=np.int64),
            np.array(start, dtype=np.float64),
            np.array(end, dtype=np.float64),
            np.array(stage, dtype=np.int64),
            np.array(closed, dtype=bool),
            np.array(close_date, dtype=np.int64),
        )

    def win_samples(self, pipeline_of: Mapping[int, int], won_stages: set[int]) -> WinSamples:
        """One sample per visit of a deal to an open stage that the deal later left by closing:
        the visit's length and whether that closing was a win, known when it closed."""
        n = len(self.opp)
        if not n:
            return WinSamples.empty()
        first = np.ones(n, dtype=bool)
        first[1:] = (self.opp[1:] != self.opp[:-1]) | (self.stage[1:] != self.stage[:-1])
        rows = np.flatnonzero(first)
        last = np.append(rows[1:] - 1, n - 1)
        opp, stage, closed = self.opp[rows], self.stage[rows], self.closed[rows]
        start, end = self.start[rows], self.end[last]
        count = len(rows)
        # The first closed visit at or after each visit (count when there is none).
        marks = np.where(closed, np.arange(count), count)
        after = np.minimum.accumulate(marks[::-1])[::-1]
        keep = ~closed & (after < count)
        keep[keep] &= opp[after[keep]] == opp[keep]
        visits = np.flatnonzero(keep)
        closing = after[visits]
        won = np.isin(stage[closing], np.array(sorted(won_stages), dtype=np.int64))
        pipelines = np.array([pipeline_of.get(s, -1) for s in stage[visits].tolist()], np.int64)
        return WinSamples(
            pipeline=pipelines,
            stage=stage[visits],
            days=(end[visits] - start[visits]) / DAY,
            won=won,
            closed_at=start[closing],
        )

    def slip_samples(
        self, spans: Iterable[tuple[datetime.datetime, datetime.datetime]]
    ) -> SlipSamples:
        """For each period given as (start, end) (periods that have ended), the deals open at each
        bucket's first day before it with a close date in that period, and whether they were
        still open at its end (their close date had left it, or nobody closed them)."""
        stage_rows, days_rows, slipped_rows, known_rows = [], [], [], []
        for period_start, period_end in spans:
            until = period_end.timestamp()
            at_end = (self.start <= until) & (self.end > until)
            open_at_end = np.unique(self.opp[at_end & ~self.closed])
            first_day = period_start.date().toordinal()
            last_day = period_end.date().toordinal()  # the day after the period's last
            for days_left in SLIP_EDGES.tolist():
                moment = until - days_left * DAY
                if moment < period_start.timestamp():
                    continue
                held = (
                    (self.start <= moment)
                    & (self.end > moment)
                    & ~self.closed
                    & (self.close_date >= first_day)
                    & (self.close_date < last_day)
                )
                opps = self.opp[held]
                stage_rows.append(self.stage[held])
                days_rows.append(np.full(len(opps), days_left))
                slipped_rows.append(np.isin(opps, open_at_end))
                known_rows.append(np.full(len(opps), until))
        if not stage_rows:
            return SlipSamples.of([])
        return SlipSamples(
            np.concatenate(stage_rows).astype(np.int64),
            np.concatenate(days_rows).astype(np.float64),
            np.concatenate(slipped_rows).astype(bool),
            np.concatenate(known_rows).astype(np.float64),
        )
