"""Pairing projects: lifecycle order, completion needs outputs, beneficiaries in the western area, counts, scope, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.core.models import AuditEvent
from jingzhun.pairing.models import Project
from jingzhun.pairing.projects import beneficiaries_count, beneficiary_add, output_add, project_advance, project_create
from jingzhun.pairing.services import partnership_create
from jingzhun.registry.services import household_register


@pytest.fixture
def pair(areas):
    return partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1), end_date=dt.date(2020, 12, 31))


def make(pair, areas, code="P1", village="522633100201", actor=None):
    return project_create(actor=actor, partnership=pair, name="岜沙村饮水工程", code=code, budget="120000.00", village=areas[village],
                          start_date=dt.date(2018, 3, 1), end_date=dt.date(2018, 10, 1))


def other_household(areas, people, village):
    return household_register(actor=None, area=areas[village], registered_year=2014, date=dt.date(2014, 6, 1),
                              head=people.person("吴老三"),
                              members=[people.person("吴小妹", sex="F", relation="child", born=dt.date(2012, 1, 1))],
                              main_cause="illness", housing_grade="B")


def test_lifecycle_in_order_and_no_skipping(pair, areas):
    p = make(pair, areas)
    assert p.status == "library"
    with pytest.raises(ValidationError) as e:
        project_advance(actor=None, project=p, to="under_construction")
    assert "status" in e.value.message_dict
    project_advance(actor=None, project=p, to="approved")
    project_advance(actor=None, project=p, to="under_construction")
    with pytest.raises(ValidationError):
        project_advance(actor=None, project=p, to="approved")  # never backwards
    with pytest.raises(ValidationError):
        project_advance(actor=None, project=p, to="accepted")
    output_add(actor=None, project=p, kind="water_works", count="1")
    project_advance(actor=None, project=p, to="completed")
    project_advance(actor=None, project=p, to="accepted")
    assert Project.objects.get(pk=p.pk).status == "accepted"
    with pytest.raises(ValidationError):
        project_advance(actor=None, project=p, to="nowhere")


def test_completion_without_outputs_is_refused(pair, areas):
    p = make(pair, areas)
    project_advance(actor=None, project=p, to="approved")
    project_advance(actor=None, project=p, to="under_construction")
    with pytest.raises(ValidationError) as e:
        project_advance(actor=None, project=p, to="completed")
    assert e.value.error_dict["status"][0].code == "completed_without_outputs"  # the message is translated
    assert Project.objects.get(pk=p.pk).status == "under_construction"
    with pytest.raises(ValidationError):
        output_add(actor=None, project=p, kind="road_km", count="0")
    output_add(actor=None, project=p, kind="road_km", count="3.5")
    assert project_advance(actor=None, project=p, to="completed").status == "completed"


def test_project_village_in_western_area_and_code_unique(pair, areas):
    with pytest.raises(ValidationError) as e:
        make(pair, areas, village="431125100201")
    assert "village" in e.value.message_dict
    make(pair, areas)
    with pytest.raises(ValidationError):
        make(pair, areas)  # same code in the same partnership


def test_beneficiary_outside_the_paired_area_is_refused(pair, areas, people, household):
    p = make(pair, areas)
    hunan = other_household(areas, people, "431125100201")
    with pytest.raises(ValidationError) as e:
        beneficiary_add(actor=None, project=p, household=hunan, benefit="water")
    assert "household" in e.value.message_dict
    beneficiary_add(actor=None, project=p, household=household, benefit="water", amount="300.00")
    with pytest.raises(ValidationError):
        beneficiary_add(actor=None, project=p, household=household, benefit="income")  # once per project


def test_household_in_two_projects_counted_once(pair, areas, people, household):
    p1, p2 = make(pair, areas, "P1"), make(pair, areas, "P2", village="522633101201")
    second = other_household(areas, people, "522633101201")
    household.refresh_from_db()
    second.refresh_from_db()
    assert (household.size, second.size) == (3, 2)
    beneficiary_add(actor=None, project=p1, household=household, benefit="water")
    beneficiary_add(actor=None, project=p2, household=household, benefit="income", amount="1500")
    beneficiary_add(actor=None, project=p2, household=second, benefit="employment")
    assert beneficiaries_count(partnership=pair) == {"households": 2, "persons": 5}
    assert beneficiaries_count(projects=[p1]) == {"households": 1, "persons": 3}
    assert beneficiaries_count(projects=[p1, p2]) == {"households": 2, "persons": 5}
    assert beneficiaries_count() == {"households": 2, "persons": 5}


def test_scope_and_audit_rows(pair, areas, users, household):
    with pytest.raises(PermissionDenied):
        make(pair, areas, actor=users["analyst"])
    p = make(pair, areas, actor=users["hunan_county"])  # the eastern side may act
    out = output_add(actor=users["county"], project=p, kind="school", count="1")
    b = beneficiary_add(actor=users["county"], project=p, household=household, benefit="education")
    project_advance(actor=users["county"], project=p, to="approved")
    created = AuditEvent.objects.get(action="pairing.project_create", object_id=str(p.pk))
    assert created.actor == users["hunan_county"] and created.area_code == "522633100201" and created.changes["code"] == "P1"
    assert AuditEvent.objects.get(action="pairing.output_add", object_id=str(out.pk)).actor == users["county"]
    assert AuditEvent.objects.get(action="pairing.beneficiary_add", object_id=str(b.pk)).area_code == household.area_id
    adv = AuditEvent.objects.get(action="pairing.project_advance", object_id=str(p.pk))
    assert adv.changes == {"status": ["library", "approved"]}
    with pytest.raises(PermissionDenied):
        project_advance(actor=users["analyst"], project=p, to="under_construction")
