"""GET /api/v1/forecast and POST /api/v1/forecast/calls."""

import pytest

from salestrack.forecasting.models import ForecastCall
from tests import test_rollup
from tests.conftest import client_for

stages = test_rollup.stages
book = test_rollup.book


def test_the_forecast_has_every_figure_of_every_row_and_the_total(org, book):
    response = client_for(org.region_manager).get(
        f"/api/v1/forecast?period=2026-Q1&team_id={org.team_a.pk}"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["start"], body["end"]) == ("2026-Q1", "2026-01-01", "2026-04-01")
    assert body["scope"] == "team" and body["name"] == "Boston" and body["currency"] == "USD"
    rob = next(r for r in body["rows"] if r["name"] == "Rob Stone")
    # Rob's closed won: his own three wins and the deal he won before handing it to Tess.
    assert rob["figures"]["closed_won"] == "4500.00"
    assert rob["call"] is None and rob["override"] is None
    assert rob["adjusted"] == {
        "commit_forecast": rob["figures"]["commit_forecast"],
        "best_case_forecast": rob["figures"]["best_case_forecast"],
    }
    assert body["total"]["closed_won"] == "4500.00"


def test_calls_and_overrides_through_the_api(org, book):
    mine = client_for(org.rep).post(
        "/api/v1/forecast/calls",
        {
            "period": "2026-Q1",
            "user_id": org.rep.pk,
            "commit_forecast": "5000",
            "best_case_forecast": "7000",
            "note": "Initech slips",
        },
        format="json",
    )
    assert mine.status_code == 201 and mine.json()["is_override"] is False
    over = client_for(org.manager).post(
        "/api/v1/forecast/calls",
        {
            "period": "2026-Q1",
            "user_id": org.rep.pk,
            "commit_forecast": "4000",
            "best_case_forecast": "6000",
            "note": "Too rosy",
        },
        format="json",
    )
    assert over.status_code == 201 and over.json()["is_override"] is True
    body = (
        client_for(org.manager)
        .get(f"/api/v1/forecast?period=2026-Q1&team_id={org.team_a.pk}")
        .json()
    )
    rob = next(r for r in body["rows"] if r["name"] == "Rob Stone")
    assert rob["call"]["commit_forecast"] == "5000.00"
    assert rob["override"]["note"] == "Too rosy"
    assert rob["adjusted"] == {"commit_forecast": "4000.00", "best_case_forecast": "6000.00"}


@pytest.mark.parametrize(
    "who, body, code, field",
    [
        ("rep", {"user_id": "teammate"}, 403, None),
        ("manager", {"user_id": "rep", "note": ""}, 400, "note"),
        ("rep", {"user_id": "rep", "best_case_forecast": "1"}, 400, "best_case_forecast"),
        ("rep", {"user_id": "rep", "period": "2026-Q7"}, 400, "period"),
        ("rep", {"user_id": 999999}, 400, "user_id"),
        ("rep", {"user_id": "rep", "team_id": "team_a"}, 400, "user_id"),
        ("rep", {"commit_forecast": "abc"}, 400, "commit_forecast"),
    ],
)
def test_bad_calls_are_refused_with_field_errors(org, who, body, code, field):
    sent = {"period": "2026-Q1", "commit_forecast": "10", "best_case_forecast": "20", "note": "x"}
    for key, value in body.items():
        sent[key] = (
            getattr(org, value).pk if isinstance(value, str) and hasattr(org, value) else value
        )
    response = client_for(getattr(org, who)).post("/api/v1/forecast/calls", sent, format="json")
    assert response.status_code == code, response.json()
    if field:
        assert field in response.json()["error"]["fields"]
    assert not ForecastCall.objects.exists()


@pytest.mark.parametrize(
    "query, code",
    [
        ("period=2026-Q9", 400),
        ("team_id=abc", 400),
        ("user_id=0", 400),
        ("team_id=999999", 400),
        ("team_id={b}&user_id={r}", 400),
        ("team_id={b}", 403),
        ("user_id={o}", 403),
        ("", 200),
    ],
)
def test_a_manager_reads_their_subtree_only(org, query, code):
    query = query.format(b=org.team_b.pk, r=org.rep.pk, o=org.other_rep.pk)
    response = client_for(org.manager).get(f"/api/v1/forecast?{query}")
    assert response.status_code == code, response.json()
    assert client_for(None).get("/api/v1/forecast").status_code == 401
