"""Writing validated batches into the staging tables: COPY on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import io
from functools import lru_cache

import polars as pl
from django.db import connection

from jingzhun.registry.names import name_pinyin

from . import columns as C
from .models import ImportIssue, StagedHousehold, StagedIncome, StagedPerson

HOUSEHOLD_RENAME = {"household_number": "number", "village_code": "village"}


@lru_cache(maxsize=200_000)
def _pinyin(name: str) -> tuple[str, str]:
    return name_pinyin(name)


def _write(model, frame: pl.DataFrame) -> int:
    """Insert the frame's rows (columns named as the model's fields) into the model's table."""
    if frame.height == 0:
        return 0
    names = list(frame.columns)
    # a too-long cell is an error already reported (the batch never merges), but the staged row must still fit
    lengths = {n: model._meta.get_field(n).max_length for n in names if frame.schema[n] == pl.String}
    frame = frame.with_columns(pl.col(n).str.slice(0, m) for n, m in lengths.items() if m)
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        buf = io.BytesIO()
        frame.write_csv(buf, include_header=False, null_value="\\N", date_format="%Y-%m-%d")
        with connection.cursor() as cur:
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy:
                copy.write(buf.getvalue())
    else:
        marks = ", ".join("%s" for _ in names)
        with connection.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", frame.rows())
    return frame.height


def stage_issues(batch_id: int, sheet: str, issues: pl.DataFrame) -> int:
    if issues.height == 0:
        return 0
    from .codes import severity

    frame = issues.with_columns(
        batch_id=pl.lit(batch_id, pl.Int64), sheet=pl.lit(sheet or ""),
        severity=pl.col("code").map_elements(severity, return_dtype=pl.String),
        value=pl.col("value").fill_null(""), column=pl.col("column").fill_null(""),
    )
    return _write(ImportIssue, frame.select("batch_id", "sheet", "row", pl.col("column"), "code", "severity", "value", "params"))


def _base(frame: pl.DataFrame, batch_id: int, sheet: str) -> list[pl.Expr]:
    return [pl.lit(batch_id, pl.Int64).alias("batch_id"), pl.lit(sheet or "").alias("sheet"), pl.col("_row").alias("row")]


def stage_households(batch_id: int, sheet: str, frame: pl.DataFrame) -> int:
    """Households of a `households` sheet, or the head rows of a flat `members` sheet."""
    keys = [c.key for c in C.household_columns() if c.key in frame.columns]
    rows = frame.filter(pl.col("household_number").is_not_null() & pl.col("village_code").is_not_null())
    if "relation" in frame.columns:
        rows = rows.filter(pl.col("relation") == "head")
    out = rows.select(*_base(rows, batch_id, sheet), *[pl.col(k).alias(HOUSEHOLD_RENAME.get(k, k)) for k in keys])
    return _write(StagedHousehold, out)


def stage_persons(batch_id: int, sheet: str, frame: pl.DataFrame) -> int:
    """Every row whose identity number is valid and whose household number is given, errors elsewhere or not:
    the checks across rows (duplicates, heads, sizes) must see them all (a batch with errors is never merged)."""
    keys = [c.key for c in C.member_columns() if c.level == C.PERSON and c.key in frame.columns]
    rows = frame.filter(pl.col("household_number").is_not_null() & pl.col("id_number").str.contains(r"^\d{17}[\dX]$")
                        & pl.col("birth_date").is_not_null() & pl.col("sex").is_not_null())
    pinyin = [_pinyin(n or "") for n in rows.get_column("name").to_list()] if rows.height else []
    out = rows.select(*_base(rows, batch_id, sheet), pl.col("household_number"), *[pl.col(k) for k in keys]).with_columns(
        name_pinyin=pl.Series([p[0] for p in pinyin], dtype=pl.String),
        name_initials=pl.Series([p[1] for p in pinyin], dtype=pl.String),
    )
    return _write(StagedPerson, out)


def stage_incomes(batch_id: int, sheet: str, frame: pl.DataFrame) -> int:
    keys = [c.key for c in C.income_columns() if c.key in frame.columns]
    rows = frame.filter(pl.col("_ok"))
    return _write(StagedIncome, rows.select(*_base(rows, batch_id, sheet), *[pl.col(k) for k in keys]))


CONFLICT_SCHEMA = {"row": pl.Int64, "column": pl.String, "code": pl.String, "value": pl.String, "params": pl.String}


class HouseholdConflicts:
    """Flat layout: household cells that differ from the head's row of the same household, across the whole
    file (a household's rows may fall into different read batches, its head before or after them).

    ``feed(frame)`` returns the conflicts it can see so far; the heads seen are kept (one row per household)
    and so are the non-head rows that fill a household cell and whose head has not come yet."""

    def __init__(self):
        self.keys: list[str] | None = None
        self.heads: pl.DataFrame | None = None
        self.pending: pl.DataFrame | None = None

    def feed(self, frame: pl.DataFrame) -> pl.DataFrame:
        if self.keys is None:
            self.keys = [c.key for c in C.household_columns() if c.key in frame.columns and c.key != "household_number"]
        keys = self.keys
        if "relation" not in frame.columns or not keys:
            return pl.DataFrame(schema=CONFLICT_SCHEMA)
        heads = (frame.filter(pl.col("relation") == "head").unique("household_number", keep="first", maintain_order=True)
                 .select("household_number", *[pl.col(k).alias(f"{k}__head") for k in keys]))
        if self.heads is not None:
            heads = pl.concat([self.heads, heads.join(self.heads, on="household_number", how="anti")])
        self.heads = heads
        rows = (frame.filter(pl.col("relation").ne_missing("head") & pl.any_horizontal(pl.col(k).is_not_null() for k in keys))
                .select("_row", "household_number", *keys))
        if self.pending is not None:
            rows = pl.concat([self.pending, rows], how="vertical_relaxed")
        self.pending = rows.join(heads, on="household_number", how="anti")
        joined = rows.join(heads, on="household_number", how="inner")
        parts = []
        for k in keys:
            differs = joined.filter(pl.col(k).is_not_null() & pl.col(k).ne_missing(pl.col(f"{k}__head")))
            if differs.height:
                parts.append(differs.select(
                    row=pl.col("_row"), column=pl.lit(k), code=pl.lit("household_conflict"), value=pl.col(k).cast(pl.String),
                    params=pl.struct(household=pl.col("household_number"), expected=pl.col(f"{k}__head").cast(pl.String))
                    .struct.json_encode(),
                ))
        return pl.concat(parts).sort("row") if parts else pl.DataFrame(schema=CONFLICT_SCHEMA)
