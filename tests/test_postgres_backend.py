"""The PostgreSQL backend: the health check asks the server only when the connection has heard
something, and timestamps are read by psycopg's own loader."""

import datetime
import select
import time
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_backend
from psycopg.pq import Format

from salestrack.leads.services import lead_create
from salestrack.lib.postgres.base import PSYCOPG_TZ_LOADER, TIMESTAMPTZ

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend")


@pytest.fixture
def spare(db):
    """A second connection to the test database, as a worker keeps one between requests."""
    default = connections["default"]
    wrapper = type(default)(default.settings_dict.copy(), alias="spare")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def admin_link(spare):
    """A plain connection from which to act on the spare one, outside any test transaction."""
    params = spare.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as link:
        yield link


def asked(monkeypatch) -> list[int]:
    calls = []
    original = django_backend.DatabaseWrapper.is_usable

    def counting(self):
        calls.append(1)
        return original(self)

    monkeypatch.setattr(django_backend.DatabaseWrapper, "is_usable", counting)
    return calls


def wait_readable(wrapper, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if select.select([wrapper.connection.pgconn.socket], [], [], 0.05)[0]:
            return
    raise AssertionError("the server never wrote to the connection")


def test_an_idle_connection_is_usable_without_a_round_trip(spare, monkeypatch):
    calls = asked(monkeypatch)
    assert spare.is_usable() is True
    assert calls == []


def test_a_connection_the_server_closed_is_not_usable(spare, admin_link):
    admin_link.execute("SELECT pg_terminate_backend(%s)", [spare.connection.info.backend_pid])
    wait_readable(spare)
    assert spare.is_usable() is False


def test_a_connection_that_heard_something_is_asked(spare, admin_link, monkeypatch):
    with spare.connection.cursor() as cursor:
        cursor.execute("LISTEN salestrack_test")
    admin_link.execute("NOTIFY salestrack_test")
    wait_readable(spare)
    calls = asked(monkeypatch)
    assert spare.is_usable() is True
    assert calls == [1]


def test_timestamps_are_read_in_c_aware_and_in_utc(org):
    paris = datetime.datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Paris"))  # DST day
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, NULL::timestamptz", [paris])
        value, missing = cursor.fetchone()
        assert cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT) is PSYCOPG_TZ_LOADER
    assert PSYCOPG_TZ_LOADER.__module__ == "psycopg_binary._psycopg"  # the C build
    assert value == paris and value.tzinfo is datetime.UTC and value.hour == 1
    assert missing is None
    lead = lead_create(by=org.rep, last_name="Lovelace")
    read = type(lead).objects.get(pk=lead.pk)
    assert read.created_at == lead.created_at and read.created_at.tzinfo is datetime.UTC


def test_connections_plan_for_data_in_memory_without_jit(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('random_page_cost')")
        assert cursor.fetchone() == ("off", "1.1")
