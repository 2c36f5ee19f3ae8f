"""Benchmark of the demo generator: a fresh database, Guizhou's area tree, Congjiang (522633) generated.

    python bench/bench_generate.py --persons 1000000 --database sqlite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jingzhun_bench \\
        python bench/bench_generate.py --persons 1000000 --database postgres

SQLite: a new file var/bench/bench_generate.sqlite3.  PostgreSQL: the database named in DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/jingzhun_bench) is dropped and created again.
Prints one JSON line: persons, households, rows, seconds, persons/s, peak resident memory (the process's
ru_maxrss) and the generator's phase timings.  ANALYZE runs afterwards, outside the timed part, so that
bench_search.py (run next by bench/run.py) finds statistics.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/jingzhun_bench"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _fresh_postgres(url: str, collation: str | None) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    admin = dict(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                 password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if collation:  # e.g. C: the code-point order of C.UTF-8, which PostgreSQL < 17 sorts through strcoll
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LC_COLLATE '{collation}'")
        else:
            conn.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--county", default="522633")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--years", default="2014-2020", help="income years FIRST-LAST (statuses are simulated from 2014 on)")
    parser.add_argument("--pg-collation", default=None, help="LC_COLLATE of the new PostgreSQL database (default: the server's)")
    parser.add_argument("--bulk", choices=["auto", "on", "off"], default="auto",
                        help="rebuild the registry indexes after the load (auto: for large loads into small tables)")
    args = parser.parse_args(argv)

    if args.database == "sqlite":
        path = ROOT / "var" / "bench" / "bench_generate.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            url = DEFAULT_PG
        os.environ["DATABASE_URL"] = url
        _fresh_postgres(url, args.pg_collation)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.config.settings")
    sys.path.insert(0, str(ROOT / "src"))

    import django

    django.setup()
    from django.core.management import call_command

    from jingzhun.areas.loader import load_areas
    from jingzhun.demo.generator import MEAN_HOUSEHOLD_SIZE, generate_county

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_areas(provinces=[args.county[:2]])
    setup_seconds = time.perf_counter() - started
    rss_before = _peak_rss_mb()
    households = math.ceil(args.persons / MEAN_HOUSEHOLD_SIZE * 1.01)  # sizes vary: aim a little over
    bulk = {"auto": None, "on": True, "off": False}[args.bulk]
    first, _, last = args.years.partition("-")
    years = range(int(first), int(last or first) + 1)
    result = generate_county(county_code=args.county, households=households, seed=args.seed, batch_size=args.batch_size,
                             years=years, bulk=bulk)
    analyze_started = time.perf_counter()  # statistics for whatever runs next (bench_search.py); not timed
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("registry_household", "registry_person", "registry_membership", "registry_incomerecord",
                      "registry_statuschange"):
            cur.execute(f"ANALYZE {table}")
    analyze_seconds = time.perf_counter() - analyze_started
    rows = result.households + result.persons + result.memberships + result.income_records + result.status_changes
    out = {
        "bench": "generate",
        "database": args.database,
        "county": result.county_code,
        "households": result.households,
        "persons": result.persons,
        "rows": rows,
        "income_records": result.income_records,
        "status_changes": result.status_changes,
        "seconds": round(result.seconds, 2),
        "persons_per_s": round(result.persons_per_second),
        "rows_per_s": round(rows / result.seconds),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "rss_before_generate_mb": round(rss_before, 1),
        "setup_seconds": round(setup_seconds, 1),
        "analyze_seconds_untimed": round(analyze_seconds, 1),
        "batch_size": args.batch_size,
        "years": args.years,
        "bulk": result.bulk,
        "pg_collation": args.pg_collation,
        "timings": {k: round(v, 2) for k, v in result.timings.items()},
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
