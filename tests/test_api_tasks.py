"""Tasks through the API: the due-date rule of the activities service, and tasks on no record."""

import datetime

from django.utils import timezone

from salestrack.activities.models import Activity
from salestrack.activities.services import activity_log
from salestrack.leads.services import lead_create
from salestrack.lib import dates

TODAY = datetime.date.today()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def test_an_open_task_due_in_the_past_is_refused_on_its_due_date(org, as_user):
    lead = lead_create(by=org.rep, last_name="Doe")
    body = {"kind": "task", "subject": "Late", "lead_id": lead.pk, "due_date": str(YESTERDAY)}
    response = as_user(org.rep).post("/api/v1/activities", body, format="json")
    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["due_date"]
    assert any(dates.day(YESTERDAY) in m for m in messages), messages
    assert not Activity.objects.filter(subject="Late").exists()


def test_today_a_done_task_and_a_task_on_no_record_are_accepted(org, as_user):
    api = as_user(org.rep)
    today = api.post(
        "/api/v1/activities",
        {"kind": "task", "subject": "Today", "due_date": str(TODAY)},
        format="json",
    )
    assert today.status_code == 201, today.json()
    assert today.json()["lead_id"] is None and today.json()["owner_id"] == org.rep.pk
    done = api.post(
        "/api/v1/activities",
        {"kind": "task", "subject": "Sent", "due_date": str(YESTERDAY), "done": True},
        format="json",
    )
    assert done.status_code == 201, done.json()
    assert done.json()["done"] is True and done.json()["due_date"] == str(YESTERDAY)


def test_an_overdue_task_is_edited_and_only_a_new_due_date_is_checked(org, as_user):
    lead = lead_create(by=org.rep, last_name="Doe")
    added = timezone.now() - datetime.timedelta(days=5)
    task = activity_log(
        by=org.rep, kind="task", subject="Call", lead=lead, due_date=YESTERDAY, at=added
    )
    api = as_user(org.rep)
    url = f"/api/v1/activities/{task.pk}"
    renamed = api.patch(url, {"subject": "Call back"}, format="json")
    assert renamed.status_code == 200, renamed.json()
    put = api.put(url, {"subject": "Call again", "due_date": str(YESTERDAY)}, format="json")
    assert put.status_code == 200 and put.json()["subject"] == "Call again"
    moved = api.patch(url, {"due_date": str(YESTERDAY - datetime.timedelta(days=1))}, format="json")
    assert moved.status_code == 400 and "due_date" in moved.json()["error"]["fields"]
    task.refresh_from_db()
    assert task.due_date == YESTERDAY and task.subject == "Call again"
