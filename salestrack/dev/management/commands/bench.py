import gc
import json
import platform
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from salestrack.dev import cases, timing
from salestrack.leads.models import Lead
from salestrack.search import upkeep


class Command(BaseCommand):
    help = (
        "Time every hot path in-process against a generated database (salestrack generate): "
        "server time p50/p95/max, SQL statements, and the bare SQL floor. Not a test."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--json", dest="json_file", help="also write the results here")
        parser.add_argument("--only", default="", help="run the cases whose name contains this")
        parser.add_argument(
            "--markdown",
            nargs="+",
            metavar="JSON",
            help="print the results of earlier --json runs side by side as a Markdown table",
        )

    def handle(self, *, runs, json_file, only, markdown, **options):
        if markdown:
            self.stdout.write(timing.markdown([_read(name) for name in markdown]))
            return
        # Pages are timed as served: with the hashed, compressed static files of `serve`.
        call_command("collectstatic", interactive=False, verbosity=0)
        try:
            people = cases.cast()
        except LookupError as error:
            raise CommandError(str(error)) from None
        leads = Lead.objects.count()
        self.stdout.write(f"{connection.vendor}, {leads:,} leads, {runs} runs per case\n")
        header = f"{'case':38} {'p50':>7} {'p95':>7} {'max':>7} {'SQL':>4} {'floor':>7} {'x':>5}"
        self.stdout.write(header + "\n" + "-" * len(header))
        results = []
        built = cases.build(people)
        # As each server worker does once loaded (wsgi.py): what exists now is never garbage,
        # and without this the collector's full passes over it took 14 to 25 ms of a request.
        gc.freeze()
        # And as each worker does, SQLite's index merges and checkpoints run beside the requests.
        upkeep_thread = upkeep.start()
        for case in built:
            if only and only not in case.name:
                continue
            result = timing.measure(case.name, case.call, runs=runs)
            results.append(result)
            flag = "" if result.status < 400 else f"  HTTP {result.status}!"
            self.stdout.write(
                f"{result.case:38} {result.p50:7.1f} {result.p95:7.1f} {result.max:7.1f} "
                f"{result.queries:4d} {result.sql_floor:7.1f} {result.ratio:5.1f}{flag}"
            )
        if upkeep_thread:
            upkeep_thread.stop()
        self.stdout.write("(milliseconds; x = p50 / bare SQL floor)")
        if json_file:
            report = {
                "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                "database": connection.vendor,
                "leads": leads,
                "machine": f"{platform.machine()}, {platform.python_version()}",
                "results": [r.as_dict() for r in results],
            }
            with open(json_file, "w") as out:
                json.dump(report, out, indent=2)
            self.stdout.write(f"written to {json_file}")


def _read(name: str) -> dict:
    try:
        with open(name) as f:
            return json.load(f)
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read {name}: {error}") from None
