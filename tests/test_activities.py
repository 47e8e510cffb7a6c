import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log, activity_update, task_complete
from salestrack.audit.models import AuditEntry
from salestrack.leads.services import lead_convert, lead_create
from salestrack.lib import dates
from salestrack.lib.errors import Conflict
from salestrack.opportunities.services import opportunity_create

TOMORROW = datetime.date.today() + datetime.timedelta(days=1)


def test_a_logged_call_is_done_and_a_task_is_open_until_completed(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    call = activity_log(by=org.rep, kind="call", subject="Intro", lead=lead)
    task = activity_log(by=org.rep, kind="task", subject="Send deck", lead=lead, due_date=TOMORROW)
    assert call.done and call.done_at is not None
    assert not task.done and task.done_at is None
    done = task_complete(task=task, by=org.rep)
    assert done.done and done.done_at is not None and done.version == 2
    reopened = task_complete(task=done, by=org.rep, done=False)
    assert not reopened.done and reopened.done_at is None


def test_an_activity_must_be_on_a_record(org):
    with pytest.raises(ValidationError):
        activity_log(by=org.rep, kind="note", subject="Floating")


def test_only_tasks_have_due_dates_and_completion(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    with pytest.raises(ValidationError):
        activity_log(by=org.rep, kind="call", subject="x", lead=lead, due_date=TOMORROW)
    call = activity_log(by=org.rep, kind="call", subject="x", lead=lead)
    with pytest.raises(ValidationError):
        task_complete(task=call, by=org.rep, done=False)


def test_an_opportunity_activity_shows_on_its_account(org):
    account = account_create(by=org.rep, name="Acme")
    deal = opportunity_create(by=org.rep, account=account, name="Acme", close_date=TOMORROW)
    meeting = activity_log(by=org.rep, kind="meeting", subject="Demo", opportunity=deal)
    assert meeting.account_id == account.pk
    contact = contact_create(by=org.rep, account=account, last_name="Roe")
    email = activity_log(by=org.rep, kind="email", subject="Follow-up", contact=contact)
    assert email.account_id == account.pk


def test_a_converted_lead_takes_no_new_activity(org):
    lead = lead_create(by=org.rep, last_name="Doe", company="Acme")
    lead_convert(lead=lead, by=org.rep)
    with pytest.raises(Conflict):
        activity_log(by=org.rep, kind="note", subject="late", lead=lead)


def test_every_change_is_in_the_audit_log_with_only_the_changed_fields(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    task = activity_log(by=org.rep, kind="task", subject="Call", lead=lead, due_date=TOMORROW)
    activity_update(activity=task, by=org.manager, subject="Call back")
    entry = AuditEntry.objects.filter(model="activities.activity", object_id=task.pk).first()
    assert (entry.action, entry.actor, entry.data) == (
        "activities.activity.changed",
        org.manager,
        {"subject": {"old": "Call", "new": "Call back"}},
    )


YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)
TODAY = datetime.date.today()


def _refusal(error) -> str:
    return " ".join(error.value.message_dict["due_date"])


def test_an_open_task_due_before_today_is_refused_naming_the_date(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    with pytest.raises(ValidationError) as error:
        activity_log(by=org.rep, kind="task", subject="Late", lead=lead, due_date=YESTERDAY)
    assert dates.day(YESTERDAY) in _refusal(error) and "has passed" in _refusal(error)
    assert not Activity.objects.filter(subject="Late").exists()


def test_a_task_due_today_or_later_is_added(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    for due in (TODAY, TOMORROW):
        task = activity_log(by=org.rep, kind="task", subject="Soon", lead=lead, due_date=due)
        assert task.due_date == due and not task.done


def test_a_task_logged_as_done_may_have_been_due_any_day(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    long_ago = TODAY - datetime.timedelta(days=40)
    task = activity_log(
        by=org.rep, kind="task", subject="Sent", lead=lead, due_date=long_ago, done=True
    )
    assert task.done and task.due_date == long_ago


def test_the_past_is_counted_from_the_moment_the_task_is_added(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    added = timezone.now() - datetime.timedelta(days=10)
    week_ago = TODAY - datetime.timedelta(days=7)
    task = activity_log(
        by=org.rep, kind="task", subject="Old", lead=lead, due_date=week_ago, at=added
    )
    assert task.due_date == week_ago  # overdue now, not when it was added
    with pytest.raises(ValidationError):
        activity_log(
            by=org.rep,
            kind="task",
            subject="Older",
            lead=lead,
            due_date=TODAY - datetime.timedelta(days=11),
            at=added,
        )


def test_an_overdue_task_stays_editable_while_its_due_date_is_kept(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    added = timezone.now() - datetime.timedelta(days=5)
    task = activity_log(
        by=org.rep, kind="task", subject="Call", lead=lead, due_date=YESTERDAY, at=added
    )
    task = activity_update(activity=task, by=org.rep, subject="Call back", due_date=YESTERDAY)
    assert task.subject == "Call back" and task.version == 2
    task = task_complete(task=task_complete(task=task, by=org.rep), by=org.rep, done=False)
    assert not task.done and task.due_date == YESTERDAY  # reopened, still overdue

    earlier = TODAY - datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as error:
        activity_update(activity=task, by=org.rep, due_date=earlier)
    assert dates.day(earlier) in _refusal(error)
    task.refresh_from_db()
    assert task.due_date == YESTERDAY and task.version == 4
    assert activity_update(activity=task, by=org.rep, due_date=TODAY).due_date == TODAY


def test_a_done_task_may_be_moved_into_the_past(org):
    lead = lead_create(by=org.rep, last_name="Doe")
    task = task_complete(
        task=activity_log(by=org.rep, kind="task", subject="Call", lead=lead, due_date=TODAY),
        by=org.rep,
    )
    moved = activity_update(activity=task, by=org.rep, due_date=YESTERDAY)
    assert moved.due_date == YESTERDAY
    with pytest.raises(ValidationError):  # but not reopened there in the same write
        activity_update(
            activity=moved, by=org.rep, due_date=YESTERDAY - datetime.timedelta(days=1), done=False
        )


def test_a_task_may_be_on_no_record_but_other_activities_may_not(org):
    task = activity_log(by=org.rep, kind="task", subject="Board pack", due_date=TOMORROW)
    assert (task.lead_id, task.contact_id, task.account_id, task.opportunity_id) == (None,) * 4
    with pytest.raises(ValidationError):
        activity_log(by=org.rep, kind="call", subject="Floating")
