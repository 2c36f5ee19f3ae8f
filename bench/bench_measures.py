"""Area measures (``analytics.aggregate.measures_table``) at 10 million persons: DuckDB, a hand-written floor,
pandas and Spark.

    python bench/bench_measures.py [--persons 10000000] [--spark-persons N | --no-spark]

A synthetic person-year snapshot (the schema of ``analytics/flatten.py``) is generated with NumPy (seed 20261122)
and written once to ``var/bench/person_year_<persons>.parquet`` (snappy, row groups of 122,880 rows as DuckDB's
``to_parquet`` writes the real snapshots); it is reused while its schema version matches.  Four provinces, 17
prefectures, about 100 counties, 1,500 townships and 20,000 villages (real-looking 12-digit codes), households of
1 to 8 persons (mean 3.5), log-normal incomes (county, village and household effects), about 13.5 % of persons under
the line (4,000 yuan; 4,500 in province 53), a few zero and negative incomes, 2 % of households without an income
record, about 10 % registered, ten indicators at a few percent, more frequent among the income-poor.

Each part runs in its own child process (so that each peak resident memory, ``ru_maxrss``, is its own); before
each, the parent waits (a minute at a time, at most ``--max-wait`` seconds) until the other processes use less
than a quarter of a CPU over 5 s and the 1-minute load is at most 1.5, and records both.  One JSON line:

* ``duckdb_county`` / ``duckdb_village``: ``measures_table`` with both seeded dimension sets over
  ``read_parquet``, materialised with ``to_pyarrow()``; cold (first run) and warm (median of 3; wall and the
  process's CPU seconds); DuckDB with 2 threads, memory_limit 4GB; DuckDB's own peak sampled every 0.1 s from
  ``duckdb_memory()`` during the cold run;
* ``threads1_county`` / ``threads1_village``: the same with ``SET threads = 1``;
* ``determinism``: the village table 5 times with 2 threads and 5 times with 1 thread in one process, the number
  of bit-for-bit distinct results of each (SHA-256 of every column's bytes), the largest relative difference
  between runs; ``threads1_same_in_other_process`` compares with the threads1_village run;
* ``floor``: P0/P1/P2 by county as one hand-written DuckDB statement against the same three figures written in
  Ibis the way aggregate.py writes them (interleaved, median of 5 warm runs each; their ratio is the 1.5x target);
* ``pandas``: ``read_parquet`` then a group-by for P0/P1/P2 by county, then Gini by county by ``groupby.apply``
  of ``jingzhun.measures.gini`` (the naive baseline);
* ``verify``: for 3 random counties and 3 random villages, DuckDB's figures against ``jingzhun.measures`` on the
  same rows (largest relative difference per figure);
* ``profile_county``: DuckDB's profile of measures_table by county, the costliest operators (CPU seconds summed
  over the threads; ``--phase explain --level 3`` alone prints the whole tree on stderr);
* ``spark_county``: ``measures_table`` by county on ibis.pyspark, local[2], driver memory 4g, 4 shuffle
  partitions; session start-up apart; the JVM's peak resident memory (VmHWM); the result against DuckDB's.

Timing assertions never go into the tests; the figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_VERSION = "1"
SEED = 20261122
ROW_GROUP = 122_880
DUCKDB_MEMORY_LIMIT = "4GB"
DUCKDB_THREADS = 2
PROVINCE_LINES = {"53": 4500.0}  # every other province: 4000
NATIONAL_LINE = 4000.0
INDICATOR_RATES = {  # base rate of each household indicator (x3 when income-poor, x0.8 otherwise)
    "food_clothing": 0.01, "education": 0.02, "medical": 0.03, "housing": 0.04, "water": 0.05,
    "schooling": 0.04, "illness": 0.07, "cooking_fuel": 0.08, "electricity": 0.005,
}
INDICATOR_ORDER = ("income", "food_clothing", "education", "medical", "housing", "water", "schooling", "illness",
                   "cooking_fuel", "electricity")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def data_path(persons: int) -> Path:
    return ROOT / "var" / "bench" / f"person_year_{persons}.parquet"


def dimension_sets():
    from jingzhun.analytics.aggregate import DimensionSpec

    return (
        DimensionSpec("china", 1.0, (("income", 1.0), ("food_clothing", 1.0), ("education", 1.0), ("medical", 1.0),
                                     ("housing", 1.0), ("water", 1.0))),
        DimensionSpec("mpi", 4.0, (("illness", 2.0), ("medical", 2.0), ("schooling", 2.0), ("education", 2.0),
                                   ("cooking_fuel", 1.0), ("water", 1.0), ("electricity", 1.0), ("housing", 1.0))),
    )


# --------------------------------------------------------------------------------------------------- the data


def _village_codes(rng) -> list[str]:
    codes = []
    for pp, prefectures in (("52", 5), ("53", 4), ("45", 4), ("62", 4)):
        for c in range(1, prefectures + 1):
            for d in range(1, int(rng.integers(5, 8)) + 1):
                for t in range(int(rng.integers(11, 20))):
                    town = (101 if t < 6 else 201) + (t if t < 6 else t - 6)  # towns 101.., xiang 201..
                    codes.extend(f"{pp}{c:02d}{d:02d}{town:03d}{v:03d}" for v in range(201, 201 + int(rng.integers(9, 18))))
    return codes


def generate(persons: int, path: Path) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    villages = np.array(_village_codes(rng))
    n_villages = villages.size
    county_of_village = np.unique(np.array([v[:6] for v in villages]), return_inverse=True)[1]
    n_counties = int(county_of_village.max()) + 1

    # households: sizes 1..8 (mean about 3.5), spread over villages of log-normal sizes, village by village
    size_p = np.array([0.13, 0.20, 0.20, 0.19, 0.13, 0.08, 0.05, 0.02])
    sizes = rng.choice(np.arange(1, 9, dtype=np.int64), size=int(persons / 3.4) + 1000, p=size_p)
    ends = np.cumsum(sizes)
    n_hh = int(np.searchsorted(ends, persons)) + 1
    sizes = sizes[:n_hh]
    sizes[-1] -= int(ends[n_hh - 1]) - persons
    village_share = rng.lognormal(0.0, 0.5, n_villages)
    hh_village = np.repeat(np.arange(n_villages), rng.multinomial(n_hh, village_share / village_share.sum()))

    # household income: county, village and household effects; a few zero, negative and missing
    county_eff = rng.normal(0.0, 0.25, n_counties)
    village_eff = rng.normal(0.0, 0.2, n_villages) + county_eff[county_of_village]
    income = np.round(np.exp(np.log(10_000.0) + village_eff[hh_village] + rng.normal(0.0, 0.7, n_hh)), 2)
    u = rng.random(n_hh)
    income[u < 0.003] = 0.0
    negative = (u >= 0.003) & (u < 0.005)
    income[negative] = -np.round(rng.uniform(1.0, 3000.0, int(negative.sum())), 2)
    missing = (u >= 0.005) & (u < 0.025)
    village_line = np.array([PROVINCE_LINES.get(v[:2], NATIONAL_LINE) for v in villages])
    line = village_line[hh_village]
    poor = (income < line) & ~missing
    near_poor = (income < 1.2 * line) & ~missing
    registered = np.where(near_poor, rng.random(n_hh) < 0.45, rng.random(n_hh) < 0.025).astype(np.int8)
    indicators = {}
    for code, rate in INDICATOR_RATES.items():
        indicators[code] = (rng.random(n_hh) < np.where(poor, 3.0 * rate, 0.8 * rate)).astype(np.int8)

    # persons
    hh_of_person = np.repeat(np.arange(n_hh), sizes)
    village_idx = hh_village[hh_of_person]
    village_col = pa.DictionaryArray.from_arrays(pa.array(village_idx.astype(np.int32)), pa.array(villages)).cast(pa.string())
    cols = {
        "person_id": pa.array(np.arange(1, persons + 1, dtype=np.int64)),
        "household_id": pa.array(hh_of_person.astype(np.int64) + 1),
        "village": village_col,
        "weight": pa.array(np.ones(persons)),
        "age": pa.array(rng.integers(0, 91, persons).astype(np.int16)),
        "per_capita": pa.array(income[hh_of_person], mask=missing[hh_of_person]),
        "line": pa.array(line[hh_of_person]),
        "registered": pa.array(registered[hh_of_person]),
        "d_income": pa.array(poor.astype(np.int8)[hh_of_person], mask=missing[hh_of_person]),
    }
    for code in INDICATOR_ORDER[1:]:
        cols[f"d_{code}"] = pa.array(indicators[code][hh_of_person])
    table = pa.table(cols).replace_schema_metadata({"jingzhun_bench_schema": SCHEMA_VERSION, "seed": str(SEED)})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, row_group_size=ROW_GROUP, compression="snappy")
    tmp.replace(path)
    measured = ~missing[hh_of_person]
    return {
        "seconds": round(time.perf_counter() - started, 2), "reused": False,
        "households": n_hh, "villages": n_villages, "counties": n_counties,
        "townships": len({v[:9] for v in villages}), "prefectures": len({v[:4] for v in villages}),
        "income_poor_share": round(float(poor[hh_of_person].sum() / measured.sum()), 4),
        "registered_share": round(float(registered[hh_of_person].mean()), 4),
        "null_per_capita_share": round(float(1.0 - measured.mean()), 4),
    }


def phase_generate(args) -> dict:
    import pyarrow.parquet as pq

    path = data_path(args.persons)
    if path.exists():
        meta = pq.read_schema(path).metadata or {}
        if meta.get(b"jingzhun_bench_schema") == SCHEMA_VERSION.encode():
            return {"reused": True, "path": str(path.relative_to(ROOT)), "mb": round(path.stat().st_size / 2**20, 1)}
    out = generate(args.persons, path)
    return {**out, "path": str(path.relative_to(ROOT)), "mb": round(path.stat().st_size / 2**20, 1),
            "peak_rss_mb": round(_peak_rss_mb())}


# ------------------------------------------------------------------------------------------------ DuckDB parts


def _duckdb(threads: int = DUCKDB_THREADS):
    import ibis

    con = ibis.duckdb.connect()
    con.raw_sql(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
    con.raw_sql(f"SET threads = {threads}")
    return con


def _measures(con, persons: int, level: int, prefix: str = ""):
    from jingzhun.analytics.aggregate import measures_table

    return measures_table(con.read_parquet(str(data_path(persons))), level=level, prefix=prefix,
                          dimension_sets=dimension_sets())


class DuckMemory:
    """Samples DuckDB's own accounting (``duckdb_memory()``) on a second cursor while a query runs."""

    def __init__(self, con, every: float = 0.1):
        self.cursor = con.con.cursor()
        self.every = every
        self.peak = self.peak_temp = 0
        self._stop = threading.Event()

    def _run(self):
        while not self._stop.is_set():
            used, temp = self.cursor.execute(
                "SELECT sum(memory_usage_bytes), sum(temporary_storage_bytes) FROM duckdb_memory()").fetchone()
            self.peak, self.peak_temp = max(self.peak, used or 0), max(self.peak_temp, temp or 0)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _timed(fn):
    """(wall seconds, result); the process's CPU seconds (every DuckDB thread) of the last call in _timed.cpu."""
    r0, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    out = fn()
    wall, r1 = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    _timed.cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, out


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _digest(table) -> str:
    """SHA-256 of every column's bytes (floats bit for bit, nulls apart), first 16 hex digits."""
    h = hashlib.sha256()
    for name in table.column_names:
        col = table[name].combine_chunks()
        values = col.to_numpy(zero_copy_only=False)
        h.update(name.encode())
        h.update(col.is_null().to_numpy(zero_copy_only=False).tobytes())
        h.update("\x1f".join(map(str, values)).encode() if values.dtype == object else values.tobytes())
    return h.hexdigest()[:16]


def _cold_warm(fn, con=None, warm_runs: int = 3) -> tuple[dict, object]:
    """(timings, the cold run's result)."""
    if con is not None:
        with DuckMemory(con) as mem:
            cold, out = _timed(fn)
    else:
        cold, out = _timed(fn)
    warm, cpu = [], []
    for _ in range(warm_runs):
        warm.append(_timed(fn)[0])
        cpu.append(_timed.cpu)
    res = {"cold_s": round(cold, 3), "warm_s": round(statistics.median(warm), 3), "warm_runs_s": [round(x, 2) for x in warm],
           "warm_cpu_s": round(statistics.median(cpu), 2), "rows": out.num_rows}
    if con is not None:
        res["duckdb_peak_mb"], res["duckdb_temp_peak_mb"] = round(mem.peak / 2**20), round(mem.peak_temp / 2**20)
        res["digest"] = _digest(out)
    return res, out


def phase_duckdb(args) -> dict:
    con = _duckdb(args.threads)
    expr = _measures(con, args.persons, args.level)
    res, _out = _cold_warm(expr.to_pyarrow, con, warm_runs=args.warm_runs)
    return {**res, "threads": args.threads, "columns": len(expr.columns), "peak_rss_mb": round(_peak_rss_mb())}


def phase_determinism(args) -> dict:
    """The village table `--repeats` times with 2 threads, then with 1, in one process: distinct results of each."""
    con = _duckdb()
    expr = _measures(con, args.persons, 5)
    expr.to_pyarrow()  # warm-up
    out: dict = {}
    firsts = {}
    for threads in (DUCKDB_THREADS, 1):
        con.raw_sql(f"SET threads = {threads}")
        digests, seconds, spread = set(), [], 0.0
        for _ in range(args.repeats):
            wall, table = _timed(expr.to_pyarrow)
            seconds.append(round(wall, 2))
            digests.add(_digest(table))
            df = table.to_pandas()
            ref = firsts.setdefault(threads, df)
            assert df["area"].tolist() == ref["area"].tolist()
            spread = max(spread, *(_rel(df[c].to_numpy(float), ref[c].to_numpy(float)) for c in df.columns if c != "area"))
        out[f"threads{threads}"] = {"distinct": len(digests), "digests": sorted(digests), "runs_s": seconds,
                                    "max_rel_diff_between_runs": float(f"{spread:.2g}")}
    a, b = firsts[DUCKDB_THREADS], firsts[1]
    across = max(_rel(a[c].to_numpy(float), b[c].to_numpy(float)) for c in a.columns if c != "area")
    out["max_rel_diff_threads1_vs_threads2"] = float(f"{across:.2g}")
    out["threads1_equals_a_threads2_result"] = bool(set(out["threads1"]["digests"]) & set(out[f"threads{DUCKDB_THREADS}"]["digests"]))
    out["rows"] = len(a)
    return out


def hand_sql(path: Path) -> str:
    return f"""
        SELECT substr(village, 1, 6) AS county, sum(weight) AS measured,
               sum(weight * CAST(per_capita < line AS DOUBLE)) / sum(weight) AS p0,
               sum(weight * g) / sum(weight) AS p1,
               sum(weight * g * g) / sum(weight) AS p2
        FROM (SELECT village, weight, per_capita, line,
                     CASE WHEN per_capita < line THEN (line - greatest(per_capita, 0.0)) / line ELSE 0.0 END AS g
              FROM read_parquet('{path}') WHERE per_capita IS NOT NULL)
        GROUP BY substr(village, 1, 6) ORDER BY 1"""


def ibis_fgt(py):
    """P0, P1, P2 by county, written as aggregate.measures_table writes them (the same expressions, nothing else)."""
    import ibis

    from jingzhun.analytics.aggregate import _one, group_key

    t = py.mutate(area=group_key(py.village, 3))
    m = t.filter(t.per_capita.notnull())
    y, z = m.per_capita, m.line
    poor = y < z
    m = m.mutate(poor=_one(poor), gap=ibis.ifelse(poor, (z - ibis.greatest(y, 0.0)) / z, 0.0))
    s = m.group_by("area").aggregate(measured=m.weight.sum(), _p0=(m.weight * m.poor).sum(),
                                     _p1=(m.weight * m.gap).sum(), _p2=(m.weight * m.gap * m.gap).sum())
    return s.select(area=s.area, measured=s.measured, p0=s._p0 / s.measured, p1=s._p1 / s.measured,
                    p2=s._p2 / s.measured).order_by("area")


def phase_floor(args) -> dict:
    path = data_path(args.persons)
    con = _duckdb()
    sql = hand_sql(path)
    expr = ibis_fgt(con.read_parquet(str(path)))
    hand = lambda: con.con.execute(sql).to_arrow_table()  # noqa: E731
    ib = expr.to_pyarrow
    hand_cold, h = _timed(hand)
    ibis_cold, i = _timed(ib)
    hand_warm, ibis_warm = [], []
    for _ in range(5):  # interleaved, so that both see the same machine
        hand_warm.append(_timed(hand)[0])
        ibis_warm.append(_timed(ib)[0])
    diff = max(_rel(h[c].to_numpy(), i[c].to_numpy()) for c in ("p0", "p1", "p2"))
    hw, iw = statistics.median(hand_warm), statistics.median(ibis_warm)
    return {"hand_cold_s": round(hand_cold, 3), "hand_warm_s": round(hw, 3), "ibis_cold_s": round(ibis_cold, 3),
            "ibis_warm_s": round(iw, 3), "ratio_ibis_to_hand": round(iw / hw, 2), "rows": h.num_rows,
            "max_rel_diff": diff, "peak_rss_mb": round(_peak_rss_mb())}


def phase_explain(args) -> dict:
    """DuckDB's profile of measures_table's compiled SQL, warm (tree on stderr); the costliest operators in the JSON."""
    import ibis

    con = _duckdb()
    sql = str(ibis.to_sql(_measures(con, args.persons, args.level), dialect="duckdb"))
    con.con.execute(sql).to_arrow_table()  # warm-up: the profile is of a warm run
    profile = ROOT / "var" / "bench" / "measures_profile.json"
    con.raw_sql("PRAGMA enable_profiling = 'json'")
    con.raw_sql(f"SET profiling_output = '{profile}'")
    con.con.execute(sql).to_arrow_table()
    con.raw_sql("PRAGMA disable_profiling")
    prof = json.loads(profile.read_text())
    ops = []

    def walk(node, depth=0):
        name = node.get("operator_name") or node.get("operator_type") or node.get("name", "?")
        ops.append((depth, name.strip(), round(node.get("operator_timing", 0.0), 3), node.get("operator_cardinality", 0)))
        for sub in node.get("children", []):
            walk(sub, depth + 1)

    walk(prof)
    for depth, name, t, card in ops:
        print(f"{'  ' * depth}{name:<24} {t:8.3f} s  {card:>10} rows", file=sys.stderr)
    heavy = sorted(ops, key=lambda o: -o[2])[:6]
    return {"latency_s": round(prof.get("latency", 0.0), 3),
            "top_operators": [{"op": n, "s": t, "rows": c} for _d, n, t, c in heavy]}


# ------------------------------------------------------------------------------------------- pandas baseline


def phase_pandas(args) -> dict:
    import numpy as np
    import pandas as pd

    from jingzhun.measures import gini

    started = time.perf_counter()
    df = pd.read_parquet(data_path(args.persons), columns=["village", "weight", "per_capita", "line"])
    read = time.perf_counter() - started
    df = df[df["per_capita"].notna()]
    df["county"] = df["village"].str[:6]
    y, z, w = df["per_capita"].to_numpy(), df["line"].to_numpy(), df["weight"].to_numpy()
    poor = y < z
    gap = np.where(poor, (z - np.maximum(y, 0.0)) / z, 0.0)
    df["w0"], df["w1"], df["w2"] = w * poor, w * gap, w * gap * gap
    sums = df.groupby("county")[["weight", "w0", "w1", "w2"]].sum()
    fgt = pd.DataFrame({"p0": sums.w0 / sums.weight, "p1": sums.w1 / sums.weight, "p2": sums.w2 / sums.weight})
    fgt_s = time.perf_counter() - started
    g_started = time.perf_counter()
    ginis = df.groupby("county").apply(lambda g: gini(g["per_capita"].to_numpy(), g["weight"].to_numpy()), include_groups=False)
    gini_s = time.perf_counter() - g_started
    assert len(ginis) == len(fgt)
    return {"read_s": round(read, 3), "p012_s_incl_read": round(fgt_s, 3), "gini_apply_s": round(gini_s, 3),
            "rows": len(fgt), "peak_rss_mb": round(_peak_rss_mb())}


# ------------------------------------------------------------------------------------------------------- Spark


def phase_spark(args) -> dict:
    started = time.perf_counter()
    import ibis
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("jingzhun-bench")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", "4g")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    con = ibis.pyspark.connect(session)
    startup = time.perf_counter() - started
    expr = _measures(con, args.spark_persons, 3)
    res, got = _cold_warm(expr.to_pyarrow)
    del res["warm_cpu_s"]  # the work is in the JVM
    jvm = _descendants_peak_rss_mb()
    session.stop()
    got = got.to_pandas()
    duck = _measures(_duckdb(), args.spark_persons, 3).to_pandas()
    assert got["area"].tolist() == duck["area"].tolist()
    diff = max(_rel(got[c].to_numpy(float), duck[c].to_numpy(float), 1e-15) for c in duck.columns if c != "area")
    return {**res, "persons": args.spark_persons, "startup_s": round(startup, 2), "peak_rss_mb": round(_peak_rss_mb()),
            "jvm_peak_rss_mb": round(jvm), "max_rel_diff_vs_duckdb": diff}


def _descendants_peak_rss_mb() -> float:
    """The largest VmHWM among this process's descendants (the JVM that py4j started)."""
    parent = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parent[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    mine, peak = {os.getpid()}, 0.0
    for _ in range(5):
        mine |= {pid for pid, ppid in parent.items() if ppid in mine}
    for pid in mine - {os.getpid()}:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024.0)
        except OSError:
            continue
    return peak


# -------------------------------------------------------------------------------------------------- correctness


def _rel(a, b, atol: float = 0.0) -> float:
    """Largest relative difference (differences of at most `atol` in absolute value count as 0); NaN must match."""
    import numpy as np

    assert (np.isnan(a) == np.isnan(b)).all()
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    diff = np.abs(a - b)
    rel = diff / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    return float(np.max(np.where(diff <= atol, 0.0, rel), initial=0.0))


def phase_verify(args) -> dict:
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from jingzhun import measures

    path = data_path(args.persons)
    con = _duckdb()
    specs = dimension_sets()
    county = _measures(con, args.persons, 3).to_pandas().set_index("area")
    rng = np.random.default_rng(7)
    counties = sorted(rng.choice(county.index.to_numpy(), 3, replace=False))
    table = pq.read_table(path)
    villages = sorted(rng.choice(pc.unique(table["village"]).to_numpy(zero_copy_only=False), 3, replace=False))
    worst: dict[str, float] = {}
    for level, code in [(3, c) for c in counties] + [(5, v) for v in villages]:
        prefix = code[:6] if level == 3 else code
        got = county.loc[code] if level == 3 else _measures(con, args.persons, 5, prefix).to_pandas().set_index("area").loc[code]
        rows = table.filter(pc.starts_with(table["village"], prefix))
        rows = rows.filter(pc.is_valid(rows["per_capita"]))
        y, w = rows["per_capita"].to_numpy(), rows["weight"].to_numpy()
        lines = np.unique(rows["line"].to_numpy())
        assert lines.size == 1, lines
        z = float(lines[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", measures.ExcludedIncomesWarning)
            expected = {
                "measured": float(w.sum()),
                "p0": measures.fgt(y, z, 0, w), "p1": measures.fgt(y, z, 1, w), "p2": measures.fgt(y, z, 2, w),
                "watts": measures.watts(y, z, w), "sen": measures.sen(y, z, w), "sst": measures.sst(y, z, w),
                "gini": measures.gini(y, w), "mean_income": float(np.sum(w * y) / w.sum()), "median_income": float(np.median(y)),
            }
        for spec in specs:
            matrix = np.column_stack([rows[f"d_{c}"].to_numpy() for c, _w in spec.indicators])
            af = measures.alkire_foster(matrix, [wt for _c, wt in spec.indicators], spec.cutoff, w)
            expected.update({f"{spec.code}_h": af.H, f"{spec.code}_a": af.A, f"{spec.code}_m0": af.M0})
            for (c, _wt), ch, contrib in zip(spec.indicators, af.censored_headcounts, af.contributions, strict=True):
                expected[f"{spec.code}_ch_{c}"] = ch
                expected[f"{spec.code}_contrib_{c}"] = contrib
        for k, v in expected.items():
            worst[k] = max(worst.get(k, 0.0), _rel(np.array([float(got[k])]), np.array([float(v)])))
    shown = ("p0", "p1", "p2", "watts", "sen", "sst", "gini", "mean_income", "median_income", "china_m0", "mpi_m0")
    return {"areas": counties + villages, "figures_per_area": len(expected), "max_rel_diff": max(worst.values()),
            "max_rel_diff_by_measure": {k: float(f"{worst[k]:.2g}") for k in shown}}


# ------------------------------------------------------------------------------------------------------ driver


def _others_cpus(seconds: float = 5.0) -> float:
    """CPUs' worth of busy time over `seconds` while this process sleeps (so: the other processes')."""
    def busy_total():
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return sum(ticks) - ticks[3] - ticks[4], sum(ticks)

    b0, t0 = busy_total()
    time.sleep(seconds)
    b1, t1 = busy_total()
    return (b1 - b0) / max(t1 - t0, 1) * (os.cpu_count() or 1)


def wait_quiet(max_wait: float) -> dict:
    """Wait a minute at a time, at most `max_wait` seconds, until the other processes use under a quarter of a CPU
    and the 1-minute load is at most 1.5 (after a long part of this bench the load is partly its own)."""
    waited = 0
    while ((busy := _others_cpus()) > 0.25 or _load() > 1.5) and waited < max_wait:
        print(f"  others use {busy:.2f} CPUs, load {_load():.2f}: waiting a minute", file=sys.stderr)
        time.sleep(60)
        waited += 60
    return {"others_cpus_before": round(busy, 2), "load1_before": _load(), "waited_s": waited}


def child(phase: str, args, *extra: str) -> dict:
    quiet = wait_quiet(args.max_wait)
    cmd = [sys.executable, __file__, "--phase", phase, "--persons", str(args.persons),
           "--spark-persons", str(args.spark_persons), *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    if out.stderr.strip() and args.verbose:
        print(out.stderr, file=sys.stderr)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    print(f"{phase} {' '.join(extra)}: {line}", file=sys.stderr)
    return {**json.loads(line), **quiet}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--spark-persons", type=int, default=0, help="persons for the Spark run (default: --persons)")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--max-wait", type=float, default=600.0, help="longest wait for a quiet machine before each part")
    parser.add_argument("--phase", default="")
    parser.add_argument("--level", type=int, default=3)
    parser.add_argument("--threads", type=int, default=DUCKDB_THREADS)
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each thread count in the determinism check")
    parser.add_argument("--verbose", action="store_true", help="pass the parts' stderr through (profile tree, Spark log)")
    args = parser.parse_args()
    args.spark_persons = args.spark_persons or args.persons
    phases = {"generate": phase_generate, "duckdb": phase_duckdb, "determinism": phase_determinism, "floor": phase_floor,
              "pandas": phase_pandas, "spark": phase_spark, "verify": phase_verify, "explain": phase_explain}
    if args.phase:
        if args.phase == "generate-spark":
            args.persons, args.phase = args.spark_persons, "generate"
        print(json.dumps(phases[args.phase](args)))
        return

    started = time.perf_counter()
    result: dict = {"bench": "area_measures", "persons": args.persons}
    result["data"] = child("generate", args)
    for name, threads in (("duckdb", DUCKDB_THREADS), ("threads1", 1)):
        for level, area in ((3, "county"), (5, "village")):
            result[f"{name}_{area}"] = child("duckdb", args, "--level", str(level), "--threads", str(threads),
                                             "--warm-runs", str(args.warm_runs))
        county, village = result[f"{name}_county"], result[f"{name}_village"]
        result[f"{name}_all_warm_s"] = round(county["warm_s"] + village["warm_s"], 2)
        result[f"{name}_all_cold_s"] = round(county["cold_s"] + village["cold_s"], 2)
        result[f"{name}_peak_rss_mb"] = max(county["peak_rss_mb"], village["peak_rss_mb"])
    det = result["determinism"] = child("determinism", args, "--repeats", str(args.repeats))
    det["threads1_same_in_other_process"] = result["threads1_village"]["digest"] in det["threads1"]["digests"]
    floor = result["floor"] = child("floor", args)
    result["ratio_measures_county_to_floor"] = round(result["duckdb_county"]["warm_s"] / floor["hand_warm_s"], 1)
    result["pandas"] = child("pandas", args)
    result["verify"] = child("verify", args)
    result["profile_county"] = child("explain", args, "--level", "3")
    if not args.no_spark:
        if args.spark_persons != args.persons:
            child("generate-spark", args)
        result["spark_county"] = child("spark", args)
    result["targets"] = {
        "all_measures_le_10s": result["duckdb_all_warm_s"] <= 10.0,
        "threads1_all_measures_le_10s": result["threads1_all_warm_s"] <= 10.0,
        "peak_le_4gb": max(result["duckdb_peak_rss_mb"], result["threads1_peak_rss_mb"]) <= 4096,
        "ibis_to_hand_le_1_5x": floor["ratio_ibis_to_hand"] <= 1.5,
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["python"] = sys.version.split()[0]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
