"""Opening identification and exit cases from the eligibility evaluation: re-evaluated, all or nothing, skipping open
cases, refusing households that are not proposals, outside the area or the scope, and actors without a village role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from jingzhun.core.models import AuditEvent
from jingzhun.procedures.models import Case, CaseStep
from jingzhun.procedures.proposals import RoleRequired, cases_open_from_proposals
from jingzhun.procedures.services import ProcedureError, case_open
from jingzhun.registry.models import IncomeRecord

YEAR = 2020  # national line 4,000; guarantee threshold 1.5 x 4,000 = 6,000
V1, V2 = "522633100201", "522633100202"  # 岜沙村, 大塘村 (丙妹镇)
V3 = "522633101201"  # 贯洞村 (贯洞镇)


@pytest.fixture
def village(eligibility_village):
    """The shared eligibility households (tests/conftest.py)."""
    return eligibility_village


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _open(actor, village, keys, procedure="identification", area="522633100201", year=YEAR):
    return cases_open_from_proposals(actor=actor, area_code=area, year=year, household_ids=[village[k].pk for k in keys], procedure=procedure)


def test_identification_cases_open_with_the_proposals_reasons(users, village):
    opened = _open(users["village"], village, ["N02", "N01"])
    assert [c.household_id for c in opened] == [village["N01"].pk, village["N02"].pk]
    assert [(c.procedure, c.state, c.year, c.reasons, c.opened_by) for c in opened] == [
        ("identification", "applied", YEAR, ["income_below_line"], users["village"]),
        ("identification", "applied", YEAR, ["unsafe_water"], users["village"])]
    assert opened.skipped == []
    step = CaseStep.objects.get(case=opened[0])
    assert (step.action, step.data) == ("open", {"reasons": ["income_below_line"]})
    assert "2020" in step.comment and "岜沙村" in step.comment
    assert AuditEvent.objects.filter(action="case.open").count() == 2


def test_exit_cases_from_a_county_evaluation(users, village, areas):
    from jingzhun.accounts.models import Role, RoleAssignment
    from jingzhun.accounts.services import user_create

    opened = _open(None, village, ["P05", "P01"], procedure="exit", area="522633000000")
    assert [(c.household_id, c.procedure, c.state, c.reasons) for c in opened] == [
        (village["P01"].pk, "exit", "proposed", ["guarantees_met", "income_above_line"]),
        (village["P05"].pk, "exit", "proposed", ["guarantees_met", "income_above_line"])]
    # a cadre of 贯洞村 who is also the county's officer opens from the county's evaluation
    cadre = user_create(actor=None, username="cadre3", password="pw-cadre3-2026", role=Role.VILLAGE, area=areas[V3])[0]
    RoleAssignment.objects.create(user=cadre, role=Role.COUNTY, area=areas["522633000000"])
    opened = _open(cadre, village, ["N05"], area="522633000000")
    assert [(c.household_id, c.reasons) for c in opened] == [(village["N05"].pk, ["income_below_line"])]
    with pytest.raises(RoleRequired):  # but not in another village
        _open(cadre, village, ["N01"], area="522633000000")


def test_households_already_open_are_skipped_and_reported(users, village):
    first = case_open(actor=users["village"], household=village["N01"], procedure="identification", reasons=["income_below_line"])
    opened = _open(users["village"], village, ["N01", "N02"])
    assert [c.household_id for c in opened] == [village["N02"].pk]
    assert [h.pk for h in opened.skipped] == [village["N01"].pk]
    assert Case.objects.filter(household=village["N01"]).get() == first
    again = _open(users["village"], village, ["N01", "N02"])
    assert list(again) == [] and {h.number for h in again.skipped} == {village["N01"].number, village["N02"].number}


def test_a_household_that_is_not_a_proposal_stops_everything(users, village):
    with pytest.raises(ProcedureError) as err:
        _open(users["village"], village, ["N01", "N04", "P01"])
    messages = err.value.message_dict["households"]
    assert messages == [f"Household {village[k].number} is not a candidate for identification in the evaluation of 岜沙村 for 2020."
                        for k in ("N04", "P01")]
    assert Case.objects.count() == 0
    with pytest.raises(ProcedureError) as err:
        _open(users["village"], village, ["P01", "P02", "P04", "E01"], procedure="exit")
    assert [m.split()[1] for m in err.value.message_dict["households"]] == [village[k].number for k in ("P02", "P04", "E01")]
    assert "is not proposed to exit" in err.value.message_dict["households"][0]
    assert Case.objects.count() == 0


def test_the_register_is_read_again_not_the_clients_list(users, village):
    IncomeRecord.objects.filter(household=village["N01"]).update(per_capita=Decimal("4500.00"))  # no longer below the line
    with pytest.raises(ProcedureError, match=village["N01"].number):
        _open(users["village"], village, ["N01", "N02"])
    assert Case.objects.count() == 0


def test_area_year_and_procedure_are_checked(users, village):
    with pytest.raises(ProcedureError) as err:  # N03 lives in 大塘村, outside the evaluated village
        cases_open_from_proposals(actor=None, area_code=V1, year=YEAR, household_ids=[village["N03"].pk, village["N01"].pk],
                                  procedure="identification")
    assert err.value.message_dict == {"households": [f"Household {village['N03'].number} is not in 岜沙村."]}
    for kwargs, field in (({"procedure": "monitoring"}, "procedure"), ({"household_ids": []}, "households"),
                          ({"household_ids": ["x"]}, "households"), ({"area_code": "522633999999"}, "area"),
                          ({"year": 2030}, "year"), ({"year": None}, "year")):
        args = {"actor": None, "area_code": V1, "year": YEAR, "household_ids": [village["N01"].pk], "procedure": "identification", **kwargs}
        with pytest.raises(ProcedureError) as err:
            cases_open_from_proposals(**args)
        assert set(err.value.message_dict) == {field}, kwargs
    assert Case.objects.count() == 0


def test_scope_and_role(users, village):
    with pytest.raises(PermissionDenied):  # the area is outside the actor's change scope
        _open(users["village"], village, ["N01"], area="522633000000")
    with pytest.raises(PermissionDenied):  # the household is
        _open(users["village"], village, ["N03"], area=V1)
    with pytest.raises(PermissionDenied):  # an unknown id answers the same
        cases_open_from_proposals(actor=users["village"], area_code=V1, year=YEAR, household_ids=[999999], procedure="identification")
    with pytest.raises(RoleRequired, match=village["N01"].number):  # change scope, but no village role
        _open(users["township"], village, ["N01"])
    with pytest.raises(PermissionDenied):  # an analyst may not change anything
        _open(users["analyst"], village, ["N01"], area="522633000000")
    assert Case.objects.count() == 0
    assert len(_open(None, village, ["N01", "N03", "N05"], area="522633")) == 3  # the system: any household of the area
