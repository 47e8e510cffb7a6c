"""The forecast roll-up (forecasting/rollup.py): cumulative categories, Omitted, past due,
closed won credited to who owned the deal when it closed, sub-teams, and who sees what."""

import datetime
from decimal import Decimal

import pytest

from salestrack.accounts.services import account_create
from salestrack.company import services as company
from salestrack.forecasting.periods import parse
from salestrack.forecasting.rollup import rollup
from salestrack.lib.errors import Forbidden
from salestrack.opportunities.models import Stage
from salestrack.opportunities.services import opportunity_create, opportunity_update

D = datetime.date
TODAY = D(2026, 2, 15)
Q1 = parse("2026-Q1", 1)


def moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


@pytest.fixture
def stages(default_pipeline):
    return {s.name: s for s in Stage.objects.filter(pipeline=default_pipeline)}


def deal(owner, stage, amount, close_date, *, currency="USD", **fields):
    account = account_create(by=owner, name=f"Account of {owner.username} {amount}")
    return opportunity_create(
        by=owner,
        account=account,
        name=f"{stage.name} {amount}",
        stage=stage,
        amount=Decimal(amount),
        currency=currency,
        close_date=close_date,
        at=moment(D(2026, 1, 2)),
        **fields,
    )


def win(opportunity, stages, on: datetime.date, by):
    return opportunity_update(
        opportunity=opportunity, by=by, stage=stages["Closed won"], at=moment(on)
    )


@pytest.fixture
def book(org, stages, lost_reasons):
    """Rob's quarter, Tess's, and Otto's in another team."""
    company.rate_create(by=org.admin, currency="EUR", rate="1.1", valid_from=D(2025, 1, 1))
    rob, tess, otto = org.rep, org.teammate, org.other_rep
    deal(rob, stages["Negotiation"], "1000", D(2026, 3, 10))  # commit
    deal(rob, stages["Proposal"], "2000", D(2026, 3, 20))  # best case
    deal(rob, stages["Prospecting"], "500", D(2026, 2, 20))  # pipeline
    deal(rob, stages["Prospecting"], "100", D(2026, 3, 1), currency="EUR")  # 110 USD pipeline
    deal(rob, stages["Proposal"], "700", D(2026, 3, 5), forecast_category="omitted")
    deal(rob, stages["Negotiation"], "400", D(2026, 2, 1))  # past due: counted nowhere else
    deal(rob, stages["Negotiation"], "9000", D(2026, 4, 2))  # next quarter
    win(deal(rob, stages["Proposal"], "3000", D(2026, 3, 30)), stages, D(2026, 2, 3), rob)
    lost = deal(rob, stages["Proposal"], "800", D(2026, 3, 30))
    opportunity_update(
        opportunity=lost,
        by=rob,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Price"],
        at=moment(D(2026, 2, 4)),
    )
    # Won by Rob, handed to Tess afterwards: still Rob's closed won.
    handed = win(deal(rob, stages["Proposal"], "1500", D(2026, 3, 30)), stages, D(2026, 2, 5), rob)
    opportunity_update(opportunity=handed, by=org.manager, owner=tess, at=moment(D(2026, 2, 6)))
    deal(tess, stages["Negotiation"], "250", D(2026, 3, 3))
    win(deal(otto, stages["Proposal"], "5000", D(2026, 3, 30)), stages, D(2026, 1, 20), otto)
    # Won in the last quarter: not this one's.
    win(deal(rob, stages["Proposal"], "777", D(2026, 1, 30)), stages, D(2025, 12, 30), rob)


def row(result, name):
    return next(r for r in result.rows if r.name == name).figures


def test_a_reps_figures_add_up_cumulatively(org, book):
    result = rollup(Q1, viewer=org.rep, today=TODAY)
    assert [r.name for r in result.rows] == ["Rob Stone"]
    rob = result.total
    assert (rob.closed_won, rob.commit, rob.best_case, rob.pipeline) == (
        Decimal("4500"),
        Decimal("1000"),
        Decimal("2000"),
        Decimal("610"),
    )
    assert rob.commit_forecast == Decimal("5500")  # closed + commit
    assert rob.best_case_forecast == Decimal("7500")  # closed + commit + best case
    assert rob.open_pipeline == Decimal("3610")  # Omitted counts nowhere
    assert (
        rob.weighted
        == Decimal("1000") * 80 / 100 + Decimal("2000") * 60 / 100 + Decimal("610") * 10 / 100
    )
    assert (rob.past_due, rob.past_due_count) == (Decimal("400"), 1)
    assert rob.quota is None and rob.attainment is None and rob.coverage is None


def test_a_team_has_a_row_per_member_and_sub_team(org, book):
    result = rollup(Q1, viewer=org.region_manager, today=TODAY)
    assert [r.name for r in result.rows] == ["East"]
    east = rollup(Q1, viewer=org.region_manager, team=org.region, today=TODAY)
    # Rhea is in no team and manages East: she counts there.
    assert [(r.kind, r.name) for r in east.rows] == [("user", "rhea"), ("team", "Boston")]
    boston = rollup(Q1, viewer=org.manager, team=org.team_a, today=TODAY)
    assert row(boston, "tess").closed_won == Decimal("0")
    assert row(boston, "tess").commit == Decimal("250")
    assert boston.total.closed_won == Decimal("4500")
    assert east.total.closed_won == boston.total.closed_won


def test_the_company_adds_everyone(org, book):
    result = rollup(Q1, viewer=org.admin, today=TODAY)
    assert {r.name for r in result.rows} == {"East", "Denver"}
    assert result.total.closed_won == Decimal("9500")
    assert row(result, "Denver").closed_won == Decimal("5000")


def test_a_past_period_has_no_open_figures_and_no_past_due_line(org, book):
    result = rollup(parse("2025-Q4", 1), viewer=org.rep, today=TODAY)
    assert result.total.closed_won == Decimal("777")
    assert result.total.open_pipeline == 0 and result.total.past_due_count == 0


def test_nobody_sees_a_forecast_outside_their_subtree(org, book):
    with pytest.raises(Forbidden):
        rollup(Q1, viewer=org.rep, user=org.teammate, today=TODAY)
    with pytest.raises(Forbidden):
        rollup(Q1, viewer=org.manager, team=org.team_b, today=TODAY)
    with pytest.raises(Forbidden):
        rollup(Q1, viewer=org.manager, team=org.region, today=TODAY)
    assert rollup(Q1, viewer=org.manager, user=org.rep, today=TODAY).total.closed_won


def test_the_reads_do_not_grow_with_deals(org, book, stages, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        rollup(Q1, viewer=org.admin, today=TODAY)


def test_quotas_give_attainment_gap_and_coverage(org, book):
    from salestrack.forecasting.quotas import quota_set

    quota_set(by=org.admin, period="2026-Q1", amount="10000", user=org.rep)
    for month in ("2026-01", "2026-02", "2026-03"):  # a quarter adds up its months
        quota_set(by=org.admin, period=month, amount="2000", user=org.teammate)
    boston = rollup(Q1, viewer=org.manager, team=org.team_a, today=TODAY)
    rob = row(boston, "Rob Stone")
    assert (rob.quota, rob.gap, rob.attainment) == (
        Decimal("10000.00"),
        Decimal("5500.00"),
        Decimal("0.4500"),
    )
    assert rob.coverage == (Decimal("3610") / Decimal("5500")).quantize(Decimal("0.01"))
    assert row(boston, "tess").quota == Decimal("6000.00")
    assert boston.total.quota == Decimal("16000.00")  # the team's: its members' sum
    quota_set(by=org.admin, period="2026-Q1", amount="20000", team=org.team_a)
    assert rollup(Q1, viewer=org.manager, team=org.team_a, today=TODAY).total.quota == Decimal(
        "20000.00"
    )


def test_the_command_prints_the_roll_up(org, book):
    import json
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("forecast", "--period", "2026-Q1", "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["period"], body["start"], body["end"]) == ("2026-Q1", "2026-01-01", "2026-04-01")
    assert body["total"]["closed_won"] == "9500.00"
    assert {r["name"] for r in body["rows"]} == {"East", "Denver"}
    out = StringIO()
    call_command("forecast", "--period", "2026-Q1", "--team", "boston", stdout=out)
    assert "Boston, 2026-Q1, in USD" in out.getvalue()
    assert "4,500" in out.getvalue()
    with pytest.raises(CommandError, match="not a period"):
        call_command("forecast", "--period", "2026-Q9")
    with pytest.raises(CommandError, match="No team is named"):
        call_command("forecast", "--period", "2026-Q1", "--team", "Nowhere")
