"""The report workbook (imports.report_xlsx): the rows with issues per source sheet, bad cells filled and commented,
the issues sheet, and the CSV report with the issues sheet's columns."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from jingzhun.imports import columns as C
from jingzhun.imports.models import ImportIssue, ImportStatus
from jingzhun.imports.report_xlsx import write_report_csv, write_report_xlsx
from jingzhun.imports.services import import_create, import_validate
from jingzhun.registry.identity import make_resident_id

pytestmark = pytest.mark.django_db

VILLAGE = "522633100201"
RED, YELLOW = "FFFFC7CE", "FFFFEB9C"
TODAY = dt.date(2026, 11, 22)
H = {key: col.header for key, col in C.by_key("members").items()}


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


def _ids():
    head = make_resident_id("522633", dt.date(1980, 5, 17), 1, "M")
    child = make_resident_id("522633", dt.date(2005, 1, 2), 2, "F")
    spouse = make_resident_id("522633", dt.date(1982, 3, 1), 3, "F")
    return head, child, spouse


def _validated(path: Path):
    batch = import_create(actor=None, source=path)
    return import_validate(batch, actor=None, today=TODAY)


def _members_csv(tmp_path: Path) -> Path:
    head, child, spouse = _ids()
    header = [H["household_number"], H["village_code"], H["relation"], H["name"], H["id_number"], H["sex"], H["birth_date"],
              "备注", H["months_away"]]
    rows = [
        ["H1", VILLAGE, "户主", "张三", head, "男", "1980-05-17", "ok", ""],           # 2: clean
        ["H1", VILLAGE, "子女", "张一", child, "男", "", "", ""],                      # 3: sex against the ID (error)
        ["H2", VILLAGE, "户主", "李四", "522633800517123", "男", "1980-05-17", "", ""],  # 4: 15-digit ID upgraded (warning)
        ["H2", VILLAGE, "配偶", "王五", spouse, "女", "", "", "13"],                    # 5: months out of range (error)
    ]
    path = tmp_path / "members.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _fill(cell) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None


def test_csv_source_rows_with_issues_filled_and_commented(areas, var_dir, tmp_path):
    batch = _validated(_members_csv(tmp_path))
    assert (batch.status, batch.error_count, batch.warning_count) == (ImportStatus.INVALID, 2, 2)
    head, child, spouse = _ids()
    target = write_report_xlsx(batch, tmp_path / "report.xlsx", language="en")
    wb = load_workbook(target)
    assert wb.sheetnames == ["members", "issues"]
    ws = wb["members"]
    assert [c.value for c in ws[1]] == ["Source row", H["household_number"], H["village_code"], H["relation"], H["name"],
                                        H["id_number"], H["sex"], H["birth_date"], H["months_away"]]  # the unknown column is left out
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        [3, "H1", VILLAGE, "子女", "张一", child, "男", None, None],
        [4, "H2", VILLAGE, "户主", "李四", "522633800517123", "男", "1980-05-17", None],
        [5, "H2", VILLAGE, "配偶", "王五", spouse, "女", None, "13"],
    ]
    assert ws.max_row == 4
    # row 3 of the file: the sex cell (G2) red, with the message
    assert _fill(ws["G2"]) == RED
    assert ws["G2"].comment.text == "Sex 男 does not match the identity number (F)."
    # row 4: the identity number (F3) yellow: a warning
    assert _fill(ws["F3"]) == YELLOW
    assert ws["F3"].comment.text == "15-digit identity number upgraded to 18 digits: 52263319800517123X."
    # row 5: months away (I4) red
    assert _fill(ws["I4"]) == RED
    assert ws["I4"].comment.text == "13 is outside 0 to 12."
    marked = {c.coordinate for row in ws.iter_rows() for c in row if _fill(c) or c.comment}
    assert marked == {"G2", "F3", "I4"}
    # the issues sheet: every issue, the file-level one (row 1) included
    issues = [[c.value for c in row] for row in wb["issues"].iter_rows()]
    assert issues == [
        ["Sheet", "Row", "Column", "Column name", "Code", "Severity", "Message"],
        [None, 1, None, None, "unknown_column", "warning", "Unknown column “备注” is ignored."],
        [None, 3, "sex", "Sex", "sex_mismatch", "error", "Sex 男 does not match the identity number (F)."],
        [None, 4, "id_number", "Identity number", "id_15_upgraded", "warning",
         "15-digit identity number upgraded to 18 digits: 52263319800517123X."],
        [None, 5, "months_away", "Months worked away", "out_of_range", "error", "13 is outside 0 to 12."],
    ]


def test_the_csv_report_has_the_issues_sheets_columns_in_chinese(areas, var_dir, tmp_path):
    batch = _validated(_members_csv(tmp_path))
    path = write_report_csv(batch, tmp_path / "report.csv", language="zh-hans")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows == [
        ["工作表", "行号", "列", "列名", "代码", "级别", "说明"],
        ["", "1", "", "", "unknown_column", "警告", "无法识别的列“备注”，已忽略。"],
        ["", "3", "sex", "性别", "sex_mismatch", "错误", "性别“男”与身份证号码（F）不符。"],
        ["", "4", "id_number", "身份证号码", "id_15_upgraded", "警告", "15 位身份证号码已升级为 18 位：52263319800517123X。"],
        ["", "5", "months_away", "务工时间（月）", "out_of_range", "错误", "13 超出 0 至 12 的范围。"],
    ]
    xlsx = load_workbook(write_report_xlsx(batch, tmp_path / "report.xlsx", language="zh-hans"))
    sheet = [["" if v is None else str(v) for v in row] for row in xlsx["issues"].iter_rows(values_only=True)]
    assert sheet == rows
    assert xlsx["members"]["A1"].value == "源文件行号"
    assert xlsx["members"]["G2"].comment.text == "性别“男”与身份证号码（F）不符。"


def test_two_sheet_workbook_one_report_sheet_per_source_sheet(areas, var_dir, tmp_path):
    head, child, _spouse = _ids()
    bad_check = head[:-1] + ("0" if head[-1] != "0" else "1")
    wb = Workbook()
    hs = wb.active
    hs.title = "households"
    hs.append([H["household_number"], H["village_code"], H["status"], H["registered_year"], H["household_size"]])
    hs.append(["H1", VILLAGE, "贫困户", 2014, 2])
    hs.append(["H2", "522633100299", "贫困户", 2014, 1])  # 3: no such village
    ms = wb.create_sheet("members")
    ms.append([H["household_number"], H["relation"], H["name"], H["id_number"]])
    ms.append(["H1", "户主", "张三", head])
    ms.append(["H1", "子女", "张一", child])
    ms.append(["H2", "户主", "李四", bad_check])  # 4: check digit
    source = tmp_path / "two.xlsx"
    wb.save(source)
    batch = _validated(source)
    issues = sorted(ImportIssue.objects.filter(batch=batch).values_list("sheet", "row", "column", "code"))
    assert issues == [("households", 3, "village_code", "area_unknown"), ("members", 4, "id_number", "id_checksum")]
    # an issue whose column the sheet does not have marks the "source row" cell
    ImportIssue.objects.create(batch=batch, sheet="members", row=4, column="household_size", code="household_size_mismatch",
                               severity="error", value="1", params={"count": 2})

    report = load_workbook(write_report_xlsx(batch, tmp_path / "r.xlsx", language="en"))
    assert report.sheetnames == ["households", "members", "issues"]
    households = report["households"]
    assert [[c.value for c in row] for row in households.iter_rows()] == [
        ["Source row", H["household_number"], H["village_code"], H["status"], H["registered_year"], H["household_size"]],
        [3, "H2", "522633100299", "贫困户", "2014", "1"],
    ]
    assert _fill(households["C2"]) == RED and households["C2"].comment.text == "There is no area with code 522633100299."
    members = report["members"]
    assert [[c.value for c in row] for row in members.iter_rows()] == [
        ["Source row", H["household_number"], H["relation"], H["name"], H["id_number"]],
        [4, "H2", "户主", "李四", bad_check],
    ]
    assert _fill(members["E2"]) == RED and members["E2"].comment.text == "The check digit of the identity number is wrong."
    assert _fill(members["A2"]) == RED and members["A2"].comment.text == "Household size 1 but 2 members in the file."
    assert [row[:5] for row in report["issues"].iter_rows(min_row=2, values_only=True)] == [
        ("households", 3, "village_code", "Village code", "area_unknown"),
        ("members", 4, "id_number", "Identity number", "id_checksum"),
        ("members", 4, "household_size", "Household size", "household_size_mismatch"),
    ]


def test_without_the_stored_file_the_workbook_has_the_issues_sheet_only(areas, var_dir, tmp_path):
    batch = _validated(_members_csv(tmp_path))
    Path(batch.path).unlink()
    report = load_workbook(write_report_xlsx(batch, tmp_path / "r.xlsx", language="en"))
    assert report.sheetnames == ["issues"]
    assert report["issues"].max_row == 5
