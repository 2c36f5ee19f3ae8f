"""Writing registry snapshots: the registry under one area, frozen as Parquet person-year files per year.

The registry tables are streamed out of the system database (any engine) into Parquet, DuckDB turns them
into one person-year file per year with the same Ibis expression that runs in PostgreSQL (``flatten``), and
the raw exports are removed: a snapshot holds codes, ages, incomes and 0/1 indicators, never a name, an
identity number, a phone or a bank account.  Files are written under a temporary name and moved into place
in the transaction that records the Snapshot, so a failed or interrupted run leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.areas.models import Area
from jingzhun.core.audit import audit
from jingzhun.core.scoping import SIGNIFICANT_DIGITS, VIEW, require_scope
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person, StatusChange

from .backends import duckdb_connect
from .flatten import TABLES, person_year
from .lines import lines_for
from .models import Snapshot, SnapshotKind

BATCH = 100_000

_ARROW = {  # column -> Arrow type of the raw export
    "id": pa.int64(), "household_id": pa.int64(), "person_id": pa.int64(), "area_id": pa.string(),
    "birth_date": pa.date32(), "death_date": pa.date32(), "start_date": pa.date32(), "end_date": pa.date32(),
    "effective_date": pa.date32(), "year": pa.int16(), "per_capita": pa.float64(),
    "has_electricity": pa.bool_(), "water_safe": pa.bool_(), "food_secure": pa.bool_(), "clothing_secure": pa.bool_(),
    "medical_insurance": pa.bool_(), "serious_illness_insurance": pa.bool_(),
}
_MODELS = {"household": Household, "person": Person, "membership": Membership, "income": IncomeRecord, "status": StatusChange}
_AREA_PATH = {"household": "area__code", "person": "household__area__code", "membership": "household__area__code",
              "income": "household__area__code", "status": "household__area__code"}


class SnapshotError(Exception):
    pass


def _attname(model, column: str) -> str:
    for field in model._meta.concrete_fields:
        if field.column == column:
            return field.attname
    raise KeyError(column)


def _export(name: str, prefix: str, path: Path) -> int:
    """Stream one registry table (rows under `prefix`) into a Parquet file; returns the row count."""
    model = _MODELS[name]
    columns = TABLES[name][1]
    fields = [_attname(model, c) for c in columns]
    schema = pa.schema([(c, _ARROW.get(c, pa.string())) for c in columns])
    qs = model._base_manager.all()
    if prefix:
        qs = qs.filter(**{f"{_AREA_PATH[name]}__startswith": prefix})
    if name == "person" and prefix:  # everyone who ever belonged to a household under the prefix
        qs = model._base_manager.filter(id__in=Membership._base_manager.filter(household__area__code__startswith=prefix).values("person_id"))
    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[tuple] = []
        for row in qs.values_list(*fields).order_by("pk").iterator(chunk_size=BATCH):
            batch.append(row)
            if len(batch) >= BATCH:
                rows += _write(writer, schema, batch)
                batch = []
        rows += _write(writer, schema, batch)
    return rows


def _write(writer, schema, batch) -> int:
    if not batch:
        return 0
    cols = list(zip(*batch))
    arrays = []
    for field, values in zip(schema, cols):
        if field.type == pa.float64():
            values = [None if v is None else float(v) for v in values]
        elif field.type == pa.string():
            values = [None if v is None else str(v) for v in values]
        arrays.append(pa.array(values, type=field.type))
    writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return len(batch)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def snapshot_years(prefix: str) -> list[int]:
    qs = IncomeRecord.objects.all()
    if prefix:
        qs = qs.filter(household__area__code__startswith=prefix)
    return sorted(set(qs.order_by().values_list("year", flat=True).distinct()))


def snapshot_take(*, actor, area: Area, kind: str = SnapshotKind.ON_DEMAND, years: list[int] | None = None,
                  progress=None) -> Snapshot:
    """Freeze the registry under `area` into a new Snapshot (person-year Parquet files for `years`)."""
    require_scope(actor, area.code, VIEW)
    started = time.perf_counter()
    prefix = area.code[: SIGNIFICANT_DIGITS[area.level]]
    years = sorted(set(years)) if years else snapshot_years(prefix)
    if not years:
        raise SnapshotError(_("There are no income records under %(area)s: nothing to measure.") % {"area": area.name})
    lines = {y: lines_for(y, prefix) for y in years}  # fails early, before any file, when a line is missing
    root = Path(settings.VAR_DIR) / "snapshots"
    work = root / f"tmp-{uuid.uuid4().hex}"
    (work / "raw").mkdir(parents=True)
    try:
        raw = {}
        for i, name in enumerate(TABLES):
            raw[name] = work / "raw" / f"{name}.parquet"
            _export(name, prefix, raw[name])
            if progress:
                progress(i + 1, len(TABLES) + len(years))
        con = duckdb_connect()
        tables = {name: con.read_parquet(str(path), table_name=f"raw_{name}") for name, path in raw.items()}
        files = {}
        persons = 0
        for j, year in enumerate(years):
            specific, national = lines[year]
            expr = person_year(tables, year=year, prefix=prefix, lines=specific, national_line=national)
            expr = expr.order_by(["village", "household_id", "person_id"])
            target = work / f"person_year_{year}.parquet"
            con.to_parquet(expr, str(target))
            count = pq.ParquetFile(target).metadata.num_rows
            persons = max(persons, count)
            files[str(year)] = {"file": target.name, "rows": count, "sha256": _sha256(target)}
            if progress:
                progress(len(TABLES) + j + 1, len(TABLES) + len(years))
        con.disconnect()
        shutil.rmtree(work / "raw")
        with transaction.atomic():
            snap = Snapshot.objects.create(
                area=area, kind=kind, as_of=timezone.localdate(), first_year=years[0], last_year=years[-1],
                persons=persons, files=files, created_by=actor if getattr(actor, "pk", None) else None,
                seconds=round(time.perf_counter() - started, 3),
            )
            audit(actor=actor, action="analytics.snapshot", obj=snap,
                  changes={"years": [None, f"{years[0]}-{years[-1]}"], "persons": [None, persons], "kind": [None, kind]})
            if snap.directory.exists():  # left by a rolled-back snapshot whose id SQLite hands out again
                shutil.rmtree(snap.directory)
            work.rename(snap.directory)
        return snap
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
