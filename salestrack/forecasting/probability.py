"""The probabilistic forecast: P10, P50 and P90 of a period's closed revenue for a scope
(docs/forecasting.md, "Probabilistic forecast").

Each open deal of the period closes won within it with probability p = p_win x (1 - p_slip):
p_win calibrated from the company's closed history by pipeline, stage and days in the stage,
p_slip from how often deals open at that many days before a period's end were still open at
it (calibration.py). Deals are taken as independent. The deals that carry most of the
uncertainty (largest amount^2 x p x (1 - p)) are drawn one by one (Monte Carlo, seeded); the
many small ones add up to a normal distribution with their exact mean and variance, drawn
alongside. Closed won so far is added as it is.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django_tasks import task

from salestrack.company.models import Company
from salestrack.company.money import CENT, in_company_currency
from salestrack.forecasting import calibration, periods
from salestrack.forecasting.models import Calibration
from salestrack.forecasting.rollup import Tree, open_deals, past_due_deals, scope_of, won_deals
from salestrack.opportunities.models import (
    ForecastCategory,
    Opportunity,
    OpportunityHistory,
    Stage,
)
from salestrack.teams.models import Team, User

DRAWS = 20_000
DRAWN_ONE_BY_ONE = 300  # the deals of most variance; the rest add up to a normal
QUARTERS_OBSERVED = 12  # the past fiscal quarters whose slips calibrate p_slip
REFRESH_AFTER = datetime.timedelta(minutes=10)


# Calibrating


def _priors() -> dict[int, tuple[int, float]]:
    return {
        s.pk: (s.pipeline_id, s.probability / 100)
        for s in Stage.objects.filter(is_won=False, is_lost=False)
    }


def calibrate(*, at: datetime.datetime | None = None) -> Calibration:
    """Fit the win and slip probabilities from the whole history as it stands and keep them
    (the older fits go)."""
    at = at or timezone.now()
    upto = OpportunityHistory.objects.aggregate(top=Max("id"))["top"] or 0
    history = calibration.History.load()
    stages = Stage.objects.values_list("pk", "pipeline_id", "is_won")
    pipeline_of = {pk: pipeline for pk, pipeline, _ in stages}
    won_stages = {pk for pk, _, won in stages if won}
    samples = history.win_samples(pipeline_of, won_stages)
    win = calibration.fit(samples, at, _priors())
    slip = calibration.fit_slip(history.slip_samples(_past_quarters(at)), at)
    with transaction.atomic():
        kept = Calibration.objects.create(
            fitted_at=at,
            history_upto=upto,
            win=_lists(win),
            slip=_lists(slip),
            visits=int(win.seen[:, 0].sum()) if win.seen.size else 0,
        )
        Calibration.objects.exclude(pk=kept.pk).delete()
    return kept


def _past_quarters(at: datetime.datetime) -> list[tuple[datetime.datetime, datetime.datetime]]:
    year_start = Company.load().fiscal_year_start
    zone = timezone.get_current_timezone()
    quarter = periods.quarter_of(timezone.localtime(at).date(), year_start)
    spans = []
    for _ in range(QUARTERS_OBSERVED):
        quarter = quarter.previous(year_start)
        spans.append(
            (
                datetime.datetime.combine(quarter.start, datetime.time.min, tzinfo=zone),
                datetime.datetime.combine(quarter.end, datetime.time.min, tzinfo=zone),
            )
        )
    return spans


def _lists(model) -> dict:
    return {
        name: (value.tolist() if isinstance(value, np.ndarray) else value)
        for name, value in vars(model).items()
    }


def _arrays(kind, stored: dict):
    return kind(**{k: (np.array(v) if isinstance(v, list) else v) for k, v in stored.items()})


@task()
def refresh_calibration() -> int:
    """The background refit (django-tasks): returns the visits it learned from."""
    return calibrate().visits


def models() -> tuple[calibration.WinModel, calibration.SlipModel, Calibration | None]:
    """The kept fit, asking for a refit in the background when the history has grown since
    (at most once every REFRESH_AFTER). Before the first fit: the stage defaults and no slip,
    until the refit is done."""
    kept = Calibration.objects.first()
    now = timezone.now()
    if kept is None:
        win = calibration.fit(calibration.WinSamples.empty(), now, _priors())
        slip = calibration.fit_slip(calibration.SlipSamples.of([]), now)
        _ask_refresh(None, now)
        return win, slip, None
    if (
        OpportunityHistory.objects.filter(id__gt=kept.history_upto).exists()
        and now - max(kept.fitted_at, kept.refresh_asked_at or kept.fitted_at) > REFRESH_AFTER
    ):
        _ask_refresh(kept, now)
    # A stage added since the fit has its default and no history yet.
    win = _arrays(calibration.WinModel, kept.win).with_stages(_priors())
    return win, _arrays(calibration.SlipModel, kept.slip), kept


def _ask_refresh(kept: Calibration | None, now: datetime.datetime) -> None:
    if kept is not None:
        Calibration.objects.filter(pk=kept.pk).update(refresh_asked_at=now)
    transaction.on_commit(refresh_calibration.enqueue)


# The range


@dataclass
class Driver:
    deal: Opportunity
    amount: Decimal  # in the company's currency
    probability: float  # of closing won within the period
    spread: Decimal  # its standard deviation: amount x sqrt(p (1 - p))


@dataclass
class Range:
    period: periods.Period
    closed_won: Decimal
    expected: Decimal  # closed won + each open deal's amount x p
    p10: Decimal
    p50: Decimal
    p90: Decimal
    deals: int  # open deals it weighs
    drivers: list[Driver] = field(default_factory=list)
    calibrated_at: datetime.datetime | None = None
    seed: int = 1
    draws: int = DRAWS


def forecast_range(
    period: periods.Period,
    *,
    viewer: User,
    team: Team | None = None,
    user: User | None = None,
    today: datetime.date | None = None,
    seed: int = 1,
    draws: int = DRAWS,
) -> Range:
    """P10, P50 and P90 of the period's closed revenue (closed won included) for the scope,
    with the deals that drive its spread. The same seed gives the same figures."""
    today = today or timezone.localdate()
    scope = scope_of(Tree(), viewer=viewer, team=team, user=user)
    owners = scope.owners
    won = won_deals(period)
    deals = (open_deals(period, today) | past_due_deals(period, today)).exclude(
        forecast_category=ForecastCategory.OMITTED
    )
    if owners is not None:
        won = won.filter(closer__in=owners)
        deals = deals.filter(owner_id__in=owners)
    closed_won = won.aggregate(total=Sum(in_company_currency()))["total"] or Decimal(0)
    closed_won = Decimal(closed_won).quantize(CENT)
    rows = list(
        deals.annotate(value=in_company_currency()).values_list(
            "pk", "value", "stage_id", "pipeline_id", "stage_entered_at"
        )
    )
    win, slip, kept = models()
    result = Range(
        period, closed_won, closed_won, closed_won, closed_won, closed_won, len(rows), seed=seed
    )
    result.calibrated_at = kept.fitted_at if kept else None
    result.draws = draws
    if not rows:
        return result
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    amounts = np.array([float(r[1] or 0) for r in rows])
    now = timezone.now()
    days_in = np.array([(now - r[4]).total_seconds() / calibration.DAY for r in rows])
    p_win = win.predict([r[3] for r in rows], [r[2] for r in rows], days_in)
    days_left = (period.end - today).days
    p_slip = slip.predict([r[2] for r in rows], np.full(len(rows), float(days_left)))
    p = p_win * (1 - p_slip)
    samples = _draws(amounts, p, seed, draws)
    base = float(closed_won)
    result.expected = _money(base + float(amounts @ p))
    p10, p50, p90 = np.percentile(samples, [10, 50, 90])
    result.p10, result.p50, result.p90 = (_money(base + v) for v in (p10, p50, p90))
    spread = amounts * np.sqrt(p * (1 - p))
    top = np.argsort(-spread)[:5]
    chosen = Opportunity.objects.in_bulk(ids[top].tolist())
    result.drivers = [
        Driver(chosen[int(ids[i])], _money(amounts[i]), float(p[i]), _money(spread[i]))
        for i in top
        if spread[i] > 0
    ]
    return result


def _draws(amounts: np.ndarray, p: np.ndarray, seed: int, draws: int) -> np.ndarray:
    """`draws` samples of the open deals' closed revenue: the deals of most variance drawn one
    by one, the rest as one normal with their exact mean and variance."""
    rng = np.random.default_rng(seed)
    variance = amounts**2 * p * (1 - p)
    order = np.argsort(-variance)
    big, small = order[:DRAWN_ONE_BY_ONE], order[DRAWN_ONE_BY_ONE:]
    samples = (rng.random((draws, len(big))) < p[big]) @ amounts[big]
    if len(small):
        mean = float(amounts[small] @ p[small])
        spread = float(np.sqrt(variance[small].sum()))
        samples = samples + np.maximum(rng.normal(mean, spread, draws), 0.0)
    return samples


def _money(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT)
