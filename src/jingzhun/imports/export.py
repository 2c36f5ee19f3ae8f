"""Scoped exports of the register in the import layouts (members flat layout; incomes), as CSV, xlsx or Parquet.

Identity numbers are masked unless the actor may unmask them in the area (audited).  Text cells that begin
with ``=``, ``+``, ``-`` or ``@`` are written with a leading apostrophe so that a spreadsheet never runs them
as formulas; the importer removes that apostrophe again, so an export re-imports without change.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from jingzhun.core.audit import audit
from jingzhun.core.scoping import SIGNIFICANT_DIGITS, UNMASK, VIEW, require_scope
from jingzhun.registry.identity import mask
from jingzhun.registry.models import IncomeRecord, Person

from . import columns as C

FORMULA_START = ("=", "+", "-", "@")
CHUNK = 20_000


def neutralise(text: str) -> str:
    return "'" + text if text and text[0] in FORMULA_START else text


def _labels(layout: str) -> dict[str, dict[str, str]]:
    return {c.key: {code: zh for code, zh, _en in c.choices} for c in C.columns(layout) if c.kind == C.CODE}


def _cell(col: C.Column, value, labels: dict[str, dict[str, str]]) -> str:
    if value is None or value == "":
        return ""
    if col.kind == C.CODE:
        return labels[col.key].get(str(value), str(value))
    if col.kind == C.BOOL:
        return "是" if value else "否"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return neutralise(str(value))


_PERSON_FIELD = {"person_dibao": "dibao"}
_HOUSEHOLD_FIELD = {"household_number": "number", "village_code": "area_id", "household_size": "size"}


def member_rows(prefix: str, *, unmask: bool):
    """Rows of the flat members layout (cell texts), households in number order, the head first."""
    cols = C.member_columns()
    labels = _labels("members")
    fields = []
    for col in cols:
        if col.level == C.HOUSEHOLD:
            fields.append("household__" + _HOUSEHOLD_FIELD.get(col.key, col.key))
        else:
            fields.append(_PERSON_FIELD.get(col.key, col.key))
    qs = Person.objects.filter(household__isnull=False, death_date__isnull=True, area__code__startswith=prefix).order_by("household__number", "id")
    id_pos = [c.key for c in cols].index("id_number")
    pending: list = []
    last_household = None
    for values in qs.values_list(*fields).iterator(chunk_size=CHUNK):
        values = list(values)
        if not unmask:
            values[id_pos] = mask(values[id_pos])
        row = [_cell(col, v, labels) for col, v in zip(cols, values)]
        if values[0] != last_household:  # flush the previous household, head first
            yield from sorted(pending, key=lambda r: r[1] != labels["relation"]["head"])
            pending = []
            last_household = values[0]
        pending.append((row, row[[c.key for c in cols].index("relation")]))
    yield from sorted(pending, key=lambda r: r[1] != labels["relation"]["head"])


def income_rows(prefix: str, year: int | None):
    cols = C.income_columns()
    fields = ["household__number" if c.key == "household_number" else c.key for c in cols]
    qs = IncomeRecord.objects.filter(household__area__code__startswith=prefix)
    if year:
        qs = qs.filter(year=year)
    for values in qs.order_by("household__number", "year").values_list(*fields).iterator(chunk_size=CHUNK):
        yield [_cell(col, v, {}) for col, v in zip(cols, values)]


def export(*, actor, area, path: Path, fmt: str, layout: str = "members", year: int | None = None, unmask: bool = False,
           progress=None) -> int:
    """Write the area's register in `layout` to `path`; returns the number of data rows.

    `progress(done, total)`, if given, is called every CHUNK rows written (total None: the rows are not counted first)."""
    prefix = area.code[: SIGNIFICANT_DIGITS[area.level]] if area is not None else ""
    if area is not None:
        require_scope(actor, area.code, UNMASK if unmask else VIEW)
    headers = [c.header for c in C.columns(layout)]
    if layout == "members":
        rows = (r for r, _relation in member_rows(prefix, unmask=unmask))
    else:
        rows = income_rows(prefix, year)
    if progress is not None:
        rows = _reporting(rows, progress)
    n = {"csv": _csv, "xlsx": _xlsx, "parquet": _parquet}[fmt](Path(path), headers, rows, layout)
    with transaction.atomic():
        audit(actor=actor, action="export.unmask" if unmask else "export", object_type="areas.area",
              object_id=area.code if area else "", area_code=area.code if area else "",
              changes={"layout": [None, layout], "format": [None, fmt], "rows": [None, n], "unmasked": [None, unmask]})
    return n


def _reporting(rows, progress):
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % CHUNK == 0:
            progress(done, None)


def _csv(path: Path, headers, rows, layout) -> int:
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(headers)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def _xlsx(path: Path, headers, rows, layout) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("members" if layout == "members" else "incomes")
    ws.append(headers)
    n = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        ws.append(cells)
        n += 1
    wb.save(path)
    return n


def _parquet(path: Path, headers, rows, layout) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(h, pa.string()) for h in headers])
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                writer.write_table(pa.Table.from_pylist([dict(zip(headers, r)) for r in chunk], schema=schema))
                n += len(chunk)
                chunk = []
        if chunk:
            writer.write_table(pa.Table.from_pylist([dict(zip(headers, r)) for r in chunk], schema=schema))
            n += len(chunk)
    return n
