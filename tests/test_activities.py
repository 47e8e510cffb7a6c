import datetime

import pytest
from django.core.exceptions import ValidationError

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log, activity_update, task_complete
from salestrack.audit.models import AuditEntry
from salestrack.leads.services import lead_convert, lead_create
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
