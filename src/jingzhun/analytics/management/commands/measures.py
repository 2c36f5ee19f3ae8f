"""jingzhun measures --area CODE --level village --year 2020 [--compare 2016] [--backend duckdb|postgres|spark]
[--format table|csv|json|xlsx] [--output PATH] [--snapshot ID]"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from jingzhun.analytics import export
from jingzhun.analytics.backends import BACKENDS
from jingzhun.analytics.selectors import AnalyticsError, area_measures, covering_snapshot
from jingzhun.analytics.snapshots import SnapshotError, snapshot_take
from jingzhun.areas.models import Area

LEVELS = {label: value for value, label in [(1, "province"), (2, "prefecture"), (3, "county"), (4, "township"), (5, "village")]}


class Command(BaseCommand):
    help = "Poverty measures for every area of a level under an area, for a year (an operator's command: national scope)."

    def add_arguments(self, parser):
        parser.add_argument("--area", required=True, help="area code (6 or 12 digits)")
        parser.add_argument("--level", required=True, choices=list(LEVELS), help="the level of the rows")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--compare", type=int, help="a second year: adds the value then and the change")
        parser.add_argument("--backend", choices=BACKENDS, help="default: ANALYTICS_BACKEND (duckdb)")
        parser.add_argument("--format", choices=["table", "csv", "json", "xlsx"], default="table")
        parser.add_argument("--output", help="write to this file (required for xlsx)")
        parser.add_argument("--snapshot", type=int, help="the snapshot to read (default: the newest covering the area and years)")

    def handle(self, *args, **opts):
        if opts["format"] == "xlsx" and not opts["output"]:
            raise CommandError("--format xlsx writes a file: give --output PATH")
        code = str(opts["area"]).strip().ljust(12, "0")
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise CommandError(f"there is no area with code {opts['area']}")
        backend = opts["backend"]
        years = [opts["year"]] + ([opts["compare"]] if opts["compare"] else [])
        if backend != "postgres" and opts["snapshot"] is None:
            try:
                covering_snapshot(area, years)
            except AnalyticsError:
                self.stderr.write(f"no snapshot covers {area.code} for {years}: taking one now")
                try:
                    snap = snapshot_take(actor=None, area=area)
                except SnapshotError as exc:
                    raise CommandError(str(exc)) from exc
                self.stderr.write(f"snapshot {snap.pk}: {snap.persons} persons, {snap.first_year}-{snap.last_year}, {snap.seconds:.1f} s")
        try:
            table = area_measures(user=None, area_code=area.code, level=LEVELS[opts["level"]], year=opts["year"],
                                  compare=opts["compare"], backend=backend, snapshot_id=opts["snapshot"])
        except AnalyticsError as exc:
            raise CommandError(str(exc)) from exc
        fmt = opts["format"]
        if fmt == "xlsx":
            with open(opts["output"], "wb") as f:
                f.write(export.to_xlsx(table))
            self.stderr.write(f"wrote {opts['output']} ({len(table.rows)} areas)")
            return
        text = {"table": export.to_text, "csv": export.to_csv, "json": export.to_json}[fmt](table)
        if opts["output"]:
            with open(opts["output"], "w", encoding="utf-8") as f:
                f.write(text)
            self.stderr.write(f"wrote {opts['output']} ({len(table.rows)} areas)")
        else:
            sys.stdout.write(text)


