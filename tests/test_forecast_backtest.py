"""The backtest (forecasting/backtest.py): a small history with hand-computed forecasts,
accuracy and Brier scores; nothing learned from what closed after a moment."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from salestrack.forecasting import backtest
from salestrack.forecasting.models import BacktestRun
from salestrack.forecasting.periods import parse
from salestrack.opportunities.services import opportunity_update
from tests import test_rollup
from tests.conftest import signed_in
from tests.test_rollup import Q1, D, deal, moment

stages = test_rollup.stages


@pytest.fixture
def history(org, stages, lost_reasons):
    """Created Jan 2: a commit deal of 1,000 won Feb 3, a best case deal of 2,000 still open at
    the quarter's end, a pipeline deal of 500 lost Feb 4."""
    rob = org.rep
    won = deal(rob, stages["Negotiation"], "1000", D(2026, 3, 10))
    opportunity_update(
        opportunity=won, by=rob, stage=stages["Closed won"], at=moment(D(2026, 2, 3))
    )
    deal(rob, stages["Proposal"], "2000", D(2026, 3, 20))
    lost = deal(rob, stages["Prospecting"], "500", D(2026, 3, 1))
    opportunity_update(
        opportunity=lost,
        by=rob,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Price"],
        at=moment(D(2026, 2, 4)),
    )


def point(result, day):
    return next(p for p in result.periods[0].points if p.day == day)


def test_forecasts_accuracy_and_brier_by_hand(history):
    result = backtest.run([Q1])
    q1 = result.periods[0]
    assert q1.actual == 1000  # the one deal won within the quarter
    assert len(q1.points) == 14  # Jan 1 and the thirteen Mondays after it
    assert point(result, D(2026, 1, 1)).forecasts == {m: 0 for m in backtest.METHODS}

    jan5 = point(result, D(2026, 1, 5))
    # 1,000 x 80% + 2,000 x 60% + 500 x 10%; the commit deal alone; nothing had closed before
    # Jan 5, so the calibrated forecast is the stage defaults (no slip observed either).
    assert jan5.forecasts["stage_defaults"] == pytest.approx(2050)
    assert jan5.forecasts["commit"] == pytest.approx(1000)
    assert jan5.forecasts["calibrated"] == pytest.approx(2050)
    assert jan5.accuracy["stage_defaults"] == pytest.approx(1 - 1050 / 1000)
    assert jan5.accuracy["commit"] == pytest.approx(1.0)
    assert jan5.brier["stage_defaults"] == pytest.approx((0.2**2 + 0.6**2 + 0.1**2) / 3)
    assert jan5.brier["commit"] == pytest.approx(0)

    feb9 = point(result, D(2026, 2, 9))
    # Won 1,000 by then; the best case deal still open; the lost one gone.
    assert feb9.forecasts["stage_defaults"] == pytest.approx(1000 + 1200)
    assert feb9.forecasts["commit"] == pytest.approx(1000)
    assert feb9.brier["stage_defaults"] == pytest.approx(0.6**2)  # it slipped: outcome 0
    assert feb9.error["stage_defaults"] == pytest.approx(1200)
    # By Feb 9 the calibration has two closed visits: Proposal's default is unchanged (none
    # closed), so the calibrated forecast differs only by the slip it has not seen either.
    assert feb9.forecasts["calibrated"] == pytest.approx(2200)


def test_a_period_with_nothing_won_reports_the_error(history):
    result = backtest.run([parse("2026-Q2", 1)])
    q2 = result.periods[0]
    assert q2.actual == 0
    assert all(p.accuracy["commit"] is None for p in q2.points)
    assert q2.start.error["stage_defaults"] == pytest.approx(0)  # nothing open in Q2 either


def test_the_reliability_table_counts_every_open_deal_at_every_moment(history):
    result = backtest.run([Q1])
    rows = result.reliability["stage_defaults"]
    # Three open deals on the five Mondays from Jan 5 to Feb 2; the best case deal alone on
    # the six from Feb 9 to Mar 16; none once its close date (Mar 20) has passed.
    assert sum(n for _, _, n, _, _ in rows) == 5 * 3 + 6 * 1
    # Its 60% band: the best case deal at every one of those moments, never won.
    sixty = next(r for r in rows if r[0] == pytest.approx(0.6))
    assert sixty[2:] == (11, pytest.approx(0.6), 0.0)


def test_the_command_prints_and_writes_json(history):
    out = StringIO()
    call_command("forecast", "backtest", "--periods", "2026-Q1..2026-Q2", stdout=out)
    text = out.getvalue()
    assert "2026-Q1" in text and "Brier score, calibrated" in text
    out = StringIO()
    call_command("forecast", "backtest", "--periods", "2026-Q1", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["periods"][0]["actual"] == 1000
    with pytest.raises(CommandError):
        call_command("forecast", "backtest", "--periods", "2026-Q9", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("forecast", "backtest", stdout=StringIO())


def test_an_admin_runs_it_from_the_page_and_reads_the_result(
    history, org, django_capture_on_commit_callbacks
):
    client = signed_in(org.admin)
    assert "No backtest yet" in client.get("/forecast/backtest/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/forecast/backtest/", {"periods": "2026-Q1..2026-Q2"})
    assert asked.status_code == 302
    html = client.get("/forecast/backtest/").content.decode()
    assert "Backtest asked for" in html and "2026-Q1" in html and "Brier score" in html
    run_ = BacktestRun.objects.get()
    assert run_.result["periods"][0]["actual"] == 1000 and run_.finished_at is not None
    bad = client.post("/forecast/backtest/", {"periods": "2020-Q1..2026-Q4"}, follow=True)
    assert "At most 12 periods" in bad.content.decode()
    assert BacktestRun.objects.count() == 1
    for who in (org.manager, org.rep):
        assert signed_in(who).get("/forecast/backtest/").status_code == 404
        assert signed_in(who).post("/forecast/backtest/", {"periods": "2026-Q1"}).status_code == 404
