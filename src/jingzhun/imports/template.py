"""The empty import template, as xlsx (with dropdowns and instructions) or as a CSV header row.

Sheet names are the ones :mod:`jingzhun.imports.readers` accepts: ``members`` (the flat layout, one row
per person), ``households`` + ``members`` (the two-sheet layout, linked by the household number) and
``incomes``; plus ``说明 About`` (instructions) and the hidden ``lists`` behind the dropdowns, which the
reader ignores by name. Header cells hold ``Column.header`` exactly, so the CSV template's header row
equals the xlsx one; required columns are marked by a red bold font and a cell comment.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import AREA, BOOL, CODE, DATE, DECIMAL, HOUSEHOLD, ID_NUMBER, INT, LAYOUTS, TEXT, Column, columns

INSTRUCTIONS_SHEET = "说明 About"
LISTS_SHEET = "lists"
BOOL_LABELS = ("是", "否")
MAX_ROW = 1048576
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"

KIND_LABELS = {
    TEXT: "文本 / Text",
    CODE: "代码（下拉选择） / Code (dropdown)",
    BOOL: "是/否 / Yes/No",
    DATE: "日期 YYYY-MM-DD / Date",
    INT: "整数 / Whole number",
    DECIMAL: "数值 / Number",
    ID_NUMBER: "身份证号码（18位，文本） / Identity number (18 characters, text)",
    AREA: "12位村级区划代码（文本） / 12-digit village code (text)",
}

NOTES = (
    ("第一行是表头：请勿修改、合并或在其上方插入标题行；不需要的非必填列可以删除。",
     "Row 1 is the header: do not edit or merge it and do not insert a title row above it; optional columns you do not need may be deleted."),
    ("红色列名为必填列。", "Columns with a red header are required."),
    ("代码列可填写下拉列表中的中文名称，也可填写英文名称或代码。", "Coded columns accept the Chinese label from the dropdown, the English label or the code."),
    ("身份证号码、户编号、区划代码、电话和银行账号请按文本填写（模板已设为文本格式），不要使用公式。",
     "Enter identity numbers, household numbers, area codes, phones and bank accounts as text (the template's columns are text), and no formulas."),
    ("日期请填写为 YYYY-MM-DD，例如 1990-01-01。", "Enter dates as YYYY-MM-DD, for example 1990-01-01."),
)
TWO_SHEET_NOTE = ("“households”表每户一行，“members”表每人一行，两表通过户编号关联。",
                  "The “households” sheet has one row per household, the “members” sheet one row per person; the household number links them.")

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")


def template_sheets(layout: str = "members", *, two_sheets: bool = False) -> list[tuple[str, tuple[Column, ...]]]:
    """(sheet name, columns) of the template's data sheets."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {sorted(LAYOUTS)}")
    if two_sheets:
        if layout != "members":
            raise ValueError("two_sheets applies to the members layout only")
        members = tuple(c for c in columns("members") if c.level != HOUSEHOLD or c.key == "household_number")
        return [("households", columns("households")), ("members", members)]
    return [(layout, columns(layout))]


def template_filename(layout: str = "members", fmt: str = "xlsx", *, two_sheets: bool = False) -> str:
    """A download name such as ``jingzhun_import_members.xlsx``."""
    if fmt not in ("xlsx", "csv"):
        raise ValueError("templates are xlsx or csv")
    template_sheets(layout, two_sheets=two_sheets)  # validates
    return f"jingzhun_import_{'households_members' if two_sheets else layout}.{fmt}"


def write_template(path, layout: str = "members", *, two_sheets: bool = False) -> Path:
    """Write the empty template; the format comes from the suffix (``.xlsx`` or ``.csv``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    sheets = template_sheets(layout, two_sheets=two_sheets)
    if suffix == ".csv":
        if two_sheets:
            raise ValueError("a CSV template has one header row: use the flat members layout")
        _write_csv(path, sheets[0][1])
    elif suffix == ".xlsx":
        _write_xlsx(path, sheets)
    else:
        raise ValueError("the template is written as .xlsx or .csv")
    return path


def _write_csv(path: Path, cols: tuple[Column, ...]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerow([c.header for c in cols])


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _list_values(col: Column) -> tuple[str, ...] | None:
    if col.kind == CODE:
        return tuple(zh for _code, zh, _en in col.choices)
    if col.kind == BOOL:
        return BOOL_LABELS
    return None


def _allowed(col: Column) -> str:
    if col.kind == CODE:
        return "；".join(f"{zh}（{code}, {en}）" for code, zh, en in col.choices)
    if col.kind == BOOL:
        return "是 / 否"
    parts = []
    if col.minimum is not None or col.maximum is not None:
        low = "" if col.minimum is None else f"{col.minimum:g}"
        high = "" if col.maximum is None else f"{col.maximum:g}"
        parts.append(f"{low} – {high}")
    if col.max_length:
        parts.append(f"≤ {col.max_length} 字符 / characters")
    return "; ".join(parts)


def _write_xlsx(path: Path, sheets: list[tuple[str, tuple[Column, ...]]]) -> None:
    wb = Workbook()
    data_sheets = []
    for i, (name, _cols) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        data_sheets.append(ws)
    about = wb.create_sheet(INSTRUCTIONS_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"

    # One column of the lists sheet per distinct list (the three causes share one).
    list_ranges: dict[tuple[str, ...], str] = {}

    def list_range(values: tuple[str, ...], title: str) -> str:
        if values not in list_ranges:
            letter = get_column_letter(len(list_ranges) + 1)
            lists[f"{letter}1"] = title
            for r, value in enumerate(values, start=2):
                lists[f"{letter}{r}"] = value
            lists.column_dimensions[letter].width = max(12, max(_display_width(v) for v in values) + 2)
            list_ranges[values] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        return list_ranges[values]

    for ws, (_name, cols) in zip(data_sheets, sheets):
        validations: dict[str, DataValidation] = {}
        for j, col in enumerate(cols, start=1):
            letter = get_column_letter(j)
            cell = ws.cell(row=1, column=j, value=col.header)
            cell.font = REQUIRED_FONT if col.required else HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            if col.required:
                cell.comment = Comment("必填 / Required", "jingzhun")
            dim = ws.column_dimensions[letter]
            dim.width = min(max(_display_width(col.zh) + 4, _display_width(col.en) // 2 + 4, 12), 36)
            if col.kind in (TEXT, ID_NUMBER, AREA, CODE, BOOL):
                dim.number_format = TEXT_FORMAT
            elif col.kind == DATE:
                dim.number_format = DATE_FORMAT
            values = _list_values(col)
            if values:
                formula = list_range(values, col.key)
                dv = validations.get(formula)
                if dv is None:
                    dv = validations[formula] = DataValidation(
                        type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorStyle="warning",
                        errorTitle="不在列表中 / Not in the list",
                        error="请从下拉列表中选择。/ Please choose a value from the dropdown list.",
                    )
                    ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{MAX_ROW}")
        ws.row_dimensions[1].height = 45
        ws.freeze_panes = "A2"

    _write_instructions(about, sheets)
    wb.active = 0
    wb.save(path)


def _write_instructions(ws, sheets: list[tuple[str, tuple[Column, ...]]]) -> None:
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 26
    ws.column_dimensions["D"].width = 30
    ws.column_dimensions["E"].width = 12
    ws.column_dimensions["F"].width = 80
    ws["A1"] = "导入模板说明 / About this import template"
    ws["A1"].font = Font(bold=True, size=14)
    notes = list(NOTES) + ([TWO_SHEET_NOTE] if len(sheets) > 1 else [])
    row = 2
    for zh, en in notes:
        ws.cell(row=row, column=1, value=f"{zh} {en}")
        row += 1
    row += 1
    for j, title in enumerate(("工作表 / Sheet", "列名 / Column", "键 / Key", "类型 / Kind", "必填 / Required", "可填写的值 / Allowed values"), start=1):
        cell = ws.cell(row=row, column=j, value=title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for name, cols in sheets:
        for col in cols:
            row += 1
            ws.cell(row=row, column=1, value=name)
            ws.cell(row=row, column=2, value=col.header)
            ws.cell(row=row, column=3, value=col.key)
            ws.cell(row=row, column=4, value=KIND_LABELS.get(col.kind, col.kind))
            ws.cell(row=row, column=5, value="是 / Yes" if col.required else "否 / No")
            ws.cell(row=row, column=6, value=_allowed(col)).alignment = Alignment(wrap_text=True, vertical="top")
