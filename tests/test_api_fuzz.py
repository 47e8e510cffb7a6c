"""schemathesis over the API schema, as an admin, a manager and a rep: no server error, and
every answer as the schema says (docs/reliability.md). In-process, through WSGI, with a fixed
seed and 15 examples per operation, each sent as every role; `make fuzz` (FUZZ=1) runs the long
version: more examples, a random seed, and the stateful phase (create, then read, change and
delete what was created, following the links schemathesis infers from the schema)."""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from salestrack.accounts.services import account_create, contact_create
from salestrack.activities.services import activity_log
from salestrack.leads.services import lead_create
from salestrack.opportunities.services import opportunity_create
from salestrack.teams import throttle
from salestrack.teams.services import token_create
from tests.conftest import SOON

schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(public=True), default=str))
)
# Every request, the checks' own included (one resends without credentials), goes in-process.
schema.app = get_wsgi_application()
LONG = os.environ.get("FUZZ") == "1"
# schemathesis' coverage phase (every boundary of every parameter: empty values, the edges of
# each type) is not bounded by examples and takes a minute per database: `make fuzz` runs it.
schema.config.phases.coverage.enabled = LONG


@pytest.fixture
def app(monkeypatch):
    """Django's WSGI app, keeping the test's database connection open between requests (as
    Django's test client does): it would close it at the end of each request.

    One check sends a bad token with every case, all from one address: past 50 of them the
    address would get 429 (tests/test_throttling.py holds that limit).
    """
    monkeypatch.setattr(throttle, "ADDRESS_FAILURE_LIMIT", 10**9)
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield schema.app
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(org):
    """Each role's bearer token, over a few records of each kind for the ids to find."""
    for owner in (org.rep, org.teammate, org.other_rep):
        account = account_create(by=org.admin, owner=owner, name=f"Acme {owner}")
        contact = contact_create(by=org.admin, owner=owner, account=account, last_name="Doe")
        deal = opportunity_create(
            by=org.admin,
            owner=owner,
            account=account,
            contact=contact,
            name="Deal",
            close_date=SOON,
        )
        lead = lead_create(by=org.admin, owner=owner, last_name="Lovelace", company="Initech")
        activity_log(by=owner, kind="call", subject="Hello", opportunity=deal)
        activity_log(by=owner, kind="task", subject="Call", lead=lead, due_date=SOON)
    return {role: token_create(user=getattr(org, role), name="fuzz") for role in ROLES}


ROLES = ["admin", "manager", "rep"]
# A schema cannot say that an owner_id must name an existing user: a valid-looking id that
# names no one is rightly a 400, which this check would count as a failure.
EXCLUDED = [positive_data_acceptance]


@schema.parametrize()
@settings(
    max_examples=200 if LONG else 15,
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, tokens, app):
    # Each generated request is sent as each role: one world and one generation for three.
    for role in ROLES:
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        case.call_and_validate(app=app, headers=headers, excluded_checks=EXCLUDED)


@pytest.mark.skipif(not LONG, reason="the stateful phase runs in `make fuzz` only")
@pytest.mark.parametrize("role", ROLES)
def test_sequences_of_calls_keep_to_the_schema(role, tokens, app):
    headers = {"Authorization": f"Bearer {tokens[role]}"}

    class Workflow(schema.as_state_machine()):
        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, headers=headers, excluded_checks=EXCLUDED)

        def call(self, case, **kwargs):
            return case.call(app=app, headers=headers)

    # Generate only: the records a sequence creates stay in the database, so replaying a
    # failing sequence to shrink it draws differently and hypothesis gives up as "flaky".
    run = settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    run_state_machine_as_test(Workflow, settings=run)
