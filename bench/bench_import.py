"""Benchmark of the import pipeline: a generated 1-million-person register file validated and merged.

    python bench/bench_import.py --persons 1000000 --database postgres [--xlsx-rows 100000]

A fresh database (PostgreSQL: DATABASE_URL or postgres://postgres@127.0.0.1:5432/jingzhun_bench_import, dropped
and created; SQLite: var/bench/bench_import.sqlite3), Guizhou's area tree, then:

* ``csv``: a flat members CSV of `--persons` persons (about 3.4 per household, in Congjiang's real villages,
  valid identity numbers, 16 columns; generated once into var/bench/ in a child process so that its memory
  does not count) imported with ``import_create`` + ``import_validate`` + ``import_merge``: seconds per phase,
  persons/s and the process's peak resident memory;
* ``floor``: a plain ``COPY`` of the same file into an unindexed table of text columns (PostgreSQL only) and
  the ratio of the whole pipeline to it; and the ``registry floor``: the merged households, persons and
  memberships written again, one ``INSERT ... SELECT`` per table, into empty copies of the registry tables
  with the same indexes and foreign keys (what the register itself costs to write) and the ratio to that;
* ``incomes``: a CSV of one year's incomes (8 components) for every household of the first file, validated and
  merged (the year-end load of a county's or a prefecture's incomes);
* ``xlsx``: a `--xlsx-rows` xlsx file of other households, validated and merged.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/jingzhun_bench_import"
KEYS = ["household_number", "village_code", "status", "registered_year", "household_size", "housing_grade", "relation", "name",
        "id_number", "sex", "birth_date", "ethnicity", "education", "health", "labour_ability", "medical_insurance"]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def make_file(path: Path, persons: int, fmt: str, prefix: str, seed: int) -> None:
    """Write the register file (run in a child process)."""
    import numpy as np

    from jingzhun.imports import columns as C
    from jingzhun.registry.identity import make_resident_id

    villages = [line.strip() for line in open(ROOT / "var" / "bench" / "villages.txt")]
    rng = np.random.default_rng(seed)
    headers = {c.key: c.header for c in C.member_columns()}
    rows = []
    n = 0
    h = 0
    start = dt.date(1940, 1, 1)
    relations = ["户主", "配偶", "子女", "子女", "孙子女", "父母", "子女"]
    while n < persons:
        size = int(min(persons - n, rng.integers(1, 8)))
        village = villages[h % len(villages)]
        number = f"{prefix}{h:07d}"
        for i in range(size):
            k = n + i
            born = start + dt.timedelta(days=int(k // 200) % 27000)
            sex = "M" if k % 2 == 0 else "F"
            rows.append([number, village, "贫困户" if h % 3 == 0 else "未建档", "2014" if h % 3 == 0 else "",
                         str(size) if i == 0 else "", "B" if i == 0 else "", relations[i], "张三" if sex == "M" else "李梅",
                         make_resident_id("522633" if prefix == "C" else "522632", born, (k // 2) % 100, sex), "男" if sex == "M" else "女", born.isoformat(),
                         "苗族", "小学", "健康", "普通劳动力", "是"])
        n += size
        h += 1
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow([headers[k] for k in KEYS])
            w.writerows(rows)
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("members")
        ws.append([headers[k] for k in KEYS])
        for r in rows:
            ws.append(r)
        wb.save(path)


INCOME_KEYS = ["household_number", "year", "members", "wages", "business", "subsidies", "dibao", "pensions", "eco_compensation",
               "other_transfers", "property_income", "production_costs"]


def make_incomes(path: Path, households: list[tuple[str, int]], year: int, seed: int) -> None:
    import numpy as np

    from jingzhun.imports import columns as C

    headers = {c.key: c.header for c in C.income_columns()}
    rng = np.random.default_rng(seed)
    parts = rng.gamma(2.0, 1500.0, size=(len(households), 9)).round(2)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([headers[k] for k in INCOME_KEYS])
        for (number, size), row in zip(households, parts):
            w.writerow([number, year, size, *(f"{x:.2f}" for x in row)])


def _fresh_postgres(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def _import(path: Path, year: int | None = None) -> dict:
    from jingzhun.imports.services import import_create, import_merge, import_validate

    t0 = time.perf_counter()
    batch = import_create(actor=None, source=path, year=year)
    t1 = time.perf_counter()
    batch = import_validate(batch, actor=None)
    t2 = time.perf_counter()
    assert batch.error_count == 0, f"{batch.error_count} errors"
    batch = import_merge(batch, actor=None)
    t3 = time.perf_counter()
    return {"rows": batch.rows, "households": batch.households, "persons": batch.persons, "seconds": round(t3 - t0, 2),
            "persons_per_s": round(batch.persons / (t3 - t0)), "rows_per_s": round(batch.rows / (t3 - t0)),
            "phases": {"copy_in": round(t1 - t0, 2), "validate_and_stage": round(t2 - t1, 2), "merge": round(t3 - t2, 2)},
            "counts": batch.result.get("counts", {})}


def _floor(path: Path) -> float:
    from django.db import connection

    cols = ", ".join(f"c{i} text" for i in range(len(KEYS)))
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_floor")
        cur.execute(f"CREATE TABLE bench_floor ({cols})")
    t0 = time.perf_counter()
    with connection.cursor() as cur, open(path, "rb") as f:
        with cur.cursor.copy("COPY bench_floor FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
    seconds = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_floor")
    return seconds


def _registry_floor(prefix: str) -> float:
    """Writing the merged rows (households, persons, memberships) into empty copies of the registry tables with
    the same indexes and foreign keys, in one INSERT ... SELECT each: what the register itself costs to write."""
    from django.db import connection, transaction

    tables = {"household": "registry_household", "person": "registry_person", "membership": "registry_membership"}
    fks = ["ALTER TABLE floor_household ADD FOREIGN KEY (area_id) REFERENCES areas_area (code) DEFERRABLE INITIALLY DEFERRED",
           "ALTER TABLE floor_household ADD FOREIGN KEY (head_id) REFERENCES floor_person (id) DEFERRABLE INITIALLY DEFERRED",
           "ALTER TABLE floor_person ADD FOREIGN KEY (household_id) REFERENCES floor_household (id) DEFERRABLE INITIALLY DEFERRED",
           "ALTER TABLE floor_person ADD FOREIGN KEY (area_id) REFERENCES areas_area (code) DEFERRABLE INITIALLY DEFERRED",
           "ALTER TABLE floor_membership ADD FOREIGN KEY (person_id) REFERENCES floor_person (id) DEFERRABLE INITIALLY DEFERRED",
           "ALTER TABLE floor_membership ADD FOREIGN KEY (household_id) REFERENCES floor_household (id) DEFERRABLE INITIALLY DEFERRED"]
    with connection.cursor() as cur:
        for short, table in tables.items():
            cur.execute(f"DROP TABLE IF EXISTS floor_{short} CASCADE")
            cur.execute(f"CREATE TABLE floor_{short} (LIKE {table} INCLUDING ALL)")
        for sql in fks:
            cur.execute(sql)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO floor_household SELECT * FROM registry_household WHERE number LIKE %s", [prefix + "%"])
        cur.execute("INSERT INTO floor_person SELECT p.* FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
                    "WHERE h.number LIKE %s ORDER BY p.id", [prefix + "%"])
        cur.execute("INSERT INTO floor_membership SELECT m.* FROM registry_membership m JOIN registry_household h ON h.id = m.household_id "
                    "WHERE h.number LIKE %s ORDER BY m.id", [prefix + "%"])
    seconds = time.perf_counter() - t0
    with connection.cursor() as cur:
        for short in tables:
            cur.execute(f"DROP TABLE floor_{short} CASCADE")
    return seconds


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--make", nargs=4, metavar=("PATH", "PERSONS", "FORMAT", "PREFIX"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    if args.make:
        _setup_django(os.environ.get("DATABASE_URL", f"sqlite:///{bench_dir / 'unused.sqlite3'}"))
        make_file(Path(args.make[0]), int(args.make[1]), args.make[2], args.make[3], seed=7)
        return {}
    if args.database == "postgres":
        url = os.environ.get("DATABASE_URL", "")
        url = url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_PG
        _fresh_postgres(url)
    else:
        db = bench_dir / "bench_import.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    os.environ["JINGZHUN_VAR"] = str(bench_dir / "var_import")
    _setup_django(url)
    from django.core.management import call_command

    from jingzhun.areas.loader import load_areas
    from jingzhun.areas.models import Area

    call_command("migrate", verbosity=0)
    load_areas(provinces=["52"])
    villages = list(Area.objects.filter(code__startswith="522633", level=5).order_by("code").values_list("code", flat=True))
    (bench_dir / "villages.txt").write_text("\n".join(villages))
    files = {"csv": bench_dir / f"import_{args.persons}.csv", "xlsx": bench_dir / f"import_{args.xlsx_rows}.xlsx"}
    for fmt, n, prefix in (("csv", args.persons, "C"), ("xlsx", args.xlsx_rows, "X")):
        if not files[fmt].exists():
            subprocess.run([sys.executable, __file__, "--make", str(files[fmt]), str(n), fmt, prefix], check=True,
                           env={**os.environ, "DATABASE_URL": f"sqlite:///{bench_dir / 'unused.sqlite3'}"})
    rss_before = _peak_rss_mb()
    out = {"bench": "import", "database": args.database, "file_mb": round(files["csv"].stat().st_size / 1e6, 1)}
    out["csv"] = _import(files["csv"])
    out["peak_rss_mb_csv"] = round(_peak_rss_mb(), 1)
    out["rss_before_mb"] = round(rss_before, 1)
    from jingzhun.registry.models import Household

    incomes = bench_dir / f"incomes_{args.persons}.csv"
    make_incomes(incomes, list(Household.objects.filter(number__startswith="C").order_by("number").values_list("number", "size")), 2020, seed=11)
    out["incomes"] = _import(incomes, year=2020)
    if args.database == "postgres":
        floor = _floor(files["csv"])
        out["floor_copy_s"] = round(floor, 2)
        out["ratio_to_floor"] = round(out["csv"]["seconds"] / floor, 1)
        registry = _registry_floor("C")
        out["registry_floor_s"] = round(registry, 2)
        out["ratio_to_registry_floor"] = round(out["csv"]["seconds"] / registry, 1)
    out["xlsx"] = _import(files["xlsx"])
    out["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    out["load_before"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
