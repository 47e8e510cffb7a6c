import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salestrack.ops import backups


class Command(BaseCommand):
    help = "Replace the whole database with a backup. Stop the server and workers first."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *, file, yes, **options):
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("Restoring replaces every record: add --yes to confirm.")
            answer = input(f"Replace every record with the backup {file}? Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        backups.restore(file)
        self.stdout.write(f"Restored {file}. Start the server and workers again.")
