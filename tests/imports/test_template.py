"""The empty import template: read back cleanly by the reader, with dropdowns, formats and instructions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from jingzhun.imports.columns import AREA, BOOL, CODE, DATE, ID_NUMBER, TEXT, columns
from jingzhun.imports.readers import open_import
from jingzhun.imports.template import INSTRUCTIONS_SHEET, LISTS_SHEET, template_filename, template_sheets, write_template

CASES = [("members", False), ("members", True), ("incomes", False), ("households", False)]


@pytest.mark.parametrize(("layout", "two_sheets"), CASES)
def test_xlsx_template_is_read_back_without_unknown_or_missing_columns(tmp_path, layout, two_sheets):
    path = write_template(tmp_path / "t.xlsx", layout, two_sheets=two_sheets)
    sheets = template_sheets(layout, two_sheets=two_sheets)
    with open_import(path) as f:
        assert [part.sheet for part in f.parts] == [name for name, _cols in sheets]
        for part, (name, cols) in zip(f.parts, sheets):
            assert part.layout == name
            assert part.unknown == [] and part.missing == []
            assert [part.columns[i].key for i in sorted(part.columns)] == [c.key for c in cols]
            assert part.rows == 0 and list(part.batches()) == []


@pytest.mark.parametrize(("layout", "two_sheets"), CASES)
def test_xlsx_template_has_a_dropdown_for_every_code_and_boolean_column(tmp_path, layout, two_sheets):
    path = write_template(tmp_path / "t.xlsx", layout, two_sheets=two_sheets)
    wb = openpyxl.load_workbook(path)
    lists = wb[LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    for name, cols in template_sheets(layout, two_sheets=two_sheets):
        ws = wb[name]
        validations = ws.data_validations.dataValidation
        for j, col in enumerate(cols, start=1):
            letter = get_column_letter(j)
            matching = [dv for dv in validations if f"{letter}2:{letter}1048576" in str(dv.sqref).split()]
            if col.kind not in (CODE, BOOL):
                assert matching == [], col.key
                continue
            assert len(matching) == 1, col.key
            dv = matching[0]
            assert dv.type == "list" and dv.showDropDown in (None, False)  # (True would hide the arrow)
            m = re.fullmatch(r"lists!\$([A-Z]+)\$2:\$\1\$(\d+)", dv.formula1)
            assert m, dv.formula1
            column = column_index_from_string(m.group(1))
            values = [lists.cell(row=r, column=column).value for r in range(2, int(m.group(2)) + 1)]
            expected = [zh for _code, zh, _en in col.choices] if col.kind == CODE else ["是", "否"]
            assert values == expected, col.key


def test_xlsx_template_ethnicity_dropdown_has_the_56_nationalities(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    ws = wb["members"]
    keys = [c.key for c in columns("members")]
    letter = get_column_letter(keys.index("ethnicity") + 1)
    [dv] = [dv for dv in ws.data_validations.dataValidation if f"{letter}2:{letter}1048576" in str(dv.sqref).split()]
    assert dv.formula1.endswith("$57")
    assert wb[LISTS_SHEET].cell(row=2, column=column_index_from_string(dv.formula1.split("$")[1])).value == "汉族"


def test_xlsx_template_header_formats_and_instructions(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert wb.sheetnames == ["members", INSTRUCTIONS_SHEET, LISTS_SHEET]
    ws = wb["members"]
    assert ws.freeze_panes == "A2"
    cols = columns("members")
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j)
        assert cell.value == col.header and cell.font.bold
        assert (cell.font.color is not None and cell.font.color.rgb.endswith("C00000")) == col.required, col.key
        assert (cell.comment is not None) == col.required
        fmt = ws.column_dimensions[get_column_letter(j)].number_format
        if col.kind in (TEXT, ID_NUMBER, AREA, CODE, BOOL):
            assert fmt == "@", col.key
        elif col.kind == DATE:
            assert fmt == "yyyy-mm-dd", col.key
        else:
            assert fmt == "General", col.key
        assert ws.column_dimensions[get_column_letter(j)].width >= 12
    about = wb[INSTRUCTIONS_SHEET]
    keys = {row[2] for row in about.iter_rows(values_only=True)}
    assert {c.key for c in cols} <= keys


def test_filled_xlsx_template_reads_as_typed(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["members"]
    keys = [c.key for c in columns("members")]
    row = [None] * len(keys)
    values = {"household_number": "H001", "village_code": "522633100201", "relation": "户主", "name": "张三",
              "id_number": "440308199001011234", "birth_date": dt.date(1990, 1, 1), "ethnicity": "苗族", "relocated": "是"}
    for key, value in values.items():
        row[keys.index(key)] = value
    ws.append(row)
    wb.save(path)
    with open_import(path) as f:
        [part] = f.parts
        [got] = [r for frame in part.batches() for r in frame.iter_rows(named=True)]
    assert set(got) == {"_row", *keys}  # every column of the template is recognised
    assert {k: v for k, v in got.items() if v is not None} == {
        "_row": 2, **{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}}


@pytest.mark.parametrize("layout", ["members", "incomes"])
def test_csv_template_header_equals_the_xlsx_header(tmp_path, layout):
    csv_path = write_template(tmp_path / "t.csv", layout)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    [header] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    ws = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", layout))[layout]
    assert header == [cell.value for cell in ws[1]] == [c.header for c in columns(layout)]
    with open_import(csv_path) as f:
        [part] = f.parts
        assert (f.encoding, part.layout, part.unknown, part.missing, part.rows) == ("utf-8-sig", layout, [], [], 0)
        assert len(part.columns) == len(header)


def test_template_arguments(tmp_path):
    assert template_filename() == "jingzhun_import_members.xlsx"
    assert template_filename("incomes", "csv") == "jingzhun_import_incomes.csv"
    assert template_filename("members", "xlsx", two_sheets=True) == "jingzhun_import_households_members.xlsx"
    with pytest.raises(ValueError):
        write_template(tmp_path / "t.txt")
    with pytest.raises(ValueError):
        write_template(tmp_path / "t.xlsx", "incomes", two_sheets=True)
    with pytest.raises(ValueError):
        write_template(tmp_path / "t.csv", two_sheets=True)
    with pytest.raises(ValueError):
        write_template(tmp_path / "t.xlsx", "people")
    with pytest.raises(ValueError):
        template_filename("members", "parquet")
