"""jingzhun import template PATH [--layout members|incomes] [--two-sheets]
jingzhun import FILE [--area CODE] [--year Y] [--dry-run] [--report PATH] [--yes] [--resume BATCH]

Exit status: 0 no errors (merged unless --dry-run), 1 errors found (nothing merged), 2 the file could not be read.
An operator's command: national scope, audited as the system.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhun.areas.models import Area
from jingzhun.imports import report
from jingzhun.imports.models import ImportBatch
from jingzhun.imports.readers import UnreadableFile
from jingzhun.imports.services import ImportRefused, import_create, import_merge, import_validate


class Progress:
    """A one-line progress display on stderr."""

    def __init__(self, stream, label: str):
        self.stream, self.label, self.last = stream, label, 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and (total is None or done < total):
            return
        self.last = now
        if total:
            width = 30
            filled = int(width * done / total)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
        else:
            self.stream.write(f"\r{self.label} {done:,} rows")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\n")


class Command(BaseCommand):
    help = "Import households, members or incomes from xlsx, CSV or Parquet (validate, report, then merge); or write a template."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file to import, or `template`")
        parser.add_argument("path", nargs="?", help="with `template`: where to write it (.xlsx or .csv)")
        parser.add_argument("--layout", choices=["members", "incomes"], default="members", help="template layout")
        parser.add_argument("--two-sheets", action="store_true", help="template: households and members sheets")
        parser.add_argument("--area", help="the area the import is for (default: the whole country)")
        parser.add_argument("--year", type=int, help="incomes: the year the file is for")
        parser.add_argument("--dry-run", action="store_true", help="validate only")
        parser.add_argument("--report", help="write the report as JSON (list of row, column, code, message)")
        parser.add_argument("--yes", action="store_true", help="merge without asking")
        parser.add_argument("--resume", type=int, metavar="BATCH", help="resume the merge of an interrupted import")

    def handle(self, *args, **opts):
        if opts["file"] == "template":
            return self._template(opts)
        if opts["resume"]:
            batch = ImportBatch.objects.filter(pk=opts["resume"]).first()
            if batch is None:
                raise CommandError(f"there is no import {opts['resume']}")
            return self._merge(batch)
        source = Path(opts["file"])
        if not source.is_file():
            self.stderr.write(f"cannot read {source}: no such file")
            sys.exit(2)
        area = None
        if opts["area"]:
            area = Area.objects.filter(code=str(opts["area"]).strip().ljust(12, "0")).first()
            if area is None:
                raise CommandError(f"there is no area with code {opts['area']}")
        batch = import_create(actor=None, source=source, area=area, year=opts["year"])
        progress = Progress(self.stderr, "validating")
        try:
            batch = import_validate(batch, actor=None, progress=progress)
        except UnreadableFile as exc:
            progress.end()
            self.stderr.write(f"cannot read {source.name}: {exc.message_en} ({exc.code})")
            if opts["report"]:
                Path(opts["report"]).write_text(report.to_json(batch), encoding="utf-8")
            sys.exit(2)
        progress.end()
        if opts["report"]:
            Path(opts["report"]).write_text(report.to_json(batch), encoding="utf-8")
        self.stdout.write(f"import {batch.pk}: {batch.rows:,} rows, {batch.households:,} households, {batch.persons:,} persons; "
                          f"{batch.error_count:,} errors, {batch.warning_count:,} warnings")
        for code, severity, n in report.summary(batch)[:20]:
            self.stdout.write(f"  {severity:<7} {code:<28} {n:,}")
        if batch.error_count:
            sys.exit(1)
        if opts["dry_run"]:
            return
        if not opts["yes"]:
            answer = input(f"Merge {batch.households:,} households and {batch.persons:,} persons into the register? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                self.stdout.write("not merged; run again with --resume " f"{batch.pk} --yes to merge")
                return
        self._merge(batch)

    def _merge(self, batch: ImportBatch) -> None:
        progress = Progress(self.stderr, "merging")
        try:
            batch = import_merge(batch, actor=None, progress=progress)
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        progress.end()
        counts = ", ".join(f"{k} {v:,}" for k, v in batch.result.get("counts", {}).items())
        self.stdout.write(f"import {batch.pk} merged: {counts}")

    def _template(self, opts) -> None:
        from jingzhun.imports.template import write_template

        if not opts["path"]:
            raise CommandError("give the template's path: jingzhun import template PATH (.xlsx or .csv)")
        write_template(Path(opts["path"]), opts["layout"], two_sheets=opts["two_sheets"])
        self.stdout.write(f"wrote {opts['path']}")
