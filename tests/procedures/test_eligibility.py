"""Eligibility evaluation on hand-built households: every reason code, exact lists, the same-year rule, scope, lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from jingzhun.policy.models import PovertyLine
from jingzhun.policy.selectors import poverty_line_amount
from jingzhun.policy.services import lines_seed
from jingzhun.procedures import eligibility
from jingzhun.procedures.eligibility import NoPovertyLine, evaluate_eligibility
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person, StatusChange

YEAR = 2019
V1, V2 = "522633100201", "522633100202"  # township 丙妹镇
V3 = "522633101201"  # township 贯洞镇
HUNAN = "431125100201"


def _household(number, village, status="none", registered_year=None, **kw):
    return Household.objects.create(number=number, area_id=village, status=status, registered_year=registered_year, **kw)


def _person(hh, people, born=dt.date(1975, 3, 1), relation="head", *, left=None, died=None, **kw):
    p = Person.objects.create(household=hh if left is None else None, area_id=hh.area_id, relation=relation, name="测试",
                              name_pinyin="ce shi", name_initials="cs", id_number=people.id(born=born), sex="M",
                              birth_date=born, death_date=died, **kw)
    Membership.objects.create(person=p, household=hh, relation=relation, start_date=dt.date(2014, 5, 1), start_reason="registration",
                              end_date=left or died, end_reason="move" if left else ("death" if died else ""))
    return p


def _income(hh, per_capita, year=YEAR, members=1):
    pc = Decimal(per_capita)
    IncomeRecord.objects.create(household=hh, year=year, members=members, wages=pc * members, gross=pc * members,
                                net=pc * members, per_capita=pc)


@pytest.fixture
def register(areas, people):
    """Guizhou has a provincial line of 3,500 for 2019 (national 3,218); the guarantee threshold is 1.5 x 3,500 = 5,250."""
    lines_seed()
    PovertyLine.objects.create(year=YEAR, area=areas["520000000000"], amount=Decimal("3500"), source="test: provincial line")
    hh = {}

    def make(number, village, *, income=None, members=(), **kw):
        h = hh[number] = _household(number, village, **kw)
        _person(h, people)
        for born, extra in members:
            _person(h, people, born, "child", **extra)
        if income is not None:
            _income(h, income)
        return h

    # not registered
    make("N01", V1, income="3000.00")                                                          # below the line
    make("N02", V1, income="5000.00", members=[(dt.date(2009, 6, 1), {"student_status": "dropped_out"})])  # 10, out of school
    make("N03", V1, income="5249.99", housing_grade="D", members=[(dt.date(1990, 1, 1), {"medical_insurance": False})])
    make("N04", V2, water_safe=False)                                                          # no income record
    make("N05", V2, income="5250.00", food_secure=False)                                       # not below 1.5 x line
    make("N06", V2)                                                                            # no record, nothing failing
    n07 = make("N07", V2, income="5000.00")
    _person(n07, people, dt.date(2010, 1, 1), "child", left=dt.date(2018, 1, 1), student_status="dropped_out")  # left: not counted
    _person(n07, people, dt.date(1940, 1, 1), "parent", died=dt.date(2019, 2, 1), medical_insurance=False)    # dead: not counted
    make("N08", V1, income="3000.00", members=[
        (dt.date(2011, 1, 1), {"student_status": "home_taught"}),                       # 8, taught at home: schooling
        (dt.date(2007, 1, 1), {"student_status": "dropped_out", "health": "disabled"}),  # 12, medically excepted
        (dt.date(2014, 1, 1), {"student_status": "none"}),                              # 5: below school age
        (dt.date(2003, 12, 31), {"student_status": "none"}),                            # 16 on 31 Dec: above
    ])
    make("N09", V1, income="5000.00", members=[(dt.date(2013, 12, 31), {"student_status": "none"})])  # 6 on 31 Dec 2019
    make("N10", V2, income="5000.00", food_secure=False, clothing_secure=False)
    make("N11", HUNAN, income="3300.00")                                                       # above Hunan's (national) 3,218
    make("N12", HUNAN, income="3200.00")
    make("N13", V1, income="3000.00", housing_grade="")                                        # grade not assessed: not failing
    make("E01", V1, status="exited", registered_year=2014, income="2000.00")                   # exited: not a candidate
    # registered poor
    make("P01", V1, status="poor", registered_year=2014, income="4000.00", housing_grade="B")
    make("P02", V1, status="poor", registered_year=YEAR, income="4000.00")
    make("P03", V2, status="poor", registered_year=2014, income="3499.99")
    make("P04", V2, status="poor", registered_year=2014, housing_grade="C")
    p05 = make("P05", V3, status="returned", registered_year=2014, income="5000.00")
    StatusChange.objects.create(household=p05, from_status="exited", to_status="returned", effective_date=dt.date(YEAR, 5, 1), procedure="test")
    make("P06", V3, status="poor", registered_year=2016, income="3500.00")                     # exactly the line: not below
    make("P07", V3, status="poor", registered_year=2014, income="4000.00", water_safe=False,
         members=[(dt.date(2008, 1, 1), {"student_status": "dropped_out"}), (dt.date(1999, 1, 1), {"medical_insurance": False})])
    p08 = _household("P08", V3, status="poor", registered_year=2014)                             # no current member
    _person(p08, people, died=dt.date(2018, 5, 1))
    _income(p08, "100.00")
    p09 = make("P09", V3, status="poor", registered_year=2014, income="4000.00")
    StatusChange.objects.create(household=p09, from_status="none", to_status="poor", effective_date=dt.date(2014, 10, 1), procedure="test")
    return hh


def _rows(proposals):
    return [(p.number, p.reasons) for p in proposals]


def test_candidates_exits_and_blocked_with_exact_reasons(register):
    result = evaluate_eligibility(area_code="522633000000", year=YEAR)
    assert _rows(result.candidates) == [
        ("N01", ("income_below_line",)),
        ("N02", ("child_out_of_school",)),
        ("N03", ("no_medical_insurance", "unsafe_housing")),
        ("N08", ("income_below_line",)),
        ("N09", ("child_out_of_school",)),
        ("N13", ("income_below_line",)),
        ("N04", ("no_income_record", "unsafe_water")),
        ("N10", ("food_insecure", "clothing_insecure")),
    ]
    assert _rows(result.exits) == [("P01", ("income_above_line", "guarantees_met")), ("P06", ("income_above_line", "guarantees_met")),
                                   ("P09", ("income_above_line", "guarantees_met"))]
    assert _rows(result.blocked) == [
        ("P02", ("identified_this_year",)),
        ("P03", ("income_below_line",)),
        ("P04", ("no_income_record", "unsafe_housing")),
        ("P05", ("identified_this_year",)),
        ("P07", ("child_out_of_school", "no_medical_insurance", "unsafe_water")),
    ]
    assert result.counts == {"households": 21, "candidates": 8, "exits": 3, "blocked": 5}
    assert (len(result.candidates), len(result.exits), len(result.blocked)) == (8, 3, 5)
    assert result.reason_counts["candidates"] == {
        "income_below_line": 3, "no_income_record": 1, "food_insecure": 1, "clothing_insecure": 1, "child_out_of_school": 2,
        "no_medical_insurance": 1, "unsafe_housing": 1, "unsafe_water": 1}
    assert result.reason_counts["exits"] == {"income_above_line": 3, "guarantees_met": 3}
    assert result.reason_counts["blocked"] == {
        "income_below_line": 1, "no_income_record": 1, "food_insecure": 0, "clothing_insecure": 0, "child_out_of_school": 1,
        "no_medical_insurance": 1, "unsafe_housing": 1, "unsafe_water": 1, "identified_this_year": 2}


def test_proposal_fields_and_lines_match_the_policy_selector(register):
    result = evaluate_eligibility(area_code="520000000000", year=YEAR)
    first = next(iter(result.candidates))
    assert (first.household_id, first.number, first.village, first.status, first.per_capita, first.line) == (
        register["N01"].pk, "N01", V1, "none", Decimal("3000.00"), Decimal("3500.00"))
    for p in [*result.candidates, *result.exits, *result.blocked]:
        assert p.line == poverty_line_amount(YEAR, p.village)
    n04 = [p for p in result.candidates if p.number == "N04"][0]
    assert n04.per_capita is None


def test_same_year_rule_is_configurable(register):
    result = evaluate_eligibility(area_code="522633000000", year=YEAR, same_year_exit=True)
    assert [p.number for p in result.exits] == ["P01", "P02", "P05", "P06", "P09"]
    assert _rows(result.blocked) == [("P03", ("income_below_line",)), ("P04", ("no_income_record", "unsafe_housing")),
                                     ("P07", ("child_out_of_school", "no_medical_insurance", "unsafe_water"))]
    assert result.reason_counts["blocked"]["identified_this_year"] == 0
    # a year later the households identified in 2019 may exit (their 2020 income is above the 2020 line)
    for number in ("P02", "P05"):
        _income(register[number], "4500.00", year=2020)
    PovertyLine.objects.create(year=2020, area_id="520000000000", amount=Decimal("4200"), source="test")
    assert [p.number for p in evaluate_eligibility(area_code="522633000000", year=2020).exits] == ["P02", "P05"]


def test_candidate_rule_options(register):
    income_only = evaluate_eligibility(area_code="522633000000", year=YEAR, guarantee_income_factor=None)
    assert [p.number for p in income_only.candidates] == ["N01", "N08", "N13", "N04"]
    without_unknown = evaluate_eligibility(area_code="522633000000", year=YEAR, guarantee_without_income=False)
    assert "N04" not in [p.number for p in without_unknown.candidates]
    assert len(without_unknown.candidates) == 7


def test_scope_by_area_prefix(register):
    def numbers(code):
        r = evaluate_eligibility(area_code=code, year=YEAR)
        return sorted(p.number for lst in (r.candidates, r.exits, r.blocked) for p in lst)

    township = numbers("522633100000")
    assert township == ["N01", "N02", "N03", "N04", "N08", "N09", "N10", "N13", "P01", "P02", "P03", "P04"]
    assert numbers("522633100202") == ["N04", "N10", "P03", "P04"]
    assert numbers("522633101000") == numbers("522633101") == ["P05", "P06", "P07", "P09"]
    assert numbers("522633") == numbers("522633000000")
    assert numbers("431125000000") == ["N12"]
    assert sorted(numbers("")) == sorted(numbers("522633000000") + ["N12"])
    assert evaluate_eligibility(area_code="522633100000", year=YEAR).counts["households"] == 16


def test_provincial_line_overrides_the_national_one(register, people):
    hunan = evaluate_eligibility(area_code="430000000000", year=YEAR)
    assert [(p.number, p.per_capita, p.line) for p in hunan.candidates] == [("N12", Decimal("3200.00"), Decimal("3218.00"))]
    # N11's 3,300 is above Hunan's (national) line; the same income in Guizhou is below the provincial 3,500
    g = _household("G01", V3)
    _person(g, people)
    _income(g, "3300.00")
    guizhou = evaluate_eligibility(area_code="522633101201", year=YEAR)
    assert [(p.number, p.per_capita, p.line, p.reasons) for p in guizhou.candidates] == [
        ("G01", Decimal("3300.00"), Decimal("3500.00"), ("income_below_line",))]


def test_the_most_specific_line_wins(register, areas):
    PovertyLine.objects.create(year=YEAR, area=areas["522633101000"], amount=Decimal("3600"), source="test: township line")
    result = evaluate_eligibility(area_code="522633000000", year=YEAR)
    p06 = [p for p in result.blocked if p.number == "P06"][0]
    assert (p06.line, p06.reasons) == (Decimal("3600.00"), ("income_below_line",))
    assert [p.number for p in result.exits] == ["P01", "P09"]
    # evaluated from inside the township, its line is the default of the statement
    inside = evaluate_eligibility(area_code="522633101201", year=YEAR)
    assert [(p.number, p.line) for p in inside.blocked][:2] == [("P05", Decimal("3600.00")), ("P06", Decimal("3600.00"))]


def test_streams_in_chunks_and_iterates_again(register, monkeypatch):
    monkeypatch.setattr(eligibility, "CHUNK", 2)
    result = evaluate_eligibility(area_code="522633000000", year=YEAR)
    first = [p.number for p in result.candidates]
    assert len(first) == 8 and [p.number for p in result.candidates] == first


def test_a_selector_changes_nothing(register, django_assert_max_num_queries):
    before = list(Household.objects.values_list("number", "status", "updated_at"))
    # area, lines, households, counts (+ reading, setting and restoring the JIT setting on PostgreSQL)
    with django_assert_max_num_queries(7 if connection.vendor == "postgresql" else 4):
        result = evaluate_eligibility(area_code="522633000000", year=YEAR)
    list(result.exits)
    assert list(Household.objects.values_list("number", "status", "updated_at")) == before


def test_errors(register):
    with pytest.raises(NoPovertyLine):
        evaluate_eligibility(area_code="522633000000", year=2031)
    with pytest.raises(LookupError):
        evaluate_eligibility(area_code="522633999000", year=YEAR)
    with pytest.raises(ValueError):
        evaluate_eligibility(area_code="5226x3", year=YEAR)
