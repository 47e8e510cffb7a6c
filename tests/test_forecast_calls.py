"""Calls and overrides (forecasting/calls.py): who may set what, what each viewer reads, the
history, and the page's form."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salestrack.forecasting import calls
from salestrack.forecasting.models import ForecastCall
from salestrack.forecasting.rollup import rollup
from salestrack.lib.errors import Forbidden
from tests import test_rollup
from tests.conftest import signed_in
from tests.test_rollup import Q1, TODAY

stages = test_rollup.stages
book = test_rollup.book


def call(by, commit, best, note="", **whose):
    return calls.call_set(
        by=by, period="2026-Q1", commit_forecast=commit, best_case_forecast=best, note=note, **whose
    )


def row(result, name):
    return next(r for r in result.rows if r.name == name)


def test_a_rep_calls_their_number_and_reads_it_beside_the_computed(org, book):
    call(org.rep, "5000", "7000", "Initech slips to April", user=org.rep)
    result = rollup(Q1, viewer=org.rep, today=TODAY)
    rob = row(result, "Rob Stone")
    assert (rob.figures.commit_forecast, rob.figures.best_case_forecast) == (5500, 7500)
    assert (rob.call.commit_forecast, rob.call.best_case_forecast) == (5000, 7000)
    assert rob.override is None and rob.adjusted == (5000, 7000)
    assert result.adjusted == (5000, 7000)


def test_the_highest_override_at_or_below_the_viewer_wins(org, book):
    call(org.rep, "5000", "7000", user=org.rep)
    call(org.manager, "4000", "6000", "Rob is optimistic", user=org.rep)
    call(org.region_manager, "3000", "5000", "Two deals at risk", user=org.rep)
    boston = {
        v: rollup(Q1, viewer=v, team=org.team_a, today=TODAY)
        for v in (org.manager, org.region_manager)
    }
    # Mia reads her own override; Rhea's is above her and hidden from her.
    mia_view = row(boston[org.manager], "Rob Stone")
    assert mia_view.adjusted == (4000, 6000) and mia_view.override.by == org.manager
    # Rhea reads hers, the highest; both see Rob's call and the computed figures beside it.
    rhea_view = row(boston[org.region_manager], "Rob Stone")
    assert rhea_view.adjusted == (3000, 5000) and rhea_view.call.commit_forecast == 5000
    # The team's total adds each member as the viewer reads them: Tess has no call.
    tess = row(boston[org.region_manager], "tess").figures
    assert boston[org.region_manager].adjusted == (
        3000 + tess.commit_forecast,
        5000 + tess.best_case_forecast,
    )
    # Rob reads his own call.
    assert row(rollup(Q1, viewer=org.rep, today=TODAY), "Rob Stone").adjusted == (5000, 7000)


def test_a_team_is_called_by_its_manager_and_overridden_above(org, book):
    mine = call(org.manager, "9000", "12000", team=org.team_a)
    assert not mine.is_override
    over = call(org.region_manager, "8000", "10000", "Boston's pipeline is thin", team=org.team_a)
    assert over.is_override
    east = rollup(Q1, viewer=org.region_manager, team=org.region, today=TODAY)
    assert row(east, "Boston").adjusted == (8000, 10000)
    boston = rollup(Q1, viewer=org.manager, team=org.team_a, today=TODAY)
    assert boston.call.commit_forecast == 9000 and boston.adjusted == (9000, 12000)
    # An admin is above everyone: their override wins for them.
    call(org.admin, "7000", "9000", "Board view", team=org.team_a)
    whole = rollup(Q1, viewer=org.admin, team=org.region, today=TODAY)
    assert row(whole, "Boston").adjusted == (7000, 9000)


@pytest.mark.parametrize(
    "setter, whose",
    [
        ("rep", {"user": "teammate"}),  # a rep overrides nobody
        ("manager", {"user": "region_manager"}),  # nor a manager those above them
        ("manager", {"user": "other_rep"}),  # nor outside their subtree
        ("manager", {"team": "team_b"}),
        ("manager", {"team": "region"}),
        ("rep", {"team": "team_a"}),
    ],
)
def test_no_one_sets_a_figure_outside_their_subtree(org, setter, whose):
    target = {k: getattr(org, v) for k, v in whose.items()}
    with pytest.raises(Forbidden):
        call(getattr(org, setter), "1", "2", "because", **target)
    assert not ForecastCall.objects.exists()


@pytest.mark.parametrize(
    "commit, best, note, field",
    [
        ("100", "50", "", "best_case_forecast"),  # best case below commit
        ("-1", "5", "", "commit_forecast"),
        ("abc", "5", "", "commit_forecast"),
        ("5", "", "", "best_case_forecast"),  # one figure alone
        ("1" * 13, "1" * 13, "", "commit_forecast"),
        ("1", "2", "x" * 2001, "note"),
    ],
)
def test_bad_figures_are_field_errors_and_write_nothing(org, commit, best, note, field):
    with pytest.raises(ValidationError) as raised:
        call(org.rep, commit, best, note, user=org.rep)
    assert field in raised.value.message_dict
    assert not ForecastCall.objects.exists()


def test_an_override_needs_a_reason(org):
    with pytest.raises(ValidationError) as raised:
        call(org.manager, "1", "2", "  ", user=org.rep)
    assert "note" in raised.value.message_dict


def test_every_call_is_kept_with_what_it_replaced_and_can_be_withdrawn(org, book):
    call(org.rep, "5000", "7000", "first", user=org.rep)
    call(org.rep, "5200", "7100", "second", user=org.rep)
    call(org.manager, "4000", "6000", "too rosy", user=org.rep)
    call(org.rep, "", "", "never mind", user=org.rep)
    changes = calls.history(Q1, user=org.rep)
    assert [(r.note, before.note if before else None) for r, before in changes] == [
        ("first", None),
        ("second", "first"),
        ("too rosy", None),
        ("never mind", "second"),
    ]
    rob = row(rollup(Q1, viewer=org.manager, team=org.team_a, today=TODAY), "Rob Stone")
    assert rob.call is None and rob.adjusted == (4000, 6000)


def test_the_reads_do_not_grow_with_calls(org, book, django_assert_num_queries):
    rollup(Q1, viewer=org.region_manager, today=TODAY)
    with CaptureQueriesContext(connection) as before:
        rollup(Q1, viewer=org.region_manager, team=org.region, today=TODAY)
    for n in range(5):
        call(org.manager, str(n), str(n + 1), "why", user=org.rep)
        call(org.rep, str(n), str(n + 1), user=org.rep)
    with django_assert_num_queries(len(before)):
        rollup(Q1, viewer=org.region_manager, team=org.region, today=TODAY)


# --- the page --------------------------------------------------------------------------------


def test_the_page_sets_a_call_and_an_override_and_shows_the_history(org, book):
    client = signed_in(org.manager)
    page = client.get(f"/forecast/?period=2026-Q1&team={org.team_a.pk}").content.decode()
    assert 'id="calls"' in page and "Override" in page
    sent = {
        "target": f"user:{org.rep.pk}",
        "period": "2026-Q1",
        "commit_forecast": "4000",
        "best_case_forecast": "6000",
        "note": "Rob is optimistic",
        "next": f"/forecast/?period=2026-Q1&team={org.team_a.pk}",
    }
    response = client.post("/forecast/calls/", sent, follow=True)
    assert "Override set: Rob Stone, 2026-Q1." in response.content.decode()
    assert ForecastCall.objects.get().commit_forecast == Decimal("4000")
    refused = client.post("/forecast/calls/", {**sent, "note": ""}, follow=True)
    assert "Say why you override" in refused.content.decode()
    outside = client.post(
        "/forecast/calls/", {**sent, "target": f"user:{org.other_rep.pk}"}, follow=True
    )
    assert "not yours" in outside.content.decode()
    assert client.post("/forecast/calls/", {**sent, "target": "x"}, follow=True).status_code == 200
    assert ForecastCall.objects.count() == 1
    history = client.get(f"/forecast/calls/history/?period=2026-Q1&user={org.rep.pk}")
    assert "Rob is optimistic" in history.content.decode()
    other = client.get(f"/forecast/calls/history/?period=2026-Q1&user={org.other_rep.pk}")
    assert other.status_code == 404
