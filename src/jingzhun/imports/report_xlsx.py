"""The validation report as a workbook the user fixes the file from, and as CSV.

``write_report_xlsx(batch, path, language=...)`` re-reads the batch's stored file (``readers.open_import``,
batch by batch) and writes, for each sheet of the source (a CSV or Parquet file is one sheet, named after its
layout), the header row and every data row that has at least one issue, preceded by a column "source row"
(the row number the user sees in the file). A cell with an issue is filled (errors red, warnings yellow) and
carries a comment with the message(s); an issue without a cell of its own in the row (a column the file does
not have) marks the "source row" cell. Only the columns the importer recognised are repeated: unknown columns
are ignored by the import (the report lists them). A last sheet, "issues", lists every issue (file-level ones
such as missing columns included, on row 1): sheet, row, column, column name, code, severity, message.

The workbook is written by openpyxl in write-only mode (rows are streamed to a temporary file) while the issues
are read in row order in chunks, so memory holds one batch of source rows (``IMPORT_BATCH_ROWS``; CSV and Parquet
are streamed from disk, an xlsx source's sheet is held by the reader as during the check) plus the comments of the
sheet being written (openpyxl keeps those until the sheet is closed: one short text per marked cell). When the
stored file cannot be read any more (deleted, or unreadable in the first place), the workbook has the issues
sheet only.

``iter_issue_rows`` gives the issues sheet's rows; ``write_report_csv`` writes them as CSV (UTF-8 with BOM, so
that Excel reads the Chinese text).

Identity numbers: the workbook repeats the source rows as they were typed; the identity-number cells are masked
(``registry.identity.mask``) unless ``unmask``, which the interfaces pass only for users who may unmask identity
numbers in the import's area, after the audited ``services.import_report_unmasked``.  Messages may hold a full
number too (a 15-digit number upgraded to 18 digits): ``issue_text(..., unmask=False)`` masks it for everyone
else, in the pages, the CSV and JSON reports and the API.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import polars as pl
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from jingzhun.registry.identity import mask

from .codes import ERROR, WARNING, message
from .columns import LAYOUTS
from .models import ImportBatch, ImportIssue
from .readers import UnreadableFile, open_import

ISSUES_SHEET = "issues"
ERROR_FILL = PatternFill("solid", fgColor="FFFFC7CE")  # Excel's light red ("Bad")
WARNING_FILL = PatternFill("solid", fgColor="FFFFEB9C")  # Excel's light yellow ("Neutral")
HEADER_FONT = Font(bold=True)
COMMENT_AUTHOR = "jingzhun"
CHUNK = 2000


@cache
def _labels(chinese: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for layout in ("members", "incomes"):
        for col in LAYOUTS[layout]():
            out.setdefault(col.key, col.zh if chinese else col.en)
    return out


def issue_text(issue: ImportIssue, language: str, *, unmask: bool = True) -> str:
    """The issue's message in the language; without ``unmask``, identity numbers in it are masked."""
    params = issue.params or {}
    if not unmask and params.get("number"):
        params = {**params, "number": mask(str(params["number"]))}
    return message(issue.code, params, issue.value, language=language)


def issue_record(issue: ImportIssue, language: str, *, unmask: bool = True) -> dict:
    """{row, column, code, message}: an entry of the CLI's JSON report (``report.records``)."""
    return {"row": issue.row, "column": issue.column, "code": issue.code, "message": issue_text(issue, language, unmask=unmask)}


def column_label(key: str, language: str) -> str:
    """The column's name in the language (``户编号`` / ``Household number``); the key when it is not a column."""
    return _labels(language.startswith("zh")).get(key, key)


def severity_label(severity: str) -> str:
    return {ERROR: _("error"), WARNING: _("warning")}.get(severity, severity)


def issue_headers() -> list[str]:
    """The columns of the issues sheet and of the CSV report, in the active language."""
    return [_("Sheet"), _("Row"), _("Column"), _("Column name"), _("Code"), _("Severity"), _("Message")]


def iter_issue_rows(batch: ImportBatch, *, language: str, unmask: bool = True) -> Iterator[list]:
    """One list per issue, in the order of the report (sheet, row): the issues sheet's and the CSV's rows."""
    with translation.override(language):
        labels = {ERROR: severity_label(ERROR), WARNING: severity_label(WARNING)}
    qs = ImportIssue.objects.filter(batch=batch).order_by("sheet", "row", "id")
    for i in qs.iterator(chunk_size=CHUNK):
        yield [i.sheet, i.row, i.column, column_label(i.column, language) if i.column else "", i.code,
               labels.get(i.severity, i.severity), issue_text(i, language, unmask=unmask)]


def write_report_csv(batch: ImportBatch, path, *, language: str, unmask: bool = True) -> Path:
    path = Path(path)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        with translation.override(language):
            writer.writerow(issue_headers())
        writer.writerows(iter_issue_rows(batch, language=language, unmask=unmask))
    return path


class _Issues:
    """The issues of one sheet in row order, read in chunks; ``upto(row)`` takes those up to a row."""

    def __init__(self, batch: ImportBatch, sheet: str):
        qs = ImportIssue.objects.filter(batch=batch, sheet=sheet, row__gt=1).order_by("row", "id")
        self._it = qs.iterator(chunk_size=CHUNK)
        self._next: ImportIssue | None = next(self._it, None)

    def upto(self, row: int) -> dict[int, list[ImportIssue]]:
        out: dict[int, list[ImportIssue]] = {}
        while self._next is not None and self._next.row <= row:
            out.setdefault(self._next.row, []).append(self._next)
            self._next = next(self._it, None)
        return out


def _sheet_title(name: str, taken: set[str]) -> str:
    base = "".join("_" if ch in '[]:*?/\\' else ch for ch in name).strip("'") or "data"
    title, n = base[:31], 1
    while title.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.casefold())
    return title


def _comment(texts: list[str]) -> Comment:
    text = "\n".join(texts)
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = max(60, 20 * (len(texts) + len(text) // 40))
    return comment


def _write_part(wb: Workbook, batch: ImportBatch, part, *, title: str, language: str, unmask: bool) -> None:
    ws = wb.create_sheet(title)
    positions = sorted(part.columns)
    keys = [part.columns[p].key for p in positions]
    index = {key: i for i, key in enumerate(keys)}
    header = [WriteOnlyCell(ws, value=_("Source row"))]
    header += [WriteOnlyCell(ws, value=part.headers[p] if p < len(part.headers) else keys[i]) for i, p in enumerate(positions)]
    for cell in header:
        cell.font = HEADER_FONT
    ws.append(header)
    ws.freeze_panes = "B2"
    issues = _Issues(batch, part.sheet or "")
    for frame in part.batches():
        if frame.height == 0:
            continue
        pending = issues.upto(int(frame.get_column("_row")[-1]))
        if not pending:
            continue
        rows = frame.filter(pl.col("_row").is_in(list(pending)))
        for record in rows.iter_rows(named=True):
            row_issues = pending[record["_row"]]
            if not unmask and record.get("id_number"):
                record["id_number"] = mask(str(record["id_number"]))
            cells = [WriteOnlyCell(ws, value=record["_row"])] + [WriteOnlyCell(ws, value=record.get(k)) for k in keys]
            marks: dict[int, list[ImportIssue]] = {}
            for issue in row_issues:
                marks.setdefault(index[issue.column] + 1 if issue.column in index else 0, []).append(issue)
            for position, found in marks.items():
                cell = cells[position]
                cell.fill = ERROR_FILL if any(i.severity == ERROR for i in found) else WARNING_FILL
                cell.comment = _comment([issue_text(i, language, unmask=unmask) for i in found])
            ws.append(cells)


def write_report_xlsx(batch: ImportBatch, path, *, language: str, unmask: bool = True) -> Path:
    """Write the workbook described in the module's docstring to ``path`` (identity numbers masked unless ``unmask``)."""
    path = Path(path)
    wb = Workbook(write_only=True)
    taken: set[str] = {ISSUES_SHEET}
    with translation.override(language):
        try:
            opened = open_import(Path(batch.path))
        except (UnreadableFile, OSError):
            opened = None
        if opened is not None:
            with opened:
                for part in opened.parts:
                    _write_part(wb, batch, part, title=_sheet_title(part.sheet or part.layout, taken), language=language, unmask=unmask)
        ws = wb.create_sheet(ISSUES_SHEET)
        ws.append([_cell(ws, text, font=HEADER_FONT) for text in issue_headers()])
        ws.freeze_panes = "A2"
        for row in iter_issue_rows(batch, language=language, unmask=unmask):
            ws.append(row)
    wb.save(path)
    return path


def _cell(ws, value, *, font=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    return cell
