"""jingzhun snapshot [--area CODE] [--years 2014-2020] [--year-end] : freeze the registry as Parquet person-years."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jingzhun.analytics.lines import NoPovertyLine
from jingzhun.analytics.models import SnapshotKind
from jingzhun.analytics.snapshots import SnapshotError, snapshot_take
from jingzhun.areas.models import Area, Level


class Command(BaseCommand):
    help = ("Take a registry snapshot for the analytics (an operator's command). --year-end marks it as the year-end "
            "snapshot; run it from cron on 31 December (or early January) so that year's reports can be reproduced.")

    def add_arguments(self, parser):
        parser.add_argument("--area", help="area code (default: the whole country, every province loaded)")
        parser.add_argument("--years", help="FIRST-LAST (default: every year with income records)")
        parser.add_argument("--year-end", action="store_true")

    def handle(self, *args, **opts):
        areas = []
        if opts["area"]:
            area = Area.objects.filter(code=str(opts["area"]).strip().ljust(12, "0")).first()
            if area is None:
                raise CommandError(f"there is no area with code {opts['area']}")
            areas = [area]
        else:
            areas = list(Area.objects.filter(level=Level.PROVINCE).order_by("code"))  # one snapshot per province
        years = None
        if opts["years"]:
            first, _, last = opts["years"].partition("-")
            try:
                years = list(range(int(first), int(last or first) + 1))
            except ValueError as exc:
                raise CommandError(f"--years takes FIRST-LAST, e.g. 2014-2020, not {opts['years']}") from exc
        kind = SnapshotKind.YEAR_END if opts["year_end"] else SnapshotKind.ON_DEMAND
        for area in areas:
            try:
                snap = snapshot_take(actor=None, area=area, kind=kind, years=years)
            except SnapshotError as exc:
                if opts["area"]:
                    raise CommandError(str(exc)) from exc
                continue  # a province without households
            except NoPovertyLine as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"snapshot {snap.pk}: {area.code} {area.name}, {snap.persons} persons, "
                              f"{snap.first_year}-{snap.last_year}, {snap.seconds:.1f} s")
