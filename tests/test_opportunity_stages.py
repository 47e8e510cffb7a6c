import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create
from salestrack.audit.models import AuditEntry
from salestrack.lib.errors import StaleVersion
from salestrack.opportunities.models import OpportunityHistory, Pipeline, Stage
from salestrack.opportunities.services import (
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)

SOON = datetime.date.today() + datetime.timedelta(days=20)


@pytest.fixture
def stages(db):
    return {s.name: s for s in Stage.objects.filter(pipeline__is_default=True)}


@pytest.fixture
def deal(org):
    account = account_create(by=org.rep, name="Umbrella")
    return opportunity_create(
        by=org.rep,
        account=account,
        name="Umbrella renewal",
        amount=Decimal("5000"),
        close_date=SOON,
    )


def history(deal):
    return [
        (h.field, h.old_value, h.new_value)
        for h in OpportunityHistory.objects.filter(opportunity=deal).order_by("id")
    ]


def test_a_new_deal_starts_in_the_first_stage_with_its_defaults(deal, stages):
    assert deal.stage == stages["Prospecting"]
    assert (deal.probability, deal.forecast_category) == (10, "pipeline")
    assert ("stage", None, str(stages["Prospecting"].pk)) in history(deal)
    assert ("amount", None, "5000.00") in history(deal)


def test_moving_a_stage_appends_history_and_takes_the_stage_defaults(deal, stages, org):
    moved = opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Proposal"])
    assert (moved.probability, moved.forecast_category) == (60, "best_case")
    rows = OpportunityHistory.objects.filter(opportunity=deal, field="stage")
    assert [(r.old_value, r.new_value, r.changed_by) for r in rows][-1] == (
        str(stages["Prospecting"].pk),
        str(stages["Proposal"].pk),
        org.rep,
    )
    assert ("probability", "10", "60") in history(deal)


def test_winning_sets_the_closed_date_and_makes_the_account_a_customer(deal, stages, org):
    won = opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Closed won"])
    assert won.closed_date == datetime.date.today()
    assert won.is_closed and won.is_won and won.forecast_category == "closed"
    account = Account.objects.get(pk=deal.account_id)
    assert account.type == Account.Type.CUSTOMER
    assert account.customer_since == datetime.date.today()
    assert AuditEntry.objects.filter(
        action="accounts.account.became_customer", object_id=account.pk
    ).exists()


def test_losing_requires_a_reason(deal, stages, org, lost_reasons):
    with pytest.raises(ValidationError) as error:
        opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Closed lost"])
    assert "lost_reason" in error.value.message_dict
    deal.refresh_from_db()
    assert deal.stage == stages["Prospecting"] and deal.version == 1
    lost = opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    assert (lost.lost_reason, lost.is_closed, lost.is_won) == (lost_reasons["Price"], True, False)
    assert Account.objects.get(pk=deal.account_id).type == Account.Type.PROSPECT


def test_reopening_is_allowed_and_recorded(deal, stages, org, lost_reasons):
    opportunity_move_stage(
        opportunity=deal,
        by=org.rep,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Other"],
        lost_reason_detail="Merged with a client",
    )
    reopened = opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Negotiation"])
    assert (reopened.is_closed, reopened.closed_date) == (False, None)
    assert (reopened.lost_reason, reopened.lost_reason_detail) == (None, "")
    stage_moves = [r[2] for r in history(deal) if r[0] == "stage"]
    assert stage_moves[-2:] == [str(stages["Closed lost"].pk), str(stages["Negotiation"].pk)]


def test_a_stage_of_another_pipeline_is_refused(deal, org):
    other = Pipeline.objects.create(name="Renewals")
    foreign = Stage.objects.create(
        pipeline=other, name="Open", position=1, probability=50, forecast_category="pipeline"
    )
    with pytest.raises(ValidationError):
        opportunity_move_stage(opportunity=deal, by=org.rep, stage=foreign)


def test_the_rep_may_override_probability_and_it_is_in_the_history(deal, org):
    changed = opportunity_update(
        opportunity=deal, by=org.rep, probability=35, amount=Decimal("6000")
    )
    assert changed.probability == 35
    assert ("probability", "10", "35") in history(deal)
    assert ("amount", "5000.00", "6000.00") in history(deal)


def test_a_write_on_a_stale_version_is_refused(deal, org):
    opportunity_update(opportunity=deal, by=org.rep, version=1, next_step="Call back")
    with pytest.raises(StaleVersion):
        opportunity_update(opportunity=deal, by=org.rep, version=1, next_step="Other")
    deal.refresh_from_db()
    assert (deal.next_step, deal.version) == ("Call back", 2)


def test_history_rows_cannot_be_edited(deal):
    row = OpportunityHistory.objects.filter(opportunity=deal).first()
    row.new_value = "forged"
    with pytest.raises(ValueError):
        row.save()


def test_a_deal_rots_when_idle_in_its_stage_past_the_limit(deal, stages, org):
    from django.utils import timezone

    from salestrack.activities.rotting import rotting_q
    from salestrack.activities.services import activity_log
    from salestrack.opportunities.models import Opportunity
    from salestrack.opportunities.services import opportunity_snooze

    def is_rotting():
        return Opportunity.objects.filter(rotting_q(), pk=deal.pk).exists()

    assert not is_rotting()
    old = timezone.now() - datetime.timedelta(days=40)  # Prospecting rots after 30 days
    Opportunity.objects.filter(pk=deal.pk).update(stage_entered_at=old)
    assert is_rotting()
    call = activity_log(by=org.rep, kind="call", subject="Check-in", opportunity=deal)
    assert not is_rotting()
    from salestrack.activities.models import Activity

    Activity.objects.filter(pk=call.pk).update(occurred_at=old)
    assert is_rotting()
    opportunity_snooze(
        opportunity=deal,
        by=org.rep,
        reason="Budget in January",
        until=datetime.date.today() + datetime.timedelta(days=10),
    )
    assert not is_rotting()


# Closing sets the close date (the day it closed); reopening puts the planned one back.

TODAY = datetime.date.today()
CLOSED_AT = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC)


def close_date_rows(deal):
    rows = OpportunityHistory.objects.filter(opportunity=deal, field="close_date").order_by("id")
    return [(r.old_value, r.new_value, r.cause) for r in rows]


@pytest.mark.parametrize("stage", ["Closed won", "Closed lost"])
def test_closing_makes_the_close_date_the_day_it_closed(org, deal, stages, stage, lost_reasons):
    reason = lost_reasons["Price"] if stages[stage].is_lost else None
    deal = opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages[stage], lost_reason=reason, at=CLOSED_AT
    )
    assert (deal.close_date, deal.closed_date, deal.planned_close_date) == (TODAY, TODAY, SOON)
    # Made by closing, so that no slip figure counts it as a push.
    assert close_date_rows(deal)[-1] == (str(SOON), str(TODAY), "closing")


def test_a_date_sent_along_with_closing_does_not_move_the_day_it_closed(org, deal, stages):
    later = SOON + datetime.timedelta(days=40)
    deal = opportunity_update(
        opportunity=deal, by=org.rep, stage=stages["Closed won"], close_date=later
    )
    assert deal.close_date == TODAY


def test_reopening_puts_the_planned_date_back(org, deal, stages):
    opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Closed won"])
    deal = opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Proposal"])
    assert (deal.close_date, deal.closed_date, deal.planned_close_date) == (SOON, None, None)
    assert close_date_rows(deal)[-1] == (str(TODAY), str(SOON), "reopening")


def test_reopening_after_the_planned_date_asks_for_a_new_one(org, deal, stages, lost_reasons):
    past = TODAY - datetime.timedelta(days=3)
    deal = opportunity_update(opportunity=deal, by=org.rep, close_date=past)
    deal = opportunity_move_stage(
        opportunity=deal,
        by=org.rep,
        stage=stages["Closed lost"],
        lost_reason=lost_reasons["Budget"],
    )
    with pytest.raises(ValidationError) as error:
        opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Proposal"])
    assert "has passed: give a new one to reopen" in str(error.value.message_dict["close_date"])
    with pytest.raises(ValidationError):
        opportunity_update(opportunity=deal, by=org.rep, stage=stages["Proposal"], close_date=past)
    new = TODAY + datetime.timedelta(days=14)
    deal = opportunity_update(
        opportunity=deal, by=org.rep, stage=stages["Proposal"], close_date=new
    )
    assert (deal.close_date, deal.is_closed) == (new, False)
    assert close_date_rows(deal)[-1] == (str(TODAY), str(new), None)  # the rep's choice


def test_moving_between_closed_stages_keeps_the_close_date(org, deal, stages, lost_reasons):
    opportunity_move_stage(
        opportunity=deal, by=org.rep, stage=stages["Closed lost"], lost_reason=lost_reasons["Price"]
    )
    deal = opportunity_move_stage(opportunity=deal, by=org.rep, stage=stages["Closed won"])
    assert (deal.close_date, deal.planned_close_date) == (TODAY, SOON)
