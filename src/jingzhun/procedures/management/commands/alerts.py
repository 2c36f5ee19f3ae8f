"""jingzhun alerts FILE --source NAME [--report PATH]: import department alerts (exit 0 written, 1 errors)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhun.imports.readers import UnreadableFile
from jingzhun.procedures.alerts import alerts_import


class Command(BaseCommand):
    help = "Import alerts from another department's CSV (identity number, alert type, date, amount) for the monitoring scan."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", required=True, help="the department, e.g. 县医保局")
        parser.add_argument("--report", help="write the errors as a JSON list of {row, column, code, message}")

    def handle(self, *args, **opts):
        try:
            result = alerts_import(actor=None, path=Path(opts["path"]), source=opts["source"])
        except (UnreadableFile, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["report"]:
            Path(opts["report"]).write_text(json.dumps(result.errors, ensure_ascii=False, indent=1), encoding="utf-8")
        for e in result.errors[:20]:
            self.stderr.write(f"row {e['row']} {e['column']}: {e['code']}: {e['message']}")
        if result.errors:
            self.stderr.write(f"{len(result.errors)} errors in {result.rows} rows: nothing imported")
            sys.exit(1)
        self.stdout.write(f"{result.rows} rows, {result.created} new alerts")
