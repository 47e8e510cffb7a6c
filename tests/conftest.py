"""The shared cast: a rep, a teammate, a rep of another team, their manager, an admin."""

import contextlib
import datetime
import importlib
import re
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from salestrack.access.visibility import owner_ids, visible
from salestrack.accounts.services import account_create
from salestrack.activities.services import activity_log
from salestrack.leads.services import lead_create
from salestrack.opportunities.models import LostReason, Opportunity, Pipeline
from salestrack.opportunities.services import opportunity_create
from salestrack.search import index
from salestrack.teams.models import User
from salestrack.teams.services import team_create, token_create, user_create

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Argon2 is the production hasher (tests/test_security.py checks it); it is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def default_pipeline(db):
    """The default pipeline, which a data migration creates.

    A transactional test (threads, the browser) empties every table when it ends, migration
    data included; the next one puts the pipeline back this way.
    """
    if not Pipeline.objects.filter(is_default=True).exists():
        migration = importlib.import_module(
            "salestrack.opportunities.migrations.0003_default_pipeline"
        )
        migration.create(django_apps, None)
    return Pipeline.objects.get(is_default=True)


@pytest.fixture
def lost_reasons(db) -> dict[str, LostReason]:
    """The list deals are lost for, by name, in this order: four reasons, then "Other" (which a
    migration makes, and which asks for a detail). Made again after a transactional test."""
    reasons = {}
    for position, name in enumerate(["Price", "Timing", "Competitor", "Budget", "Other"], 1):
        reasons[name], _ = LostReason.objects.update_or_create(
            name=name, defaults={"position": position, "needs_detail": name == "Other"}
        )
    return reasons


@pytest.fixture
def org(db, default_pipeline):
    admin = user_create(username="ada", role="admin", password=PASSWORD, email="ada@example.com")
    company = team_create(name="Company")
    region_manager = user_create(username="rhea", role="manager", password=PASSWORD)
    region = team_create(name="East", parent=company, manager=region_manager)
    manager = user_create(username="mia", role="manager", password=PASSWORD)
    team_a = team_create(name="Boston", parent=region, manager=manager)
    team_b = team_create(name="Denver", parent=company)
    manager.team = team_a
    manager.save()
    rep = user_create(
        username="rob",
        role="rep",
        team=team_a,
        password=PASSWORD,
        first_name="Rob",
        last_name="Stone",
    )
    teammate = user_create(username="tess", role="rep", team=team_a, password=PASSWORD)
    other_rep = user_create(username="otto", role="rep", team=team_b, password=PASSWORD)
    return SimpleNamespace(
        admin=admin,
        region_manager=region_manager,
        manager=manager,
        rep=rep,
        teammate=teammate,
        other_rep=other_rep,
        team_a=team_a,
        team_b=team_b,
        region=region,
        company=company,
    )


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user, name='tests')}")
    return client


def signed_in(user: User) -> Client:
    """A page client signed in as `user` through the login form's backend."""
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def as_user():
    return client_for


@pytest.fixture
def soon():
    return datetime.date.today() + datetime.timedelta(days=30)


# Helpers several test modules share (no test module imports another).

TODAY = datetime.date.today()
YESTERDAY = TODAY - datetime.timedelta(days=1)
NEXT_WEEK = TODAY + datetime.timedelta(days=7)


def records_of(user, tag=None):
    """A lead, an account, a deal closing this month, an overdue task and a call, all `user`'s.

    Every name carries the tag (the username by default) so a page shows whose records it lists.
    """
    tag = tag or user.username
    lead = lead_create(
        by=user, first_name="Lead", last_name=tag, company=f"Co-{tag}", email=f"{tag}@lead.test"
    )
    account = account_create(by=user, name=f"Account-{tag}", phone="555-0100")
    deal = opportunity_create(
        by=user, account=account, name=f"Deal-{tag}", close_date=TODAY, amount=1000
    )
    # Prospecting rots after 30 idle days.
    old = timezone.now() - datetime.timedelta(days=40)
    Opportunity.objects.filter(pk=deal.pk).update(stage_entered_at=old)
    # Added two days ago, due yesterday: a task may not be added already overdue.
    added = timezone.now() - datetime.timedelta(days=2)
    task = activity_log(
        by=user, kind="task", subject=f"Task-{tag}", lead=lead, due_date=YESTERDAY, at=added
    )
    activity_log(by=user, kind="call", subject=f"Call-{tag}", lead=lead)
    return {"lead": lead, "account": account, "deal": deal, "task": task}


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def subjects(html: str) -> list[str]:
    """The task subjects of a task list, in order."""
    return re.findall(r"<td>(Task-[^<]+|Plan [^<]+)</td>", html)


SOON = datetime.date.today() + datetime.timedelta(days=30)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm indexes")


def found(model, q: str, user=None) -> set[int]:
    """What both ways of searching find: a list's `q` and the global search's newest first."""
    rows = model.objects.all() if user is None else visible(user, model)
    listed = {row.pk for row in index.matching(rows, q)}
    newest = {row.pk for row in index.newest(rows, q, limit=100)}
    assert listed == newest, f"the list and the global search disagree on {q!r}"
    owners = None if user is None else owner_ids(user)
    if owners is not None:  # as the lists of someone who does not see everything ask it
        assert {row.pk for row in index.matching(rows, q, owners=owners)} == listed
    return listed


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def raw_copy(instance, **values) -> int:
    """Insert a copy of `instance` with INSERT ... SELECT, as a bulk loader would; its new id."""
    model = type(instance)
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    chosen = ", ".join("%s" if column in values else column for column in columns)
    params = [values[column] for column in columns if column in values]
    raw(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen} FROM {table} WHERE id = %s",
        [*params, instance.pk],
    )
    return model.objects.order_by("-pk").values_list("pk", flat=True).first()


@contextlib.contextmanager
def analyzed():
    """Statistics of this test's rows while the block runs. SQLite keeps the statistics it has
    loaded when a rollback removes their rows, so they are rolled back and reloaded here: a
    later test's plan would otherwise follow a table of six deals."""
    savepoint = transaction.savepoint()
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sqlite_schema")
