"""The calibrated probabilities (forecasting/calibration.py) and the range of a period's
closed revenue (forecasting/probability.py)."""

import datetime
from decimal import Decimal

import numpy as np
import pytest

from salestrack.forecasting import calibration, probability
from salestrack.forecasting.models import Calibration
from salestrack.lib.errors import Forbidden
from salestrack.opportunities import pipelines
from salestrack.opportunities.models import Opportunity
from salestrack.opportunities.services import opportunity_update
from tests import test_rollup
from tests.conftest import signed_in
from tests.test_rollup import Q1, TODAY, D, deal, moment

stages = test_rollup.stages
book = test_rollup.book
AS_OF = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).timestamp()
PRIORS = {1: (1, 0.1), 2: (1, 0.6)}


def synthetic(rng, stage, rate, count, *, days=10.0, closed_at=AS_OF - 1):
    won = rng.random(count) < rate
    return [(1, stage, days, bool(w), closed_at) for w in won]


def test_calibration_recovers_known_win_rates_from_a_thick_history():
    rng = np.random.default_rng(7)
    rows = synthetic(rng, 1, 0.35, 4000) + synthetic(rng, 2, 0.8, 4000)
    model = calibration.fit(calibration.WinSamples.of(rows), AS_OF, PRIORS)
    p = model.predict([1, 1], [1, 2], [3, 3])
    # 4,000 visits a stage: within 0.03 of the true rates (3 standard errors is about 0.023).
    assert abs(p[0] - 0.35) < 0.03 and abs(p[1] - 0.8) < 0.03


def test_a_thin_history_stays_near_the_stages_default():
    rows = [(1, 1, 10.0, True, AS_OF - 1)] * 2  # two wins in a stage whose default is 10%
    model = calibration.fit(calibration.WinSamples.of(rows), AS_OF, PRIORS)
    # (2 + 20 x 0.1) / (2 + 20): shrunk toward 0.1, not 100%.
    assert model.predict([1], [1], [0])[0] == pytest.approx(4 / 22)
    assert model.predict([1], [2], [0])[0] == pytest.approx(0.6)  # no history: the default


def test_nothing_closed_after_the_moment_is_learned_from():
    rng = np.random.default_rng(3)
    before = synthetic(rng, 1, 0.2, 2000)
    after = synthetic(rng, 1, 1.0, 2000, closed_at=AS_OF + 1)
    model = calibration.fit(calibration.WinSamples.of(before + after), AS_OF, PRIORS)
    assert abs(model.predict([1], [1], [0])[0] - 0.2) < 0.03


def test_time_in_the_stage_counts():
    # Visits that lasted long lost; short ones won: a deal 60 days in is less likely to win.
    rows = [(1, 1, 5.0, True, AS_OF - 1)] * 500 + [(1, 1, 90.0, False, AS_OF - 1)] * 500
    model = calibration.fit(calibration.WinSamples.of(rows), AS_OF, PRIORS)
    fresh, stale = model.predict([1, 1], [1, 1], [1, 60])
    assert fresh == pytest.approx((500 + 2) / (1000 + 20)) and stale == pytest.approx(2 / 520)


def test_slip_rates_shrink_toward_the_pooled_rate():
    rows = [(5, 7.0, True, AS_OF - 1)] * 30 + [(5, 7.0, False, AS_OF - 1)] * 70
    rows += [(6, 7.0, False, AS_OF - 1)] * 100
    model = calibration.fit_slip(calibration.SlipSamples.of(rows), AS_OF)
    pooled = 30 / (200 + 20)
    assert model.pooled[1] == pytest.approx(pooled)
    assert model.predict([5], [10])[0] == pytest.approx((30 + 20 * pooled) / 120)
    assert model.predict([99], [10])[0] == pytest.approx(pooled)  # a stage never seen


def test_the_history_gives_one_sample_per_closed_stage_visit(org, stages, lost_reasons):
    rob = org.rep
    won = deal(rob, stages["Prospecting"], "100", D(2026, 3, 1))
    opportunity_update(opportunity=won, by=rob, stage=stages["Proposal"], at=moment(D(2026, 1, 12)))
    opportunity_update(
        opportunity=won, by=rob, stage=stages["Closed won"], at=moment(D(2026, 1, 22))
    )
    lost = deal(rob, stages["Prospecting"], "200", D(2026, 3, 1))
    opportunity_update(
        opportunity=lost,
        by=rob,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Price"],
        at=moment(D(2026, 1, 7)),
    )
    deal(rob, stages["Prospecting"], "300", D(2026, 3, 1))  # still open: no outcome yet
    history = calibration.History.load()
    pipeline = stages["Prospecting"].pipeline_id
    samples = history.win_samples(
        {s.pk: pipeline for s in stages.values()}, {stages["Closed won"].pk}
    )
    got = sorted(
        zip(samples.stage.tolist(), samples.days.tolist(), samples.won.tolist(), strict=True)
    )
    assert got == sorted(
        [
            (stages["Prospecting"].pk, 10.0, True),  # Jan 2 to Jan 12, then won
            (stages["Proposal"].pk, 10.0, True),
            (stages["Prospecting"].pk, 5.0, False),  # Jan 2 to Jan 7, lost
        ]
    )


def test_the_range_is_seeded_and_brackets_the_expectation(org, book):
    probability.calibrate()
    first = probability.forecast_range(Q1, viewer=org.admin, today=TODAY, seed=5)
    again = probability.forecast_range(Q1, viewer=org.admin, today=TODAY, seed=5)
    assert (first.p10, first.p50, first.p90) == (again.p10, again.p50, again.p90)
    assert first.closed_won == Decimal("9500.00")  # Rob's 4,500 and Otto's 5,000
    assert first.closed_won <= first.p10 <= first.p50 <= first.p90
    assert first.p10 <= first.expected <= first.p90
    # The expectation is exact: closed won plus each deal's amount x its probability.
    assert first.deals == 6  # the Q1 open deals but the Omitted one, past due included
    other = probability.forecast_range(Q1, viewer=org.admin, today=TODAY, seed=6)
    assert other.expected == first.expected


def test_the_draws_match_the_exact_mean_and_spread():
    rng = np.random.default_rng(1)
    amounts = rng.uniform(100, 10_000, 2000)
    p = rng.uniform(0.05, 0.95, 2000)
    samples = probability._draws(amounts, p, seed=2, draws=20_000)
    mean, spread = amounts @ p, np.sqrt((amounts**2 * p * (1 - p)).sum())
    assert abs(samples.mean() - mean) < 0.01 * mean
    assert abs(samples.std() - spread) < 0.05 * spread


def test_a_rep_sees_only_their_own_range(org, book):
    with pytest.raises(Forbidden):
        probability.forecast_range(Q1, viewer=org.rep, user=org.other_rep, today=TODAY)
    mine = probability.forecast_range(Q1, viewer=org.rep, today=TODAY)
    assert mine.closed_won == Decimal("4500.00")


def test_before_the_first_fit_the_range_uses_the_stage_defaults(org, book):
    assert not Calibration.objects.exists()
    result = probability.forecast_range(Q1, viewer=org.admin, today=TODAY)
    assert result.calibrated_at is None and result.p50 >= result.closed_won


def test_a_fit_is_kept_and_read_until_the_history_grows(org, book):
    kept = probability.calibrate()
    assert Calibration.objects.get() == kept and kept.visits > 0
    win, slip, read = probability.models()
    assert read == kept
    assert np.allclose(
        win.probability,
        calibration.WinModel(
            **{k: np.array(v) if isinstance(v, list) else v for k, v in kept.win.items()}
        ).probability,
    )
    again = probability.calibrate()
    assert list(Calibration.objects.all()) == [again]  # the older fit goes


def test_a_stage_added_since_the_fit_takes_its_default_and_the_others_keep_theirs():
    rows = [(1, 1, 10.0, True, AS_OF - 1)] * 30 + [(1, 2, 10.0, False, AS_OF - 1)] * 30
    model = calibration.fit(calibration.WinSamples.of(rows), AS_OF, PRIORS)
    grown = model.with_stages({**PRIORS, 0: (1, 0.25), 3: (2, 0.4)})
    assert grown.stages.tolist() == [0, 1, 2, 3] and grown.pipelines.tolist() == [1, 1, 1, 2]
    learned = model.predict([1, 1], [1, 2], [0, 0])
    assert np.array_equal(grown.predict([1, 1], [1, 2], [0, 0]), learned)
    assert grown.predict([1, 2], [0, 3], [0, 40]).tolist() == pytest.approx([0.25, 0.4])
    assert model.with_stages(PRIORS) is model


def test_a_fit_of_no_stage_kept_as_json_takes_the_stages_added_since():
    empty = calibration.fit(calibration.WinSamples.empty(), AS_OF, {})
    kept = calibration.WinModel(
        **{
            k: np.array(v.tolist()) if isinstance(v, np.ndarray) else v
            for k, v in vars(empty).items()
        }
    )
    grown = kept.with_stages(PRIORS)
    assert grown.predict([1, 1], [1, 2], [0, 0]).tolist() == pytest.approx([0.1, 0.6])


def test_the_kept_fit_serves_a_stage_added_after_it(org, book, stages):
    probability.calibrate()
    learned, *_ = probability.models()
    qualification = stages["Qualification"]
    added = pipelines.stage_create(
        pipeline=qualification.pipeline,
        by=org.admin,
        name="Pilot",
        probability=35,
        forecast_category=qualification.forecast_category,
    )
    win, *_ = probability.models()
    assert np.array_equal(win.probability[win.stages != added.pk], learned.probability)
    assert win.predict([added.pipeline_id], [added.pk], [0])[0] == pytest.approx(0.35)


def test_the_range_partial_follows_visibility(org, book):
    page = signed_in(org.manager).get(f"/forecast/range/?period=2026-Q1&team={org.team_a.pk}")
    assert page.status_code == 200 and "P10" in page.content.decode()
    refused = signed_in(org.manager).get(f"/forecast/range/?team={org.team_b.pk}")
    assert refused.status_code == 404
    assert signed_in(org.rep).get("/forecast/range/?period=nope").status_code == 400
    assert Opportunity.objects.exists()
