"""The one write path (audit/records.py): old and new values in the log, and `at=` dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salestrack.accounts.models import Account
from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log, task_complete
from salestrack.audit.models import AuditEntry
from salestrack.leads.services import lead_convert, lead_create, lead_update
from salestrack.opportunities.models import OpportunityHistory, Pipeline, Stage
from salestrack.opportunities.pipelines import (
    pipeline_create,
    stage_create,
    stage_delete,
    stage_move,
    stage_update,
)
from salestrack.opportunities.services import (
    OpportunityDraft,
    opportunity_create,
    opportunity_move_stage,
    opportunity_update,
)
from salestrack.teams.models import Team, User
from salestrack.teams.services import (
    team_create,
    team_delete,
    team_update,
    token_create,
    user_create,
    user_reactivate,
    user_update,
)
from tests.conftest import SOON

PAST = timezone.make_aware(datetime.datetime(2021, 3, 4, 10, 30))
LATER = PAST + datetime.timedelta(days=40)


def log(instance, action: str | None = None) -> AuditEntry:
    """The newest audit entry of `instance` (with `action`)."""
    entries = AuditEntry.objects.filter(model=instance._meta.label_lower, object_id=instance.pk)
    if action:
        entries = entries.filter(action=action)
    return entries.first()


def stage(name: str) -> Stage:
    return Stage.objects.get(pipeline__is_default=True, name=name)


# The audit data: {field: {"old": ..., "new": ...}}, related records by id


def test_a_change_keeps_the_old_and_new_ids_of_related_records(org):
    first = account_create(by=org.rep, name="First")
    second = account_create(by=org.rep, name="Second")
    deal = opportunity_create(by=org.rep, account=first, name="D", close_date=SOON)
    opportunity_update(opportunity=deal, by=org.manager, account=second, owner=org.teammate)
    data = log(deal, "deals.opportunity.changed").data
    assert data["account"] == {"old": first.pk, "new": second.pk}
    assert data["owner"] == {"old": org.rep.pk, "new": org.teammate.pk}
    # No names: the reader of the log may not see the record, and names change.
    assert "First" not in str(data) and "Second" not in str(data)


def test_a_creation_keeps_the_filled_fields_with_no_old_value(org):
    account = account_create(by=org.rep, name="Acme")
    contact = contact_create(by=org.rep, last_name="Doe", account=account)
    data = log(contact, "accounts.contact.created").data
    assert data["last_name"] == {"old": None, "new": "Doe"}
    assert data["account"] == {"old": None, "new": account.pk}
    assert "first_name" not in data  # empty: nothing to say
    assert not {"id", "version", "created_at", "updated_at"} & set(data)


def test_values_are_kept_as_stored_and_only_what_changed(org):
    account = account_create(by=org.rep, name="Acme")
    deal = opportunity_create(by=org.rep, account=account, name="D", close_date=SOON, amount=100)
    opportunity_update(opportunity=deal, by=org.rep, amount=250, close_date=SOON)
    assert log(deal).data == {"amount": {"old": "100.00", "new": "250.00"}}


def test_nothing_changed_writes_nothing(org):
    lead = lead_create(by=org.rep, last_name="Doe", company="Acme")
    lead_update(lead=lead, by=org.rep, company="Acme")
    assert log(lead).action == "leads.lead.created"
    lead.refresh_from_db()
    assert lead.version == 1


def test_a_won_deal_makes_its_account_a_customer_through_the_write_path(org):
    account = account_create(by=org.rep, name="Acme")
    deal = opportunity_create(by=org.rep, account=account, name="D", close_date=SOON)
    opportunity_move_stage(opportunity=deal, by=org.rep, stage=stage("Closed won"), at=LATER)
    entry = log(account, "accounts.account.became_customer")
    assert entry.data == {
        "type": {"old": "prospect", "new": "customer"},
        "customer_since": {"old": None, "new": LATER.date().isoformat()},
    }
    assert entry.at == LATER and entry.actor == org.rep
    account.refresh_from_db()
    assert (account.version, account.updated_at) == (2, LATER)


# `at`: a write says when it happened


def test_a_record_created_at_a_past_date_has_that_date_everywhere(org):
    lead = lead_create(by=org.rep, last_name="Doe", at=PAST)
    lead.refresh_from_db()
    assert lead.created_at == lead.updated_at == PAST
    assert log(lead).at == PAST

    account = account_create(by=org.rep, name="Acme", at=PAST)
    deal = opportunity_create(by=org.rep, account=account, name="D", close_date=SOON, at=PAST)
    deal.refresh_from_db()
    assert (deal.created_at, deal.updated_at, deal.stage_entered_at) == (PAST, PAST, PAST)
    assert log(deal).at == PAST
    history = OpportunityHistory.objects.filter(opportunity=deal)
    assert history.exists() and set(history.values_list("changed_at", flat=True)) == {PAST}


def test_a_later_change_keeps_created_at_and_stamps_updated_at(org, lost_reasons):
    account = account_create(by=org.rep, name="Acme", at=PAST)
    deal = opportunity_create(by=org.rep, account=account, name="D", close_date=SOON, at=PAST)
    lost = stage("Closed lost")
    price = lost_reasons["Price"]
    opportunity_move_stage(opportunity=deal, by=org.rep, stage=lost, lost_reason=price, at=LATER)
    deal.refresh_from_db()
    assert (deal.created_at, deal.updated_at) == (PAST, LATER)
    assert (deal.stage_entered_at, deal.closed_date) == (LATER, LATER.date())
    assert log(deal).at == LATER
    moved = OpportunityHistory.objects.get(opportunity=deal, field="stage", new_value=str(lost.pk))
    assert moved.changed_at == LATER


def test_a_conversion_at_a_past_date_dates_all_it_creates(org):
    lead = lead_create(by=org.rep, last_name="Doe", company="Acme", at=PAST)
    call = activity_log(by=org.rep, kind="call", subject="Intro", lead=lead, at=PAST)
    draft = OpportunityDraft(name="Acme deal", close_date=SOON)
    done = lead_convert(lead=lead, by=org.rep, opportunity=draft, at=LATER)
    for record in (done.account, done.contact, done.opportunity):
        record.refresh_from_db()
        assert record.created_at == record.updated_at == LATER
        assert log(record).at == LATER
    done.lead.refresh_from_db()
    assert (done.lead.converted_at, done.lead.created_at) == (LATER, PAST)
    call.refresh_from_db()
    assert (call.created_at, call.occurred_at, call.updated_at) == (PAST, PAST, LATER)


def test_a_task_done_at_a_date(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    task = activity_log(by=org.rep, kind="task", subject="Call", lead=lead, due_date=SOON)
    task_complete(task=task, by=org.rep, at=LATER)
    task.refresh_from_db()
    assert (task.done, task.done_at, task.updated_at) == (True, LATER, LATER)
    assert log(task, "activities.activity.changed").data == {
        "done": {"old": False, "new": True},
        "done_at": {"old": None, "new": LATER.isoformat()},
    }


def test_without_at_a_write_happens_now(org):
    before = timezone.now()
    lead = lead_create(by=org.rep, last_name="Doe")
    lead.refresh_from_db()
    assert before <= lead.created_at == lead.updated_at == log(lead).at <= timezone.now()


# The directory (teams, users, tokens, pipelines, stages) goes through the same path


def test_team_changes_are_audited_with_old_and_new_values(org):
    team = team_create(name="Austin", parent=org.region, by=org.admin, at=PAST)
    assert team.created_at == PAST
    assert log(team).data == {
        "name": {"old": None, "new": "Austin"},
        "parent": {"old": None, "new": org.region.pk},
    }
    team_update(team=team, by=org.admin, name="Austin TX", manager=org.manager, at=LATER)
    entry = log(team)
    assert (entry.action, entry.actor, entry.at) == ("teams.team.changed", org.admin, LATER)
    assert entry.data == {
        "name": {"old": "Austin", "new": "Austin TX"},
        "manager": {"old": None, "new": org.manager.pk},
    }
    team_delete(team=team, by=org.admin)
    assert log(team).action == "teams.team.deleted"
    assert not Team.objects.filter(pk=team.pk).exists()  # for good: teams are not trashed


def test_team_rules_still_refuse_with_their_messages(org):
    with pytest.raises(ValidationError, match="that would make a loop"):
        team_update(team=org.company, by=org.admin, parent=org.team_a)
    with pytest.raises(ValidationError, match="otto is a rep, not a manager"):
        team_update(team=org.team_b, by=org.admin, manager=org.other_rep)
    with pytest.raises(ValidationError, match="still has members"):
        team_delete(team=org.team_b, by=org.admin)
    assert not AuditEntry.objects.filter(action__in=["teams.team.changed", "teams.team.deleted"])


def test_user_changes_are_audited_with_old_and_new_values(org):
    nina = user_create(username="nina", role="rep", team=org.team_a, password="x7!long-enough")
    data = log(nina, "teams.user.created").data
    assert data["username"] == {"old": None, "new": "nina"}
    assert data["team"] == {"old": None, "new": org.team_a.pk}
    assert "password" not in data  # a secret never goes into the log, not even hashed
    user_update(user=nina, by=org.admin, role="admin", team=org.team_b, at=LATER)
    entry = log(nina, "teams.user.changed")
    assert entry.at == LATER
    assert entry.data == {
        "role": {"old": "rep", "new": "admin"},
        "team": {"old": org.team_a.pk, "new": org.team_b.pk},
        "is_staff": {"old": False, "new": True},
        "is_superuser": {"old": False, "new": True},
    }
    User.objects.filter(pk=nina.pk).update(is_active=False)
    user_reactivate(user=nina, by=org.admin)
    assert log(nina, "teams.user.reactivated").data == {"is_active": {"old": False, "new": True}}


def test_a_user_joins_at_the_date_given(org):
    nina = user_create(username="nina", role="rep", at=PAST)
    assert nina.date_joined == PAST and log(nina).at == PAST


def test_a_token_is_audited_without_its_digest(org):
    token_create(user=org.rep, name="laptop")
    data = log(org.rep.api_tokens.get(), "teams.token.created").data
    assert data["name"] == {"old": None, "new": "laptop"}
    assert data["user"] == {"old": None, "new": org.rep.pk}
    assert "digest" not in data


def test_pipeline_and_stage_changes_are_audited_with_old_and_new_values(org):
    pipeline = pipeline_create(name="Renewals", by=org.admin, at=PAST)
    assert Pipeline.objects.get(pk=pipeline.pk).created_at == PAST
    assert log(pipeline).data["name"] == {"old": None, "new": "Renewals"}
    stages = list(pipeline.stages.order_by("position"))
    assert all(log(s, "deals.stage.created") for s in stages)

    review = stage_create(
        pipeline=pipeline, by=org.admin, name="Review", probability=90, forecast_category="commit"
    )
    assert log(review).data["position"] == {"old": None, "new": 6}
    won = log(stages[5])
    assert (won.action, won.data) == ("deals.stage.renumbered", {"position": {"old": 6, "new": 7}})

    stage_update(stage=review, by=org.admin, probability=85)
    assert log(review).data == {"probability": {"old": 90, "new": 85}}

    stage_move(stage=review, by=org.admin, direction="up", at=LATER)
    moved = log(review, "deals.stage.moved")
    assert (moved.action, moved.at) == ("deals.stage.moved", LATER)
    assert moved.data == {"position": {"old": 6, "new": 5}}
    assert log(stages[4], "deals.stage.renumbered").data == {"position": {"old": 5, "new": 6}}

    stage_delete(stage=review, by=org.admin)
    assert log(review).action == "deals.stage.deleted"
    assert not Stage.objects.filter(pk=review.pk).exists()


def test_a_refused_stage_change_writes_nothing(org):
    prospecting = stage("Prospecting")
    with pytest.raises(ValidationError, match="A probability is between 0 and 100"):
        stage_update(stage=prospecting, by=org.admin, probability=120)
    with pytest.raises(ValidationError, match="already first"):
        stage_move(stage=prospecting, by=org.admin, direction="up")
    assert not AuditEntry.objects.filter(model="deals.stage").exists()


def test_an_account_fill_from_a_lead_never_overwrites(org):
    account = account_create(by=org.rep, name="Acme", phone="555-0100")
    lead = lead_create(by=org.rep, last_name="Doe", company="Acme", website="acme.test")
    done = lead_convert(lead=lead, by=org.rep, account=account)
    filled = log(account, "accounts.account.filled_from_lead").data
    assert filled["website"] == {"old": "", "new": "acme.test"}
    assert "name" not in filled and "phone" not in filled
    assert Account.objects.get(pk=account.pk).domain == "acme.test"
    assert done.account.pk == account.pk
