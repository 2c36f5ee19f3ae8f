"""Alerts from other departments (hospital bills, disasters, accidents, unemployment), imported from a CSV of
identity number, alert type, date and amount, for the monitoring scan.

All or nothing: every row is checked first (row numbers as in a spreadsheet: the header is row 1); a file with
an error writes nothing and returns the errors.  A clean file is inserted with the natural key (identity
number, type, date) ignoring rows already present, so importing the same file twice adds nothing.  The full
data-comparison subsystem will write to the same table.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhun.core.audit import audit
from jingzhun.imports._read_csv import detect_encoding
from jingzhun.registry.identity import InvalidResidentId, parse_resident_id

from .models import DepartmentAlert

TYPES = {  # code -> accepted spellings (Chinese, English)
    "medical": ("大病", "医疗", "medical"), "disaster": ("灾害", "受灾", "disaster"), "accident": ("意外", "事故", "accident"),
    "unemployment": ("失业", "unemployment"), "death": ("死亡", "death"), "other": ("其他", "其它", "other"),
}
HEADERS = {"id_number": ("身份证号", "身份证号码", "id_number", "identity number"), "alert_type": ("预警类型", "类型", "alert_type", "type"),
           "alert_date": ("日期", "预警日期", "alert_date", "date"), "amount": ("金额", "amount")}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")
BATCH = 5000


@dataclass
class AlertsResult:
    rows: int = 0
    created: int = 0
    errors: list[dict] = field(default_factory=list)  # {row, column, code, message}


def _spelling(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    t = text.strip().casefold()
    return next((code for code, names in table.items() if t in {n.casefold() for n in names}), None)


def _date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _rows(path: Path):
    _encoding, data_path, temp = detect_encoding(path, Path(settings.VAR_DIR) / "tmp")
    try:
        with open(data_path, encoding="utf-8-sig", newline="") as fh:  # a BOM, if the file kept one, is not a header
            yield from csv.reader(fh)
    finally:
        if temp is not None:
            temp.close()


def _check(n: int, cells: dict[str, str], today: dt.date, errors: list[dict]) -> DepartmentAlert | None:
    def error(column: str, code: str, message: str) -> None:
        errors.append({"row": n, "column": column, "code": code, "message": message})

    before = len(errors)
    try:
        number = parse_resident_id(cells.get("id_number", ""), today=today).number
    except InvalidResidentId as exc:
        number = ""
        error("id_number", f"id_{exc.reason}", str(exc))
    kind = _spelling(cells.get("alert_type", ""), TYPES)
    if kind is None:
        error("alert_type", "bad_code", _("“%(value)s” is not an alert type (%(allowed)s).")
              % {"value": cells.get("alert_type", ""), "allowed": "、".join(v[0] for v in TYPES.values())})
    when = _date(cells.get("alert_date", ""))
    if when is None or when > today:
        error("alert_date", "bad_date" if when is None else "future_date", _("“%(value)s” is not a past date (e.g. 2021-05-31).")
              % {"value": cells.get("alert_date", "")})
    amount = None
    if (text := cells.get("amount", "").replace(",", "").strip()):
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
            error("amount", "bad_number", _("“%(value)s” is not an amount in yuan with at most two decimals.") % {"value": text})
    if len(errors) > before:
        return None
    return DepartmentAlert(id_number=number, alert_type=kind, alert_date=when, amount=amount)


def alerts_import(*, actor, path: Path, source: str, today: dt.date | None = None) -> AlertsResult:
    """Check the whole file, then (no error) insert its alerts; returns the counts and the errors."""
    today = today or dt.date.today()
    result = AlertsResult()
    rows = _rows(Path(path))
    header = next(rows, None)
    if not header:
        result.errors.append({"row": 1, "column": "", "code": "empty_file", "message": _("The file is empty.")})
        return result
    positions = {}
    for i, text in enumerate(header):
        key = _spelling(text, HEADERS)
        if key and key not in positions:
            positions[key] = i
    missing = [k for k in ("id_number", "alert_type", "alert_date") if k not in positions]
    if missing:
        result.errors.append({"row": 1, "column": ", ".join(missing), "code": "missing_columns",
                              "message": _("Missing columns: %(columns)s.") % {"columns": ", ".join(HEADERS[k][0] for k in missing)}})
        return result
    alerts = []
    for n, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        cells = {k: row[i] if i < len(row) else "" for k, i in positions.items()}
        alert = _check(n, cells, today, result.errors)
        if alert is not None:
            alert.source = source[:100]
            alerts.append(alert)
    if result.errors:
        return result
    with transaction.atomic():
        before = DepartmentAlert.objects.count()
        for start in range(0, len(alerts), BATCH):
            DepartmentAlert.objects.bulk_create(alerts[start:start + BATCH], ignore_conflicts=True)
        result.created = DepartmentAlert.objects.count() - before
        audit(actor=actor, action="alerts.import", object_type="procedures.departmentalert", changes={"source": [None, source], "rows": [None, result.rows],
                                                                     "created": [None, result.created]})
    return result
