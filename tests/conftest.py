"""The shared cast: a rep, a teammate, a rep of another team, their manager, an admin."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.test import Client
from rest_framework.test import APIClient

from salestrack.opportunities.models import Pipeline
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
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user)}")
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
