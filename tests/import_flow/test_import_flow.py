"""Upload -> validate into staging -> report -> merge: every check's code, scope, encodings, incomes, round trips."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from jingzhun.core.models import AuditEvent
from jingzhun.demo.generator import generate_county
from jingzhun.imports import report
from jingzhun.imports.models import ImportStatus, StagedPerson
from jingzhun.imports.services import ImportRefused, import_create, import_merge, import_validate
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person, StatusChange

from .conftest import OTHER_VILLAGE, VILLAGE, household_rows, write_csv


def _run(path, actor=None, area=None, year=None):
    batch = import_create(actor=actor, source=path, area=area, year=year)
    return import_validate(batch, actor=actor, today=dt.date(2026, 11, 22))


def _codes(batch):
    return sorted((i["row"], i["column"], i["code"]) for i in report.records(batch))


def test_a_clean_file_merges_households_persons_memberships_and_status_history(areas, var_dir, ids, tmp_path):
    rows = household_rows("H001", ids, members=3, size=3, housing_grade="C") + household_rows("H002", ids, status="已脱贫", exited_year="2018")
    batch = _run(write_csv(tmp_path / "m.csv", rows))
    assert (batch.status, batch.error_count, batch.rows, batch.households, batch.persons) == (ImportStatus.VALIDATED, 0, 4, 2, 4)
    assert not Household.objects.exists()  # nothing before confirmation
    batch = import_merge(batch, actor=None)
    assert batch.result["counts"] == {"households_created": 2, "households_updated": 0, "persons_created": 4, "persons_updated": 0}
    h1 = Household.objects.get(number="H001")
    assert (h1.area_id, h1.status, h1.size, h1.head_name, h1.housing_grade, h1.registered_year) == (VILLAGE, "poor", 3, "张三", "C", 2014)
    assert list(h1.memberships.filter(end_date__isnull=True).values_list("relation", flat=True).order_by("id")) == ["head", "child", "child"]
    assert Person.objects.get(pk=h1.head_id).name_pinyin == "zhangsan"
    assert list(StatusChange.objects.filter(household__number="H002").values_list("to_status", "effective_date").order_by("id")) == [
        ("poor", dt.date(2014, 12, 31)), ("exited", dt.date(2018, 12, 31))]
    event = AuditEvent.objects.get(action="import.merge")
    assert event.changes["persons_created"] == [None, 4]
    # the same file again: nothing new, nothing duplicated
    again = import_merge(_run(write_csv(tmp_path / "m2.csv", rows)), actor=None)
    assert again.result["counts"]["households_created"] == again.result["counts"]["persons_created"] == 0
    assert (Household.objects.count(), Person.objects.count(), Membership.objects.count()) == (2, 4, 4)


def test_a_later_file_adds_members_updates_persons_and_creates_households_in_the_same_chunk(areas, var_dir, ids, tmp_path, settings):
    settings.IMPORT_MERGE_CHUNK = 2  # H001 (existing) and H002 (new) in one chunk, H003 (new) in the next
    _later_file(ids, tmp_path)


@pytest.mark.django_db(transaction=True)
def test_chunks_merged_on_parallel_connections_give_the_same_register(areas, var_dir, ids, tmp_path, settings):
    """Outside a transaction (as in the worker) PostgreSQL merges chunks on IMPORT_MERGE_WORKERS connections."""
    from jingzhun.imports.models import MergedChunk

    settings.IMPORT_MERGE_CHUNK, settings.IMPORT_MERGE_WORKERS = 1, 2
    batch = _later_file(ids, tmp_path)
    assert batch.result.keys() == {"counts"}
    assert sorted(MergedChunk.objects.filter(batch=batch).values_list("index", flat=True)) == [0, 1, 2]


def _later_file(ids, tmp_path):
    first = household_rows("H001", ids, members=2)
    import_merge(_run(write_csv(tmp_path / "a.csv", first)), actor=None)
    first[1]["name"] = "张丽"  # a member renamed
    added = {**first[1], "name": "张二", "id_number": ids(born=dt.date(2010, 3, 4), sex="F")}
    rows = [*first, added, *household_rows("H002", ids, members=3), *household_rows("H003", ids)]
    merged = import_merge(_run(write_csv(tmp_path / "b.csv", rows)), actor=None)
    assert merged.result["counts"] == {"households_created": 2, "households_updated": 1, "persons_created": 5, "persons_updated": 2}
    assert merged.merge_cursor == 3
    got = {h.number: (h.size, h.head_name, h.head.id_number) for h in Household.objects.select_related("head")}
    assert got == {"H001": (3, "张三", first[0]["id_number"]), "H002": (3, "张三", rows[3]["id_number"]),
                   "H003": (1, "张三", rows[6]["id_number"])}
    assert Person.objects.get(id_number=first[1]["id_number"]).name == "张丽"
    assert Membership.objects.filter(end_date__isnull=True).count() == Person.objects.count() == 7
    assert Membership.objects.get(person__id_number=added["id_number"]).household.number == "H001"
    assert StatusChange.objects.count() == 3
    return merged


def test_every_cell_and_row_check_reports_row_column_and_code(areas, var_dir, ids, tmp_path, people, household):
    existing = household.head  # the shared fixture's household in 岜沙村 (number assigned by the register)
    dead = Person.objects.create(area_id=VILLAGE, relation="other", name="故人", name_pinyin="guren", name_initials="gr",
                                 id_number=ids(born=dt.date(1930, 1, 1)), sex="M", birth_date=dt.date(1930, 1, 1), death_date=dt.date(2019, 1, 1))
    good = ids()
    rows = [
        {"household_number": "A1", "village_code": VILLAGE, "relation": "户主", "name": "甲", "id_number": good, "sex": "女"},      # 2 sex
        {"household_number": "A1", "village_code": VILLAGE, "relation": "配偶", "name": "乙", "id_number": good},                   # 3 dup
        {"household_number": "A2", "village_code": "522633100299", "relation": "户主", "name": "丙", "id_number": ids()},           # 4 area
        {"household_number": "A3", "village_code": "522633100000", "relation": "户主", "name": "丁", "id_number": ids()},           # 5 level
        {"household_number": "A4", "village_code": VILLAGE, "relation": "子女", "name": "戊", "id_number": ids()},                  # 6 no head
        {"household_number": "A5", "village_code": VILLAGE, "relation": "户主", "name": "己", "id_number": ids(), "household_size": "4"},  # 7 size
        {"household_number": "A6", "village_code": VILLAGE, "relation": "户主", "name": "庚", "id_number": ids()},                  # 8
        {"household_number": "A6", "village_code": VILLAGE, "relation": "户主", "name": "辛", "id_number": ids()},                  # 9 two heads
        {"household_number": "A7", "village_code": VILLAGE, "relation": "户主", "name": "壬", "id_number": existing.id_number},     # 10 elsewhere
        {"household_number": "A8", "village_code": VILLAGE, "relation": "户主", "name": "癸", "id_number": dead.id_number},         # 11 deceased
        {"household_number": household.number, "village_code": OTHER_VILLAGE, "relation": "户主", "name": "子", "id_number": ids()},  # 12
        {"household_number": "A9", "village_code": VILLAGE, "relation": "户主", "name": "丑", "id_number": ids(), "birth_date": "1999-01-01",
         "months_away": "13", "medical_insurance": "也许", "registered_year": "二〇一四", "housing_area": "12.345"},             # 13
        {"household_number": "A9", "village_code": VILLAGE, "relation": "妻子", "name": "", "id_number": "4.40308E+17",
         "housing_grade": "B"},                                                                                                    # 14
        {"household_number": "", "village_code": VILLAGE, "relation": "子女", "name": "寅", "id_number": "12345",
         "birth_date": "2030-01-01", "months_away": "2.5"},                                                                        # 15
    ]
    batch = _run(write_csv(tmp_path / "bad.csv", rows))
    assert batch.status == ImportStatus.INVALID
    codes = _codes(batch)
    expected = {
        (2, "sex", "sex_mismatch"), (3, "id_number", "duplicate_id"), (4, "village_code", "area_unknown"),
        (5, "village_code", "area_not_village"), (6, "relation", "no_head"), (7, "household_size", "household_size_mismatch"),
        (9, "relation", "several_heads"), (10, "id_number", "id_in_other_household"), (11, "id_number", "id_deceased"),
        (12, "village_code", "household_in_other_village"), (13, "birth_date", "birth_date_mismatch"),
        (13, "months_away", "out_of_range"), (13, "medical_insurance", "bad_bool"), (13, "registered_year", "bad_number"),
        (13, "housing_area", "too_many_decimals"), (14, "relation", "bad_code"), (14, "name", "required"),
        (14, "id_number", "id_scientific"), (14, "housing_grade", "household_conflict"), (15, "household_number", "required"),
        (15, "id_number", "id_length"), (15, "birth_date", "future_date"), (15, "months_away", "not_integer"),
    }
    assert expected <= set(codes), sorted(expected - set(codes))
    assert set(codes) - expected <= {(14, "id_number", "id_scientific")}
    records = report.records(batch, language="zh")
    assert any(r["code"] == "id_in_other_household" and household.number in r["message"] for r in records)
    with pytest.raises(ImportRefused):
        import_merge(batch, actor=None)
    assert not Household.objects.filter(number__startswith="A").exists()


def test_household_cells_are_compared_with_the_head_across_read_batches(areas, var_dir, ids, tmp_path, settings):
    settings.IMPORT_BATCH_ROWS = 2  # rows 2-3, 4-5, 6-7: every household below straddles a batch boundary
    row = lambda number, relation, **kw: {"household_number": number, "village_code": VILLAGE, "relation": relation,  # noqa: E731
                                          "name": "某", "id_number": ids(born=dt.date(1990, 1, 1 + len(kw))), **kw}
    rows = [
        row("B1", "子女", housing_grade="A"),   # 2: its head comes two batches later, with grade C
        row("B2", "户主", housing_grade="B"),   # 3
        row("B2", "配偶", housing_grade="D"),   # 4: the head (row 3) was in the previous batch
        row("B2", "子女", housing_grade="B"),   # 5: agrees
        row("B1", "户主", housing_grade="C"),   # 6
        row("B1", "配偶"),                      # 7: empty household cells agree with anything
    ]
    batch = _run(write_csv(tmp_path / "x.csv", rows))
    conflicts = [(r["row"], r["column"]) for r in report.records(batch) if r["code"] == "household_conflict"]
    assert conflicts == [(2, "housing_grade"), (4, "housing_grade")]


def test_scope_one_village_outside_rejects_the_whole_import(areas, users, var_dir, ids, tmp_path):
    township = users["township"]  # 丙妹镇 522633100: 岜沙村 inside, 贯洞村 (522633101201) outside
    rows = household_rows("S1", ids) + household_rows("S2", ids, village=OTHER_VILLAGE)
    batch = _run(write_csv(tmp_path / "s.csv", rows), actor=township, area=areas["522633100000"])
    assert _codes(batch) == [(3, "village_code", "area_out_of_scope")]
    with pytest.raises(ImportRefused):
        import_merge(batch, actor=township)
    assert not Household.objects.exists()


def test_validation_reports_progress_against_the_files_row_count(areas, var_dir, ids, tmp_path, settings):
    settings.IMPORT_BATCH_ROWS = 2
    calls = []
    batch = import_create(actor=None, source=write_csv(tmp_path / "p.csv", household_rows("P1", ids, members=5)))
    import_validate(batch, actor=None, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 5), (4, 5), (5, 5)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings_are_detected(areas, var_dir, ids, tmp_path, encoding):
    rows = household_rows("E1", ids, members=2, address="岜沙村三组12号")
    batch = import_merge(_run(write_csv(tmp_path / "e.csv", rows, encoding=encoding)), actor=None)
    assert batch.encoding in {"utf-8": ("utf-8",), "utf-8-sig": ("utf-8-sig",), "gb18030": ("gb18030", "utf-8"),
                              "gbk": ("gb18030", "utf-8")}[encoding]
    assert Household.objects.get(number="E1").address == "岜沙村三组12号"
    assert sorted(Person.objects.values_list("name", flat=True)) == ["张一", "张三"]


def test_missing_and_unknown_columns_and_empty_files(areas, var_dir, ids, tmp_path):
    rows = household_rows("M1", ids)
    path = write_csv(tmp_path / "cols.csv", rows, headers=["户编号 / Household number", "姓名", "备注"])
    batch = _run(path)
    assert _codes(batch) == [(1, "", "missing_columns"), (1, "", "unknown_column")]
    missing = next(r for r in report.records(batch) if r["code"] == "missing_columns")["message"]
    assert "Village code" in missing and "Identity number" in missing and "Relation to head" in missing
    header_only = write_csv(tmp_path / "h.csv", [], headers=[c for c in ["户编号", "村代码", "与户主关系", "姓名", "身份证号码"]])
    assert _codes(_run(header_only)) == [(1, "", "no_rows")]


def test_incomes_update_one_year_with_the_rules_and_catch_unknown_households(areas, var_dir, ids, tmp_path):
    import_merge(_run(write_csv(tmp_path / "m.csv", household_rows("I1", ids, members=2))), actor=None)
    rows = [{"household_number": "I1", "year": "2020", "members": "2", "wages": "12,000", "business": "3000.50", "production_costs": "500"},
            {"household_number": "NOPE", "year": "2020", "members": "1", "wages": "1"},
            {"household_number": "I1", "year": "2019", "members": "2", "wages": "1"},
            {"household_number": "I1", "year": "2020", "members": "2", "wages": "1"}]
    batch = _run(write_csv(tmp_path / "i.csv", rows, layout="incomes"), year=2020)
    assert batch.layout == "incomes"
    assert _codes(batch) == [(3, "household_number", "household_unknown"), (4, "year", "year_mismatch"), (5, "year", "duplicate_income")]
    good = _run(write_csv(tmp_path / "i2.csv", rows[:1], layout="incomes"), year=2020)
    import_merge(good, actor=None)
    rec = IncomeRecord.objects.get(household__number="I1", year=2020)
    assert (str(rec.gross), str(rec.net), str(rec.per_capita)) == ("15000.50", "14500.50", "7250.25")


def test_income_totals_follow_the_rules_and_round_like_compute_income(areas, var_dir, ids, tmp_path):
    """PostgreSQL computes the totals in SQL, SQLite through compute_income: the same cents either way."""
    from decimal import Decimal

    from jingzhun.policy.models import IncomeComponentRule
    from jingzhun.registry.income import COMPONENTS, compute_income

    rows = household_rows("R1", ids) + household_rows("R2", ids, village=OTHER_VILLAGE) + household_rows("R3", ids)
    import_merge(_run(write_csv(tmp_path / "m.csv", rows)), actor=None)
    # 贯洞村 (OTHER_VILLAGE) does not count pensions in 2020; the rest of the county does; nobody does in 2019
    IncomeComponentRule.objects.create(year=2020, area_id=OTHER_VILLAGE, component="pensions", counts=False, source="test")
    IncomeComponentRule.objects.create(year=2019, area_id=None, component="pensions", counts=False, source="test")
    incomes = [
        {"household_number": "R1", "year": "2020", "members": "2", "wages": "100.01", "pensions": "50"},             # 75.005 -> 75.01
        {"household_number": "R2", "year": "2020", "members": "2", "wages": "100.01", "pensions": "50"},             # pensions not counted
        {"household_number": "R3", "year": "2020", "members": "2", "business": "10", "production_costs": "10.01"},  # -0.005 -> -0.01
        {"household_number": "R1", "year": "2019", "members": "3", "wages": "1000", "pensions": "7"},
    ]
    for path, part in ((tmp_path / "i1.csv", incomes), (tmp_path / "i2.csv", incomes[:1])):  # the second file updates R1's 2020
        batch = _run(write_csv(path, part, layout="incomes"))
        assert batch.error_count == 0, report.records(batch)
        import_merge(batch, actor=None)
    got = {(r.household.number, r.year): (r.members, r.gross, r.net, r.per_capita) for r in IncomeRecord.objects.select_related("household")}
    assert {k: tuple(map(str, v)) for k, v in got.items()} == {
        ("R1", 2020): ("2", "150.01", "150.01", "75.01"), ("R2", 2020): ("2", "100.01", "100.01", "50.01"),
        ("R3", 2020): ("2", "10.00", "-0.01", "-0.01"), ("R1", 2019): ("3", "1000.00", "1000.00", "333.33")}
    for record in IncomeRecord.objects.select_related("household"):
        area = record.household.area_id
        excluded = {"pensions"} if record.year == 2019 or area == OTHER_VILLAGE else set()
        expected = compute_income({c: getattr(record, c) for c in COMPONENTS}, production_costs=record.production_costs,
                                  members=record.members, excluded=excluded)
        assert (record.gross, record.net, record.per_capita) == (expected.gross, expected.net, expected.per_capita)
    assert IncomeRecord.objects.get(household__number="R1", year=2020).pensions == Decimal("50.00")


def test_cli_exit_codes_and_json_report(areas, var_dir, ids, tmp_path):
    good = write_csv(tmp_path / "good.csv", household_rows("C1", ids))
    bad = write_csv(tmp_path / "bad.csv", household_rows("C2", ids, sex="女"))
    with pytest.raises(SystemExit) as exit_bad:
        call_command("import", str(bad), dry_run=True, report=str(tmp_path / "r.json"))
    assert exit_bad.value.code == 1
    assert json.loads((tmp_path / "r.json").read_text()) == [
        {"row": 2, "column": "sex", "code": "sex_mismatch", "message": "Sex 女 does not match the identity number (M)."}]
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_unreadable:
        call_command("import", str(tmp_path / "empty.csv"))
    assert exit_unreadable.value.code == 2
    call_command("import", str(good), dry_run=True)
    assert not Household.objects.exists()
    call_command("import", str(good), yes=True)
    assert Household.objects.filter(number="C1").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_an_export_reimports_without_change(areas, var_dir, tmp_path, fmt):
    generate_county(county_code="522633", households=40, seed=3)
    first = tmp_path / f"first.{fmt}"
    call_command("export", str(first), area="522633", format=fmt, unmask=True)
    batch = _run(first)
    assert (batch.error_count, batch.warning_count) == (0, 0), report.records(batch)[:5]
    assert batch.persons == Person.objects.filter(household__isnull=False, death_date__isnull=True).count()
    merged = import_merge(batch, actor=None)
    assert merged.result["counts"]["households_created"] == merged.result["counts"]["persons_created"] == 0
    second = tmp_path / f"second.{fmt}"
    call_command("export", str(second), area="522633", format=fmt, unmask=True)
    if fmt == "csv":
        assert second.read_bytes() == first.read_bytes()
    assert AuditEvent.objects.filter(action="export.unmask").count() == 2


def test_exports_mask_ids_and_guard_against_formulas(areas, var_dir, ids, tmp_path):
    rows = household_rows("F1", ids, address="=HYPERLINK(\"http://evil\")", phone="+8613800000000")
    import_merge(_run(write_csv(tmp_path / "f.csv", rows)), actor=None)
    call_command("export", str(tmp_path / "out.csv"), area="522633", format="csv")
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+8613800000000" in text
    assert rows[0]["id_number"] not in text and rows[0]["id_number"][:6] in text  # masked
    assert not StagedPerson.objects.exists()  # the merge empties its staging rows


def test_staging_lost_in_a_database_crash_asks_for_validation_again(areas, var_dir, ids, tmp_path):
    from django.db import connection

    batch = _run(write_csv(tmp_path / "c.csv", household_rows("L1", ids, members=2)))
    with connection.cursor() as cur:  # what PostgreSQL's crash recovery does to the unlogged staging tables
        cur.execute("DELETE FROM imports_stagedperson")
        cur.execute("DELETE FROM imports_stagedhousehold")
    with pytest.raises(ImportRefused, match="validate the file again|重新校验"):
        import_merge(batch, actor=None)
    batch.refresh_from_db()
    assert (batch.status, batch.message.split(":")[0]) == (ImportStatus.UPLOADED, "staging_lost")
    assert not Household.objects.exists()
    batch = import_merge(import_validate(batch, actor=None, today=dt.date(2026, 11, 22)), actor=None)
    assert (batch.status, Person.objects.count()) == (ImportStatus.MERGED, 2)


def test_staging_tables_are_unlogged_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("UNLOGGED is PostgreSQL's")
    with connection.cursor() as cur:
        cur.execute("SELECT relname, relpersistence FROM pg_class WHERE relname LIKE 'imports_staged%%' AND relkind = 'r' ORDER BY relname")
        assert cur.fetchall() == [("imports_stagedhousehold", "u"), ("imports_stagedincome", "u"), ("imports_stagedperson", "u")]


def _with_check_digit(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]


def test_the_remaining_cell_codes_each_on_its_row(areas, var_dir, ids, tmp_path):
    rounded = ids()[:15] + "000"  # what Excel leaves of an 18-digit number: 15 significant digits
    assert _with_check_digit(rounded[:17]) != rounded  # so its check digit fails
    row = lambda n, **kw: {"household_number": n, "village_code": VILLAGE, "relation": "户主", "name": "甲", "id_number": ids(), **kw}  # noqa: E731
    rows = [
        row("T1", name="名" * 51),                                        # 2 too_long
        row("T2", birth_date="1980-13-45"),                              # 3 bad_date
        row("T3", id_number="52263319800517ABC1"),                       # 4 id_format
        row("T4", id_number=_with_check_digit("52263319991345001")),     # 5 id_date (13th month)
        row("T5", id_number=_with_check_digit("99999919800517001")),     # 6 id_area
        row("T6", id_number=rounded),                                    # 7 id_excel_rounded
    ]
    batch = _run(write_csv(tmp_path / "r.csv", rows))
    got = {(r, col, code) for r, col, code in _codes(batch) if r <= 7}
    assert {(2, "name", "too_long"), (3, "birth_date", "bad_date"), (4, "id_number", "id_format"), (5, "id_number", "id_date"),
            (6, "id_number", "id_area"), (7, "id_number", "id_excel_rounded")} <= got
    assert {r for r, _col, _code in got} == {2, 3, 4, 5, 6, 7}


def test_two_sheets_duplicate_household_and_member_without_household(areas, var_dir, ids, tmp_path):
    from openpyxl import Workbook

    from jingzhun.imports import columns as C

    h = {c.key: c.header for c in C.member_columns()}
    wb = Workbook()
    households = wb.active
    households.title = "户"
    households.append([h["household_number"], h["village_code"]])
    households.append(["D1", VILLAGE])
    households.append(["D1", VILLAGE])                                  # 3 duplicate_household
    members = wb.create_sheet("成员")
    members.append([h["household_number"], h["relation"], h["name"], h["id_number"]])
    members.append(["D1", "户主", "甲", ids()])
    members.append(["D9", "户主", "乙", ids()])                          # 3 household_not_in_sheet
    wb.save(tmp_path / "two.xlsx")
    batch = _run(tmp_path / "two.xlsx")
    codes = {(i["row"], i["column"], i["code"]) for i in report.records(batch)}
    assert (3, "household_number", "duplicate_household") in codes
    assert (3, "household_number", "household_not_in_sheet") in codes
    sheets = dict(report.issues(batch).filter(code__in=["duplicate_household", "household_not_in_sheet"]).values_list("code", "sheet"))
    assert sheets == {"duplicate_household": "户", "household_not_in_sheet": "成员"}
