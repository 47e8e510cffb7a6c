from pathlib import Path

from django.core.management.base import BaseCommand

from salestrack.ops import backups


class Command(BaseCommand):
    help = "Back up the whole database to a file, safely while the server runs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, help="the file to write (default: backups/ in the data folder)"
        )

    def handle(self, *, output, **options):
        path = backups.backup(output or backups.default_path())
        size = path.stat().st_size
        self.stdout.write(f"Backed up to {path} ({size / 1_000_000:.1f} MB).")
