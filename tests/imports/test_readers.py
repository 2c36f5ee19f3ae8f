"""Reading import files: formats, encodings, conventions for cell texts and row numbers, hostile files."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jingzhun.imports._read_errors import MESSAGES
from jingzhun.imports.readers import UnreadableFile, open_import, sheet_role

H = {
    "household_number": "户编号 / Household number",
    "village_code": "村代码 / Village code",
    "relation": "与户主关系 / Relation to head",
    "name": "姓名 / Name",
    "id_number": "身份证号码 / Identity number",
    "birth_date": "出生日期 / Birth date",
    "household_size": "家庭人口数 / Household size",
    "housing_area": "住房面积（平方米） / Housing area (m²)",
    "relocated": "易地扶贫搬迁户 / Relocated (易地扶贫搬迁)",
    "address": "住址 / Address",
}
MEMBER_HEAD = [H["household_number"], H["village_code"], H["relation"], H["name"], H["id_number"]]
ID1 = "440308199001011234"
ID2 = "44030819900101123X"


def xlsx(path: Path, sheets: dict[str, list[list]], *, merges: dict[str, list[str]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    for i, (name, rows) in enumerate(sheets.items()):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        for row in rows:
            ws.append(row)
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    wb.save(path)
    return path


def unreadable(path, **kwargs) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as info:
        open_import(path, **kwargs)
    exc = info.value
    assert exc.message_en and re.search(r"[\u4e00-\u9fff]", exc.message_zh), exc
    assert "{" not in exc.message_en and "{" not in exc.message_zh
    return exc


def rows_of(part) -> list[dict]:
    return [row for frame in part.batches() for row in frame.iter_rows(named=True)]


# ------------------------------------------------------------------------------------------------- xlsx


def test_xlsx_cell_texts_follow_the_conventions(tmp_path):
    path = xlsx(tmp_path / "a.xlsx", {"members": [
        [*MEMBER_HEAD, H["birth_date"], H["household_size"], H["housing_area"], H["relocated"], "备注 / Remarks"],
        ["H001", "522633100201", "户主", " 张三 ", ID1, dt.date(1990, 1, 1), 3, 85.5, True, "x"],
        ["H001", 522633100201, "配偶", "李四\u3000", 440308199001011234, dt.datetime(1990, 1, 1, 12, 30), 2020, 0.1, False, None],
        [None] * 10,
        ["H002", "522633100201", "户主", "王五", 4.40308199001011e17, "1990-01-01", 1e15, 1234567890123456, None, None],
        ["H003", "522633100201", "户主", "赵六", 110105710923002, None, 13812345678, -3.25, None, None],
    ]})
    with open_import(path) as f:
        assert f.format == "xlsx" and f.encoding is None
        [part] = f.parts
        assert part.sheet == "members" and part.layout == "members"
        assert part.unknown == [(9, "备注 / Remarks")]
        assert part.rows == 5
        [frame] = list(part.batches())
    assert frame.columns == ["_row", "household_number", "village_code", "housing_area", "relocated", "household_size",
                             "relation", "name", "id_number", "birth_date"]  # catalogue order
    assert frame.schema["_row"] == pl.Int64
    assert all(dtype == pl.String for name, dtype in frame.schema.items() if name != "_row")
    rows = frame.to_dicts()
    assert [r["_row"] for r in rows] == [2, 3, 5, 6]  # row 4 is blank: skipped, numbering unchanged
    assert [r["name"] for r in rows] == ["张三", "李四", "王五", "赵六"]  # stripped, U+3000 included
    assert [r["village_code"] for r in rows] == ["522633100201"] * 4  # a 12-digit number is exact
    # Identity numbers: text stays text; numbers reveal that Excel stored a number.
    assert [r["id_number"] for r in rows] == [ID1, "4.403081990010113e+17", "4.40308199001011e+17", "110105710923002"]
    assert [r["birth_date"] for r in rows] == ["1990-01-01", "1990-01-01 12:30:00", "1990-01-01", None]
    assert [r["household_size"] for r in rows] == ["3", "2020", "1000000000000000.0", "13812345678"]
    assert [r["housing_area"] for r in rows] == ["85.5", "0.1", "1234567890123456.0", "-3.25"]
    assert [r["relocated"] for r in rows] == ["true", "false", None, None]


def test_xlsx_rows_are_spreadsheet_rows_when_the_header_is_not_in_a1(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for j, text in enumerate(MEMBER_HEAD, start=2):  # column B, row 2: A and row 1 are empty
        ws.cell(row=2, column=j, value=text)
    for j, value in enumerate(["H001", "522633100201", "户主", "张三", ID1], start=2):
        ws.cell(row=4, column=j, value=value)
    wb.save(tmp_path / "b.xlsx")
    with open_import(tmp_path / "b.xlsx") as f:
        [part] = f.parts
        assert part.headers == ["", *MEMBER_HEAD]
        assert sorted(part.columns) == [1, 2, 3, 4, 5]
        assert [r["_row"] for r in rows_of(part)] == [4]


def test_xlsx_merged_data_cells_take_the_merged_value(tmp_path):
    path = xlsx(tmp_path / "m.xlsx", {"members": [
        MEMBER_HEAD,
        ["H001", "522633100201", "户主", "张三", ID1],
        [None, None, "配偶", "李四", ID2],
        [None, None, "子女", "张小", "440308201001011231"],
        ["H002", "522633100201", "户主", "王五", "440308199001011250"],
    ]}, merges={"members": ["A2:A4", "B2:B4"]})
    with open_import(path) as f:
        rows = rows_of(f.parts[0])
    assert [r["household_number"] for r in rows] == ["H001", "H001", "H001", "H002"]
    assert [r["village_code"] for r in rows] == ["522633100201"] * 4


def test_xlsx_batches_are_re_iterable_and_sized(tmp_path):
    path = xlsx(tmp_path / "n.xlsx", {"members": [MEMBER_HEAD] + [[f"H{i}", "522633100201", "户主", f"人{i}", ID1] for i in range(5)]})
    with open_import(path, batch_rows=2) as f:
        part = f.parts[0]
        first = [frame["_row"].to_list() for frame in part.batches()]
        second = [frame["_row"].to_list() for frame in part.batches()]
    assert first == second == [[2, 3], [4, 5], [6]]


def test_xlsx_single_sheet_is_read_whatever_its_name_and_blank_sheets_are_ignored(tmp_path):
    path = xlsx(tmp_path / "s.xlsx", {"Sheet1": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]], "Sheet2": [], "Sheet3": []})
    with open_import(path) as f:
        [part] = f.parts
        assert (part.sheet, part.layout, part.missing) == ("Sheet1", "members", [])


def test_xlsx_helper_sheets_are_ignored_by_name(tmp_path):
    path = xlsx(tmp_path / "h.xlsx", {
        "我的数据": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]],
        "说明 About": [["说明"], ["anything"]],
        "lists": [["relation"], ["户主"]],
    })
    with open_import(path) as f:
        assert [p.sheet for p in f.parts] == ["我的数据"]


def test_xlsx_two_sheets_households_and_members(tmp_path):
    path = xlsx(tmp_path / "two.xlsx", {
        "成员": [[H["household_number"], H["relation"], H["name"], H["id_number"]], ["H001", "户主", "张三", ID1]],
        "Households": [[H["household_number"], H["village_code"], H["address"]], ["H001", "522633100201", "岜沙村 1 号"]],
    })
    with open_import(path) as f:
        households, members = f.parts
        assert (households.sheet, households.layout, households.missing) == ("Households", "households", [])
        # The members sheet takes the village code from the households sheet: not missing here.
        assert (members.sheet, members.layout, members.missing) == ("成员", "members", [])
        assert rows_of(households) == [{"_row": 2, "household_number": "H001", "village_code": "522633100201", "address": "岜沙村 1 号"}]
        assert rows_of(members)[0]["id_number"] == ID1


def test_xlsx_incomes_sheet_by_name_and_by_headers(tmp_path):
    head = ["户编号", "年度 / Year", "家庭人口数", "工资性收入 / Wage income"]
    path = xlsx(tmp_path / "i.xlsx", {"收入": [head, ["H001", 2020, 4, 12000.5]]})
    with open_import(path) as f:
        [part] = f.parts
        assert part.layout == "incomes" and part.missing == []
        assert rows_of(part) == [{"_row": 2, "household_number": "H001", "year": "2020", "members": "4", "wages": "12000.5"}]
    path = xlsx(tmp_path / "j.xlsx", {"Sheet1": [head, ["H001", 2020, 4, 12000]]})
    with open_import(path) as f:
        assert f.parts[0].layout == "incomes"
    with open_import(path, layout="members") as f:  # the caller's layout wins for a single sheet
        assert f.parts[0].layout == "members"


@pytest.mark.parametrize(("name", "role"), [
    ("members", "members"), ("成员", "members"), ("成员 members", "members"), ("MEMBERS（成员）", "members"),
    ("户", "households"), ("households", "households"), ("收入", "incomes"), ("Incomes", "incomes"),
    ("Sheet1", None), ("成员 incomes", None), ("", None),
])
def test_sheet_roles(name, role):
    assert sheet_role(name) == role


def test_xlsx_wrong_sheets(tmp_path):
    rows = [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]
    exc = unreadable(xlsx(tmp_path / "w.xlsx", {"Sheet1": rows, "数据": rows}))
    assert exc.code == "wrong_sheets"
    assert exc.details["sheets"] == ["Sheet1", "数据"] and exc.details["unrecognised"] == ["Sheet1", "数据"]
    assert "Sheet1" in exc.message_en and "数据" in exc.message_zh
    exc = unreadable(xlsx(tmp_path / "d.xlsx", {"members": rows, "成员": rows}))
    assert exc.code == "wrong_sheets" and exc.details["repeated"] == ["members"]


def test_xlsx_formulas_are_refused_with_their_cells(tmp_path):
    data = [MEMBER_HEAD + [H["household_size"]]]
    data += [[f"H{i}", "522633100201", "户主", f"人{i}", ID1, f"=1+{i}"] for i in range(12)]
    exc = unreadable(xlsx(tmp_path / "f.xlsx", {"members": data}))
    assert exc.code == "formulas"
    assert exc.details["count"] == 12
    assert exc.details["refs"] == [f"members!F{r}" for r in range(2, 12)]
    assert "members!F2" in exc.message_en and "members!F2" in exc.message_zh


def test_xlsx_merged_header_is_refused(tmp_path):
    exc = unreadable(xlsx(tmp_path / "mh.xlsx", {"members": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]},
                          merges={"members": ["A1:B1"]}))
    assert exc.code == "merged_header" and exc.details["ranges"] == "A1:B1" and exc.details["row"] == 1
    # A merged title row above the header is the usual cause.
    exc = unreadable(xlsx(tmp_path / "title.xlsx", {"members": [["岜沙村贫困户花名册"], MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]},
                          merges={"members": ["A1:E1"]}))
    assert exc.code == "merged_header" and exc.details["sheet"] == "members"


def test_xlsx_without_a_header_row(tmp_path):
    exc = unreadable(xlsx(tmp_path / "t.xlsx", {"members": [["岜沙村贫困户花名册"], MEMBER_HEAD]}))
    assert exc.code == "no_header" and "岜沙村贫困户花名册" in exc.message_en


def test_xlsx_header_only_is_a_part_without_rows(tmp_path):
    with open_import(xlsx(tmp_path / "ho.xlsx", {"members": [MEMBER_HEAD]})) as f:
        [part] = f.parts
        assert part.rows == 0 and list(part.batches()) == []


def test_xlsx_all_blank_is_empty(tmp_path):
    assert unreadable(xlsx(tmp_path / "blank.xlsx", {"Sheet1": []})).code == "empty_file"


def test_xlsx_is_recognised_by_content_not_extension(tmp_path):
    path = xlsx(tmp_path / "x.xlsx", {"members": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]})
    disguised = tmp_path / "x.csv"
    disguised.write_bytes(path.read_bytes())
    with open_import(disguised) as f:
        assert f.format == "xlsx"


def _raw_workbook(path: Path, sheet_xml: str, shared: list[str]) -> Path:
    """A workbook written by hand, as Excel writes it: shared strings, numbers in exponent form."""
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
                    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/></Types>')
        zf.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                    'Target="xl/workbook.xml"/></Relationships>')
        _minimal_workbook(zf, content_types=False)
        zf.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    + "".join(f"<si><t>{t}</t></si>" for t in shared) + "</sst>")
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_xlsx_written_as_excel_writes_it(tmp_path, prefix):
    p = prefix
    ns = f'xmlns{":x" if p else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    cells = [
        [("s", "0"), ("s", "1"), ("s", "2")],
        [("s", "3"), ("n", "4.40308199001011E+17"), ("e", "#N/A")],
        [("s", "3"), ("n", "1.23456789012345E-3"), ("s", "5")],
    ]
    def cell(ref: str, kind: str, value: str) -> str:
        kind_attr = "" if kind == "n" else f' t="{kind}"'
        return f'<{p}c r="{ref}"{kind_attr}><{p}v>{value}</{p}v></{p}c>'

    rows = "".join(
        f'<{p}row r="{r}">' + "".join(cell(f"{'ABC'[j]}{r}", t, v) for j, (t, v) in enumerate(row)) + f"</{p}row>"
        for r, row in enumerate(cells, start=1)
    )
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><{p}worksheet {ns}><{p}sheetData>{rows}</{p}sheetData></{p}worksheet>'
    path = _raw_workbook(tmp_path / "excel.xlsx", xml, ["户编号", "身份证号码", "姓名", "H001", "unused", "张三"])
    with open_import(path) as f:
        [part] = f.parts
        assert part.headers == ["户编号", "身份证号码", "姓名"]
        assert rows_of(part) == [
            {"_row": 2, "household_number": "H001", "name": "#N/A", "id_number": "4.40308199001011e+17"},
            {"_row": 3, "household_number": "H001", "name": "张三", "id_number": "0.00123456789012345"},
        ]


def test_xlsx_hidden_sheets_are_not_data(tmp_path):
    path = xlsx(tmp_path / "hid.xlsx", {"Sheet1": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]], "字典": [["户主"], ["配偶"]]})
    wb = openpyxl.load_workbook(path)
    wb["字典"].sheet_state = "hidden"
    wb.save(path)
    with open_import(path) as f:
        assert [p.sheet for p in f.parts] == ["Sheet1"]


def test_xlsx_rows_of_empty_strings_above_the_header_are_skipped(tmp_path):
    path = xlsx(tmp_path / "sp.xlsx", {"members": [["  ", None], MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]})
    with open_import(path) as f:
        [part] = f.parts
        assert part.headers == MEMBER_HEAD
        assert [r["_row"] for r in rows_of(part)] == [3]


# ---------------------------------------------------------------------------------------- hostile xlsx


def test_ole_header_is_encrypted_or_xls(tmp_path):
    path = tmp_path / "enc.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    exc = unreadable(path)
    assert exc.code == "encrypted_or_xls" and ".xlsx" in exc.message_en


def test_docx_is_not_xlsx(tmp_path):
    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    exc = unreadable(path)
    assert exc.code == "not_xlsx" and "Word" in exc.message_en


def _minimal_workbook(zf: zipfile.ZipFile, *, content_types: bool = True) -> None:
    if content_types:
        zf.writestr("[Content_Types].xml", "<Types/>")
    zf.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="members" sheetId="1" r:id="rId1"/></sheets></workbook>')
    zf.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                'Target="worksheets/sheet1.xml"/></Relationships>')


def test_zip_bomb_by_ratio(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        _minimal_workbook(zf)
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            zeros = bytes(1 << 20)
            for _ in range(20):
                member.write(zeros)
    assert path.stat().st_size < 200_000
    exc = unreadable(path)
    assert exc.code == "zip_bomb" and exc.details["uncompressed"] >= 20 << 20


def test_zip_bomb_by_uncompressed_size(tmp_path):
    path = xlsx(tmp_path / "big.xlsx", {"members": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]})
    with zipfile.ZipFile(path) as zf:
        uncompressed = sum(i.file_size for i in zf.infolist())
    size = path.stat().st_size
    assert size < uncompressed
    exc = unreadable(path, max_bytes=(size + uncompressed) // 2)
    assert exc.code == "zip_bomb"


def test_truncated_xlsx_is_corrupt(tmp_path):
    path = xlsx(tmp_path / "cut.xlsx", {"members": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert unreadable(path).code == "corrupt_xlsx"


def _patch_member(path: Path, member: str, *, declared_size: int | None = None, flip_at: int | None = None) -> None:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    if flip_at is not None:
        data[info.header_offset + 30 + name_len + extra_len + flip_at] ^= 0xFF
    if declared_size is not None:
        struct.pack_into("<I", data, info.header_offset + 22, declared_size)
        pos = data.find(b"PK\x01\x02")
        while pos >= 0:
            n = struct.unpack_from("<H", data, pos + 28)[0]
            if data[pos + 46:pos + 46 + n] == member.encode():
                struct.pack_into("<I", data, pos + 24, declared_size)
            pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def test_member_lying_about_its_size_is_corrupt(tmp_path):
    path = xlsx(tmp_path / "lie.xlsx", {"members": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]})
    _patch_member(path, "xl/worksheets/sheet1.xml", declared_size=10)
    exc = unreadable(path)
    assert exc.code == "corrupt_xlsx" and "declared size" in exc.details["detail"]


def test_damaged_member_is_corrupt(tmp_path):
    path = xlsx(tmp_path / "crc.xlsx", {"members": [MEMBER_HEAD, ["H001", "522633100201", "户主", "张三", ID1]]})
    _patch_member(path, "xl/worksheets/sheet1.xml", flip_at=40)
    assert unreadable(path).code == "corrupt_xlsx"


# -------------------------------------------------------------------------------------------------- csv


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


CSV_TEXT = ",".join(MEMBER_HEAD) + "\r\nH001,522633100201,户主,张三,440308199001011234\r\nH001,522633100201,配偶,李四,44030819900101123X\r\n"


@pytest.mark.parametrize(("encoding", "reported"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"), ("gb2312", "gb18030")])
def test_csv_encodings(tmp_path, settings, encoding, reported):
    settings.VAR_DIR = tmp_path / "var"
    path = write_csv(tmp_path / "e.csv", CSV_TEXT, encoding)
    with open_import(path) as f:
        assert (f.format, f.encoding) == ("csv", reported)
        [part] = f.parts
        assert part.sheet is None and part.layout == "members" and part.missing == []
        rows = rows_of(part)
    assert [r["name"] for r in rows] == ["张三", "李四"]
    assert [r["id_number"] for r in rows] == [ID1, ID2]
    assert [r["_row"] for r in rows] == [2, 3]


def test_csv_gb18030_four_byte_characters_and_gbk_only_characters(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    text = CSV_TEXT.replace("张三", "𠀀喆").replace("李四", "䶮")
    with open_import(write_csv(tmp_path / "g.csv", text, "gb18030")) as f:
        assert [r["name"] for r in rows_of(f.parts[0])] == ["𠀀喆", "䶮"]
        temp = f._resources[0].path
        assert temp.exists()
    assert not temp.exists()  # the transcoded copy is deleted on close
    with pytest.raises(RuntimeError):
        list(f.parts[0].batches())


def test_csv_in_latin1_is_unknown_encoding_with_the_offset(tmp_path):
    text = "household_number,name,id_number\nH001,José Müller,1\n"
    path = write_csv(tmp_path / "l.csv", text, "latin-1")
    exc = unreadable(path)
    assert exc.code == "unknown_encoding"
    assert exc.details["offset"] == text.encode("latin-1").index(b"\xe9")
    assert str(exc.details["offset"]) in exc.message_en and str(exc.details["offset"]) in exc.message_zh


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_csv_utf16_is_unknown_encoding(tmp_path, encoding):
    exc = unreadable(write_csv(tmp_path / "u16.csv", CSV_TEXT, encoding))
    assert exc.code == "unknown_encoding" and "UTF-16" in exc.message_en


def test_csv_ids_stay_text_and_cells_are_stripped(tmp_path):
    text = ",".join(MEMBER_HEAD + [H["household_size"]]) + "\n 0012 ,522633100201, 户主 ,\"张 三\",440308199001011234,03\n"
    with open_import(write_csv(tmp_path / "t.csv", text)) as f:
        [row] = rows_of(f.parts[0])
    assert row == {"_row": 2, "household_number": "0012", "village_code": "522633100201", "household_size": "03",
                   "relation": "户主", "name": "张 三", "id_number": ID1}


def test_csv_rows_count_records_not_lines(tmp_path):
    head = ",".join([*MEMBER_HEAD, H["address"]])
    text = (head + "\n"
            + 'H001,522633100201,户主,张三,440308199001011234,"岜沙村\n1 号"\n'  # record 2 spans two lines
            + "\n"  # record 3 is blank
            + "H002,522633100201,户主,王五,440308199001011250,\n")
    with open_import(write_csv(tmp_path / "r.csv", text)) as f:
        [part] = f.parts
        assert part.rows == 3
        rows = rows_of(part)
    assert [r["_row"] for r in rows] == [2, 4]
    assert rows[0]["address"] == "岜沙村\n1 号"


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_csv_tab_and_semicolon(tmp_path, delimiter):
    text = delimiter.join(MEMBER_HEAD) + "\nH001" + delimiter + "522633100201" + delimiter + "户主" + delimiter + "张三,李" + delimiter + ID1 + "\n"
    with open_import(write_csv(tmp_path / "d.csv", text)) as f:
        [row] = rows_of(f.parts[0])
    assert row["name"] == "张三,李" and row["id_number"] == ID1


def test_csv_ragged_rows(tmp_path):
    text = (",".join(MEMBER_HEAD) + "\n"
            + 'H001,522633100201,户主,"张\n三",440308199001011234\n'
            + "H002,522633100201,户主,王五,440308199001011250,贵州省,从江县\n")
    exc = unreadable(write_csv(tmp_path / "rag.csv", text))
    assert exc.code == "ragged_rows"
    assert (exc.details["row"], exc.details["fields"], exc.details["header_fields"], exc.details["delimiter"]) == (3, 7, 5, ",")


def test_csv_unterminated_quote_is_malformed(tmp_path):
    text = ",".join(MEMBER_HEAD) + '\nH001,522633100201,户主,"张三,440308199001011234\n'
    exc = unreadable(write_csv(tmp_path / "q.csv", text))
    assert exc.code == "malformed_csv"


def test_csv_header_only_and_empty(tmp_path):
    with open_import(write_csv(tmp_path / "h.csv", ",".join(MEMBER_HEAD) + "\n")) as f:
        assert f.parts[0].rows == 0 and list(f.parts[0].batches()) == []
    assert unreadable(write_csv(tmp_path / "e.csv", "")).code == "empty_file"
    assert unreadable(write_csv(tmp_path / "w.csv", "\ufeff \r\n\r\n")).code == "empty_file"


def test_csv_no_header_and_duplicate_header(tmp_path):
    exc = unreadable(write_csv(tmp_path / "n.csv", "foo,bar\n1,2\n"))
    assert exc.code == "no_header" and "“foo”" in exc.message_en
    exc = unreadable(write_csv(tmp_path / "d.csv", "户编号,姓名,身份证号码,Name\nH1,张三,1,张三\n"))
    assert exc.code == "duplicate_header" and exc.details["columns"] == ["name"]
    assert "B, D" in exc.message_en


def test_csv_incomes_layout_detected(tmp_path):
    text = "户编号,年度,家庭人口数,工资性收入\nH001,2020,4,12000\n"
    with open_import(write_csv(tmp_path / "inc.csv", text)) as f:
        [part] = f.parts
        assert part.layout == "incomes" and part.missing == []
        assert rows_of(part) == [{"_row": 2, "household_number": "H001", "year": "2020", "members": "4", "wages": "12000"}]


def test_csv_batches_stream_in_fixed_sizes(tmp_path):
    n = 250_001
    lines = [",".join(MEMBER_HEAD)]
    lines += [f"H{i // 4:06d},522633100201,户主,人{i},44030819900101{i % 10000:04d}" for i in range(n)]
    path = write_csv(tmp_path / "big.csv", "\n".join(lines) + "\n")
    with open_import(path, batch_rows=100_000) as f:
        [part] = f.parts
        assert part.rows == n
        for _ in range(2):  # re-iterable
            frames = list(part.batches())
            assert [fr.height for fr in frames] == [100_000, 100_000, 50_001]
            assert [(fr["_row"][0], fr["_row"][-1]) for fr in frames] == [(2, 100_001), (100_002, 200_001), (200_002, 250_002)]
    assert frames[2]["name"][-1] == f"人{n - 1}"


def test_too_large(tmp_path):
    path = write_csv(tmp_path / "l.csv", CSV_TEXT)
    exc = unreadable(path, max_bytes=100)
    assert exc.code == "too_large" and exc.details == {"size_mb": "0.00", "limit_mb": "0.00", "size": path.stat().st_size, "limit": 100}


def test_empty_file(tmp_path):
    (tmp_path / "e.xlsx").write_bytes(b"")
    assert unreadable(tmp_path / "e.xlsx").code == "empty_file"


# ---------------------------------------------------------------------------------------------- parquet


def test_parquet_values_rendered_as_text(tmp_path):
    table = pa.table({
        "户编号": ["H001", "H001", None],
        "村代码": pa.array([522633100201, 522633100201, None], pa.int64()),
        "与户主关系": ["户主", "配偶", None],
        "姓名": [" 张三 ", "李四", None],
        "身份证号码": [ID1, ID2, None],
        "出生日期": pa.array([dt.date(1990, 1, 1), dt.date(1991, 2, 3), None], pa.date32()),
        "住房面积（平方米）": [85.5, 4.40308199001011e17, None],
        "家庭人口数": pa.array([3, 3, None], pa.int32()),
        "易地扶贫搬迁户": [True, False, None],
        "备注": ["x", "y", None],
    })
    pq.write_table(table, tmp_path / "p.parquet")
    with open_import(tmp_path / "p.parquet") as f:
        assert (f.format, f.encoding) == ("parquet", None)
        [part] = f.parts
        assert part.unknown == [(9, "备注")] and part.missing == [] and part.rows == 3
        rows = rows_of(part)
    assert rows == [
        {"_row": 2, "household_number": "H001", "village_code": "522633100201", "household_size": "3", "housing_area": "85.5",
         "relocated": "true", "relation": "户主", "name": "张三", "id_number": ID1, "birth_date": "1990-01-01"},
        {"_row": 3, "household_number": "H001", "village_code": "522633100201", "household_size": "3", "housing_area": "4.40308199001011e+17",
         "relocated": "false", "relation": "配偶", "name": "李四", "id_number": ID2, "birth_date": "1991-02-03"},
    ]


def test_parquet_batches_across_row_groups(tmp_path):
    n = 25
    table = pa.table({"户编号": [f"H{i}" for i in range(n)], "姓名": [f"人{i}" for i in range(n)],
                      "出生日期": pa.array([dt.datetime(1990, 1, 1, 0, 0)] * (n - 1) + [dt.datetime(1990, 1, 1, 8, 0)], pa.timestamp("us"))})
    pq.write_table(table, tmp_path / "g.parquet", row_group_size=7)
    with open_import(tmp_path / "g.parquet", batch_rows=10) as f:
        frames = list(f.parts[0].batches())
    assert [fr.height for fr in frames] == [10, 10, 5]
    assert frames[-1]["_row"].to_list() == list(range(22, 27))
    assert frames[0]["birth_date"][0] == "1990-01-01" and frames[-1]["birth_date"][-1] == "1990-01-01 08:00:00"


def test_truncated_parquet_is_corrupt(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"户编号": ["H001"] * 100, "姓名": ["张三"] * 100}), path)
    path.write_bytes(path.read_bytes()[:-40])
    assert unreadable(path).code == "corrupt_parquet"


def test_parquet_nested_column_is_unsupported(tmp_path):
    pq.write_table(pa.table({"户编号": ["H001"], "姓名": [["张", "三"]]}), tmp_path / "n.parquet")
    exc = unreadable(tmp_path / "n.parquet")
    assert exc.code == "unsupported_column_type" and exc.details["column"] == "姓名"


# ----------------------------------------------------------------------------------------------- errors


def test_unreadable_file_pickles_and_every_code_has_both_languages():
    exc = UnreadableFile("empty_file", "en", "中文", {"a": 1})
    again = pickle.loads(pickle.dumps(exc))
    assert (again.code, again.message_en, again.message_zh, again.details) == ("empty_file", "en", "中文", {"a": 1})
    for code, (en, zh) in MESSAGES.items():
        assert re.fullmatch(r"[a-z_]+", code) and en and re.search(r"[\u4e00-\u9fff]", zh), code


def test_layout_argument_is_checked(tmp_path):
    with pytest.raises(ValueError):
        open_import(write_csv(tmp_path / "x.csv", CSV_TEXT), layout="people")
