"""The pipeline as of a moment (opportunities.selectors.pipeline_as_of) and the table of states
it reads, against hand-built histories and against its rebuild from the history."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from salestrack.accounts.services import account_create
from salestrack.audit import trash
from salestrack.audit.models import Deleted
from salestrack.company import services as company
from salestrack.opportunities.models import OpportunityState, Stage
from salestrack.opportunities.selectors import pipeline_as_of
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_delete,
    opportunity_update,
)

UTC = datetime.UTC


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def stages(default_pipeline):
    return {s.name: s for s in Stage.objects.filter(pipeline=default_pipeline)}


@pytest.fixture
def story(org, stages, lost_reasons):
    """One deal's life in March 2026: moved, won, amount changed after winning, reopened,
    handed to a teammate, deleted and restored; and a second deal, deleted for good."""
    account = account_create(by=org.rep, name="Globex", at=at(1))
    deal = opportunity_create(
        by=org.rep,
        account=account,
        name="Renewal",
        amount=Decimal("1000"),
        close_date=datetime.date(2026, 4, 30),
        at=at(2),
    )
    deal = opportunity_update(opportunity=deal, by=org.rep, stage=stages["Proposal"], at=at(4))
    deal = opportunity_update(opportunity=deal, by=org.rep, stage=stages["Closed won"], at=at(6))
    deal = opportunity_update(opportunity=deal, by=org.rep, amount=Decimal("1200"), at=at(8))
    deal = opportunity_update(
        opportunity=deal,
        by=org.rep,
        stage=stages["Negotiation"],
        close_date=datetime.date(2026, 5, 15),
        at=at(10),
    )
    deal = opportunity_update(opportunity=deal, by=org.manager, owner=org.teammate, at=at(12))
    opportunity_delete(opportunity=deal, by=org.teammate, at=at(14))
    trash.record_restore(deleted=Deleted.objects.get(), by=org.admin, at=at(16))
    gone = opportunity_create(
        by=org.rep, account=account, name="Gone", close_date=datetime.date(2026, 4, 1), at=at(3)
    )
    opportunity_delete(opportunity=gone, by=org.rep, at=at(5))
    return deal, gone


def held(moment, **options):
    return {s.opportunity_id: s for s in pipeline_as_of(moment, **options)}


def test_each_moment_gives_the_values_of_then(org, stages, story):
    deal, gone = story
    assert held(at(1)) == {}
    first = held(at(2))[deal.pk]  # from the moment of creation, in the first stage
    assert (first.stage_id, first.amount, first.probability, first.owner_id) == (
        stages["Prospecting"].pk,
        Decimal("1000.00"),
        10,
        org.rep.pk,
    )
    assert (first.currency, first.forecast_category) == ("USD", "pipeline")
    assert set(held(at(4, 0))) == {deal.pk, gone.pk}
    assert held(at(5))[deal.pk].stage_id == stages["Proposal"].pk
    assert gone.pk not in held(at(5))  # deleted at that very moment
    won = held(at(7))[deal.pk]
    assert (won.stage_id, won.close_date, won.probability) == (
        stages["Closed won"].pk,
        datetime.date(2026, 3, 6),  # closing set the close date to the day it closed
        100,
    )
    assert won.is_closed and deal.pk not in held(at(7), open_only=True)
    assert held(at(9))[deal.pk].amount == Decimal("1200.00")  # changed after winning
    reopened = held(at(11))[deal.pk]
    assert (reopened.stage_id, reopened.close_date, reopened.forecast_category) == (
        stages["Negotiation"].pk,
        datetime.date(2026, 5, 15),
        "commit",
    )
    assert held(at(13))[deal.pk].owner_id == org.teammate.pk
    assert set(held(at(13), open_only=True)) == {deal.pk}
    assert deal.pk not in held(at(15))  # in the trash
    restored = held(at(17))[deal.pk]
    assert (restored.owner_id, restored.amount) == (org.teammate.pk, Decimal("1200.00"))


def test_a_state_ends_where_the_next_begins(story):
    deal, _ = story
    rows = list(OpportunityState.objects.filter(opportunity=deal).order_by("valid_from"))
    assert [r.valid_from for r in rows] == [at(2), at(4), at(6), at(8), at(10), at(12), at(16)]
    assert [r.valid_to for r in rows[:5]] == [at(4), at(6), at(8), at(10), at(12)]
    assert rows[5].valid_to == at(14)


def snapshot():
    return sorted(
        OpportunityState.objects.values_list(
            "opportunity_id", "valid_from", "valid_to", *OpportunityState.FIELDS
        )
    )


def test_the_rebuild_equals_what_the_writes_kept(org, story, capsys):
    deal, _ = story
    company.rate_create(
        by=org.admin, currency="EUR", rate="1.1", valid_from=datetime.date(2026, 1, 1)
    )
    opportunity_update(opportunity=deal, by=org.teammate, currency="EUR", at=at(18))
    # Two writes at one moment are one change to the history: the second replaces the state.
    deal.refresh_from_db()
    opportunity_update(opportunity=deal, by=org.teammate, amount=Decimal(5), at=at(20))
    deal.refresh_from_db()
    opportunity_update(opportunity=deal, by=org.teammate, amount=Decimal(6), at=at(20))
    kept = snapshot()
    assert len(kept) == 10
    OpportunityState.objects.all().delete()
    call_command("forecast", "rebuild-states")
    assert "10 states rebuilt from the history." in capsys.readouterr().out
    assert snapshot() == kept
