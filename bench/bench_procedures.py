"""Benchmark of the set-based procedures selectors (issue 5): eligibility evaluation and monitoring scan.

    python bench/bench_procedures.py                      # 1,000,000 persons, PostgreSQL
    python bench/bench_procedures.py --database sqlite
    python bench/bench_procedures.py --reuse              # keep the generated database of a previous run

A fresh database is generated as bench_generate.py does (its ``main``: Guizhou's area tree, Congjiang
generated), with income years 2014-2019 so that registered poor households remain (incidence 2.5% at the
end of 2019).  PostgreSQL: the database named in DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jingzhun_bench_procedures) is dropped and created again; SQLite: the
file of bench_generate.py (var/bench/bench_generate.sqlite3).

Untimed setup on top: monitoring lines for 2019 (national 4,827 = 1.5 x 3,218; Congjiang 5,000) and 2020
(national 6,000), a county poverty line for 2019 equal to the national one (so that the line is a CASE with
a branch), and department alerts on 1% of the persons (medical and disaster with amounts, unemployment
without), dated in the 300 days before the scan date; then ANALYZE.

Timed: ``evaluate_eligibility(area_code="520000000000", year=2019)`` with its three lists consumed, then
``scan_monitoring(area_code="520000000000", as_of=2020-06-30)`` consumed.  Targets: each <= 10 s.  Then the
scan applied (``monitoring_scan_apply``) twice: the first run opens a case per flag, the second updates them.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/jingzhun_bench_procedures"
PROVINCE = "520000000000"


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _has_data() -> bool:
    from django.db import connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM registry_household")
            return cur.fetchone()[0] > 0
    except Exception:
        return False


def _extra_data(as_of: dt.date, alert_share: int) -> int:
    """Lines and department alerts (untimed); returns the number of alerts."""
    from django.db import connection, transaction

    from jingzhun.areas.models import Area
    from jingzhun.policy.models import MonitoringLine, PovertyLine
    from jingzhun.procedures.monitoring_scan import ALERTS_TABLE

    county = Area.objects.get(code="522633000000")
    MonitoringLine.objects.update_or_create(year=2019, area=None, defaults={"amount": Decimal("4827"), "source": "bench: 1.5 x 3,218"})
    MonitoringLine.objects.update_or_create(year=2019, area=county, defaults={"amount": Decimal("5000"), "source": "bench"})
    MonitoringLine.objects.update_or_create(year=2020, area=None, defaults={"amount": Decimal("6000"), "source": "bench"})
    national = PovertyLine.objects.get(year=2019, area=None).amount
    PovertyLine.objects.update_or_create(year=2019, area=county, defaults={"amount": national, "source": "bench: same as national"})

    with transaction.atomic(), connection.cursor() as cur:
        if ALERTS_TABLE not in connection.introspection.table_names():
            pg = connection.vendor == "postgresql"
            cur.execute(f"CREATE TABLE {ALERTS_TABLE} (id {'bigserial PRIMARY KEY' if pg else 'integer PRIMARY KEY AUTOINCREMENT'}, "
                        "id_number varchar(18) NOT NULL, alert_type varchar(30) NOT NULL, alert_date date NOT NULL, "
                        f"amount numeric(14, 2) NULL, source varchar(100) NOT NULL, imported_at {'timestamptz' if pg else 'datetime'} NOT NULL)")
        cur.execute(f"DELETE FROM {ALERTS_TABLE}")
        cur.execute("SELECT id, id_number FROM registry_person WHERE death_date IS NULL AND id %% %s = 7", [alert_share])
        people = cur.fetchall()
        now = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
        rows = []
        for pid, id_number in people:
            kind = ("medical", "disaster", "unemployment")[pid % 3]
            amount = None if kind == "unemployment" else Decimal(500 + (pid * 7919) % 60_000)
            rows.append((id_number, kind, as_of - dt.timedelta(days=pid % 300), amount, "bench", now))
        cur.executemany(f"INSERT INTO {ALERTS_TABLE} (id_number, alert_type, alert_date, amount, source, imported_at) "
                        "VALUES (%s, %s, %s, %s, %s, %s)", rows)
        if connection.vendor == "postgresql":
            for table in (ALERTS_TABLE, "policy_povertyline", "policy_monitoringline"):
                cur.execute(f"ANALYZE {table}")
        else:
            cur.execute("ANALYZE")
    return len(rows)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--as-of", default="2020-06-30")
    parser.add_argument("--alert-share", type=int, default=100, help="one person in N gets a department alert")
    parser.add_argument("--reuse", action="store_true", help="keep an already generated database")
    args = parser.parse_args(argv)
    as_of = dt.date.fromisoformat(args.as_of)

    if args.database == "postgres":
        url = os.environ.get("DATABASE_URL", "")
        url = url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_PG
    else:
        url = f"sqlite:///{ROOT / 'var' / 'bench' / 'bench_generate.sqlite3'}"
    os.environ["DATABASE_URL"] = url

    generated = None
    reused = False
    if args.reuse:
        _setup_django(url)
        reused = _has_data()
    if not reused:
        sys.path.insert(0, str(ROOT / "bench"))
        import bench_generate

        with contextlib.redirect_stdout(io.StringIO()):
            generated = bench_generate.main(["--persons", str(args.persons), "--database", args.database,
                                             "--years", f"2014-{args.year}"])
    else:
        from django.db import connection

        connection.close()

    alerts = _extra_data(as_of, args.alert_share)

    from django.db import connection

    from jingzhun.procedures.eligibility import evaluate_eligibility
    from jingzhun.procedures.monitoring_scan import scan_monitoring

    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM registry_household")
        households = cur.fetchone()[0]
        cur.execute("SELECT COUNT(*) FROM registry_person")
        persons = cur.fetchone()[0]

    started = time.perf_counter()
    result = evaluate_eligibility(area_code=PROVINCE, year=args.year)
    counts_seconds = time.perf_counter() - started
    listed = {name: sum(1 for _ in getattr(result, name)) for name in ("candidates", "exits", "blocked")}
    eligibility_seconds = time.perf_counter() - started
    assert listed == {k: result.counts[k] for k in listed}, (listed, result.counts)

    started = time.perf_counter()
    by_category, by_flag, flagged = Counter(), Counter(), 0
    for flag in scan_monitoring(area_code=PROVINCE, as_of=as_of):
        flagged += 1
        by_category[flag.category or "none"] += 1
        by_flag.update(flag.flags)
    monitoring_seconds = time.perf_counter() - started

    # the scan applied: every flag opens a monitoring case (first run), then updates it (second run)
    from jingzhun.procedures.models import Case
    from jingzhun.procedures.scan_apply import monitoring_scan_apply

    Case.objects.filter(procedure="monitoring").delete()
    applied = {}
    for run in ("first", "second"):
        started = time.perf_counter()
        counts = monitoring_scan_apply(actor=None, area_code=PROVINCE, as_of=as_of)
        applied[run] = {"seconds": round(time.perf_counter() - started, 2), **counts}

    out = {
        "bench": "procedures",
        "database": args.database,
        "persons": persons,
        "households": households,
        "alerts": alerts,
        "area": PROVINCE,
        "year": args.year,
        "as_of": args.as_of,
        "eligibility_seconds": round(eligibility_seconds, 2),
        "eligibility_counts_seconds": round(counts_seconds, 2),
        "eligibility_counts": result.counts,
        "eligibility_reasons": result.reason_counts,
        "monitoring_seconds": round(monitoring_seconds, 2),
        "monitoring_flagged": flagged,
        "monitoring_by_category": dict(sorted(by_category.items())),
        "monitoring_by_flag": dict(sorted(by_flag.items())),
        "scan_applied": applied,
        "target_seconds": 10,
        "generate_seconds": generated["seconds"] if generated else None,
        "reused_database": reused,
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
