"""Connections of the three engines that run the same Ibis expressions.

* DuckDB (default): in process, over a snapshot's Parquet files.
* PostgreSQL: in the database, over the live registry tables (only when the system runs on PostgreSQL).
* Spark: ``SPARK_MASTER`` (local[2] in tests, a cluster URL in production), over the snapshot's Parquet files.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import ibis
from django.conf import settings
from django.db import connections

from .flatten import TABLES

BACKENDS = ("duckdb", "postgres", "spark")


class BackendUnavailable(Exception):
    pass


def duckdb_connect():
    con = ibis.duckdb.connect()
    con.raw_sql(f"SET memory_limit = '{settings.ANALYTICS_DUCKDB_MEMORY_LIMIT}'")
    threads = getattr(settings, "ANALYTICS_DUCKDB_THREADS", "")
    if threads:
        con.raw_sql(f"SET threads = {int(threads)}")
    return con


def postgres_connect(using: str = "default"):
    db = connections[using]
    if db.vendor != "postgresql":
        raise BackendUnavailable("the postgres backend computes in the system's database, which is not PostgreSQL here")
    cfg = db.settings_dict
    kwargs = {"host": cfg.get("HOST") or None, "port": int(cfg["PORT"]) if cfg.get("PORT") else None,
              "user": cfg.get("USER") or None, "password": cfg.get("PASSWORD") or None, "database": cfg["NAME"]}
    return ibis.postgres.connect(**{k: v for k, v in kwargs.items() if v is not None})


def postgres_tables(con) -> dict[str, ibis.Table]:
    return {name: con.table(table).select(*columns) for name, (table, columns) in TABLES.items()}


_spark_lock = threading.Lock()


@lru_cache(maxsize=1)
def _spark_session(master: str):
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency
        raise BackendUnavailable(f"pyspark is not installed: {exc}") from exc
    builder = (SparkSession.builder.master(master).appName("jingzhun-analytics")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", "2g"))
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing or the master unreachable
        raise BackendUnavailable(f"Spark did not start ({master}): {exc}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_connect():
    with _spark_lock:
        session = _spark_session(settings.SPARK_MASTER)
    return ibis.pyspark.connect(session)
