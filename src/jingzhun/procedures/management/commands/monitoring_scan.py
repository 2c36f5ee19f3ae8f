"""jingzhun monitoring_scan --area CODE [--as-of YYYY-MM-DD]: the scheduled scan (cron), opening or updating cases."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jingzhun.areas.models import Area
from jingzhun.procedures.scan_apply import monitoring_scan_apply


class Command(BaseCommand):
    help = "Scan an area for households at risk and open (or update) monitoring identification cases."

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help="area code (12 digits or its significant digits)")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="the scan date (default today)")

    def handle(self, *args, **opts):
        code = str(opts["area"]).strip().ljust(12, "0")
        if not Area.objects.filter(code=code).exists():
            raise CommandError(f"there is no area with code {opts['area']}")
        counts = monitoring_scan_apply(actor=None, area_code=code, as_of=opts["as_of"] or timezone.localdate())
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
