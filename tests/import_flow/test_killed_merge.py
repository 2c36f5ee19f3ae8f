"""A merge killed mid-way (SIGKILL of the task worker) resumes on rerun with exactly the file's rows."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from jingzhun.imports import columns as C
from jingzhun.registry.identity import make_resident_id

HOUSEHOLDS = 1200
JINGZHUN = [sys.executable, "-m", "jingzhun.cli"]

SETUP = """
from jingzhun.areas.models import Area
for code, parent, level, name in [("520000000000", None, 1, "贵州省"), ("522600000000", "520000000000", 2, "黔东南"),
        ("522633000000", "522600000000", 3, "从江县"), ("522633100000", "522633000000", 4, "丙妹镇"),
        ("522633100201", "522633100000", 5, "岜沙村")]:
    Area.objects.create(code=code, parent_id=parent, level=level, name=name)
"""
ENQUEUE = """
from jingzhun.areas.models import Area
from jingzhun.imports.models import ImportBatch
from jingzhun.imports.tasks import import_merge_task
from jingzhun.jobs.services import job_start
batch = ImportBatch.objects.get()
job_start(actor=None, kind="import.merge", area=Area.objects.get(code="522633000000"), params={"batch": batch.pk}, task=import_merge_task)
"""


def _database(tmp_path: Path) -> tuple[str, callable]:
    """A database of its own for the subprocesses (they must not share the test's transaction)."""
    if connection.vendor == "postgresql":
        import psycopg

        cfg = connection.settings_dict
        name = f"jingzhun_kill_{os.getpid()}"
        admin = psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"] or "postgres",
                                dbname="postgres", autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://{cfg['USER'] or 'postgres'}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{name}"

        def query(sql):
            with psycopg.connect(url) as c:
                return c.execute(sql).fetchall()

        query.drop = lambda: admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return url, query
    path = tmp_path / "kill.sqlite3"

    def query(sql):
        with sqlite3.connect(path, timeout=20) as c:
            return c.execute(sql).fetchall()

    query.drop = lambda: None
    return f"sqlite:///{path}", query


def _csv(path: Path) -> None:
    cols = C.member_columns()
    keys = ["household_number", "village_code", "status", "registered_year", "relation", "name", "id_number"]
    headers = [next(c.header for c in cols if c.key == k) for k in keys]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        for i in range(HOUSEHOLDS):
            born = dt.date(1950, 1, 1) + dt.timedelta(days=i)
            w.writerow([f"K{i:05d}", "522633100201", "贫困户", "2014", "户主", "张三", make_resident_id("522633", born, 1, "M")])
            w.writerow([f"K{i:05d}", "522633100201", "", "", "配偶", "李四", make_resident_id("522633", born, 2, "F")])


@pytest.mark.django_db
def test_a_killed_worker_resumes_and_ends_with_exactly_the_files_rows(tmp_path):
    url, query = _database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "JINGZHUN_VAR": str(tmp_path), "IMPORT_MERGE_CHUNK": "10", "SECRET_KEY": "test"}
    run = lambda *args: subprocess.run([*JINGZHUN, *args], env=env, capture_output=True, text=True, timeout=300)  # noqa: E731
    try:
        assert run("migrate", "-v0").returncode == 0
        assert run("shell", "-c", SETUP).returncode == 0
        _csv(tmp_path / "k.csv")
        validated = run("import", str(tmp_path / "k.csv"), "--dry-run")
        assert validated.returncode == 0, validated.stderr
        assert run("shell", "-c", ENQUEUE).returncode == 0
        worker = subprocess.Popen([*JINGZHUN, "worker", "--interval", "0.1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            (cursor,) = query("SELECT merge_cursor FROM imports_importbatch")[0]
            if cursor >= 10 * 10:  # ten chunks committed
                break
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        status, cursor = query("SELECT status, merge_cursor FROM imports_importbatch")[0]
        (households,) = query("SELECT COUNT(*) FROM registry_household")[0]
        assert status == "merging" and 0 < households < HOUSEHOLDS, (status, households)
        assert households == cursor  # every committed chunk complete, nothing of the chunk in flight
        # rerun: a new task for the same batch continues after the last committed chunk
        assert run("shell", "-c", ENQUEUE).returncode == 0
        rerun = run("worker", "--batch", "--interval", "0.1")
        assert rerun.returncode == 0, rerun.stderr
        assert query("SELECT status FROM imports_importbatch")[0] == ("merged",)
        counts = query("SELECT (SELECT COUNT(*) FROM registry_household), (SELECT COUNT(*) FROM registry_person), "
                       "(SELECT COUNT(DISTINCT id_number) FROM registry_person), (SELECT COUNT(*) FROM registry_membership), "
                       "(SELECT COUNT(*) FROM registry_statuschange), (SELECT SUM(size) FROM registry_household)")[0]
        assert tuple(counts) == (HOUSEHOLDS, 2 * HOUSEHOLDS, 2 * HOUSEHOLDS, 2 * HOUSEHOLDS, HOUSEHOLDS, 2 * HOUSEHOLDS)
        # and the whole file imported again as a new batch changes nothing
        again = run("import", str(tmp_path / "k.csv"), "--yes")
        assert again.returncode == 0, again.stderr
        assert tuple(query("SELECT (SELECT COUNT(*) FROM registry_household), (SELECT COUNT(*) FROM registry_person), "
                           "(SELECT COUNT(*) FROM registry_membership)")[0]) == (HOUSEHOLDS, 2 * HOUSEHOLDS, 2 * HOUSEHOLDS)
    finally:
        query.drop()
