import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from salestrack.access import visibility
from salestrack.accounts.models import Account, Contact
from salestrack.activities.models import Activity
from salestrack.audit import records
from salestrack.leads.models import Lead
from salestrack.lib import dates
from salestrack.lib.errors import Conflict
from salestrack.opportunities.models import Opportunity
from salestrack.teams.models import User

ACTIVITY_FIELDS = {"subject", "body", "occurred_at", "due_date", "owner"}


@transaction.atomic
def activity_log(
    *,
    by: User,
    kind: str,
    subject: str,
    body: str = "",
    lead: Lead | None = None,
    contact: Contact | None = None,
    account: Account | None = None,
    opportunity: Opportunity | None = None,
    occurred_at: datetime.datetime | None = None,
    due_date: datetime.date | None = None,
    done: bool | None = None,
    owner: User | None = None,
    at: datetime.datetime | None = None,
) -> Activity:
    """Log a call, meeting, email or note on a record, or add a task (open until completed),
    on a record or on none.

    An open task may not fall due before the day it is added (`at`); a task logged as done
    may have been due any day.
    """
    is_task = kind == Activity.Kind.TASK
    if not is_task and not any((lead, contact, account, opportunity)):
        raise ValidationError({"non_field_errors": ["Say which record the activity is on."]})
    on = {"lead": lead, "contact": contact, "account": account, "opportunity": opportunity}
    visibility.check_links(by, {"owner": owner, **on})
    # Read the status from the database: the caller's copy may predate a conversion.
    if lead is not None and Lead.objects.filter(pk=lead.pk, status=Lead.Status.CONVERTED).exists():
        raise Conflict("This lead was converted: log on its contact or opportunity instead.")
    if not is_task and due_date is not None:
        raise ValidationError({"due_date": ["Only a task has a due date."]})
    # A contact's or an opportunity's activity also shows on its account's timeline.
    if account is None:
        account_id = (opportunity and opportunity.account_id) or (contact and contact.account_id)
        account = Account(pk=account_id) if account_id else None
    done = (not is_task) if done is None else done
    at = at or timezone.now()
    if is_task and not done:
        _refuse_past_due(due_date, at=at)
    activity = Activity(
        kind=kind,
        subject=subject,
        body=body,
        owner=owner or by,
        lead=lead,
        contact=contact,
        account=account,
        opportunity=opportunity,
        occurred_at=occurred_at or at,
        due_date=due_date,
        done=done,
        done_at=at if done else None,
    )
    return records.insert(activity, by=by, action="activities.activity.created", at=at)


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by: User,
    version: int | None = None,
    at: datetime.datetime | None = None,
    **changes,
) -> Activity:
    current = records.lock(activity, version, among=visibility.writable(by, Activity))
    visibility.check_links(by, changes, current)
    before = records.snapshot(current)
    done = changes.pop("done", None)
    records.apply(current, ACTIVITY_FIELDS, changes)
    if current.kind != Activity.Kind.TASK and current.due_date is not None:
        raise ValidationError({"due_date": ["Only a task has a due date."]})
    at = at or timezone.now()
    if done is not None and done != current.done:
        _set_done(current, done, at=at)
    # Only a due date the write changes is checked: an overdue task stays editable, and
    # reopening one keeps its date.
    if current.due_date != before["due_date"] and not current.done:
        _refuse_past_due(current.due_date, at=at)
    records.save_changes(current, before, by=by, action="activities.activity.changed", at=at)
    return current


def _refuse_past_due(due_date: datetime.date | None, *, at: datetime.datetime) -> None:
    if due_date is not None and due_date < timezone.localdate(at):
        raise ValidationError(
            {
                "due_date": [
                    f"The due date, {dates.day(due_date)}, has passed: give today or a later "
                    "one (only a task logged as done may be due earlier)."
                ]
            }
        )


def _set_done(activity: Activity, done: bool, *, at: datetime.datetime) -> None:
    if activity.kind != Activity.Kind.TASK:
        raise ValidationError({"done": ["Only a task can be completed or reopened."]})
    activity.done = done
    activity.done_at = at if done else None


def task_complete(
    *,
    task: Activity,
    by: User,
    done: bool = True,
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Activity:
    """Tick a task done (or reopen it with done=False)."""
    return activity_update(activity=task, by=by, version=version, at=at, done=done)


@transaction.atomic
def activity_delete(*, activity: Activity, by: User, at: datetime.datetime | None = None) -> None:
    current = records.lock(activity, among=visibility.writable(by, Activity))
    records.remove(current, by=by, action="activities.activity.deleted", at=at)
