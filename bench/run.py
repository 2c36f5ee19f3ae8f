"""Run every benchmark on SQLite and PostgreSQL; print one JSON line each and keep them in bench/results/.

    python bench/run.py                    # 1,000,000 persons (BENCH_PERSONS to change), both databases
    BENCH_DATABASES=sqlite python bench/run.py

PostgreSQL runs in throw-away databases on 127.0.0.1:5432 (user postgres). Then, once (no database
involved), the area measures over a synthetic Parquet snapshot: bench_measures.py at 10,000,000 persons,
the size of its targets (BENCH_MEASURES_PERSONS to change; BENCH_MEASURES=0 to skip it, BENCH_SPARK=0 to
skip its Spark part, about 2.5 of its 7.5 minutes; it waits for a quiet machine before each part).
Results go into docs/benchmarks.md by hand, with the machine they ran on.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG = "postgres://postgres@127.0.0.1:5432/{name}"


def run(script: str, *args: str, env: dict | None = None) -> dict:
    out = subprocess.run([PY, str(ROOT / "bench" / script), *args], env={**os.environ, **(env or {})},
                         check=True, capture_output=True, text=True, cwd=ROOT)
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    return json.loads(line)


def fresh(database: str, name: str) -> str:
    if database == "sqlite":
        path = ROOT / "var" / "bench" / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        url = PG.format(name=name)
    subprocess.run([PY, "-m", "jingzhun.cli", "migrate", "-v0"], env={**os.environ, "DATABASE_URL": url}, check=True, cwd=ROOT)
    return url


def main() -> None:
    persons = os.environ.get("BENCH_PERSONS", "1000000")
    databases = os.environ.get("BENCH_DATABASES", "sqlite,postgres").split(",")
    results = []
    for db in databases:
        results.append(run("bench_areas.py", env={"DATABASE_URL": fresh(db, "jingzhun_bench_areas")}))
        gen = run("bench_generate.py", "--persons", persons, "--database", db,
                  env={"DATABASE_URL": PG.format(name="jingzhun_bench")} if db == "postgres" else None)
        results.append(gen)
        url = PG.format(name="jingzhun_bench") if db == "postgres" else f"sqlite:///{ROOT / 'var/bench/bench_generate.sqlite3'}"
        results.append(run("bench_search.py", env={"DATABASE_URL": url}))
        results.append(run("bench_import.py", "--persons", persons, "--database", db,
                           env={"DATABASE_URL": PG.format(name="jingzhun_bench_import")} if db == "postgres" else None))
        results.append(run("bench_procedures.py", "--persons", persons, "--database", db, env={"DATABASE_URL": PG.format(name="jingzhun_bench_procedures")}))
    if os.environ.get("BENCH_MEASURES", "1") != "0":
        spark = [] if os.environ.get("BENCH_SPARK", "1") != "0" else ["--no-spark"]
        results.append(run("bench_measures.py", "--persons", os.environ.get("BENCH_MEASURES_PERSONS", "10000000"), *spark))
    machine = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()}
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    with open(out_dir / "latest.jsonl", "w") as f:
        for r in results:
            line = json.dumps({**r, **machine}, ensure_ascii=False)
            print(line)
            f.write(line + "\n")


if __name__ == "__main__":
    main()
