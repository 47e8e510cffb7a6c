import datetime

from django.core.management.base import BaseCommand, CommandError

from salestrack.dev.gen_base import SIZES
from salestrack.dev.generate import PASSWORD, NotEmpty, generate


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated database with a generated sales organisation for benchmarks: "
        "large is 200 users in 20 teams, 1,000,000 leads, 100,000 accounts, 300,000 contacts, "
        "300,000 opportunities with 1,000,000 history rows and 2,000,000 activities over three "
        "years; medium a tenth of the records, small a hundredth (and 20 users). Rows are bulk "
        "inserted, not made through the services: no audit log entries are written."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), required=True)
        parser.add_argument("--seed", type=int, default=1, help="the same seed, the same data")
        parser.add_argument(
            "--password", default=PASSWORD, help=f"every user's password (default {PASSWORD})"
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help="dates are relative to this day (YYYY-MM-DD; default: today)",
        )

    def handle(self, *, size, seed, password, today, **options):
        try:
            generate(size=size, seed=seed, password=password, today=today, out=self.stdout.write)
        except (NotEmpty, LookupError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Users: admin, mgr01 ..., rep001 ...; password: {password}")
