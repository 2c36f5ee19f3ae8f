"""The four procedures end to end: every full path, objections, illegal steps, wrong roles, notices that cannot
close early, deadlines, and the register as of past dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from jingzhun.core.models import AuditEvent
from jingzhun.policy.models import MonitoringLine
from jingzhun.procedures import selectors
from jingzhun.procedures.models import Case, CaseStep, Measure, MonitoringRecord, Notice, Objection, ProcedurePeriod
from jingzhun.procedures.services import ProcedureError, case_act, case_open, cases_act, objection_record
from jingzhun.registry.models import StatusChange
from jingzhun.registry.services import household_register

VILLAGE = "522633100201"


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield

D = dt.date
APPRAISAL = {"attendance": 20, "representatives": 27, "votes_for": 15}


@pytest.fixture
def applicant(areas, people):
    """A household of 岜沙村 not yet registered."""
    return household_register(actor=None, area=areas[VILLAGE], status="none", date=D(2020, 1, 2), head=people.person("吴老三"),
                              members=[people.person("吴妹", sex="F", relation="spouse", born=D(1985, 4, 4))])


def _identify(case, users, *, start=D(2020, 3, 2)):
    """applied -> registered, each step by its level, notices closed the day after their last day."""
    v, t, c = users["village"], users["township"], users["county"]
    case = case_act(actor=v, case=case, action="appraise", data=APPRAISAL, today=start)
    case = case_act(actor=v, case=case, action="verify", today=start)
    case = case_act(actor=v, case=case, action="post_notice", today=start)
    case = case_act(actor=v, case=case, action="close_notice", today=start + dt.timedelta(days=7))
    case = case_act(actor=t, case=case, action="review", today=start + dt.timedelta(days=8))
    case = case_act(actor=t, case=case, action="post_notice", today=start + dt.timedelta(days=8))
    case = case_act(actor=t, case=case, action="close_notice", today=start + dt.timedelta(days=15))
    case = case_act(actor=c, case=case, action="approve", today=start + dt.timedelta(days=16))
    case = case_act(actor=c, case=case, action="announce", today=start + dt.timedelta(days=16))
    return case_act(actor=c, case=case, action="register", today=start + dt.timedelta(days=23))


def test_identification_full_path_registers_the_household_with_its_history(users, applicant):
    case = case_open(actor=users["village"], household=applicant, procedure="identification", year=2020, reasons=["income_below_line"],
                     today=D(2020, 3, 1))
    case = _identify(case, users)
    applicant.refresh_from_db()
    assert (case.state, case.outcome, case.is_open) == ("registered", "completed", False)
    assert (applicant.status, applicant.registered_year) == ("poor", 2020)
    change = StatusChange.objects.get(household=applicant)
    assert (change.from_status, change.to_status, change.effective_date, change.procedure, change.actor) == (
        "none", "poor", D(2020, 3, 25), "identification", users["county"])
    steps = list(CaseStep.objects.filter(case=case).values_list("action", "role"))
    assert steps == [("open", ""), ("appraise", "village"), ("verify", "village"), ("post_notice", "village"), ("close_notice", "village"),
                     ("review", "township"), ("post_notice", "township"), ("close_notice", "township"), ("approve", "county"),
                     ("announce", "county"), ("register", "county")]
    assert list(Notice.objects.filter(cases=case).values_list("kind", "start_date", "days")) == [
        ("announcement", D(2020, 3, 18), 7), ("second_notice", D(2020, 3, 10), 7), ("first_notice", D(2020, 3, 2), 7)]
    assert AuditEvent.objects.filter(object_type="procedures.case", object_id=str(case.pk)).count() == 11


def test_an_objection_during_the_notice_sends_the_case_back_with_the_objection(users, applicant):
    v = users["village"]
    case = case_open(actor=v, household=applicant, procedure="identification", today=D(2020, 3, 1))
    case = case_act(actor=v, case=case, action="appraise", data=APPRAISAL, today=D(2020, 3, 2))
    case = case_act(actor=v, case=case, action="verify", today=D(2020, 3, 2))
    case = case_act(actor=v, case=case, action="post_notice", today=D(2020, 3, 2))
    with pytest.raises(ProcedureError, match="received_on"):
        objection_record(actor=v, case=case, text="他家有车", received_on=D(2020, 3, 9))  # the day after the last day
    case = objection_record(actor=v, case=case, text="他家有车", objector="村民甲", received_on=D(2020, 3, 8))
    assert case.state == "appraised"
    objection = Objection.objects.get(case=case)
    assert (objection.text, objection.notice.kind) == ("他家有车", "first_notice")
    assert CaseStep.objects.filter(case=case).last().data["objection"] == objection.pk
    # verified again and a new notice, which runs its full period again
    case = case_act(actor=v, case=case, action="verify", comment="核实：车辆已于 2019 年转让", today=D(2020, 3, 12))
    case = case_act(actor=v, case=case, action="post_notice", today=D(2020, 3, 12))
    with pytest.raises(ProcedureError, match="cannot close early"):
        case_act(actor=v, case=case, action="close_notice", today=D(2020, 3, 18))
    assert case_act(actor=v, case=case, action="close_notice", today=D(2020, 3, 19)).state == "township_review"


@pytest.mark.parametrize(("state_actions", "action", "who"), [
    ([], "verify", "village"),                          # before the appraisal
    ([], "approve", "county"),                          # skipping every step
    ([("appraise", "village")], "register", "county"),
    ([("appraise", "village"), ("verify", "village")], "close_notice", "village"),  # no notice posted yet
])
def test_illegal_transitions_are_clear_errors_and_change_nothing(users, applicant, state_actions, action, who):
    case = case_open(actor=users["village"], household=applicant, procedure="identification", today=D(2020, 3, 1))
    for a, actor in state_actions:
        case = case_act(actor=users[actor], case=case, action=a, data=APPRAISAL, today=D(2020, 3, 2))
    steps = CaseStep.objects.count()
    with pytest.raises(ProcedureError, match="is not a step of this case|no notice to close"):
        case_act(actor=users[who], case=case, action=action, today=D(2020, 3, 3))
    assert CaseStep.objects.count() == steps and Case.objects.get(pk=case.pk).state == case.state


def test_wrong_roles_and_areas_are_refused(users, applicant):
    case = case_open(actor=users["village"], household=applicant, procedure="identification", today=D(2020, 3, 1))
    for who in ("township", "county", "analyst"):  # a village step taken by someone else
        with pytest.raises(PermissionDenied):
            case_act(actor=users[who], case=case, action="appraise", data=APPRAISAL, today=D(2020, 3, 2))
    with pytest.raises(PermissionDenied):  # another township's officer at a township step
        case = case_act(actor=users["village"], case=case, action="appraise", data=APPRAISAL, today=D(2020, 3, 2))
        case = case_act(actor=users["village"], case=case, action="verify", today=D(2020, 3, 2))
        case = case_act(actor=users["village"], case=case, action="post_notice", today=D(2020, 3, 2))
        case = case_act(actor=users["village"], case=case, action="close_notice", today=D(2020, 3, 9))
        case_act(actor=users["other_township"], case=case, action="review", today=D(2020, 3, 10))
    with pytest.raises(PermissionDenied):
        case_act(actor=users["village"], case=case, action="review", today=D(2020, 3, 10))
    assert case_act(actor=users["township"], case=case, action="review", today=D(2020, 3, 10)).state == "reviewed"
    with pytest.raises(PermissionDenied):
        case_open(actor=users["hunan_county"], household=applicant, procedure="exit")


@pytest.mark.parametrize(("data", "field"), [
    ({"attendance": 17, "representatives": 27, "votes_for": 15}, "attendance"),  # 17 < 2/3 of 27
    ({"attendance": 18, "representatives": 27, "votes_for": 9}, "votes_for"),    # no majority
    ({"attendance": 18, "representatives": 27}, "votes_for"),
    ({"attendance": 30, "representatives": 27, "votes_for": 20}, "attendance"),
])
def test_an_appraisal_needs_two_thirds_attending_and_a_majority(users, applicant, data, field):
    case = case_open(actor=users["village"], household=applicant, procedure="identification", today=D(2020, 3, 1))
    with pytest.raises(ProcedureError) as err:
        case_act(actor=users["village"], case=case, action="appraise", data=data, today=D(2020, 3, 2))
    assert field in err.value.message_dict
    assert case_act(actor=users["village"], case=case, action="appraise", data={**data, "attendance": 18, "votes_for": 10},
                    today=D(2020, 3, 2)).state == "appraised"


def test_notice_periods_are_configurable_by_year_and_area(users, applicant, areas):
    ProcedurePeriod.objects.create(year=2020, area=areas["522633000000"], procedure="identification", name="first_notice", days=5, source="县规定")
    case = case_open(actor=users["village"], household=applicant, procedure="identification", today=D(2020, 3, 1))
    for action in ("appraise", "verify", "post_notice"):
        case = case_act(actor=users["village"], case=case, action=action, data=APPRAISAL, today=D(2020, 3, 2))
    notice = Notice.objects.get(cases=case)
    assert (notice.days, notice.end_date) == (5, D(2020, 3, 6))
    assert case_act(actor=users["village"], case=case, action="close_notice", today=D(2020, 3, 7)).state == "township_review"


def test_household_exit_full_path_and_its_rules(users, household):
    v, t, c = users["village"], users["township"], users["county"]
    with pytest.raises(ProcedureError, match="same year"):
        case_open(actor=v, household=household, procedure="exit", year=2014, today=D(2014, 10, 1))
    case = case_open(actor=v, household=household, procedure="exit", year=2019, today=D(2019, 11, 1))
    case = case_act(actor=v, case=case, action="appraise", data=APPRAISAL, today=D(2019, 11, 2))
    case = case_act(actor=v, case=case, action="verify", today=D(2019, 11, 2))
    with pytest.raises(ProcedureError, match="signature"):
        case_act(actor=v, case=case, action="household_agrees", data={"household_signed": False}, today=D(2019, 11, 3))
    case = case_act(actor=v, case=case, action="household_agrees", data={"household_signed": True}, today=D(2019, 11, 3))
    case = case_act(actor=v, case=case, action="post_notice", today=D(2019, 11, 4))
    case = case_act(actor=v, case=case, action="close_notice", today=D(2019, 11, 11))
    case = case_act(actor=t, case=case, action="review", today=D(2019, 11, 12))
    case = case_act(actor=c, case=case, action="approve", today=D(2019, 11, 13))
    case = case_act(actor=c, case=case, action="announce", today=D(2019, 11, 14))
    household.refresh_from_db()
    assert (case.state, household.status, household.exited_year) == ("exited", "exited", 2019)
    with pytest.raises(ProcedureError, match="is not a step"):
        case_act(actor=c, case=case, action="announce", today=D(2019, 11, 15))
    with pytest.raises(ProcedureError, match="Only a registered poor household"):
        case_open(actor=v, household=household, procedure="exit", year=2020, today=D(2020, 11, 1))


def test_monitoring_deadline_flags_overdue_cases_in_the_inbox(users, household):
    v = users["village"]
    case = case_open(actor=v, household=household, procedure="monitoring", category="unstable", first_clue=D(2021, 5, 1),
                     reasons=["income_drop"], today=D(2021, 5, 3))
    assert case.due_date == D(2021, 5, 16)
    with pytest.raises(ProcedureError, match="already has an open case"):
        case_open(actor=v, household=household, procedure="monitoring", category="unstable", today=D(2021, 5, 4))
    assert list(selectors.overdue(v, today=D(2021, 5, 16))) == []
    assert list(selectors.overdue(users["county"], today=D(2021, 5, 17))) == [case]
    assert list(selectors.inbox(v, today=D(2021, 5, 17))) == [case]
    assert list(selectors.inbox(users["township"], today=D(2021, 5, 17))) == []  # nothing at the township's level yet
    assert list(selectors.inbox(users["other_township"], today=D(2021, 5, 17))) == []


def test_monitoring_identification_then_risk_elimination(users, household, areas):
    v, t, c = users["village"], users["township"], users["county"]
    case = case_open(actor=v, household=household, procedure="monitoring", category="unstable", first_clue=D(2021, 5, 1), today=D(2021, 5, 1))
    with pytest.raises(ProcedureError, match="signature"):
        case_act(actor=v, case=case, action="visit", data={}, today=D(2021, 5, 2))
    case = case_act(actor=v, case=case, action="visit", data={"consent_signed": True}, today=D(2021, 5, 2))
    case = case_act(actor=v, case=case, action="compare", today=D(2021, 5, 3))
    case = case_act(actor=v, case=case, action="appraise", data=APPRAISAL, today=D(2021, 5, 4))
    case = case_act(actor=v, case=case, action="post_notice", today=D(2021, 5, 4))
    assert Notice.objects.get(cases=case).days == 5
    case = case_act(actor=v, case=case, action="close_notice", today=D(2021, 5, 9))
    case = case_act(actor=t, case=case, action="review", today=D(2021, 5, 10))
    case = case_act(actor=c, case=case, action="approve", today=D(2021, 5, 12))
    record = MonitoringRecord.objects.get(household=household)
    assert (case.state, record.category, record.identified_on, record.eliminated_on) == ("recorded", "unstable", D(2021, 5, 12), None)
    # elimination: too early, no measure, income below the line -- each refused with its reason
    with pytest.raises(ProcedureError, match="6 months"):
        case_open(actor=v, household=household, procedure="elimination", today=D(2021, 11, 11))
    with pytest.raises(ProcedureError, match="assistance measure"):
        case_open(actor=v, household=household, procedure="elimination", today=D(2021, 11, 12))
    Measure.objects.create(household=household, area=VILLAGE, category="employment", description="公益性岗位", start_date=D(2021, 6, 1))
    MonitoringLine.objects.create(year=2021, amount=Decimal("6000"), source="国家")
    from jingzhun.registry.services import income_set

    income_set(actor=None, household=household, year=2021, wages=Decimal("12000"))  # 4,000 per person: below 6,000
    with pytest.raises(ProcedureError, match="monitoring line"):
        case_open(actor=v, household=household, procedure="elimination", today=D(2021, 12, 1))
    income_set(actor=None, household=household, year=2021, wages=Decimal("24000"))
    case = case_open(actor=v, household=household, procedure="elimination", today=D(2021, 12, 1))
    case = case_act(actor=v, case=case, action="appraise", data=APPRAISAL, today=D(2021, 12, 2))
    case = case_act(actor=t, case=case, action="review", today=D(2021, 12, 3))
    case = case_act(actor=c, case=case, action="approve", today=D(2021, 12, 4))
    record.refresh_from_db()
    assert (case.state, record.eliminated_on, record.elimination_id) == ("eliminated", D(2021, 12, 4), case.pk)


def test_no_elimination_without_working_age_labour(users, areas, people):
    old = household_register(actor=None, area=areas[VILLAGE], registered_year=2014, date=D(2014, 6, 1),
                             head=people.person("老人", born=D(1940, 1, 1)))
    case = case_open(actor=None, household=old, procedure="monitoring", category="marginal", today=D(2021, 1, 4))
    for action, data in (("visit", {"consent_signed": True}), ("compare", {}), ("appraise", APPRAISAL), ("post_notice", {})):
        case = case_act(actor=None, case=case, action=action, data=data, today=D(2021, 1, 5))
    for action, day in (("close_notice", 10), ("review", 11), ("approve", 12)):
        case = case_act(actor=None, case=case, action=action, today=D(2021, 1, day))
    Measure.objects.create(household=old, area=VILLAGE, category="social", description="低保", start_date=D(2021, 2, 1))
    with pytest.raises(ProcedureError, match="working-age labour"):
        case_open(actor=users["village"], household=old, procedure="elimination", today=D(2021, 9, 1))


def test_bulk_posting_lists_a_villages_cases_on_one_notice(users, areas, people):
    v = users["village"]
    cases = []
    for name in ("甲", "乙", "丙"):
        h = household_register(actor=None, area=areas[VILLAGE], status="none", date=D(2020, 1, 2), head=people.person(name))
        case = case_open(actor=v, household=h, procedure="identification", today=D(2020, 3, 1))
        cases.append(case)
    cases = cases_act(actor=v, cases=cases, action="appraise", data=APPRAISAL, today=D(2020, 3, 2))
    cases = cases_act(actor=v, cases=cases, action="verify", today=D(2020, 3, 2))
    cases = cases_act(actor=v, cases=cases, action="post_notice", today=D(2020, 3, 2))
    notice = Notice.objects.get()
    assert sorted(notice.cases.values_list("pk", flat=True)) == sorted(c.pk for c in cases)
    with pytest.raises(ProcedureError):  # all or nothing: one case of the three is not on notice any more
        objection_record(actor=v, case=cases[0], text="异议", received_on=D(2020, 3, 3))
        cases_act(actor=v, cases=cases, action="close_notice", today=D(2020, 3, 9))
    assert sorted(Case.objects.values_list("state", flat=True)) == ["appraised", "first_notice", "first_notice"]


def test_registered_poor_as_of_past_dates(users, applicant, household):
    # household: registered poor on 2014-06-01 (fixture); applicant: identified through the procedure in March 2020
    assert selectors.registered_poor_on(VILLAGE, D(2014, 5, 31)) == 0
    assert selectors.registered_poor_on(VILLAGE, D(2014, 6, 1)) == 1
    case = case_open(actor=users["village"], household=applicant, procedure="identification", year=2020, today=D(2020, 3, 1))
    _identify(case, users)
    assert selectors.registered_poor_on(VILLAGE, D(2020, 3, 24)) == 1
    assert selectors.registered_poor_on(VILLAGE, D(2020, 3, 25)) == 2
    assert selectors.registered_poor_on("522633000000", D(2020, 12, 31)) == 2
    assert selectors.registered_poor_on("522633101000", D(2020, 12, 31)) == 0


def test_the_area_page_counts_open_and_overdue_cases(users, household, client):
    case_open(actor=users["village"], household=household, procedure="monitoring", category="unstable", first_clue=D(2021, 5, 1), today=D(2021, 5, 3))
    assert selectors.case_counts(users["county"], "522633", today=D(2021, 5, 17)) == {"open": 1, "overdue": 1}
    assert selectors.case_counts(users["county"], "522633", today=D(2021, 5, 16)) == {"open": 1, "overdue": 0}
    assert selectors.case_counts(users["other_township"], "522633101", today=D(2021, 5, 17)) == {"open": 0, "overdue": 0}
    client.force_login(users["county"])
    html = client.get("/areas/522633/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="area-overdue"' in html and "Overdue cases" in html
