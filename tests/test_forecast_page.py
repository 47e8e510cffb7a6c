"""The forecast page: the roll-up table, the deals behind each figure, the past-due push and the
weekly chart (forecasting/drilldown.py, forecasting/trend.py, web/views/forecast.py)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salestrack.forecasting import calls, drilldown, trend
from salestrack.forecasting.periods import quarter_of
from salestrack.forecasting.rollup import rollup
from salestrack.lib.errors import Forbidden
from salestrack.opportunities.models import Opportunity, OpportunityHistory
from salestrack.opportunities.services import opportunity_update
from salestrack.teams.services import user_create
from tests import test_rollup
from tests.conftest import PASSWORD, analyzed, queries, signed_in
from tests.test_rollup import Q1, TODAY, D, deal, moment, win

# The roll-up's fixtures: its stages, and a quarter of deals with a hand-checked roll-up.
stages = test_rollup.stages
book = test_rollup.book

MONEY = ["closed_won", "commit", "best_case", "pipeline", "weighted"]
MONEY += ["commit_forecast", "best_case_forecast", "open_pipeline", "past_due"]


def test_every_figure_of_every_row_drills_down_to_deals_that_add_up_to_it(org, book):
    for viewer, team in [(org.admin, None), (org.region_manager, org.region), (org.rep, None)]:
        result = rollup(Q1, viewer=viewer, team=team, today=TODAY)
        targets = [(r.figures, {r.kind: _model(org, r.kind, r.id)}) for r in result.rows]
        targets.append((result.total, {"team": team} if team else {}))
        for figures, target in targets:
            for figure in MONEY:
                found = drilldown.deals_behind(figure, Q1, viewer=viewer, today=TODAY, **target)
                assert found.total == getattr(figures, figure), (viewer, target, figure)
                assert found.total == sum((d.value for d in found.deals), Decimal(0))


def _model(org, kind, pk):
    from salestrack.teams.models import Team, User

    return (User if kind == "user" else Team).objects.get(pk=pk)


def test_the_deals_behind_a_figure_are_those_it_counts(org, book):
    def names(figure, **target):
        found = drilldown.deals_behind(figure, Q1, viewer=org.admin, today=TODAY, **target)
        return sorted(d.name for d in found.deals)

    assert names("commit", user=org.rep) == ["Negotiation 1000"]
    assert names("past_due", user=org.rep) == ["Negotiation 400"]
    # Won by Rob, handed to Tess afterwards: Rob's closed won, not Tess's.
    assert names("closed_won", user=org.rep) == ["Proposal 1500", "Proposal 3000"]
    assert names("closed_won", user=org.teammate) == []
    assert names("commit_forecast", user=org.rep) == [
        "Negotiation 1000",
        "Proposal 1500",
        "Proposal 3000",
    ]
    # Omitted is behind no figure.
    assert "Proposal 700" not in names("open_pipeline")


def test_a_drill_down_outside_the_viewers_subtree_is_refused(org, book):
    with pytest.raises(Forbidden):
        drilldown.deals_behind("commit", Q1, viewer=org.rep, user=org.other_rep, today=TODAY)
    with pytest.raises(Forbidden):
        drilldown.deals_behind("commit", Q1, viewer=org.manager, team=org.team_b, today=TODAY)
    with pytest.raises(ValueError):
        drilldown.deals_behind("revenue", Q1, viewer=org.admin, today=TODAY)


def test_the_chart_shows_each_week_as_it_stood_then(org, stages):
    rob = org.rep
    # Committed from the start, won on Feb 3; a best case deal pushed out on Feb 10.
    committed = deal(rob, stages["Negotiation"], "1000", D(2026, 3, 10))
    win(committed, stages, D(2026, 2, 3), rob)
    pushed = deal(rob, stages["Proposal"], "2000", D(2026, 3, 20))
    opportunity_update(
        opportunity=pushed, by=rob, close_date=D(2026, 5, 1), at=moment(D(2026, 2, 10))
    )
    weeks = {w.day: w for w in trend.weekly(Q1, {rob.pk}, today=TODAY)}
    assert sorted(weeks)[-2:] == [D(2026, 2, 9), TODAY]  # the weeks up to today, then today
    assert weeks[TODAY].best_case_forecast == 1000  # where it stands: pushed out
    jan = weeks[D(2026, 1, 26)]
    assert (jan.closed_won, jan.commit_forecast, jan.best_case_forecast) == (0, 1000, 3000)
    feb = weeks[D(2026, 2, 9)]  # won by then; the push came after the week began
    assert (feb.closed_won, feb.commit_forecast, feb.best_case_forecast) == (1000, 1000, 3000)
    after = {w.day: w for w in trend.weekly(Q1, {rob.pk}, today=D(2026, 6, 1))}
    assert after[D(2026, 2, 16)].best_case_forecast == 1000
    assert max(after) == D(2026, 3, 31) and after[D(2026, 3, 31)].closed_won == 1000
    assert trend.weekly(Q1, {org.other_rep.pk}, today=TODAY)[-1].best_case_forecast == 0


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL weighs its own"
)
def test_the_chart_reads_its_states_from_one_index(org, stages):
    """A period's states are a range of opp_state_close_idx, read from it alone: through
    opp_state_held_idx SQLite read, row by row, every state holding since the period began."""
    for n in range(8):
        deal(org.rep, stages["Proposal"], str(1000 + n), D(2026, 3, 10) + datetime.timedelta(n))
    with analyzed():
        with CaptureQueriesContext(connection) as captured:
            trend.weekly(Q1, None, today=TODAY)
        [sql] = [q["sql"] for q in captured if "deals_opportunitystate" in q["sql"]]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            reads = [step for *_, step in cursor.fetchall()]
    assert reads == [
        "SEARCH deals_opportunitystate USING COVERING INDEX opp_state_close_idx "
        "(close_date>? AND close_date<?)"
    ]


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def this_quarter(org, stages):
    """Deals of the current quarter, whatever today is: Rob's commit, Tess's best case, Otto's
    pipeline in the other team, and a deal of Rob's that is past due."""
    today = timezone.localdate()
    quarter = quarter_of(today, 1)
    due = quarter.end - datetime.timedelta(days=1)
    rob = deal(org.rep, stages["Negotiation"], "1000", due)
    deal(org.teammate, stages["Proposal"], "2000", due)
    deal(org.other_rep, stages["Prospecting"], "300", due)
    late = deal(org.rep, stages["Negotiation"], "400", today - datetime.timedelta(days=400))
    return quarter, rob, late


def test_a_rep_sees_their_own_forecast(org, this_quarter):
    quarter, _, _ = this_quarter
    page = signed_in(org.rep).get("/forecast/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Forecast · Rob Stone" in html and quarter.name in html
    assert 'id="forecast-user-' in html and "Past due" in html
    assert "Tess" not in html and "Otto" not in html
    assert signed_in(org.rep).get(f"/forecast/?team={org.team_a.pk}").status_code == 404
    assert signed_in(org.rep).get(f"/forecast/?user={org.other_rep.pk}").status_code == 404


def test_a_manager_sees_the_team_and_opens_a_sub_team(org, this_quarter):
    client = signed_in(org.region_manager)
    html = client.get("/forecast/").content.decode()
    assert "Forecast · My teams" in html and ">East<" in html
    boston = client.get(f"/forecast/?team={org.team_a.pk}").content.decode()
    assert f'id="forecast-user-{org.rep.pk}"' in boston
    assert f'id="forecast-user-{org.teammate.pk}"' in boston
    assert signed_in(org.manager).get(f"/forecast/?team={org.team_b.pk}").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["team=x", "user=999999", "team=1&user=1", "period=2026-Q9", "period=%00", "user=-1"],
)
def test_bad_addresses_answer_4xx(org, query):
    response = signed_in(org.admin).get(f"/forecast/?{query}")
    assert response.status_code in (400, 404)
    response = signed_in(org.admin).get(f"/forecast/deals/?figure=commit&{query}")
    assert response.status_code in (400, 404)


def test_the_drill_down_page_lists_the_deals_and_their_total(org, this_quarter):
    quarter, rob, _ = this_quarter
    client = signed_in(org.manager)
    page = client.get(f"/forecast/deals/?period={quarter.name}&figure=commit&user={org.rep.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert rob.name in html and 'id="drill-total">1,000 USD<' in html
    assert client.get("/forecast/deals/?figure=nope").status_code == 404
    other = f"/forecast/deals/?figure=commit&user={org.other_rep.pk}"
    assert client.get(other).status_code == 404


def test_a_past_due_deal_is_pushed_in_one_click(org, this_quarter):
    quarter, _, late = this_quarter
    client = signed_in(org.rep)
    page = client.get(f"/forecast/deals/?figure=past_due&user={org.rep.pk}").content.decode()
    assert late.name in page and "In a week" in page
    new_date = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        f"/forecast/push/{late.pk}/",
        {"close_date": new_date.isoformat(), "version": late.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Now closes" in response.content.decode()
    late.refresh_from_db()
    assert late.close_date == new_date
    change = OpportunityHistory.objects.filter(opportunity=late, field="close_date").last()
    assert change.cause is None  # a push, which slip figures count


def test_a_push_to_the_past_or_of_someone_elses_deal_changes_nothing(org, this_quarter):
    _, rob, late = this_quarter
    before = late.close_date
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = signed_in(org.rep).post(
        f"/forecast/push/{late.pk}/",
        {"close_date": past.isoformat(), "version": late.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "from today on" in response.content.decode()
    stale = signed_in(org.rep).post(
        f"/forecast/push/{late.pk}/",
        {"close_date": timezone.localdate().isoformat(), "version": late.version + 5},
    )
    assert stale.status_code == 302
    other = signed_in(org.other_rep).post(
        f"/forecast/push/{late.pk}/", {"close_date": "2099-01-01", "version": late.version}
    )
    assert other.status_code == 404
    bad = signed_in(org.rep).post(f"/forecast/push/{late.pk}/", {"close_date": "soon"})
    assert bad.status_code == 302
    assert Opportunity.objects.get(pk=late.pk).close_date == before


def test_the_chart_data_follows_the_scope(org, this_quarter):
    quarter, _, _ = this_quarter
    data = json.loads(signed_in(org.admin).get("/forecast/trend/").content)
    assert data["period"] == quarter.name and data["weeks"]
    last = data["weeks"][-1]
    assert Decimal(last["best_case_forecast"]) >= Decimal(last["commit_forecast"])
    assert signed_in(org.rep).get(f"/forecast/trend/?team={org.team_b.pk}").status_code == 404
    assert signed_in(org.rep).get("/forecast/trend/?period=x").status_code == 400


def test_the_page_reads_do_not_grow_with_people_or_deals(org, stages, this_quarter):
    client = signed_in(org.admin)
    client.get("/forecast/")
    few = queries(client, "/forecast/")
    for n in range(5):
        deal(org.teammate, stages["Proposal"], str(100 + n), this_quarter[0].start)
    user_create(username="newcomer", role="rep", team=org.team_b, password=PASSWORD)
    calls.call_set(
        by=org.rep,
        period=this_quarter[0].name,
        commit_forecast=1,
        best_case_forecast=2,
        user=org.rep,
    )
    # Session, user, company, teams and people (the roll-up's tree), three reads of the deals,
    # three of the quotas, the calls, the teams the menu lists, and those the viewer manages.
    assert queries(client, "/forecast/") == few <= 14
