"""The person-year rules on a hand-built village: membership, death and status on 31 December, indicators, lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from jingzhun.analytics.snapshots import snapshot_take
from jingzhun.policy.models import PovertyLine
from jingzhun.policy.services import lines_seed
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person, StatusChange

VILLAGE = "522633100201"
OTHER_VILLAGE = "522633101201"


def _household(number, village=VILLAGE, **kw):
    return Household.objects.create(number=number, area_id=village, **kw)


def _person(hh, people, relation, born, *, joined=dt.date(2014, 5, 1), left=None, died=None, **kw):
    p = Person.objects.create(household=hh if left is None else None, area_id=hh.area_id, relation=relation, name="测试",
                              name_pinyin="ce shi", name_initials="cs", id_number=people.id(born=born), sex="M",
                              birth_date=born, death_date=died, **kw)
    Membership.objects.create(person=p, household=hh, relation=relation, start_date=joined, start_reason="registration",
                              end_date=left or died, end_reason="move" if left else ("death" if died else ""))
    return p


def _income(hh, year, per_capita, members=1):
    pc = Decimal(per_capita)
    IncomeRecord.objects.create(household=hh, year=year, members=members, wages=pc * members, business=0, subsidies=0,
                                dibao=0, pensions=0, eco_compensation=0, other_transfers=0, property_income=0,
                                production_costs=0, gross=pc * members, net=pc * members, per_capita=pc)


def _status(hh, to, date, frm="none"):
    StatusChange.objects.create(household=hh, from_status=frm, to_status=to, effective_date=date, procedure="test")


@pytest.fixture
def village(areas, people, var_dir):
    lines_seed()
    a = _household("A", housing_grade="C", water_safe=False, food_secure=False, cooking_fuel="firewood")
    head = _person(a, people, "head", dt.date(1970, 1, 1), education="none")
    _person(a, people, "child", dt.date(2007, 6, 1), student_status="dropped_out")          # 10 in 2017: out of school
    _person(a, people, "spouse", dt.date(1972, 1, 1), left=dt.date(2018, 3, 1))             # moved away in 2018
    _person(a, people, "parent", dt.date(1940, 1, 1), died=dt.date(2016, 12, 31))           # died on 31 Dec 2016
    for year in (2016, 2017, 2018):
        _income(a, year, "2000.00" if year < 2018 else "5000.00", members=3)
    _status(a, "poor", dt.date(2014, 10, 1))
    _status(a, "exited", dt.date(2018, 11, 20), frm="poor")
    a.head = head
    a.save()

    b = _household("B")
    _person(b, people, "head", dt.date(1980, 1, 1), education="junior", medical_insurance=False)
    _person(b, people, "child", dt.date(2008, 1, 1), student_status="dropped_out", health="serious")  # excepted
    _income(b, 2017, "9000.00", members=2)                                                    # no 2016 record

    c = _household("C", village=OTHER_VILLAGE)
    _person(c, people, "head", dt.date(1960, 1, 1), education="primary")
    _income(c, 2017, "-300.00")
    _status(c, "poor", dt.date(2017, 12, 31))
    return a, b, c


def _rows(snap, year):
    table = pq.read_table(snap.path(year)).to_pylist()
    return {(r["household_id"], r["age"]): r for r in table}


def test_membership_death_status_and_indicators_on_31_december(village, areas):
    a, b, c = village
    snap = snapshot_take(actor=None, area=areas["522633000000"], years=[2016, 2017, 2018])
    y2016 = _rows(snap, 2016)
    assert sorted(k[1] for k in y2016 if k[0] == a.pk) == [9, 44, 46]  # the parent died on 31 Dec: not a member then
    y2017 = _rows(snap, 2017)
    row = y2017[(a.pk, 47)]
    assert (row["registered"], row["per_capita"], row["line"]) == (1, 2000.0, 2952.0)
    assert {k: row[f"d_{k}"] for k in ("income", "food_clothing", "education", "medical", "housing", "water", "schooling",
                                       "illness", "cooking_fuel", "electricity")} == {
        "income": 1, "food_clothing": 1, "education": 1, "medical": 0, "housing": 1, "water": 1, "schooling": 1,
        "illness": 0, "cooking_fuel": 1, "electricity": 0}
    assert row["village"] == VILLAGE and row["weight"] == 1.0
    b_row = y2017[(b.pk, 37)]
    assert (b_row["d_education"], b_row["d_medical"], b_row["d_illness"], b_row["d_schooling"], b_row["registered"]) == (0, 1, 1, 0, 0)
    c_row = y2017[(c.pk, 57)]
    assert (c_row["registered"], c_row["d_income"], c_row["per_capita"]) == (1, 1, -300.0)  # status effective 31 Dec counts
    y2018 = _rows(snap, 2018)
    assert sorted(k[1] for k in y2018 if k[0] == a.pk) == [11, 48]  # the spouse left in March
    assert y2018[(a.pk, 48)]["registered"] == 0 and y2018[(a.pk, 48)]["d_income"] == 0
    assert all(r["per_capita"] is None and r["d_income"] is None for k, r in y2016.items() if k[0] == b.pk)


def test_a_provincial_line_applies_to_its_areas_only(village, areas):
    PovertyLine.objects.create(year=2017, area=areas["522633101000"], amount=Decimal("3500"), source="test")
    snap = snapshot_take(actor=None, area=areas["522633000000"], years=[2017])
    lines = {(r["village"], r["line"]) for r in pq.read_table(snap.path(2017)).to_pylist()}
    assert lines == {(VILLAGE, 2952.0), (OTHER_VILLAGE, 3500.0)}


def test_snapshot_files_hold_no_personal_data_and_match_their_checksums(village, areas):
    import hashlib

    snap = snapshot_take(actor=None, area=areas["522633100000"], years=[2017])
    names = pq.read_schema(snap.path(2017)).names
    assert not {"name", "id_number", "phone", "bank_account", "name_pinyin", "address"} & set(names)
    assert hashlib.sha256(snap.path(2017).read_bytes()).hexdigest() == snap.files["2017"]["sha256"]
    assert snap.files["2017"]["rows"] == 5 and snap.persons == 5  # township 100 in 2017: A (3 living members) and B (2)
    assert sorted(p.name for p in (snap.directory).iterdir()) == ["person_year_2017.parquet"]
