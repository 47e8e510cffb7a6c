"""kill -9 in the middle of conversions: the database keeps whole conversions or none.

A separate process converts leads in a loop on a database of its own; it is killed without
warning while it writes, and another process then checks what it left (docs/reliability.md).
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import psycopg
import pytest
from django.db import connection

WRITER = """
import django, sys
django.setup()
from salestrack.leads.services import lead_convert, lead_create
from salestrack.opportunities.services import OpportunityDraft
from salestrack.teams.services import user_create
import datetime
admin = user_create(username="crash", role="admin")
close = datetime.date(2030, 1, 1)
n = 0
while True:
    lead = lead_create(by=admin, last_name=f"Doe {n}", company=f"Initech {n}")
    draft = OpportunityDraft(name=f"Deal {n}", amount=100, close_date=close, stage=None)
    lead_convert(lead=lead, by=admin, opportunity=draft)
    n += 1
    print(n, flush=True)
"""

CHECKER = """
import django
django.setup()
from django.db import connection
from salestrack.leads.models import Lead
from salestrack.accounts.models import Account, Contact
from salestrack.opportunities.models import Opportunity, OpportunityHistory
from salestrack.audit.models import AuditEntry
converted = Lead.objects.filter(status="converted")
broken = converted.filter(converted_opportunity__isnull=True).count()
orphans = Opportunity.objects.exclude(pk__in=converted.values("converted_opportunity")).count()
unlogged = Opportunity.objects.exclude(
    pk__in=OpportunityHistory.objects.values("opportunity_id")).count()
audited = AuditEntry.objects.filter(action="leads.lead.converted").count()
ok = "ok"
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        ok = cursor.execute("PRAGMA integrity_check").fetchone()[0]
print(converted.count(), broken, orphans, unlogged, audited, Account.objects.count(),
      Contact.objects.count(), ok)
"""


@pytest.fixture
def own_database(tmp_path):
    """Environment for the subprocesses: a fresh database of their own, on this test's kind."""
    env = {
        **os.environ,
        "SALESTRACK_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "salestrack.settings",
    }
    env.pop("TESTING", None)
    name = None
    if connection.vendor == "postgresql":
        name = f"crash_{uuid.uuid4().hex[:8]}"
        settings = connection.settings_dict
        admin = psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            dbname="postgres",
            autocommit=True,
        )
        admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = (
            f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"
        )
    subprocess.run(
        [sys.executable, "-m", "salestrack", "migrate", "--noinput", "-v0"], env=env, check=True
    )
    yield env
    if name:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


def run(script: str, env: dict) -> str:
    return subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.parametrize("after", [5, 23])
def test_a_killed_writer_leaves_whole_conversions(own_database, after):
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER], env=own_database, stdout=subprocess.PIPE, text=True
    )
    for line in writer.stdout:
        if int(line) >= after:
            break
    time.sleep(0.003 * after)  # land somewhere inside the next conversion
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    done, broken, orphans, unlogged, audited, accounts, contacts, ok = run(
        CHECKER, own_database
    ).split()
    done = int(done)
    assert done >= after
    # Each conversion is all there or not at all: a lead, its account, contact, deal,
    # the deal's history and the conversion's audit entry.
    assert (int(broken), int(orphans), int(unlogged)) == (0, 0, 0)
    assert int(audited) == int(accounts) == int(contacts) == done
    assert ok == "ok"
