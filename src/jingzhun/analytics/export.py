"""The analytics table as CSV, JSON, xlsx and a plain-text table (CLI, API and web download share these)."""

from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext as _

from .selectors import MeasuresTable


def _header(table: MeasuresTable) -> list[tuple[str, str]]:
    cols = [("area", _("Area code")), ("name", _("Area"))]
    for c in table.columns:
        cols.append((c.key, c.label))
        if table.compare is not None:
            cols.append((f"{c.key}_before", f"{c.label} ({table.compare})"))
            cols.append((f"{c.key}_change", f"{c.label} ({_('change')})"))
    return cols


def _all_rows(table: MeasuresTable) -> list[dict]:
    return [*table.rows, {**table.total, "name": f"{table.total.get('name', '')} ({_('total')})"}]


def metadata(table: MeasuresTable) -> dict:
    snap = table.snapshot
    return {
        "area": table.area.code, "area_name": table.area.name, "level": table.level, "year": table.year,
        "compare": table.compare, "backend": table.backend,
        "snapshot": None if snap is None else {
            "id": snap.pk, "as_of": snap.as_of.isoformat(), "sha256": {y: snap.files[str(y)]["sha256"]
                                                                       for y in ([table.year] + ([table.compare] if table.compare else []))},
        },
    }


def to_json(table: MeasuresTable) -> str:
    return json.dumps({**metadata(table), "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
                       "rows": table.rows, "total": table.total}, ensure_ascii=False, indent=1)


def to_csv(table: MeasuresTable) -> str:
    out = io.StringIO()
    header = _header(table)
    writer = csv.writer(out)
    writer.writerow([key for key, _label in header])
    for row in _all_rows(table):
        writer.writerow(["" if row.get(k) is None else (repr(row[k]) if isinstance(row[k], float) else row[k]) for k, _l in header])
    return out.getvalue()


def to_xlsx(table: MeasuresTable) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = str(table.year)
    header = _header(table)
    kinds = {c.key: c.kind for c in table.columns}
    ws.append([label for _k, label in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in _all_rows(table):
        ws.append([row.get(k) for k, _l in header])
    for idx, (key, _label) in enumerate(header, start=1):
        kind = kinds.get(key.removesuffix("_before").removesuffix("_change"))
        fmt = {"count": "#,##0", "share": "0.00%", "index": "0.0000", "money": "#,##0.00"}.get(kind or "")
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = fmt
    ws.freeze_panes = "C2"
    meta = wb.create_sheet(_("About"))
    for key, value in metadata(table).items():
        meta.append([key, json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_text(table: MeasuresTable, keys: list[str] | None = None) -> str:
    keys = keys or ["population", "registered", "incidence", "p0", "p1", "p2", "watts", "sen", "sst", "gini", "mean_income", "median_income"]
    kinds = {c.key: c.kind for c in table.columns}
    heads = ["area", "name", *keys]
    lines = []
    for row in _all_rows(table):
        cells = [row["area"], row["name"]]
        for k in keys:
            v = row.get(k)
            if v is None:
                cells.append("-")
            elif kinds.get(k) == "count":
                cells.append(f"{v:,.0f}")
            elif kinds.get(k) == "money":
                cells.append(f"{v:,.2f}")
            else:
                cells.append(f"{v:.4f}")
            if table.compare is not None and row.get(f"{k}_change") is not None:
                cells[-1] += f" ({row[f'{k}_change']:+.4g})"
        lines.append(cells)
    widths = [max(len(str(r[i])) for r in [heads, *lines]) for i in range(len(heads))]
    fmt = "  ".join(f"{{:<{w}}}" if i < 2 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*r) for r in [heads, *lines]) + "\n"
