import datetime
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from salestrack.dev import cases
from salestrack.dev.load import Scenario, Server, run
from salestrack.opportunities.models import Opportunity, Stage
from salestrack.teams.services import token_create


class Command(BaseCommand):
    help = (
        "Start `salestrack serve` on loopback and load it with concurrent clients: a minimal "
        "JSON view (the framework's ceiling), a 50-row API list, and mixed reads and writes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--seconds", type=float, default=20)
        parser.add_argument("--workers", type=int, default=4)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--json", dest="json_file")

    def handle(self, *, clients, seconds, workers, port, json_file, **options):
        try:
            people = cases.cast()
        except LookupError as error:
            raise CommandError(str(error)) from None
        rep = people["rep"]
        token = token_create(user=rep, name="load")
        opportunity = Opportunity.objects.filter(owner=rep, is_closed=False).first()
        stage = Stage.objects.filter(
            pipeline_id=opportunity.pipeline_id, is_won=False, is_lost=False
        )
        soon = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        scenarios = [
            Scenario("minimal JSON view", [("GET", "/api/v1/ping", None, 1)]),
            Scenario("API list, 50 rows", [("GET", "/api/v1/leads?page_size=50", None, 1)]),
            Scenario(
                "mixed reads and writes",
                [
                    ("GET", "/api/v1/leads?page_size=50", None, 30),
                    ("GET", "/api/v1/opportunities?page_size=50", None, 20),
                    ("GET", f"/api/v1/opportunities/{opportunity.pk}", None, 15),
                    ("GET", "/api/v1/activities?page_size=20", None, 15),
                    ("POST", "/api/v1/leads", {"last_name": "Load {n}", "company": "Load"}, 10),
                    (
                        "POST",
                        "/api/v1/activities",
                        {"kind": "call", "subject": "Load", "opportunity_id": opportunity.pk},
                        5,
                    ),
                    (
                        "PATCH",
                        f"/api/v1/opportunities/{opportunity.pk}",
                        {"stage_id": stage.first().pk, "close_date": soon},
                        5,
                    ),
                ],
            ),
        ]
        log = Path(settings.DATA_DIR) / "load-server.log"
        results = []
        with Server(port=port, workers=workers, log=log) as server:
            for scenario in scenarios:
                result = run(scenario, port=port, token=token, clients=clients, seconds=seconds)
                result["worker_rss_mb"] = server.worker_rss_mb()
                results.append(result)
                self.stdout.write(
                    f"{result['scenario']:24} {result['throughput']:7.1f} req/s  "
                    f"p50 {result['p50']:6.1f}  p95 {result['p95']:6.1f}  p99 {result['p99']:6.1f}"
                    f"  max {result['max']:7.1f} ms  errors {result['errors']}  "
                    f"workers {result['worker_rss_mb']} MB"
                )
                for sample in result["error_samples"]:
                    self.stdout.write(f"    {sample}")
        locked = log.read_text().count("database is locked")
        self.stdout.write(f"'database is locked' in the server log: {locked}")
        if json_file:
            report = {"clients": clients, "workers": workers, "locked": locked, "results": results}
            Path(json_file).write_text(json.dumps(report, indent=2))
