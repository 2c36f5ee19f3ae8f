"""Importing pairing ledgers: encodings, xlsx, headers, all or nothing, linked persons, funds and projects, the command."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook, load_workbook

from jingzhun.core.models import AuditEvent
from jingzhun.pairing import ledger_import as li
from jingzhun.pairing.ledger_import import IMPORT_KINDS, ImportResult, RowError, import_template, ledger_import
from jingzhun.pairing.models import FundEntry, Project, Purchase, Trainee, TrainingSession, VocationalStudent
from jingzhun.pairing.projects import project_create
from jingzhun.pairing.services import partnership_create
from jingzhun.registry.services import household_register, household_set_status, person_record_death


@pytest.fixture
def pair(areas):
    return partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1), end_date=dt.date(2020, 12, 31))


def run(pair, kind, content, filename="f.csv", actor=None) -> ImportResult:
    with translation.override("en"):
        return ledger_import(actor=actor, kind=kind, partnership=pair, file=content, filename=filename)


PURCHASES_CSV = (
    "date,buyer,buyer_area,product,channel,amount (yuan),note\n"
    "2018-11-11,江永县总工会,431125000000,从江香猪,union,25600.00,双十一\n"
    "2019/01/05,杭州某食堂,,从江椪柑,canteen,1234.56,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding(pair, encoding):
    result = run(pair, "purchases", PURCHASES_CSV.encode(encoding))
    assert result == ImportResult(2, [])
    rows = list(Purchase.objects.order_by("date").values_list("date", "buyer", "buyer_area", "product", "channel", "amount", "note"))
    assert rows == [(dt.date(2018, 11, 11), "江永县总工会", "431125000000", "从江香猪", "union", Decimal("25600.00"), "双十一"),
                    (dt.date(2019, 1, 5), "杭州某食堂", None, "从江椪柑", "canteen", Decimal("1234.56"), "")]
    event = AuditEvent.objects.get(action="pairing.purchases_import")
    assert event.changes == {"created": [None, 2], "file": [None, "f.csv"], "partnership": [None, pair.pk]}


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_with_typed_cells_and_bilingual_headers(pair):
    content = xlsx([
        ["日期 / date", "买方 / buyer", "buyer's area", "product", "channel", "amount", "note"],
        [dt.datetime(2018, 11, 11), "江永县总工会", 431125000000, "从江香猪", "Trade-union purchase", 25600.5, None],
        [None, None, None, None, None, None, None],
        [dt.date(2019, 1, 5), "杭州某食堂", None, "从江椪柑", "canteen", 1234, "x"],
    ])
    assert run(pair, "purchases", content, "p.xlsx") == ImportResult(2, [])
    assert list(Purchase.objects.order_by("date").values_list("amount", "buyer_area", "channel")) == [
        (Decimal("25600.50"), "431125000000", "union"), (Decimal("1234.00"), None, "canteen")]


def test_template_is_bilingual_and_imports_back(pair):
    for kind in IMPORT_KINDS:
        wb = load_workbook(io.BytesIO(import_template(kind)))
        assert wb.sheetnames == [kind, "说明 About"]
    wb = load_workbook(io.BytesIO(import_template("training")))
    ws = wb["training"]
    headers = [c.value for c in ws[1]]
    assert len(headers) == len(li.columns("training")) == 9
    with translation.override("en"):
        assert headers[0].endswith("date") and headers[-1].endswith("identity numbers of linked persons")
    ws.append(["2018-05-01", "", "种植技术培训", "labour_skills", "", "", 40, "", ""])
    out = io.BytesIO()
    wb.save(out)
    assert run(pair, "training", out.getvalue(), "t.xlsx") == ImportResult(1, [])
    assert TrainingSession.objects.get().trainees == 40


def test_one_bad_row_writes_nothing_and_every_error_is_reported(pair):
    content = PURCHASES_CSV + "2018-12-01,某单位,,茶叶,union,-5,\n" + "2021-03-01,某单位,522633000000,茶叶,gift,10,\n"
    result = run(pair, "purchases", content.encode())
    assert result.created == 0
    assert result.errors == [
        RowError(4, "amount (yuan)", "The amount must be positive."),
        RowError(5, "date", "The date is outside the partnership's period."),
        RowError(5, "buyer_area", "The buyer's area must lie in the partnership's eastern area."),
        RowError(5, "channel", "Choose one of: direct (Direct purchase), union (Trade-union purchase), canteen (Canteens of public bodies), "
                               "ecommerce (E-commerce), fair (Trade fair or outlet), other (Other)."),
    ]
    assert not Purchase.objects.exists() and not AuditEvent.objects.filter(action__startswith="pairing.purchases").exists()


def test_file_level_errors(pair, monkeypatch):
    assert run(pair, "purchases", b"") == ImportResult(0, [RowError(0, "", "The file is empty.")])
    assert run(pair, "purchases", b"date,buyer,product,channel,amount\n") == ImportResult(0, [RowError(1, "", "The file has a header but no rows.")])
    result = run(pair, "purchases", b"date,buyer,colour\n2018-01-01,x,red\n")
    assert result.errors[0] == RowError(1, "colour", "Unknown column.")
    assert {e.column for e in result.errors[1:]} == {"product", "channel", "amount"}
    assert all(e.message.startswith("The required column") for e in result.errors[1:])
    assert run(pair, "purchases", b"date,date,buyer,product,channel,amount\n").errors == [
        RowError(1, "date", "The column appears twice (also as \u201cdate\u201d).")]
    assert run(pair, "purchases", "\ufeffx".encode("utf-16")).errors[0].message.startswith("The file is not UTF-8")
    assert run(pair, "purchases", b"PK\x03\x04garbage", "x.xlsx").errors == [RowError(0, "", "The file is not a readable xlsx workbook.")]
    monkeypatch.setattr(li, "MAX_ROWS", 1)
    assert run(pair, "purchases", PURCHASES_CSV.encode()).errors == [RowError(3, "", "The file has more than 1 rows: split it.")]
    assert not Purchase.objects.exists()


def test_scope_is_checked_for_the_whole_file(pair, users):
    with pytest.raises(PermissionDenied):
        run(pair, "purchases", PURCHASES_CSV.encode(), actor=users["township"])
    assert run(pair, "purchases", PURCHASES_CSV.encode(), actor=users["hunan_county"]).created == 2
    assert set(Purchase.objects.values_list("recorded_by__username", flat=True)) == {"hunan_county"}


@pytest.fixture
def residents(areas, people):
    poor = household_register(actor=None, area=areas["522633100201"], date=dt.date(2018, 3, 1), registered_year=2018,
                              head=people.person("滚老大"),
                              members=[people.person("王妹", sex="F", relation="spouse", born=dt.date(1982, 3, 1)),
                                       people.person("滚小明", relation="child", born=dt.date(2005, 9, 1))])
    household_set_status(actor=None, household=poor, status="exited", date=dt.date(2019, 6, 30), procedure="exit")
    never = household_register(actor=None, area=areas["522633100202"], date=dt.date(2015, 1, 1), status="none", head=people.person("吴不贫"))
    members = [m.person for m in poor.memberships.select_related("person").order_by("id")]
    return {"head": members[0], "spouse": members[1], "child": members[2], "never": never.head}


def test_training_rows_link_persons_by_identity_number(pair, residents):
    head, spouse, never = residents["head"], residents["spouse"], residents["never"]
    content = ("date,title,kind,trainees,id_numbers\n"
               f"2018-05-01,种植培训,labour_skills,30,{head.id_number}；{never.id_number}\n"
               f"2017-05-01,养殖培训,labour_skills,10,{spouse.id_number}\n"
               "2018-06-01,电商培训,entrepreneur,5,\n")
    assert run(pair, "training", content.encode()) == ImportResult(3, [])
    links = {(t.session.title, t.person_id): t.registered for t in Trainee.objects.select_related("session")}
    assert links == {("种植培训", head.pk): True, ("种植培训", never.pk): False, ("养殖培训", spouse.pk): False}


def test_link_errors_are_row_errors(pair, residents):
    head, spouse, child = residents["head"], residents["spouse"], residents["child"]
    person_record_death(actor=None, person=child, death_date=dt.date(2019, 1, 1))
    content = ("date,workers,employer,id_numbers\n"
               f"2018-02-20,2,某厂,{head.id_number};{head.id_number}\n"
               f"2018-02-20,1,某厂,{head.id_number}；{spouse.id_number}\n"
               f"2018-02-20,5,某厂,110101199003077777\n"
               f"2018-02-20,5,某厂,{child.id_number}\n")
    result = run(pair, "labour", content.encode())
    assert result.created == 0
    assert [(e.row, e.column) for e in result.errors] == [(2, "id_numbers"), (3, "id_numbers"), (4, "id_numbers"), (5, "id_numbers")]
    assert result.errors[0].message == f"{head.masked_id} is already linked to this record."  # twice in one row
    assert result.errors[1].message == "2 persons would be linked but the record counts 1."
    assert result.errors[2].message == "There is no person with identity number 1101**********7777 in the register."
    assert result.errors[3].message.startswith("The person with identity number") and result.errors[3].message.endswith("has died.")


def test_students_with_persons_registered_and_duplicates_in_the_file(pair, residents):
    head = residents["head"]
    content = ("date,name,person,school,major\n"
               f"2018-09-01,,{head.id_number},江永职业中专,护理\n"
               f"2018-09-01,,{head.id_number},江永职业中专,护理\n")
    result = run(pair, "students", content.encode())
    assert result.errors == [RowError(3, "person", "The same person and school are already on row 2.")]
    assert run(pair, "students", content.rsplit("\n", 2)[0].encode() + b"\n").created == 1
    assert VocationalStudent.objects.values_list("name", "registered").get() == ("滚老大", True)


def test_funds_rows_go_through_the_service_in_file_order(pair, areas, users):
    project_create(actor=None, partnership=pair, name="饮水工程", code="P1", budget="500000", village=areas["522633100201"])
    head = "date,kind,source,amount,project code,note\n"
    bad = head + ("2018-03-01,allocated,fiscal,100000,P1,\n"
                  "2018-04-01,disbursed,fiscal,60000,P1,\n"
                  "2018-05-01,disbursed,fiscal,50000,P1,\n"
                  "2018-05-01,pledged,fiscal,1000,P9,\n")
    result = run(pair, "funds", bad.encode(), actor=users["county"])
    assert result.created == 0
    assert result.errors == [
        RowError(4, "amount", "Disbursed funds (110000.00) would exceed the allocated funds (100000.00) for this source and project."),
        RowError(5, "project code", "There is no project with this code in the partnership."),
    ]
    assert not FundEntry.objects.exists() and not AuditEvent.objects.filter(action="pairing.fund_record").exists()
    good = head + "2018-03-01,allocated,fiscal,100000,P1,\n2018-04-01,disbursed,fiscal,60000.50,P1,首笔\n2018-05-01,pledged,donation,7,,\n"
    assert run(pair, "funds", good.encode(), actor=users["county"]) == ImportResult(0, [
        RowError(4, "kind", "This partnership is outside your responsibility.")])
    assert run(pair, "funds", good.encode(), actor=users["hunan_county"]) == ImportResult(3, [])
    assert sorted(FundEntry.objects.values_list("kind", "amount")) == [
        ("allocated", Decimal("100000.00")), ("disbursed", Decimal("60000.50")), ("pledged", Decimal("7.00"))]
    assert AuditEvent.objects.filter(action="pairing.fund_record").count() == 3


def test_projects_import(pair):
    content = ("code,name,budget,village,start_date,end_date\n"
               "P1,饮水工程,500000,522633100201,2018-03-01,2018-12-31\n"
               "P2,道路硬化,1200000.50,522633101201,,\n")
    assert run(pair, "projects", content.encode()) == ImportResult(2, [])
    assert list(Project.objects.order_by("code").values_list("code", "budget", "village")) == [
        ("P1", Decimal("500000.00"), "522633100201"), ("P2", Decimal("1200000.50"), "522633101201")]
    again = run(pair, "projects", (content + "P3,学校,1,431125100201,,\n").encode())
    assert again.created == 0 and {(e.row, e.column) for e in again.errors} >= {(4, "village")}
    assert {e.row for e in again.errors} == {2, 3, 4}  # P1 and P2 exist already
    assert Project.objects.count() == 2


def test_command_prints_the_count_or_the_errors(pair, tmp_path, capsys):
    good = tmp_path / "ok.csv"
    good.write_bytes(PURCHASES_CSV.encode("gb18030"))
    with translation.override("en"):
        call_command("pairing_import", "purchases", str(good), "--partnership", str(pair.pk))
        assert capsys.readouterr().out.strip() == "2 created"
        with pytest.raises(CommandError, match="no active user nobody-here"):
            call_command("pairing_import", "purchases", str(good), "--partnership", str(pair.pk), "--user", "nobody-here")
        with pytest.raises(CommandError, match="no partnership"):
            call_command("pairing_import", "purchases", str(good), "--partnership", str(pair.pk + 1000))
    assert Purchase.objects.count() == 2
    template = tmp_path / "t.xlsx"
    call_command("pairing_import", "funds", "template", str(template))
    assert load_workbook(template).sheetnames == ["funds", "说明 About"]


def test_command_exit_code_on_errors(pair, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(PURCHASES_CSV + "2018-12-01,某单位,,茶叶,union,abc,\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(SystemExit) as exit_:
        call_command("pairing_import", "purchases", str(bad), "--partnership", str(pair.pk))
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert captured.out.strip() == "row 4, amount (yuan): Enter a number."
    assert "1 errors: nothing imported" in captured.err
    assert not Purchase.objects.exists()
