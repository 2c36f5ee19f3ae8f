import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))

    def handle(self, *args, bind, workers, **options):
        argv = [sys.executable, "-m", "gunicorn", "jingzhun.config.wsgi:application", "--bind", bind,
                "--workers", str(workers), "--access-logfile", "-"]
        if settings.DEBUG:
            argv.append("--reload")
        self.stdout.write(f"Serving on http://{bind}/ (Ctrl-C to stop)")
        os.execv(sys.executable, argv)
