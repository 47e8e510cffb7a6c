import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from salestrack.dev import demo
from salestrack.teams.models import User


class Command(BaseCommand):
    help = (
        "Fill an empty database with a demo sales organisation and 18 months of its selling, "
        "then print the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="when there are users already, create nothing (but still print the logins)",
        )
        # A fraction of the usual sizes, for the tests.
        parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)

    def handle(self, *, seed, if_empty, scale, **options):
        if User.objects.exists():
            if not if_empty:
                raise CommandError(
                    "The database has users already: the demo only fills an empty one. "
                    "With --if-empty it leaves the database as it is."
                )
            self.stdout.write("The database has users already: no demo data created.")
        else:
            started = time.monotonic()
            counts = demo.build(seed=seed, scale=scale, out=self.say)
            created = ", ".join(f"{n:,} {label}" for label, n in counts.items())
            self.stdout.write(f"Created {created} in {time.monotonic() - started:.0f} s.")
        self.print_logins()

    def say(self, line: str) -> None:
        # Flushed: `make run` shows each step as it happens, even when its output is piped.
        self.stdout.write(line)
        self.stdout.flush()

    def print_logins(self):
        rows = demo.logins()
        if not rows:
            return
        columns = ["username", "role", "team", "password"]
        widths = {c: max(len(c), *(len(row[c]) for row in rows)) for c in columns}

        def line(values: dict) -> str:
            return "  ".join(values[c].ljust(widths[c]) for c in columns).rstrip()

        self.stdout.write("\nDemo logins:")
        self.stdout.write(line({c: c for c in columns}))
        self.stdout.write(line({c: "-" * widths[c] for c in columns}))
        for row in rows:
            self.stdout.write(line(row))
