"""The backtest: how accurate each way of forecasting would have been, replayed from the
history (docs/forecasting.md, "Backtest").

Every deal's states are read once into arrays (OpportunityState). For each period and each
moment in it (its first day and each Monday after), the pipeline as it stood then is a mask
over those arrays; three forecasts of the period's closed won revenue are made from it:

- stage defaults: closed won so far + each open deal's amount x its stage's default
  probability;
- commit: closed won so far + the open deals in Commit (or Closed);
- calibrated: closed won so far + amount x p_win x (1 - p_slip), with the probabilities fitted
  only on what had closed before that moment (calibration.fit(..., as_of)).

Each is compared with what was won in the period as its end saw it.
"""

import datetime
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from salestrack.audit import records
from salestrack.company.models import Company
from salestrack.company.money import Rates
from salestrack.forecasting import calibration, periods
from salestrack.forecasting.models import BacktestRun
from salestrack.lib.errors import Forbidden
from salestrack.opportunities.models import ForecastCategory, Stage

DAY = calibration.DAY
BANDS = np.linspace(0, 1, 11)  # the reliability table's bands of predicted probability
METHODS = ("stage_defaults", "commit", "calibrated")
COMMITTED = (ForecastCategory.COMMIT, ForecastCategory.CLOSED)


@dataclass
class States:
    """The history's states with what a forecast reads, as arrays ordered by deal and time."""

    base: calibration.History
    amount: np.ndarray  # float64, in the company's currency at the rate on the close date
    committed: np.ndarray  # bool: in Commit or Closed
    visit_start: np.ndarray  # float64 epoch: when the deal entered the stage it is in

    @classmethod
    def load(cls) -> "States":
        rates = Rates()
        amount, committed = [], []

        def keep(value, currency, on, category):
            converted = value if currency == rates.home else rates.convert(value, currency, on)
            amount.append(float(converted or 0))
            committed.append(category in COMMITTED)

        base = calibration.History.load(
            "amount", "currency", "close_date", "forecast_category", each=keep
        )
        n = len(base.opp)
        first = np.ones(n, dtype=bool)
        first[1:] = (base.opp[1:] != base.opp[:-1]) | (base.stage[1:] != base.stage[:-1])
        visit = np.cumsum(first) - 1
        return cls(
            base,
            np.array(amount, dtype=np.float64),
            np.array(committed, dtype=bool),
            base.start[first][visit] if n else np.zeros(0),
        )


@dataclass
class Point:
    """One moment's forecasts of its period."""

    day: datetime.date
    forecasts: dict[str, float]
    accuracy: dict[str, float | None]  # None when nothing was won in the period
    error: dict[str, float]  # |actual - forecast|
    brier: dict[str, float | None]  # None with no open deal then


@dataclass
class PeriodResult:
    period: str
    actual: float
    points: list[Point]

    @property
    def start(self) -> Point:
        return self.points[0]

    def mean_accuracy(self, method: str) -> float | None:
        found = [p.accuracy[method] for p in self.points if p.accuracy[method] is not None]
        return sum(found) / len(found) if found else None


@dataclass
class Result:
    periods: list[PeriodResult]
    # Per method with probabilities: (band low, band high, deals, mean predicted, won share).
    reliability: dict[str, list[tuple[float, float, int, float, float]]] = field(
        default_factory=dict
    )
    seconds: float = 0.0


def run(spans: list[periods.Period], *, states: States | None = None) -> Result:
    """The backtest of the periods given, from one read of the history."""
    started = timezone.now()
    states = states or States.load()
    h = states.base
    stage_rows = list(Stage.objects.values_list("pk", "pipeline_id", "probability", "is_won"))
    pipeline_of = {pk: pipeline for pk, pipeline, _, _ in stage_rows}
    won_ids = np.array(sorted(pk for pk, _, _, won in stage_rows if won), dtype=np.int64)
    default = np.zeros(max([pk for pk, *_ in stage_rows], default=0) + 1)
    for pk, _, probability, _ in stage_rows:
        default[pk] = probability / 100
    priors = {pk: (pipeline, prob / 100) for pk, pipeline, prob, won in stage_rows}
    won_state = np.isin(h.stage, won_ids)
    pipelines = np.array([pipeline_of.get(s, -1) for s in h.stage.tolist()], dtype=np.int64)
    samples = h.win_samples(pipeline_of, set(won_ids.tolist()))
    zone = timezone.get_current_timezone()
    slip_spans = [(_moment(p.start, zone), _moment(p.end, zone)) for p in _before(spans)]
    slips = h.slip_samples(slip_spans)
    predicted: dict[str, list[np.ndarray]] = {"stage_defaults": [], "calibrated": []}
    outcomes: list[np.ndarray] = []
    results = []
    for period in spans:
        first_day, last_day = period.start.toordinal(), period.end.toordinal()
        end = _moment(period.end, zone).timestamp()
        at_end = (h.start <= end) & (h.end > end)
        won_at_end = at_end & won_state & (h.close_date >= first_day) & (h.close_date < last_day)
        actual = float(states.amount[won_at_end].sum())
        won_deals = np.unique(h.opp[won_at_end])
        points = []
        for day in [d for d in period.weeks() if d <= timezone.localdate()]:
            moment = _moment(day, zone).timestamp()
            held = (h.start <= moment) & (h.end > moment)
            in_period = (h.close_date >= first_day) & (h.close_date < last_day)
            so_far = float(states.amount[held & won_state & in_period].sum())
            open_ = held & ~h.closed & in_period & (h.close_date >= day.toordinal())
            amounts = states.amount[open_]
            p_default = default[h.stage[open_]]
            model = calibration.fit(samples, moment, priors)
            slip = calibration.fit_slip(slips, moment)
            days_in = (moment - states.visit_start[open_]) / DAY
            p_win = model.predict(pipelines[open_], h.stage[open_], days_in)
            p_slip = slip.predict(h.stage[open_], np.full(len(amounts), (end - moment) / DAY))
            p_calibrated = p_win * (1 - p_slip)
            committed = states.committed[open_].astype(float)
            outcome = np.isin(h.opp[open_], won_deals).astype(float)
            probabilities = {
                "stage_defaults": p_default,
                "commit": committed,
                "calibrated": p_calibrated,
            }
            forecasts = {m: so_far + float(amounts @ probabilities[m]) for m in METHODS}
            points.append(
                Point(
                    day,
                    forecasts,
                    {m: _accuracy(actual, f) for m, f in forecasts.items()},
                    {m: abs(actual - f) for m, f in forecasts.items()},
                    {
                        m: float(np.mean((probabilities[m] - outcome) ** 2))
                        if len(outcome)
                        else None
                        for m in METHODS
                    },
                )
            )
            predicted["stage_defaults"].append(p_default)
            predicted["calibrated"].append(p_calibrated)
            outcomes.append(outcome)
        if points:
            results.append(PeriodResult(period.name, actual, points))
    result = Result(results)
    every = np.concatenate(outcomes) if outcomes else np.zeros(0)
    for method, chunks in predicted.items():
        result.reliability[method] = _reliability(
            np.concatenate(chunks) if chunks else np.zeros(0), every
        )
    result.seconds = (timezone.now() - started).total_seconds()
    return result


def _moment(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _before(spans: list[periods.Period]) -> list[periods.Period]:
    """The quarters whose slips calibrate p_slip: the twelve before the last period asked for
    (fit_slip keeps only those that had ended by each moment)."""
    if not spans:
        return []
    found, current = [], spans[-1]
    year_start = _year_start()
    for _ in range(12 + len(spans)):
        current = current.previous(year_start)
        found.append(current)
    return found


def _year_start() -> int:
    return Company.load().fiscal_year_start


def _accuracy(actual: float, forecast: float) -> float | None:
    """1 - |actual - forecast| / actual; None when nothing was won (the error says it)."""
    if actual <= 0:
        return None
    return 1 - abs(actual - forecast) / actual


def _reliability(predicted: np.ndarray, outcome: np.ndarray):
    rows = []
    # Tenths, with a hair of slack so that 0.6 (not quite 0.6 in binary) is in 60-70%.
    band = np.clip(np.floor(predicted * 10 + 1e-9).astype(int), 0, len(BANDS) - 2)
    for i in range(len(BANDS) - 1):
        inside = band == i
        count = int(inside.sum())
        if count:
            rows.append(
                (
                    float(BANDS[i]),
                    float(BANDS[i + 1]),
                    count,
                    float(predicted[inside].mean()),
                    float(outcome[inside].mean()),
                )
            )
    return rows


def brier(result: Result, method: str) -> float | None:
    """The mean Brier score of a method's win probabilities over every moment."""
    scores = [p.brier[method] for r in result.periods for p in r.points]
    scores = [s for s in scores if s is not None]
    return sum(scores) / len(scores) if scores else None


def as_json(result: Result) -> dict:
    return {
        "seconds": round(result.seconds, 1),
        "periods": [
            {
                "period": r.period,
                "actual": round(r.actual, 2),
                "mean_accuracy": {m: r.mean_accuracy(m) for m in METHODS},
                "points": [
                    {
                        "day": p.day.isoformat(),
                        "forecasts": {m: round(v, 2) for m, v in p.forecasts.items()},
                        "accuracy": p.accuracy,
                        "error": {m: round(v, 2) for m, v in p.error.items()},
                        "brier": p.brier,
                    }
                    for p in r.points
                ],
            }
            for r in result.periods
        ],
        "brier": {m: brier(result, m) for m in METHODS},
        "reliability": {
            m: [
                {"band": [low, high], "deals": n, "predicted": pred, "won": won}
                for low, high, n, pred, won in rows
            ]
            for m, rows in result.reliability.items()
        },
    }


MAX_PERIODS = 12


def backtest_ask(*, by, text: str) -> BacktestRun:
    """Ask for a backtest of the periods named (a span like 2025-Q1..2026-Q4, at most
    MAX_PERIODS); the worker runs it (run_backtest) and keeps the result."""
    if not by.is_admin:
        raise Forbidden("Only admins run the backtest: it reads every team's deals.")
    try:
        spans = periods.span(text, _year_start())
    except ValueError as error:
        raise ValidationError({"periods": [str(error)]}) from None
    if len(spans) > MAX_PERIODS:
        raise ValidationError({"periods": [f"At most {MAX_PERIODS} periods at a time."]})
    asked = BacktestRun(periods=f"{spans[0].name}..{spans[-1].name}", asked_by=by)
    run_ = records.insert(asked, by=by, action="forecasting.backtest.asked")
    transaction.on_commit(lambda: run_backtest.enqueue(run_.pk))
    return run_


@task()
def run_backtest(run_id: int) -> None:
    """The background run of an asked-for backtest: its result kept on its row."""
    asked = BacktestRun.objects.get(pk=run_id)
    result = run(periods.span(asked.periods, _year_start()))
    asked.result = as_json(result)
    asked.finished_at = timezone.now()
    asked.save(update_fields=["result", "finished_at"])
