"""The `salestrack` console command: Django's manage.py with Salestrack's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salestrack.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["salestrack", *sys.argv[1:]])


if __name__ == "__main__":
    main()
