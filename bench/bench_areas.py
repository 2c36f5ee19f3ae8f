"""Loading the whole national area tree (665,276 areas), twice (the second run is the idempotent upsert).

Usage: DATABASE_URL=... python bench/bench_areas.py   (the database must be migrated)
"""

import json
import os
import resource
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.config.settings")


def main() -> None:
    import django

    django.setup()
    from django.db import connection

    from jingzhun.areas.loader import load_areas

    runs = []
    for _ in range(2):
        started = time.perf_counter()
        result = load_areas()
        runs.append(round(time.perf_counter() - started, 2))
    print(json.dumps({
        "bench": "load_areas", "database": connection.vendor, "areas": result.total,
        "first_run_s": runs[0], "second_run_s": runs[1],
        "areas_per_s": int(result.total / runs[0]),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main()
