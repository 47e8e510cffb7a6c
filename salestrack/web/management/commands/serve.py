import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Salestrack with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3))
        )

    def handle(self, *, host, port, workers, **options):
        self.stdout.write(f"Salestrack on http://{host}:{port}/ ({workers} workers)")
        argv = [
            "gunicorn",
            "salestrack.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            "--access-logfile=-",
            # Written and removed by gunicorn: `salestrack restore` waits for it to go.
            f"--pid={settings.SERVE_PIDFILE}",
            "--timeout=60",
        ]
        sys.stdout.flush()
        # Replace this process: signals (Ctrl-C, SIGTERM from a supervisor) reach gunicorn directly.
        os.execvp(sys.executable, [sys.executable, "-m", *argv])
