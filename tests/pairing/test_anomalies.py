"""Anomaly checks: bad rows are written with the ORM, bypassing the services, to prove each is found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from jingzhun.pairing.anomalies import find_anomalies
from jingzhun.pairing.models import (
    Beneficiary,
    EnterpriseInvestment,
    FundEntry,
    LabourTransfer,
    PlacedWorker,
    Project,
    ProjectOutput,
    Trainee,
    TrainingSession,
)
from jingzhun.pairing.projects import beneficiary_add, output_add, project_advance, project_create
from jingzhun.pairing.services import fund_record, partnership_create
from jingzhun.registry.models import Household, Person

D = dt.date(2018, 5, 1)


@pytest.fixture
def world(areas, household):
    pair = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1))
    village = areas["522633100201"]
    p1 = project_create(actor=None, partnership=pair, name="学校", code="P1", budget="1000", village=village, start_date=D)
    output_add(actor=None, project=p1, kind="school", count="1")
    for to in ("approved", "under_construction", "completed"):
        project_advance(actor=None, project=p1, to=to)
    beneficiary_add(actor=None, project=p1, household=household, benefit="education")
    fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="100.00", project=p1)
    fund_record(actor=None, partnership=pair, date=D, kind="disbursed", source="fiscal", amount="100.00", project=p1)
    s = TrainingSession.objects.create(partnership=pair, date=D, title="培训", kind="other", trainees=2)
    Trainee.objects.create(session=s, person=household.members.first(), registered=True)
    EnterpriseInvestment.objects.create(partnership=pair, date=D, enterprise="企业", uscc="91330100AAAAAAAAAA", area=village,
                                        amount=Decimal("10"), jobs=3, poor_employed=3)
    return {"pair": pair, "p1": p1, "village": village, "household": household}


def codes(found):
    return [(a.code, a.object_id) for a in found]


def test_clean_ledgers_have_no_anomaly(world):
    assert find_anomalies(partnerships=[world["pair"].pk]) == []
    assert find_anomalies(partnerships=[]) == []


def test_disbursed_above_allocated_from_rows_entered_outside_the_services(world):
    pair, p1 = world["pair"], world["p1"]
    FundEntry.objects.create(partnership=pair, date=D, kind="disbursed", source="fiscal", amount=Decimal("0.01"), project=p1)
    FundEntry.objects.create(partnership=pair, date=D, kind="disbursed", source="donation", amount=Decimal("5.00"))  # no allocation at all
    FundEntry.objects.create(partnership=pair, date=D, kind="disbursed", source="enterprise", amount=Decimal("5.00"), project=p1)
    FundEntry.objects.create(partnership=pair, date=D, kind="allocated", source="enterprise", amount=Decimal("5.00"), project=p1)  # balanced
    found = find_anomalies(partnerships=[pair.pk])
    assert codes(found) == [("disbursed_above_allocated", None), ("disbursed_above_allocated", p1.pk)]
    assert found[0].detail == {"source": "donation", "allocated": 0, "disbursed": Decimal("5.00"), "excess": Decimal("5.00")}
    assert found[1].detail["excess"] == Decimal("0.01") and found[1].partnership_id == pair.pk


def test_beneficiary_outside_the_western_area(world, areas):
    outsider = Household.objects.create(number="HN1", area=areas["431125100201"], size=2, status="poor")
    Beneficiary.objects.create(project=world["p1"], household=outsider, benefit="income")
    found = find_anomalies(partnerships=[world["pair"].pk])
    assert codes(found) == [("beneficiary_outside_area", outsider.pk)]
    assert found[0].detail == {"project_id": world["p1"].pk, "village": "431125100201"}


def test_household_counted_twice_lists_its_projects(world, areas):
    p2 = project_create(actor=None, partnership=world["pair"], name="水", code="P2", budget="1", village=world["village"], start_date=D)
    beneficiary_add(actor=None, project=p2, household=world["household"], benefit="water")
    found = find_anomalies(partnerships=[world["pair"].pk])
    assert codes(found) == [("household_counted_twice", world["household"].pk)]
    assert [p["code"] for p in found[0].detail["projects"]] == ["P1", "P2"] and found[0].detail["extra"] == 1


def test_completed_without_outputs(world, areas):
    bare = Project.objects.create(partnership=world["pair"], name="空", code="P3", budget=Decimal("1"), village=world["village"], status="accepted")
    done = Project.objects.create(partnership=world["pair"], name="有", code="P4", budget=Decimal("1"), village=world["village"], status="completed")
    ProjectOutput.objects.create(project=done, kind="clinic", count=Decimal("1"))
    Project.objects.create(partnership=world["pair"], name="建", code="P5", budget=Decimal("1"), village=world["village"], status="under_construction")
    assert codes(find_anomalies(partnerships=[world["pair"].pk])) == [("completed_without_outputs", bare.pk)]


def test_person_outside_area_for_trainees_and_workers(world, areas, people):
    hunan = Person.objects.create(area=areas["431125100201"], relation="head", name="外人", name_pinyin="wairen", name_initials="wr",
                                  id_number=people.id(area="431125"), sex="M", birth_date=dt.date(1980, 1, 1))
    s = TrainingSession.objects.first()
    Trainee.objects.create(session=s, person=hunan, registered=False)
    t = LabourTransfer.objects.create(partnership=world["pair"], date=D, workers=5, employer="厂")
    PlacedWorker.objects.create(transfer=t, person=hunan, registered=False)
    PlacedWorker.objects.create(transfer=t, person=world["household"].members.first(), registered=True)
    found = find_anomalies(partnerships=[world["pair"].pk])
    assert codes(found) == [("person_outside_area", hunan.pk), ("person_outside_area", hunan.pk)]
    assert [a.detail["record"] for a in found] == ["session", "transfer"]


def test_links_above_the_stated_count(world, people, areas):
    s = TrainingSession.objects.first()  # states 2 trainees, one linked
    for i in range(2):
        p = Person.objects.create(area=areas["522633100202"], relation="head", name=f"学员{i}", name_pinyin="x", name_initials="x",
                                  id_number=people.id(), sex="M", birth_date=dt.date(1990, 1, 1))
        Trainee.objects.create(session=s, person=p, registered=False)
    found = find_anomalies(partnerships=[world["pair"].pk])
    assert codes(found) == [("links_above_count", s.pk)]
    assert found[0].detail == {"model": "trainingsession", "linked": 3, "total": 2}


def test_poor_employed_above_jobs_with_the_constraint_bypassed(world):
    inv = EnterpriseInvestment.objects.get()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # DDL is transactional: the test's rollback restores the constraint
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending deferred checks before the DDL
            cursor.execute("ALTER TABLE pairing_enterpriseinvestment DROP CONSTRAINT investment_poor_within_jobs")
        else:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            cursor.execute("UPDATE pairing_enterpriseinvestment SET poor_employed = 7 WHERE id = %s", [inv.pk])
        finally:
            if connection.vendor != "postgresql":
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    found = find_anomalies(partnerships=[world["pair"].pk])
    assert codes(found) == [("poor_employed_above_jobs", inv.pk)]
    assert found[0].detail == {"uscc": "91330100AAAAAAAAAA", "jobs": 3, "poor_employed": 7}
    assert "7" in found[0].message and "3" in found[0].message


def test_scoped_to_the_given_partnerships(world, areas):
    other = partnership_create(actor=None, kind="county", name="另一对", east_area=areas["431125000000"], west_area=areas["522633000000"],
                               start_date=dt.date(2017, 1, 1))
    Project.objects.create(partnership=other, name="空", code="X1", budget=Decimal("1"), village=world["village"], status="completed")
    assert find_anomalies(partnerships=[world["pair"].pk]) == []
    assert [a.code for a in find_anomalies(partnerships=[world["pair"].pk, other.pk])] == ["completed_without_outputs"]
