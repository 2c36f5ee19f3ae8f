"""Benchmark of the pairing rollups (issue 6): one partnership with 1,000,000 ledger rows.

    python bench/bench_pairing.py                 # PostgreSQL, fresh database jingzhun_bench_pairing
    python bench/bench_pairing.py --reuse         # keep the data of a previous run
    python bench/bench_pairing.py --rows 100000   # a smaller load (rows scale linearly)
    python bench/bench_pairing.py --index         # also measure the candidate indexes (created here, not in migrations)

PostgreSQL only (the target is PostgreSQL's): the database named in DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/jingzhun_bench_pairing) is dropped, created and migrated.  Untimed setup: a
small area tree (Hangzhou Shangcheng on the eastern side, Congjiang with 20 townships x 10 villages on the western
side), 50,000 households and 100,000 persons, one county partnership 上城区—从江县 (2016-2020), then the ledgers:
one row of each kind written with the ORM and cloned in the database with ``INSERT ... SELECT ... FROM
generate_series`` (each column either copied or computed from the series number), then ANALYZE.

Rows (for --rows 1,000,000, in these shares): fund entries 20% (pledged, allocated to projects, disbursed to
projects, returned; three sources; 0.5% of them corrected), projects 2%, project outputs 3%, beneficiaries 20%
(each household in about four projects), secondments 2%, training sessions 5%, trainees 15%, labour transfers 3%,
placed workers 10%, vocational students 5%, enterprise investments 3%, purchases 12%; dates spread evenly over
2016-2020.

Timed (warm: one untimed run, then --runs runs, median and max): ``rollup`` for the whole period and for 2018,
``rollup_by_year`` 2016-2020, ``find_anomalies`` and ``trace_source("fiscal")``.  Target: rollup <= 2 s.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/jingzhun_bench_pairing"
FIRST, DAYS = "2016-01-01", 1827  # 2016-01-01 .. 2020-12-31

SHARES = {  # table -> share of the ledger rows
    "pairing_fundentry": 0.20, "pairing_project": 0.02, "pairing_projectoutput": 0.03, "pairing_beneficiary": 0.20,
    "pairing_secondment": 0.02, "pairing_trainingsession": 0.05, "pairing_trainee": 0.15, "pairing_labourtransfer": 0.03,
    "pairing_placedworker": 0.10, "pairing_vocationalstudent": 0.05, "pairing_enterpriseinvestment": 0.03, "pairing_purchase": 0.12,
}
CANDIDATE_INDEXES = [  # measured with --index; not in the migrations
    "CREATE INDEX IF NOT EXISTS bench_beneficiary_household ON pairing_beneficiary (household_id)",
    "CREATE INDEX IF NOT EXISTS bench_trainee_session_reg ON pairing_trainee (session_id) WHERE registered",
    "CREATE INDEX IF NOT EXISTS bench_worker_transfer_reg ON pairing_placedworker (transfer_id) WHERE registered",
]


def _fresh_postgres(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    admin = dict(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                 password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def clone(cur, table: str, template_id: int, n: int, overrides: dict[str, str]) -> int:
    """Insert n copies of row `template_id` of `table`, each column copied or given by an SQL expression of g
    (0..n-1); returns n."""
    if n <= 0:
        return 0
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position", [table])
    columns = [r[0] for r in cur.fetchall()]
    unknown = set(overrides) - set(columns)
    assert not unknown, (table, unknown)
    select = ", ".join(f"({overrides[c]}) AS {c}" if c in overrides else f"src.{c}" for c in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table} src, generate_series(0, {n - 1}) g".replace("%", "%%")
    cur.execute(sql + " WHERE src.id = %s", [template_id])
    return n


def _areas():
    from jingzhun.areas.models import Area

    rows = [("330000000000", None, 1, "浙江省", "east"), ("330100000000", "330000000000", 2, "杭州市", ""),
            ("330102000000", "330100000000", 3, "上城区", ""), ("520000000000", None, 1, "贵州省", "west"),
            ("522600000000", "520000000000", 2, "黔东南苗族侗族自治州", ""), ("522633000000", "522600000000", 3, "从江县", "")]
    for t in range(20):
        township = f"522633{100 + t:03d}000"
        rows.append((township, "522633000000", 4, f"镇{t}", ""))
        rows.extend((f"522633{100 + t:03d}{201 + v:03d}", township, 5, f"村{t}-{v}", "") for v in range(10))
    Area.objects.bulk_create([Area(code=c, parent_id=p, level=lv, name=n, pinyin="x", initials="x", region=r) for c, p, lv, n, r in rows])
    return [r[0] for r in rows if r[2] == 5]


VILLAGE = "'522633' || lpad((100 + ({g} / 10) % 20)::text, 3, '0') || lpad((201 + {g} % 10)::text, 3, '0')"


def village(g: str = "g") -> str:
    return VILLAGE.format(g=g)


def date(g: str = "g") -> str:
    return f"DATE '{FIRST}' + ({g} % {DAYS})::int"


def load(rows: int) -> dict[str, int]:
    """The untimed setup: areas, households, persons, the partnership and `rows` ledger rows."""
    from django.db import connection, transaction

    from jingzhun.areas.models import Area
    from jingzhun.pairing import models as m
    from jingzhun.registry.models import Household, Person

    n = {table: max(1, round(rows * share)) for table, share in SHARES.items()}
    households, persons = max(10, rows // 20), max(10, rows // 10)
    with transaction.atomic(), connection.cursor() as cur:
        villages = _areas()
        v0 = Area.objects.get(code=villages[0])
        h = Household.objects.create(number="B0", area=v0, size=4, status="poor", registered_year=2014)
        clone(cur, "registry_household", h.pk, households - 1, {"number": "'B' || (g + 1)", "area_id": village("(g + 1)"), "size": "1 + (g % 7)",
                                                                "status": "CASE WHEN g % 3 = 0 THEN 'exited' ELSE 'poor' END"})
        p = Person.objects.create(area=v0, relation="head", name="甲", name_pinyin="jia", name_initials="j", id_number="520000000000000000",
                                  sex="M", birth_date=dt.date(1980, 1, 1))
        clone(cur, "registry_person", p.pk, persons - 1, {"id_number": "lpad((g + 1)::text, 18, '0')", "area_id": village("(g + 1)")})
        pair = m.Partnership.objects.create(kind="county", name="上城区—从江县", east_area_id="330102000000", west_area_id="522633000000",
                                            start_date=dt.date(2016, 1, 1), end_date=dt.date(2020, 12, 31))

        def first(table: str) -> int:
            cur.execute(f"SELECT min(id) FROM {table}")
            return cur.fetchone()[0]

        hh0, pp0 = first("registry_household"), first("registry_person")
        # projects (template + clones), outputs, beneficiaries
        proj = m.Project.objects.create(partnership=pair, name="项目", code="P0", budget=Decimal("100000.00"), village=v0, status="accepted",
                                        start_date=dt.date(2016, 1, 1))
        nproj = n["pairing_project"]
        clone(cur, "pairing_project", proj.pk, nproj - 1, {
            "code": "'P' || (g + 1)", "village_id": village("(g + 1)"), "start_date": date("(g + 1)"), "budget": "10000 + ((g * 7919) % 990000)",
            "status": "(ARRAY['library','approved','under_construction','completed','accepted'])[1 + (g + 1) % 5]"})
        pr0 = first("pairing_project")
        out = m.ProjectOutput.objects.create(project=proj, kind="school", count=Decimal("1"))
        clone(cur, "pairing_projectoutput", out.pk, n["pairing_projectoutput"] - 1, {
            "project_id": f"{pr0} + (g + 1) % {nproj}", "count": "1 + (g % 3)",
            "kind": "(ARRAY['school','clinic','road_km','water_works','production_base','other'])[1 + (g + 1) % 6]"})
        ben = m.Beneficiary.objects.create(project=proj, household_id=hh0, benefit="income", amount=Decimal("500.00"))
        nben = n["pairing_beneficiary"]
        per = max(1, households // max(1, -(-nben // nproj)))  # household stride per project so (project, household) stays unique
        clone(cur, "pairing_beneficiary", ben.pk, nben - 1, {
            "project_id": f"{pr0} + (g + 1) % {nproj}",
            "household_id": f"{hh0} + (((g + 1) % {nproj}) + ((g + 1) / {nproj}) * {per}) % {households}",
            "benefit": "(ARRAY['income','employment','housing','water','education','health'])[1 + (g + 1) % 6]"})
        # funds: allocated and disbursed (half) to projects, pledged and returned not tied; three sources
        fe = m.FundEntry.objects.create(partnership=pair, date=dt.date(2016, 1, 1), kind="pledged", source="fiscal", amount=Decimal("1000000.00"))
        nfund = n["pairing_fundentry"]
        ncorr = nfund // 200
        kind = "(ARRAY['allocated','allocated','disbursed','disbursed','pledged','returned'])[1 + (g + 1) % 6]"
        clone(cur, "pairing_fundentry", fe.pk, nfund - ncorr - 1, {
            "date": date("(g + 1)"), "kind": kind, "source": "(ARRAY['fiscal','fiscal','donation','enterprise'])[1 + ((g + 1) / 6) % 4]",
            "amount": f"CASE WHEN {kind} = 'disbursed' THEN 500.00 + ((g + 1) % 1000) * 0.25 ELSE 1000.00 + ((g + 1) % 1000) * 0.5 + 0.01 END",
            "project_id": f"CASE WHEN {kind} IN ('allocated', 'disbursed') THEN {pr0} + ((g + 1) / 6) % {nproj} END"})
        cur.execute("INSERT INTO pairing_fundentry (partnership_id, date, kind, source, amount, project_id, note, corrects_id, recorded_at) "
                    "SELECT partnership_id, date, kind, source, -amount, project_id, 'bench correction', id, recorded_at FROM pairing_fundentry "
                    "WHERE kind = 'allocated' ORDER BY id LIMIT %s", [ncorr])
        # people
        s = m.Secondment.objects.create(partnership=pair, date=dt.date(2016, 1, 1), person_name="张", kind="cadre", specialty="administration",
                                        home_unit="上城区", post="副县长")
        clone(cur, "pairing_secondment", s.pk, n["pairing_secondment"] - 1, {
            "date": date("(g + 1)"), "kind": "CASE WHEN g % 3 = 0 THEN 'cadre' ELSE 'technician' END",
            "specialty": "(ARRAY['administration','education','health','agriculture','engineering','commerce','other'])[1 + g % 7]",
            "direction": "CASE WHEN g % 4 = 0 THEN 'west_to_east' ELSE 'east_to_west' END"})
        ts = m.TrainingSession.objects.create(partnership=pair, date=dt.date(2016, 1, 1), title="培训", kind="labour_skills", trainees=40)
        nts = n["pairing_trainingsession"]
        clone(cur, "pairing_trainingsession", ts.pk, nts - 1, {"date": date("(g + 1)"), "trainees": "5 + g % 60"})
        ts0 = first("pairing_trainingsession")
        tr = m.Trainee.objects.create(session=ts, person_id=pp0, registered=True)
        stride = max(1, persons // max(1, -(-n["pairing_trainee"] // nts)))
        clone(cur, "pairing_trainee", tr.pk, n["pairing_trainee"] - 1, {
            "session_id": f"{ts0} + (g + 1) % {nts}", "person_id": f"{pp0} + (((g + 1) % {nts}) + ((g + 1) / {nts}) * {stride}) % {persons}",
            "registered": "(g % 3) <> 0"})
        lt = m.LabourTransfer.objects.create(partnership=pair, date=dt.date(2016, 1, 1), workers=30, employer="工厂", transport="train")
        nlt = n["pairing_labourtransfer"]
        clone(cur, "pairing_labourtransfer", lt.pk, nlt - 1, {"date": date("(g + 1)"), "workers": "5 + g % 50", "employer": "'工厂' || (g % 500)"})
        lt0 = first("pairing_labourtransfer")
        pw = m.PlacedWorker.objects.create(transfer=lt, person_id=pp0, registered=True)
        stride = max(1, persons // max(1, -(-n["pairing_placedworker"] // nlt)))
        clone(cur, "pairing_placedworker", pw.pk, n["pairing_placedworker"] - 1, {
            "transfer_id": f"{lt0} + (g + 1) % {nlt}", "person_id": f"{pp0} + (((g + 1) % {nlt}) + ((g + 1) / {nlt}) * {stride}) % {persons}",
            "registered": "(g % 2) = 0"})
        vs = m.VocationalStudent.objects.create(partnership=pair, date=dt.date(2016, 9, 1), name="学生", school="杭州职校", major="数控")
        clone(cur, "pairing_vocationalstudent", vs.pk, n["pairing_vocationalstudent"] - 1, {"date": date("(g + 1)"), "school": "'职校' || (g % 40)"})
        ei = m.EnterpriseInvestment.objects.create(partnership=pair, date=dt.date(2016, 1, 1), enterprise="企业", uscc="913301000000000000",
                                                   area=v0, amount=Decimal("5000000.00"), jobs=50, poor_employed=10)
        clone(cur, "pairing_enterpriseinvestment", ei.pk, n["pairing_enterpriseinvestment"] - 1, {
            "date": date("(g + 1)"), "uscc": "'91330100' || lpad(((g + 1) % 5000)::text, 10, '0')", "amount": "100000.00 + (g % 10000) * 13.37",
            "jobs": "g % 200", "poor_employed": "(g % 200) / 3", "area_id": village("(g + 1)")})
        pu = m.Purchase.objects.create(partnership=pair, date=dt.date(2016, 1, 1), buyer="工会", product="香猪", channel="union", amount=Decimal("10.00"))
        clone(cur, "pairing_purchase", pu.pk, n["pairing_purchase"] - 1, {"date": date("(g + 1)"), "amount": "10.00 + (g % 100000) * 0.37"})
    counts = {}
    with connection.cursor() as cur:
        for table in [*SHARES, "registry_household", "registry_person"]:
            cur.execute(f"ANALYZE {table}")
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
    return counts


def timed(fn, runs: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {"median": round(statistics.median(times), 3), "max": round(max(times), 3)}


def measure(runs: int) -> dict:
    from jingzhun.pairing.anomalies import find_anomalies
    from jingzhun.pairing.models import Partnership
    from jingzhun.pairing.rollups import rollup, rollup_by_year
    from jingzhun.pairing.trace import trace_source

    ids = list(Partnership.objects.values_list("pk", flat=True))
    whole = (dt.date(2016, 1, 1), dt.date(2020, 12, 31))
    return {
        "rollup_whole_period": timed(lambda: rollup(partnerships=ids, start=whole[0], end=whole[1]), runs),
        "rollup_2018": timed(lambda: rollup(partnerships=ids, start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31)), runs),
        "rollup_by_year_2016_2020": timed(lambda: rollup_by_year(partnerships=ids, start_year=2016, end_year=2020), runs),
        "find_anomalies": timed(lambda: find_anomalies(partnerships=ids), runs),
        "trace_source_fiscal": timed(lambda: trace_source(partnerships=ids, source="fiscal"), runs),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows in total")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    parser.add_argument("--index", action="store_true", help="then create the candidate indexes and measure again")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    url = url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_PG

    load_seconds = None
    if not args.reuse:
        _fresh_postgres(url)
    _setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    if not args.reuse:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        counts = load(args.rows)
        load_seconds = round(time.perf_counter() - started, 1)
    else:
        counts = {}
        with connection.cursor() as cur:
            for table in [*SHARES, "registry_household", "registry_person"]:
                cur.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cur.fetchone()[0]

    with connection.cursor() as cur:  # the first measurement is always without the candidate indexes
        for sql in CANDIDATE_INDEXES:
            cur.execute("DROP INDEX IF EXISTS " + sql.split()[5])
    from jingzhun.pairing.models import Partnership
    from jingzhun.pairing.rollups import rollup

    ids = list(Partnership.objects.values_list("pk", flat=True))
    load_before = os.getloadavg()
    figures = rollup(partnerships=ids, start=dt.date(2016, 1, 1), end=dt.date(2020, 12, 31))
    out = {
        "bench": "pairing",
        "database": "postgres",
        "ledger_rows": sum(counts[t] for t in SHARES),
        "rows": counts,
        "load_seconds": load_seconds,
        "timings": measure(args.runs),
        "figures": {k: str(v) for k, v in figures.items() if k in ("funds_allocated", "funds_disbursed", "projects", "beneficiary_households",
                                                                  "beneficiary_persons", "trained", "trained_registered", "enterprises",
                                                                  "investment", "purchases")},
        "target_seconds": 2,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    if args.index:
        with connection.cursor() as cur:
            for sql in CANDIDATE_INDEXES:
                cur.execute(sql)
            for table in SHARES:
                cur.execute(f"ANALYZE {table}")
        out["timings_with_candidate_indexes"] = measure(args.runs)
    print(json.dumps(out, ensure_ascii=False))
    return out


if __name__ == "__main__":
    main()
