"""jingzhun export --area CODE --format csv|xlsx|parquet PATH [--unmask] [--layout members|incomes] [--year Y]"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingzhun.areas.models import Area
from jingzhun.imports.export import export


class Command(BaseCommand):
    help = "Export the register of an area in the import layout (an operator's command; --unmask is audited)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--area", required=True)
        parser.add_argument("--format", choices=["csv", "xlsx", "parquet"], required=True)
        parser.add_argument("--layout", choices=["members", "incomes"], default="members")
        parser.add_argument("--year", type=int, help="incomes: one year only")
        parser.add_argument("--unmask", action="store_true", help="full identity numbers (audited)")

    def handle(self, *args, **opts):
        area = Area.objects.filter(code=str(opts["area"]).strip().ljust(12, "0")).first()
        if area is None:
            raise CommandError(f"there is no area with code {opts['area']}")
        n = export(actor=None, area=area, path=Path(opts["path"]), fmt=opts["format"], layout=opts["layout"], year=opts["year"],
                   unmask=opts["unmask"])
        self.stdout.write(f"wrote {opts['path']}: {n:,} rows" + (" (identity numbers unmasked, audited)" if opts["unmask"] else ""))
