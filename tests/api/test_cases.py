"""The procedures through the API (issue 5): cases, steps, objections, bulk steps, notices and the register as of a date.

The API takes the steps on the server's date, so the tests move the clock (time-machine) through the notice periods.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.procedures.models import Case, CaseStep, Notice
from jingzhun.procedures.services import case_open
from jingzhun.registry.services import household_register

URL = "/api/cases/"
BULK = "/api/cases/bulk-act/"
NOTICES = "/api/notices/"
POOR = "/api/registered-poor/"
BASHA, DATANG = "522633100201", "522633100202"
D = dt.date
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
APPRAISAL = {"attendance": 20, "representatives": 27, "votes_for": 15}


def detail(pk: int) -> str:
    return f"{URL}{pk}/"


def act(pk: int) -> str:
    return f"{URL}{pk}/act/"


def objections(pk: int) -> str:
    return f"{URL}{pk}/objections/"


@pytest.fixture
def clock(time_machine):
    """clock(D(2020, 3, 2)) -> the server's date is that day, 09:00 Beijing time (the clock stands still)."""

    def move(day: dt.date, hour: int = 9) -> None:
        time_machine.move_to(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)

    return move


@pytest.fixture
def applicant(areas, people):
    """A household of 岜沙村 not yet registered, with a phone and a bank account."""
    return household_register(actor=None, area=areas[BASHA], status="none", date=D(2020, 1, 2), head=people.person("吴老三"),
                              members=[people.person("吴妹", sex="F", relation="spouse", born=D(1985, 4, 4), health="chronic")],
                              phone="13812345678", bank_account="6228480000012345")


@pytest.fixture
def api(client_for, users):
    """api["village"] -> a signed-in client (English) per user, signed in before the clock moves (a session signed in on a
    moved clock would expire two weeks later on that clock)."""
    return {name: client_for(name) for name in users}


def step(client, pk: int, action: str, **body):
    return client.post(act(pk), {"action": action, **body}, format="json")


def opened(api, clock, household, day=D(2020, 3, 1), **body) -> int:
    clock(day)
    response = api["village"].post(URL, {"household": household.number, "procedure": "identification", "year": 2020, **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def on_first_notice(api, clock, household, day=D(2020, 3, 2)) -> int:
    pk = opened(api, clock, household)
    clock(day)
    for action, data in (("appraise", APPRAISAL), ("verify", {}), ("post_notice", {})):
        assert step(api["village"], pk, action, data=data).status_code == 200
    return pk


# --- the full identification path -------------------------------------------------------------------


def test_identification_full_path_as_village_township_and_county(api, clock, applicant):
    clock(D(2020, 3, 1))
    response = api["village"].post(URL, {"household": applicant.number, "procedure": "identification", "year": 2020,
                                         "reasons": ["income_below_line"], "comment": "本人申请"}, format="json")
    assert response.status_code == 201
    case = response.json()
    pk = case["id"]
    assert response["Location"].endswith(f"/api/cases/{pk}/")
    assert {k: case[k] for k in ("procedure", "procedure_display", "household", "household_number", "head_name", "area", "area_name",
                                 "year", "state", "state_display", "category", "category_display", "reasons", "first_clue", "due_date",
                                 "overdue", "is_open", "outcome", "opened_by", "closed_at")} == {
        "procedure": "identification", "procedure_display": "Poor household identification", "household": applicant.pk,
        "household_number": applicant.number, "head_name": "吴老三", "area": BASHA, "area_name": "岜沙村", "year": 2020,
        "state": "applied", "state_display": "Applied", "category": "", "category_display": "", "reasons": ["income_below_line"],
        "first_clue": None, "due_date": None, "overdue": False, "is_open": True, "outcome": "", "opened_by": "village", "closed_at": None}
    assert case["opened_at"] == "2020-03-01T09:00:00+08:00"
    appraisal_needs = ["attendance", "representatives", "votes_for"]
    assert case["allowed_actions"] == [
        {"action": "appraise", "label": "Record the appraisal", "to_state": "appraised", "to_state_display": "Appraised",
         "role": "village", "needs": appraisal_needs, "notice": "", "after_notice": False},
        {"action": "withdraw", "label": "Withdraw", "to_state": "withdrawn", "to_state_display": "Withdrawn", "role": "village",
         "needs": [], "notice": "", "after_notice": False}]
    assert api["township"].get(detail(pk)).json()["allowed_actions"] == []  # nothing at the township's level yet

    v, t, c = api["village"], api["township"], api["county"]
    clock(D(2020, 3, 2))
    body = step(v, pk, "appraise", data=APPRAISAL, comment="27 名代表到会 20 名").json()
    assert (body["state"], [a["action"] for a in body["allowed_actions"]]) == ("appraised", ["verify"])
    assert step(v, pk, "verify").json()["state"] == "verified"
    body = step(v, pk, "post_notice").json()
    assert body["state"] == "first_notice"
    first = Notice.objects.get(cases=pk)
    assert body["notices"] == [{"id": first.pk, "kind": "first_notice", "kind_display": "First notice", "start_date": "2020-03-02",
                                "days": 7, "end_date": "2020-03-08"}]
    assert body["allowed_actions"] == [{"action": "close_notice", "label": "Close the notice", "to_state": "township_review",
                                        "to_state_display": "Township review", "role": "village", "needs": [], "notice": "",
                                        "after_notice": True}]
    clock(D(2020, 3, 8))  # the last day of the notice
    response = step(v, pk, "close_notice")
    assert (response.status_code, response.json()) == (400, {"non_field_errors": ["The notice runs until 2020-03-08: it cannot close early."]})
    clock(D(2020, 3, 9))
    assert step(v, pk, "close_notice").json()["state"] == "township_review"

    clock(D(2020, 3, 10))
    assert [a["action"] for a in t.get(detail(pk)).json()["allowed_actions"]] == ["review", "reject"]
    assert v.get(detail(pk)).json()["allowed_actions"] == []
    assert step(t, pk, "review").json()["state"] == "reviewed"
    assert step(t, pk, "post_notice").json()["state"] == "second_notice"
    clock(D(2020, 3, 17))
    assert step(t, pk, "close_notice").json()["state"] == "county_approval"
    clock(D(2020, 3, 18))
    assert [a["action"] for a in c.get(detail(pk)).json()["allowed_actions"]] == ["approve", "reject"]
    assert step(c, pk, "approve").json()["state"] == "approved"
    assert step(c, pk, "announce").json()["state"] == "announced"
    clock(D(2020, 3, 25), hour=10)
    response = step(c, pk, "register", comment="纳入建档立卡")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["state_display"], body["outcome"], body["is_open"], body["allowed_actions"]) == (
        "registered", "Registered", "completed", False, [])
    assert body["closed_at"] == "2020-03-25T10:00:00+08:00"

    timeline = [(s["action"], s["from_state"], s["to_state"], s["role"], s["actor"], s["at"][:10]) for s in body["timeline"]]
    assert timeline == [
        ("open", "", "applied", "", "village", "2020-03-01"),
        ("appraise", "applied", "appraised", "village", "village", "2020-03-02"),
        ("verify", "appraised", "verified", "village", "village", "2020-03-02"),
        ("post_notice", "verified", "first_notice", "village", "village", "2020-03-02"),
        ("close_notice", "first_notice", "township_review", "village", "village", "2020-03-09"),
        ("review", "township_review", "reviewed", "township", "township", "2020-03-10"),
        ("post_notice", "reviewed", "second_notice", "township", "township", "2020-03-10"),
        ("close_notice", "second_notice", "county_approval", "township", "township", "2020-03-17"),
        ("approve", "county_approval", "approved", "county", "county", "2020-03-18"),
        ("announce", "approved", "announced", "county", "county", "2020-03-18"),
        ("register", "announced", "registered", "county", "county", "2020-03-25"),
    ]
    assert body["timeline"][0] == {"id": body["timeline"][0]["id"], "action": "open", "action_display": "Open", "from_state": "",
                                   "from_state_display": "", "to_state": "applied", "to_state_display": "Applied", "role": "",
                                   "role_display": "", "actor": "village", "at": "2020-03-01T09:00:00+08:00", "comment": "本人申请",
                                   "data": {"reasons": ["income_below_line"]}}
    appraise = body["timeline"][1]
    assert (appraise["action_display"], appraise["role_display"], appraise["comment"], appraise["data"]) == (
        "Record the appraisal", "Village cadre", "27 名代表到会 20 名", APPRAISAL)
    assert body["timeline"][3]["data"] == {"notice": first.pk}
    assert [(n["kind"], n["start_date"], n["days"], n["end_date"]) for n in body["notices"]] == [
        ("first_notice", "2020-03-02", 7, "2020-03-08"), ("second_notice", "2020-03-10", 7, "2020-03-16"),
        ("announcement", "2020-03-18", 7, "2020-03-24")]
    assert body["objections"] == []

    household = api["county"].get(f"/api/households/{applicant.pk}/").json()
    assert (household["status"], household["registered_year"]) == ("poor", 2020)
    for day, count in (("2020-03-24", 0), ("2020-03-25", 1)):
        assert api["county"].get(POOR, {"area": BASHA, "date": day}).json() == {"area": BASHA, "date": day, "registered_poor": count}


# --- objections -------------------------------------------------------------------------------------


def test_an_objection_during_the_notice_sends_the_case_back(api, clock, applicant):
    pk = on_first_notice(api, clock, applicant)
    notice = Notice.objects.get(cases=pk)
    clock(D(2020, 3, 9))
    v = api["village"]
    response = v.post(objections(pk), {"text": "他家有车", "received_on": "2020-03-09"}, format="json")
    assert (response.status_code, response.json()) == (400, {"received_on": ["The notice ran from 2020-03-02 to 2020-03-08."]})
    response = v.post(objections(pk), {"text": "  ", "received_on": "2020-03-05"}, format="json")
    assert (response.status_code, response.json()) == (400, {"text": ["Write down the objection."]})
    response = v.post(objections(pk), {"received_on": "2020-03-05"}, format="json")
    assert (response.status_code, response.json()) == (400, {"text": ["This field is required."]})
    response = v.post(objections(pk), {"text": "他家有车", "received_on": "2020-03-08", "objector": "村民甲", "phone": "1"}, format="json")
    assert (response.status_code, response.json()) == (400, {"phone": ["This field cannot be set here."]})

    response = v.post(objections(pk), {"text": " 他家有车 ", "received_on": "2020-03-08", "objector": "村民甲"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], [a["action"] for a in body["allowed_actions"]]) == ("appraised", ["verify"])
    assert body["objections"] == [{"id": body["objections"][0]["id"], "notice": notice.pk, "received_on": "2020-03-08",
                                   "objector": "村民甲", "text": "他家有车", "recorded_by": "village",
                                   "recorded_at": "2020-03-09T09:00:00+08:00"}]
    last = body["timeline"][-1]
    assert (last["action"], last["action_display"], last["from_state"], last["to_state"], last["actor"], last["comment"], last["data"]) == (
        "objection", "Objection", "first_notice", "appraised", "village", "他家有车",
        {"objection": body["objections"][0]["id"], "notice": notice.pk})

    # not on notice any more: 409; verified again, a new notice runs its full period
    response = v.post(objections(pk), {"text": "又一条", "received_on": "2020-03-09"}, format="json")
    assert (response.status_code, response.json()) == (409, {"detail": "Objections are received only while the case is on notice."})
    clock(D(2020, 3, 12))
    assert step(v, pk, "verify", comment="核实：车辆已于 2019 年转让").status_code == 200
    body = step(v, pk, "post_notice").json()
    assert [(n["kind"], n["start_date"], n["end_date"]) for n in body["notices"]] == [
        ("first_notice", "2020-03-02", "2020-03-08"), ("first_notice", "2020-03-12", "2020-03-18")]
    clock(D(2020, 3, 18))
    assert step(v, pk, "close_notice").status_code == 400
    clock(D(2020, 3, 19))
    assert step(v, pk, "close_notice").json()["state"] == "township_review"
    assert api["analyst"].post(objections(pk), {"text": "x", "received_on": "2020-03-19"}, format="json").status_code == 404


# --- illegal steps, roles, needs, scope ----------------------------------------------------------------


def test_a_step_not_allowed_in_the_state_is_409_and_changes_nothing(api, client_for, clock, applicant):
    pk = opened(api, clock, applicant)
    steps = CaseStep.objects.count()
    response = step(api["county"], pk, "approve")
    assert (response.status_code, response.json()) == (
        409, {"detail": "“Approve” is not a step of this case in the state “Applied” (allowed: Record the appraisal, Withdraw)."})
    response = step(api["village"], pk, "close_notice")
    assert response.status_code == 409
    response = step(client_for("village", "zh-hans"), pk, "close_notice")
    assert (response.status_code, response.json()) == (
        409, {"detail": "“结束公示”不是此事项在“已申请”状态下可执行的步骤（可执行：登记民主评议, 撤回）。"})
    assert (CaseStep.objects.count(), Case.objects.get(pk=pk).state) == (steps, "applied")

    response = step(api["village"], pk, "fly")  # not a step of any procedure: the body is wrong
    assert (response.status_code, response.json()) == (400, {"action": ["\"fly\" is not a valid choice."]})
    assert step(api["village"], pk, "withdraw", comment="户主撤回申请").json()["outcome"] == "withdrawn"
    response = step(api["village"], pk, "appraise", data=APPRAISAL)
    assert (response.status_code, response.json()) == (
        409, {"detail": "“Record the appraisal” is not a step of this case in the state “Withdrawn” (allowed: none, the case is closed)."})


def test_a_step_of_another_level_is_403(api, clock, applicant):
    pk = opened(api, clock, applicant)
    clock(D(2020, 3, 2))
    for who in ("township", "county"):
        response = step(api[who], pk, "appraise", data=APPRAISAL)
        assert (response.status_code, response.json()) == (403, {"detail": "Only a user with the role “Village cadre” over this area may take the step “appraise”."})
    assert step(api["analyst"], pk, "appraise", data=APPRAISAL).status_code == 404  # no change scope at all
    assert Case.objects.get(pk=pk).state == "applied"


@pytest.mark.parametrize(("data", "errors"), [
    ({"attendance": 17, "representatives": 27, "votes_for": 15},
     {"data.attendance": ["An appraisal needs at least two thirds of the villager representatives (17 of 27 attended)."]}),
    ({"attendance": 18, "representatives": 27, "votes_for": 9}, {"data.votes_for": ["The appraisal did not pass: 9 of 18 votes in favour."]}),
    ({"attendance": 18, "representatives": 27}, {"data.votes_for": ["Required for this step."]}),
    ({}, {"data.attendance": ["Required for this step."], "data.representatives": ["Required for this step."],
          "data.votes_for": ["Required for this step."]}),
])
def test_unmet_needs_of_a_step_are_400_on_the_data_keys(api, clock, applicant, data, errors):
    pk = opened(api, clock, applicant)
    response = step(api["village"], pk, "appraise", data=data)
    assert (response.status_code, response.json()) == (400, errors)
    assert Case.objects.get(pk=pk).state == "applied"


def test_outside_the_scope_is_404(api, clock, applicant, household, areas, people):
    pk = on_first_notice(api, clock, applicant)
    notice = Notice.objects.get(cases=pk)
    for who in ("hunan_county", "other_township"):
        client = api[who]
        assert client.get(detail(pk)).status_code == 404
        assert client.get(URL).json()["count"] == 0
        assert step(client, pk, "close_notice").status_code == 404
        assert client.post(objections(pk), {"text": "x", "received_on": "2020-03-03"}, format="json").status_code == 404
        assert client.post(BULK, {"cases": [pk], "action": "close_notice"}, format="json").status_code == 404
        assert client.get(f"{NOTICES}{notice.pk}/").status_code == 404
        assert client.get(NOTICES).json()["count"] == 0
        response = client.post(URL, {"household": household.pk, "procedure": "exit", "year": 2020}, format="json")
        assert response.status_code == 404
    assert api["analyst"].get(detail(pk)).json()["allowed_actions"] == []  # the analyst reads, takes no step
    other = household_register(actor=None, area=areas[DATANG], status="none", head=people.person("杨老五"))
    response = api["village"].post(URL, {"household": other.number, "procedure": "identification"}, format="json")
    assert response.status_code == 404  # 大塘村 is not the village cadre's village
    assert api["village"].post(URL, {"household": "nope", "procedure": "identification"}, format="json").status_code == 404
    assert api["village"].get(detail(999999)).status_code == 404


# --- opening ----------------------------------------------------------------------------------------


def test_opening_rules_and_body_errors(api, clock, applicant, household):
    clock(D(2021, 5, 3))
    v = api["village"]
    response = v.post(URL, {"household": applicant.pk, "procedure": "exit"}, format="json")
    assert (response.status_code, response.json()) == (400, {"non_field_errors": ["Only a registered poor household can exit."]})
    response = v.post(URL, {"household": household.pk, "procedure": "monitoring"}, format="json")
    assert (response.status_code, response.json()) == (400, {"category": ["Choose the monitoring category."]})
    response = v.post(URL, {"household": True, "procedure": "sideways", "status": "poor"}, format="json")
    assert (response.status_code, response.json()) == (400, {
        "status": ["This field cannot be set here."]})
    response = v.post(URL, {"household": True, "procedure": "sideways"}, format="json")
    assert (response.status_code, response.json()) == (400, {
        "household": ["Give the household's id (a number) or its household number (a string)."],
        "procedure": ["\"sideways\" is not a valid choice."]})

    response = v.post(URL, {"household": household.pk, "procedure": "monitoring", "category": "unstable", "first_clue": "2021-05-01",
                            "reasons": ["income_drop", "income_drop"]}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["category"], body["category_display"], body["first_clue"], body["due_date"], body["reasons"], body["year"]) == (
        "unstable", "Unstable exited household", "2021-05-01", "2021-05-16", ["income_drop"], 2021)
    response = v.post(URL, {"household": household.number, "procedure": "monitoring", "category": "unstable"}, format="json")
    assert (response.status_code, response.json()) == (400, {"non_field_errors": ["This household already has an open case of this procedure."]})


# --- bulk -------------------------------------------------------------------------------------------


def test_bulk_steps_are_all_or_nothing_with_one_notice(api, clock, areas, people):
    v = api["village"]
    clock(D(2020, 3, 1))
    households = [household_register(actor=None, area=areas[BASHA], status="none", date=D(2020, 1, 2), head=people.person(name))
                  for name in ("甲", "乙", "丙")]
    ids = [v.post(URL, {"household": h.pk, "procedure": "identification"}, format="json").json()["id"] for h in households]

    clock(D(2020, 3, 2))
    response = api["township"].post(BULK, {"cases": ids, "action": "appraise", "data": APPRAISAL}, format="json")
    assert (response.status_code, response.json()) == (403, {"detail": "Only a user with the role “Village cadre” over this area may take the step “appraise”."})
    response = v.post(BULK, {"cases": ids, "action": "appraise", "data": {**APPRAISAL, "votes_for": 10, "attendance": 20}}, format="json")
    assert (response.status_code, response.json()) == (400, {"data.votes_for": [
        f"Case #{ids[0]} (household {households[0].number}): The appraisal did not pass: 10 of 20 votes in favour."]})
    response = v.post(BULK, {"cases": [ids[2], ids[0], ids[1], ids[0]], "action": "appraise", "data": APPRAISAL}, format="json")
    assert response.status_code == 200
    assert [(c["id"], c["state"]) for c in response.json()["cases"]] == [(pk, "appraised") for pk in ids]
    assert v.post(BULK, {"cases": ids, "action": "verify"}, format="json").status_code == 200
    response = v.post(BULK, {"cases": ids, "action": "post_notice", "comment": "张贴于村委会"}, format="json")
    assert response.status_code == 200
    notice = Notice.objects.get()
    assert sorted(notice.cases.values_list("pk", flat=True)) == ids
    assert {c["state"] for c in response.json()["cases"]} == {"first_notice"}

    clock(D(2020, 3, 5))
    assert v.post(objections(ids[1]), {"text": "异议", "received_on": "2020-03-04"}, format="json").status_code == 201
    response = v.post(BULK, {"cases": ids, "action": "close_notice"}, format="json")  # on the 5th: too early, and one case went back
    assert (response.status_code, response.json()) == (409, {
        "detail": "“Close the notice” is not a step of this case in the state “Appraised” (allowed: Record the verification).", "cases": [ids[1]]})
    clock(D(2020, 3, 9))
    assert v.post(BULK, {"cases": [ids[0], ids[2]], "action": "close_notice"}, format="json").status_code == 200
    assert dict(Case.objects.values_list("pk", "state")) == {ids[0]: "township_review", ids[1]: "appraised", ids[2]: "township_review"}

    outside = case_open(actor=None, household=household_register(actor=None, area=areas[DATANG], status="none", head=people.person("丁")),
                        procedure="identification")
    response = v.post(BULK, {"cases": [ids[1], outside.pk], "action": "verify"}, format="json")
    assert response.status_code == 404
    assert Case.objects.get(pk=ids[1]).state == "appraised"
    response = v.post(BULK, {"cases": [], "action": "verify"}, format="json")
    assert (response.status_code, response.json()) == (400, {"cases": ["This list may not be empty."]})


def test_a_rule_failing_for_one_case_writes_nothing_for_the_others(api, clock, areas, people):
    v = api["village"]
    clock(D(2020, 3, 1))
    ids = [v.post(URL, {"household": household_register(actor=None, area=areas[BASHA], status="none", head=people.person(n)).pk,
                        "procedure": "identification"}, format="json").json()["id"] for n in ("甲", "乙")]
    clock(D(2020, 3, 2))
    for action in ("appraise", "verify"):
        assert v.post(BULK, {"cases": ids, "action": action, "data": APPRAISAL}, format="json").status_code == 200
    assert step(v, ids[0], "post_notice").status_code == 200  # the first case goes on notice alone
    clock(D(2020, 3, 4))
    response = v.post(BULK, {"cases": ids, "action": "post_notice"}, format="json")
    assert (response.status_code, response.json()["cases"]) == (409, [ids[0]])
    assert step(v, ids[1], "post_notice").status_code == 200
    clock(D(2020, 3, 9))  # the first case's notice has ended (it closes first), the second's (from the 4th) still runs
    response = v.post(BULK, {"cases": ids, "action": "close_notice"}, format="json")
    second = Case.objects.select_related("household").get(pk=ids[1])
    assert (response.status_code, response.json()) == (400, {"non_field_errors": [
        f"Case #{second.pk} (household {second.household.number}): The notice runs until 2020-03-10: it cannot close early."]})
    assert set(Case.objects.values_list("state", flat=True)) == {"first_notice"}
    assert CaseStep.objects.filter(action="close_notice").count() == 0


# --- lists and filters ------------------------------------------------------------------------------


def test_list_filters_inbox_and_overdue(api, clock, applicant, household):
    ident = on_first_notice(api, clock, applicant)
    clock(D(2021, 5, 3))
    monitoring = api["village"].post(URL, {"household": household.pk, "procedure": "monitoring", "category": "marginal",
                                           "first_clue": "2021-05-01"}, format="json").json()["id"]
    c = api["county"]

    def ids(client=c, **params):
        response = client.get(URL, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [monitoring, ident]  # newest first
    assert ids(procedure="identification") == [ident]
    assert ids(state="first_notice") == [ident]
    assert ids(area="522633100") == [monitoring, ident]
    assert ids(area="522633101") == []
    assert ids(area="52263310020") == []  # no such area
    assert ids(household=household.pk) == [monitoring]
    assert ids(open="true") == [monitoring, ident]
    assert ids(open="false") == []
    assert ids(overdue="true") == []
    clock(D(2021, 5, 17))  # the deadline was the 16th
    assert ids(overdue="true") == [monitoring]
    row = c.get(URL, {"overdue": "true"}).json()["results"][0]
    assert (row["overdue"], row["due_date"], row["category"], row["area_name"]) == (True, "2021-05-16", "marginal", "岜沙村")
    assert "allowed_actions" not in row and "timeline" not in row
    assert ids(api["village"], inbox="true") == [monitoring, ident]  # the earliest deadline first; no deadline last
    assert ids(api["township"], inbox="true") == []
    assert ids(inbox="true") == []
    assert ids(api["other_township"]) == []
    response = c.get(URL, {"state": "bogus", "area": "x"})
    assert response.status_code == 400 and set(response.json()) == {"state", "area"}


def test_list_runs_a_constant_number_of_queries(api, clock, areas, people):
    v = api["village"]
    clock(D(2020, 3, 1))

    def open_one(name):
        h = household_register(actor=None, area=areas[BASHA], status="none", head=people.person(name))
        assert v.post(URL, {"household": h.pk, "procedure": "identification"}, format="json").status_code == 201

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert v.get(URL).status_code == 200
        return len(ctx.captured_queries)

    open_one("甲")
    one = count()
    for name in ("乙", "丙", "丁"):
        open_one(name)
    assert count() == one


# --- notices ----------------------------------------------------------------------------------------


def test_notices_show_only_the_heads_name_household_number_and_size(api, clock, applicant, household):
    pk = on_first_notice(api, clock, applicant)
    notice = Notice.objects.get(cases=pk)
    expected = {"id": notice.pk, "procedure": "identification", "procedure_display": "Poor household identification", "kind": "first_notice",
                "kind_display": "First notice", "area": BASHA, "area_name": "岜沙村", "start_date": "2020-03-02", "days": 7,
                "end_date": "2020-03-08", "created_by": "village", "created_at": "2020-03-02T09:00:00+08:00",
                "cases": [{"case": pk, "household_number": applicant.number, "head_name": "吴老三", "size": 2}]}
    listing = api["township"].get(NOTICES)
    assert listing.status_code == 200
    assert listing.json()["results"] == [expected]
    response = api["village"].get(f"{NOTICES}{notice.pk}/")
    assert response.json() == expected
    text = listing.content.decode() + response.content.decode()
    members = applicant.members.all()
    for private in (*[p.id_number for p in members], *[p.id_number[-4:] for p in members], "13812345678", "5678", "6228480000012345",
                    "2345", "health", "chronic", "phone", "bank", "id_number"):
        assert private not in text, private
    assert api["county"].get(NOTICES, {"kind": "second_notice"}).json()["count"] == 0
    assert api["county"].get(NOTICES, {"procedure": "identification", "area": BASHA}).json()["count"] == 1
    assert api["county"].get(NOTICES, {"area": DATANG}).json()["count"] == 0


# --- the register as of a date ----------------------------------------------------------------------


def test_registered_poor_as_of_dates(api, clock, household):
    c = api["county"]
    for area, day, count in ((BASHA, "2014-05-31", 0), (BASHA, "2014-06-01", 1), ("522633", "2020-12-31", 1),
                             ("522633101", "2020-12-31", 0)):
        response = c.get(POOR, {"area": area, "date": day})
        assert response.status_code == 200
        assert response.json() == {"area": area.ljust(12, "0"), "date": day, "registered_poor": count}
    clock(D(2022, 7, 1))
    assert c.get(POOR, {"area": BASHA}).json() == {"area": BASHA, "date": "2022-07-01", "registered_poor": 1}
    assert api["township"].get(POOR, {"area": "522633100", "date": "2020-01-01"}).json()["registered_poor"] == 1
    response = c.get(POOR, {"area": "52x", "date": "2020-02-30"})
    assert response.status_code == 400 and set(response.json()) == {"area", "date"}
    assert c.get(POOR).json() == {"area": ["This field is required."]}
    assert api["township"].get(POOR, {"area": "522633", "date": "2020-01-01"}).status_code == 404  # the county is wider than the township
    assert api["hunan_county"].get(POOR, {"area": BASHA}).status_code == 404
    assert c.get(POOR, {"area": "431125"}).status_code == 404
    assert c.get(POOR, {"area": "522633999"}).status_code == 404


# --- schema -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_documents_the_procedure_endpoints():
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths["/api/cases/"]) == {"get", "post"}
    for path in ("/api/cases/{id}/act/", "/api/cases/bulk-act/", "/api/cases/{id}/objections/"):
        assert set(paths[path]) == {"post"}, path
    assert set(paths["/api/cases/{id}/act/"]["post"]["responses"]) == {"200", "400", "403", "404", "409"}
    for path in ("/api/cases/{id}/", "/api/notices/", "/api/notices/{id}/", "/api/registered-poor/"):
        assert set(paths[path]) == {"get"}, path
    components = schema["components"]["schemas"]
    assert set(components["NoticeCase"]["properties"]) == {"case", "household_number", "head_name", "size"}
    assert {"allowed_actions", "timeline", "objections", "notices"} <= set(components["CaseDetail"]["properties"])
    assert set(components["RegisteredPoor"]["properties"]) == {"area", "date", "registered_poor"}


def test_evidence_is_attached_through_the_api_and_checked_by_content(api, clock, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from django.core.files.uploadedfile import SimpleUploadedFile

    pk = opened(api, clock, applicant)
    v = api["village"]
    pdf = lambda: SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4\n%minutes\n", content_type="application/pdf")  # noqa: E731
    response = v.post(f"{detail(pk)}evidence/", {"kind": "minutes", "file": pdf()}, format="multipart")
    assert response.status_code == 201, response.content
    [item] = response.json()["evidence"]
    assert (item["kind"], item["original_name"], item["content_type"], item["size"], item["uploaded_by"]) == (
        "minutes", "会议记录.pdf", "application/pdf", 18, "village")
    fake = SimpleUploadedFile("photo.png", b"MZ not an image", content_type="image/png")
    response = v.post(f"{detail(pk)}evidence/", {"kind": "notice_photo", "file": fake}, format="multipart")
    assert response.status_code == 400 and list(response.json()) == ["file"]
    assert v.post(f"{detail(pk)}evidence/", {"kind": "selfie", "file": pdf()}, format="multipart").status_code == 400
    assert api["hunan_county"].post(f"{detail(pk)}evidence/", {"kind": "minutes", "file": pdf()}, format="multipart").status_code == 404
    assert len(v.get(detail(pk)).json()["evidence"]) == 1
