"""The rollup as an xlsx workbook (openpyxl): values, not formulas.

Sheet "Summary" (translated, e.g. 汇总): a header (title, the partnerships, the period), then each indicator group of
``indicators.GROUPS`` with its indicators: label in the active language, unit, value.  When the period spans more
than one calendar year, a sheet "By year" has one value column per year (the first and last years clipped to the
period).  Money is formatted ``#,##0.00``, kilometres ``#,##0.00``, counts and persons ``#,##0``.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import indicators
from .models import Partnership
from .rollups import partnership_ids, rollup

FORMATS = {indicators.YUAN: "#,##0.00", indicators.KM: "#,##0.00", indicators.PERSONS: "#,##0", indicators.COUNT: "#,##0"}


def unit_label(unit: str) -> str:
    return {indicators.YUAN: _("yuan"), indicators.PERSONS: _("persons"), indicators.COUNT: _("count"), indicators.KM: _("km")}[unit]


def _grouped() -> list[tuple[str, list[indicators.Indicator]]]:
    return [(str(label), [i for i in indicators.INDICATORS if i.group == group]) for group, label in indicators.GROUPS.items()]


def _header(ws, *, title: str, names: list[str], start: dt.date, end: dt.date) -> int:
    """Write the header rows; returns the next free row."""
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=_("Partnerships"))
    ws.cell(row=2, column=2, value="; ".join(names) or _("none"))
    ws.cell(row=3, column=1, value=_("Period"))
    ws.cell(row=3, column=2, value=_("%(start)s to %(end)s (inclusive)") % {"start": start.isoformat(), "end": end.isoformat()})
    return 5


def rollup_workbook(*, partnerships, start: dt.date, end: dt.date, title: str) -> bytes:
    """The xlsx file (bytes) of the rollup of the partnerships (queryset or ids) over start..end inclusive."""
    ids = partnership_ids(partnerships)
    names = list(Partnership.objects.filter(pk__in=ids).order_by("kind", "name", "id").values_list("name", flat=True))
    figures = rollup(partnerships=ids, start=start, end=end)
    wb = Workbook()
    ws = wb.active
    ws.title = pgettext("xlsx sheet", "Summary")[:31]  # zh-Hans: 汇总
    row = _header(ws, title=title, names=names, start=start, end=end)
    for col, text in enumerate((_("Indicator"), _("Unit"), _("Value")), start=1):
        ws.cell(row=row, column=col, value=text).font = Font(bold=True)
    row += 1
    for group_label, items in _grouped():
        ws.cell(row=row, column=1, value=group_label).font = Font(bold=True)
        row += 1
        for i in items:
            ws.cell(row=row, column=1, value=str(i.label)).alignment = Alignment(indent=1)
            ws.cell(row=row, column=2, value=unit_label(i.unit))
            cell = ws.cell(row=row, column=3, value=figures[i.code])
            cell.number_format = FORMATS[i.unit]
            row += 1
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 20

    if end.year > start.year:
        years = list(range(start.year, end.year + 1))
        by_year = {y: rollup(partnerships=ids, start=max(start, dt.date(y, 1, 1)), end=min(end, dt.date(y, 12, 31))) for y in years}
        ys = wb.create_sheet(pgettext("xlsx sheet", "By year")[:31])
        row = _header(ys, title=title, names=names, start=start, end=end)
        for col, text in enumerate((_("Indicator"), _("Unit"), *years), start=1):
            ys.cell(row=row, column=col, value=text).font = Font(bold=True)
        row += 1
        for group_label, items in _grouped():
            ys.cell(row=row, column=1, value=group_label).font = Font(bold=True)
            row += 1
            for i in items:
                ys.cell(row=row, column=1, value=str(i.label)).alignment = Alignment(indent=1)
                ys.cell(row=row, column=2, value=unit_label(i.unit))
                for col, y in enumerate(years, start=3):
                    cell = ys.cell(row=row, column=col, value=by_year[y][i.code])
                    cell.number_format = FORMATS[i.unit]
                row += 1
        ys.column_dimensions["A"].width = 48
        for col in range(3, 3 + len(years)):
            ys.column_dimensions[get_column_letter(col)].width = 16
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
