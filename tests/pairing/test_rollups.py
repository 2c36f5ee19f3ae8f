"""Pairing rollups against hand-counted fixtures: every figure exact, period bounds inclusive, a parent partnership
including its child's rows, a household in two projects counted once, partnerships by area and by scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import user_create
from jingzhun.areas.models import Area
from jingzhun.pairing import indicators
from jingzhun.pairing.models import (
    EnterpriseInvestment,
    LabourTransfer,
    PlacedWorker,
    Purchase,
    Secondment,
    Trainee,
    TrainingSession,
    VocationalStudent,
)
from jingzhun.pairing.projects import beneficiary_add, output_add, project_advance, project_create
from jingzhun.pairing.rollups import agreement_progress, partnerships_for, rollup, rollup_by_year
from jingzhun.pairing.services import agreement_set, fund_correct, fund_record, partnership_create
from jingzhun.registry.models import Household

Y18 = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
VILLAGE = "522633100201"


def d(y, m, day):
    return dt.date(y, m, day)


@pytest.fixture
def world(areas, household):
    """Province pairing 湖南—贵州 (parent) with county pairing 江永—从江 (child) and hand-counted ledgers; see the
    expected figures in EXPECTED_2018."""
    parent = partnership_create(actor=None, kind="province", name="湖南—贵州", east_area=areas["430000000000"], west_area=areas["520000000000"],
                                start_date=d(2016, 1, 1))
    child = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                               start_date=d(2017, 1, 1), end_date=d(2020, 12, 31), parent=parent)
    village = areas[VILLAGE]
    h1 = household  # three members, registered poor
    h2 = Household.objects.create(number="H2", area=village, size=4, status="poor")
    h3 = Household.objects.create(number="H3", area=areas["522633101201"], size=5, status="poor")
    h4 = Household.objects.create(number="H4", area=village, size=2, status="poor")

    def fund(p, date, kind, amount, source="fiscal", project=None):
        return fund_record(actor=None, partnership=p, date=date, kind=kind, source=source, amount=amount, project=project)

    # projects: P1 and P2 start in 2018, P3 in 2019; H1 benefits from P1 and P2
    p1 = project_create(actor=None, partnership=child, name="学校", code="P1", budget="5000.50", village=village, start_date=d(2018, 2, 1))
    p2 = project_create(actor=None, partnership=child, name="卫生室", code="P2", budget="1000.00", village=village, start_date=d(2018, 12, 31))
    p3 = project_create(actor=None, partnership=child, name="路", code="P3", budget="7.00", village=village, start_date=d(2019, 1, 1))
    output_add(actor=None, project=p1, kind="school", count="2")
    output_add(actor=None, project=p1, kind="road_km", count="3.25")
    for kind, count in (("clinic", "1"), ("water_works", "1"), ("production_base", "1"), ("other", "4")):
        output_add(actor=None, project=p2, kind=kind, count=count)
    output_add(actor=None, project=p3, kind="school", count="9")
    for to in ("approved", "under_construction", "completed"):
        project_advance(actor=None, project=p1, to=to)
    beneficiary_add(actor=None, project=p1, household=h1, benefit="education")
    beneficiary_add(actor=None, project=p1, household=h2, benefit="income", amount="800.00")
    beneficiary_add(actor=None, project=p2, household=h1, benefit="health")
    beneficiary_add(actor=None, project=p2, household=h3, benefit="health")
    beneficiary_add(actor=None, project=p3, household=h4, benefit="income")

    # funds (child): the pledge and disbursement on the year's first and last days; one allocation corrected
    fund(child, d(2018, 1, 1), "pledged", "1000.00")
    fund(child, d(2018, 3, 1), "allocated", "600.10", project=p1)
    wrong = fund(child, d(2018, 3, 2), "allocated", "99.99", project=p1)
    fund_correct(actor=None, entry=wrong, note="entered twice")
    fund(child, d(2018, 12, 31), "disbursed", "300.05", project=p1)
    fund(child, d(2018, 6, 1), "allocated", "0.30", source="donation")
    fund(child, d(2018, 6, 2), "disbursed", "0.10", source="donation")
    fund(child, d(2018, 7, 1), "returned", "5.55", source="enterprise")
    fund(child, d(2017, 12, 31), "allocated", "50.00")
    fund(child, d(2019, 1, 1), "allocated", "70.00")
    fund(parent, d(2018, 5, 5), "pledged", "2000.00")

    sec = dict(person_name="张三", home_unit="杭州市", post="副县长")
    for p, date, kind, specialty, direction in (
        (child, d(2018, 1, 1), "cadre", "administration", "east_to_west"),
        (child, d(2018, 4, 1), "technician", "education", "east_to_west"),
        (parent, d(2018, 12, 31), "technician", "health", "east_to_west"),
        (child, d(2018, 5, 1), "cadre", "administration", "west_to_east"),
        (child, d(2018, 5, 1), "technician", "agriculture", "west_to_east"),
        (child, d(2019, 1, 1), "cadre", "administration", "east_to_west"),
        (child, d(2017, 12, 31), "technician", "education", "east_to_west"),
    ):
        Secondment.objects.create(partnership=p, date=date, kind=kind, specialty=specialty, direction=direction, **sec)

    a, b, c = household.members.order_by("id")[:3]
    s1 = TrainingSession.objects.create(partnership=child, date=d(2018, 3, 1), title="种植", kind="labour_skills", trainees=40)
    s2 = TrainingSession.objects.create(partnership=parent, date=d(2018, 11, 11), title="干部", kind="cadre", trainees=25)
    s3 = TrainingSession.objects.create(partnership=child, date=d(2017, 12, 31), title="旧", kind="other", trainees=100)
    Trainee.objects.create(session=s1, person=a, registered=True)
    Trainee.objects.create(session=s1, person=b, registered=False)
    Trainee.objects.create(session=s2, person=c, registered=True)
    Trainee.objects.create(session=s3, person=a, registered=True)

    t1 = LabourTransfer.objects.create(partnership=child, date=d(2018, 6, 1), workers=30, employer="工厂甲", transport="train")
    t2 = LabourTransfer.objects.create(partnership=child, date=d(2018, 9, 1), workers=12, employer="工厂乙")
    t3 = LabourTransfer.objects.create(partnership=child, date=d(2019, 1, 1), workers=5, employer="工厂丙")
    PlacedWorker.objects.create(transfer=t1, person=a, registered=True)
    PlacedWorker.objects.create(transfer=t1, person=b, registered=False)
    PlacedWorker.objects.create(transfer=t2, person=c, registered=True)
    PlacedWorker.objects.create(transfer=t3, person=a, registered=True)

    VocationalStudent.objects.create(partnership=child, date=d(2018, 9, 1), person=c, name=c.name, school="杭州职校", major="护理", registered=True)
    VocationalStudent.objects.create(partnership=child, date=d(2018, 9, 1), name="李四", school="杭州职校", major="数控")
    VocationalStudent.objects.create(partnership=child, date=d(2017, 9, 1), name="王五", school="杭州职校", major="数控")

    inv = dict(area=village, enterprise="企业")
    EnterpriseInvestment.objects.create(partnership=child, date=d(2018, 2, 1), uscc="91330100AAAAAAAAAA", amount=Decimal("1000000.01"), jobs=10, poor_employed=4, **inv)
    EnterpriseInvestment.objects.create(partnership=child, date=d(2018, 8, 1), uscc="91330100AAAAAAAAAA", amount=Decimal("0.02"), jobs=5, poor_employed=1, **inv)
    EnterpriseInvestment.objects.create(partnership=parent, date=d(2018, 12, 31), uscc="91330100BBBBBBBBBB", amount=Decimal("2.50"), **inv)
    EnterpriseInvestment.objects.create(partnership=child, date=d(2019, 1, 1), uscc="91330100CCCCCCCCCC", amount=Decimal("9.00"), **inv)

    for p, date, amount in ((child, d(2018, 1, 1), "0.10"), (child, d(2018, 6, 30), "0.20"), (parent, d(2018, 12, 31), "1234.56"),
                            (child, d(2019, 1, 1), "9.00")):
        Purchase.objects.create(partnership=p, date=date, buyer="工会", product="香猪", channel="union", amount=Decimal(amount))
    return {"parent": parent, "child": child, "projects": (p1, p2, p3)}


EXPECTED_2018 = {  # parent and child together, calendar 2018
    "funds_pledged": Decimal("3000.00"), "funds_allocated": Decimal("600.40"), "funds_disbursed": Decimal("300.15"), "funds_returned": Decimal("5.55"),
    "fiscal_pledged": Decimal("3000.00"), "fiscal_allocated": Decimal("600.10"), "fiscal_disbursed": Decimal("300.05"),
    "donation_allocated": Decimal("0.30"), "donation_disbursed": Decimal("0.10"), "enterprise_returned": Decimal("5.55"),
    "cadres_sent": 1, "technicians_sent": 2, "teachers_sent": 1, "doctors_sent": 1, "cadres_received": 1, "technicians_received": 1,
    "training_sessions": 2, "trained": 65, "trained_registered": 2,
    "projects": 2, "projects_completed": 1, "project_budget": Decimal("6000.50"),
    "schools": 2, "clinics": 1, "road_km": Decimal("3.25"), "water_works": 1, "production_bases": 1,
    "beneficiary_households": 3, "beneficiary_persons": 12,
    "workers_placed": 42, "workers_registered": 2, "students": 2,
    "enterprises": 2, "investment": Decimal("1000002.53"), "investment_jobs": 15, "investment_poor_employed": 5,
    "purchases": Decimal("1234.86"),
}


def expected(changes=None):
    out = {code: (Decimal("0.00") if indicators.BY_CODE[code].unit in ("yuan", "km") else 0) for code in indicators.CODES}
    out.update(EXPECTED_2018)
    out.update(changes or {})
    return out


def test_parent_rollup_is_hand_counted_and_includes_the_child(world):
    got = rollup(partnerships=[world["parent"].pk, world["child"].pk], start=Y18[0], end=Y18[1])
    assert set(got) == set(indicators.CODES)
    assert got == expected()
    for code in ("fiscal_allocated", "investment", "purchases", "road_km"):
        assert str(got[code]) == str(EXPECTED_2018[code])  # exact decimals, two places


def test_partnerships_for_a_partnership_takes_its_descendants(world, users):
    admin = users["province"]  # Guizhou: sees both (either side in scope)
    assert set(partnerships_for(admin, partnership=world["parent"])) == {world["parent"], world["child"]}
    assert list(partnerships_for(admin, partnership=world["child"])) == [world["child"]]
    assert rollup(partnerships=partnerships_for(admin, partnership=world["parent"]), start=Y18[0], end=Y18[1]) == expected()


def test_child_alone_excludes_the_parents_rows(world):
    got = rollup(partnerships=[world["child"].pk], start=Y18[0], end=Y18[1])
    assert got == expected({
        "funds_pledged": Decimal("1000.00"), "fiscal_pledged": Decimal("1000.00"), "technicians_sent": 1, "doctors_sent": 0,
        "training_sessions": 1, "trained": 40, "trained_registered": 1, "enterprises": 1, "investment": Decimal("1000000.03"),
        "purchases": Decimal("0.30"),
    })


def test_period_bounds_are_inclusive_and_exclusive_outside(world):
    ids = [world["parent"].pk, world["child"].pk]
    day = rollup(partnerships=ids, start=d(2018, 12, 31), end=d(2018, 12, 31))
    assert (day["fiscal_disbursed"], day["projects"], day["technicians_sent"], day["purchases"], day["enterprises"]) == (
        Decimal("300.05"), 1, 1, Decimal("1234.56"), 1)
    assert day["beneficiary_households"] == 2 and day["beneficiary_persons"] == 8  # P2: H1 (3) and H3 (5)
    y19 = rollup(partnerships=ids, start=d(2019, 1, 1), end=d(2019, 12, 31))
    assert (y19["fiscal_allocated"], y19["projects"], y19["schools"], y19["beneficiary_households"], y19["beneficiary_persons"]) == (
        Decimal("70.00"), 1, 9, 1, 2)
    assert (y19["workers_placed"], y19["workers_registered"], y19["cadres_sent"], y19["investment"], y19["purchases"]) == (
        5, 1, 1, Decimal("9.00"), Decimal("9.00"))
    y17 = rollup(partnerships=ids, start=d(2017, 1, 1), end=d(2017, 12, 31))
    assert (y17["fiscal_allocated"], y17["trained"], y17["trained_registered"], y17["students"], y17["teachers_sent"]) == (
        Decimal("50.00"), 100, 1, 1, 1)


def test_household_in_two_projects_counted_once(world):
    got = rollup(partnerships=[world["child"].pk], start=Y18[0], end=Y18[1])
    assert got["beneficiary_households"] == 3  # H1 in P1 and P2, H2, H3: not 4
    assert got["beneficiary_persons"] == 3 + 4 + 5
    whole = rollup(partnerships=[world["child"].pk], start=d(2017, 1, 1), end=d(2020, 12, 31))
    assert (whole["beneficiary_households"], whole["beneficiary_persons"], whole["projects"]) == (4, 14, 3)


def test_project_without_start_date_counts_from_its_creation(world, areas):
    p = project_create(actor=None, partnership=world["child"], name="无日期", code="P9", budget="1.00", village=areas[VILLAGE])
    today = timezone.localdate(p.created_at)  # the day in the time zone the database truncates in (Asia/Shanghai)
    got = rollup(partnerships=[world["child"].pk], start=today, end=today)
    assert (got["projects"], got["project_budget"]) == (1, Decimal("1.00"))
    assert rollup(partnerships=[world["child"].pk], start=Y18[0], end=Y18[1])["projects"] == 2


def test_rollup_by_year_and_empty_sets(world):
    ids = [world["parent"].pk, world["child"].pk]
    years = rollup_by_year(partnerships=ids, start_year=2017, end_year=2019)
    assert list(years) == [2017, 2018, 2019]
    assert years[2018] == expected()
    assert years[2019]["fiscal_allocated"] == Decimal("70.00") and years[2017]["students"] == 1
    zero = rollup(partnerships=[], start=Y18[0], end=Y18[1])
    assert zero == {code: (Decimal("0.00") if indicators.BY_CODE[code].unit in ("yuan", "km") else 0) for code in indicators.CODES}


def test_rollup_runs_a_fixed_number_of_queries(world):
    ids = [world["parent"].pk, world["child"].pk]
    with CaptureQueriesContext(connection) as ctx:
        rollup(partnerships=ids, start=Y18[0], end=Y18[1])
    few = len(ctx.captured_queries)
    assert few <= 16
    for i in range(5):  # more rows and partnerships: the same number of queries
        extra = partnership_create(actor=None, kind="county", name=f"X{i}", east_area=world["child"].east_area, west_area=world["child"].west_area,
                                   start_date=d(2017, 1, 1), parent=world["parent"])
        Purchase.objects.create(partnership=extra, date=d(2018, 3, 3), buyer="b", product="p", channel="fair", amount=Decimal("1.00"))
        ids.append(extra.pk)
    with CaptureQueriesContext(connection) as ctx:
        got = rollup(partnerships=ids, start=Y18[0], end=Y18[1])
    assert len(ctx.captured_queries) == few
    assert got["purchases"] == Decimal("1239.86")


def test_partnerships_for_area_on_either_side(world, areas, users):
    admin = users["province"]
    assert list(partnerships_for(admin, area=areas["431125000000"])) == [world["child"]]  # eastern county
    assert list(partnerships_for(admin, area=areas["522633000000"])) == [world["child"]]  # western county
    assert set(partnerships_for(admin, area=areas["520000000000"])) == {world["parent"], world["child"]}
    assert set(partnerships_for(admin, area=areas["430000000000"])) == {world["parent"], world["child"]}
    assert list(partnerships_for(admin, area=areas["522633101000"])) == []  # a township: no partnership inside it


def test_scope_eastern_county_sees_its_partnership_unrelated_county_nothing(world, areas, users):
    assert list(partnerships_for(users["hunan_county"])) == [world["child"]]
    assert list(partnerships_for(users["hunan_county"], partnership=world["parent"])) == [world["child"]]
    assert list(partnerships_for(users["county"])) == [world["child"]]
    assert set(partnerships_for(users["province"])) == {world["parent"], world["child"]}
    zj = Area.objects.create(code="330000000000", parent=None, level=1, name="浙江省", pinyin="zhejiangsheng", initials="zjs", region="east")
    city = Area.objects.create(code="330100000000", parent=zj, level=2, name="杭州市", pinyin="hangzhoushi", initials="hzs")
    county = Area.objects.create(code="330102000000", parent=city, level=3, name="上城区", pinyin="shangchengqu", initials="scq")
    stranger = user_create(actor=None, username="zj_county", password="pw-zj-county-2026", role=Role.COUNTY, area=county)[0]
    assert list(partnerships_for(stranger)) == []
    assert list(partnerships_for(stranger, partnership=world["parent"])) == []
    assert rollup(partnerships=partnerships_for(stranger), start=Y18[0], end=Y18[1]) == expected(
        {code: value * 0 for code, value in EXPECTED_2018.items()})


def test_agreement_progress(world):
    agreement_set(actor=None, partnership=world["parent"], year=2018, indicator="trained", target="130")
    agreement_set(actor=None, partnership=world["parent"], year=2018, indicator="fiscal_allocated", target="0")
    agreement_set(actor=None, partnership=world["parent"], year=2019, indicator="trained", target="1")
    rows = agreement_progress(partnership=world["parent"], year=2018)
    assert [(r["indicator"], r["target"], r["actual"], r["ratio"]) for r in rows] == [
        ("fiscal_allocated", Decimal("0.00"), Decimal("600.10"), None),
        ("trained", Decimal("130.00"), 65, Decimal("0.5000")),
    ]


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_xlsx_summary_and_by_year_sheets(world, english):
    import io

    import openpyxl

    from jingzhun.pairing.report_xlsx import rollup_workbook

    ids = [world["parent"].pk, world["child"].pk]
    data = rollup_workbook(partnerships=ids, start=Y18[0], end=d(2019, 6, 30), title="湖南—贵州 2018-2019")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Summary", "By year"]
    ws = wb["Summary"]
    assert [ws.cell(row=r, column=c).value for r, c in ((1, 1), (2, 1), (2, 2), (3, 1), (3, 2))] == [
        "湖南—贵州 2018-2019", "Partnerships", "江永—从江; 湖南—贵州", "Period", "2018-01-01 to 2019-06-30 (inclusive)"]
    assert [c.value for c in ws[5]] == ["Indicator", "Unit", "Value"]
    whole = rollup(partnerships=ids, start=Y18[0], end=d(2019, 6, 30))
    rows = [(r[0].value, r[1].value, None if r[2].value is None else Decimal(str(r[2].value))) for r in ws.iter_rows(min_row=6)]
    want, formats = [], []
    for group, label in indicators.GROUPS.items():
        want.append((str(label), None, None))
        for i in indicators.INDICATORS:
            if i.group == group:
                want.append((str(i.label), {"yuan": "yuan", "persons": "persons", "count": "count", "km": "km"}[i.unit], whole[i.code]))
                formats.append("#,##0" if i.unit in ("persons", "count") else "#,##0.00")
    assert len(rows) == len(want) == len(indicators.CODES) + len(indicators.GROUPS)
    assert rows == want  # the cells hold the exact decimal values
    values = [r for r in ws.iter_rows(min_row=6) if r[1].value is not None]
    assert [r[2].number_format for r in values] == formats
    by_label = {r[0]: r[2] for r in rows}
    assert by_label["Purchases of products from the western side"] == Decimal("1243.86") and by_label["Beneficiary households"] == 4
    ys = wb["By year"]
    assert [c.value for c in ys[5]] == ["Indicator", "Unit", 2018, 2019]
    year_rows = {r[0]: r[2:] for r in ys.iter_rows(min_row=6, values_only=True) if r[1] is not None}
    assert year_rows["Persons trained"] == (65, 0)
    assert year_rows["fiscal assistance, allocated"] == (600.10, 70)
    assert year_rows["Workers placed in jobs"] == (42, 5)


def test_xlsx_single_year_has_only_the_summary(world, english):
    import io

    import openpyxl

    from jingzhun.pairing.report_xlsx import rollup_workbook

    wb = openpyxl.load_workbook(io.BytesIO(rollup_workbook(partnerships=[world["child"].pk], start=Y18[0], end=Y18[1], title="T")))
    assert wb.sheetnames == ["Summary"]
    values = {r[0]: r[2] for r in wb["Summary"].iter_rows(min_row=6, values_only=True)}
    assert values["Enterprise investment"] == 1000000.03 and values["Roads built (km)"] == 3.25 and values["Schools built"] == 2


def test_rollup_by_year_equals_yearly_rollups_in_the_queries_of_one(world, areas):
    project_create(actor=None, partnership=world["child"], name="无日期", code="P9", budget="1.00", village=areas[VILLAGE])  # counts this year
    ids = [world["parent"].pk, world["child"].pk]
    this_year = timezone.localdate().year
    with CaptureQueriesContext(connection) as ctx:
        years = rollup_by_year(partnerships=ids, start_year=2016, end_year=this_year)
    assert len(ctx.captured_queries) <= 16
    assert list(years) == list(range(2016, this_year + 1))
    for year, figures in years.items():
        assert figures == rollup(partnerships=ids, start=d(year, 1, 1), end=d(year, 12, 31)), year
    assert years[this_year]["projects"] == 1 and years[2016] == expected({code: value * 0 for code, value in EXPECTED_2018.items()})
