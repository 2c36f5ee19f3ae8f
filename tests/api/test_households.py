"""Households: list, detail, register, update; scope (404), masking, error shapes, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_register, income_set

URL = "/api/households/"
BASHA, DATANG, GUANDONG = "522633100201", "522633100202", "522633101201"


def detail(pk: int) -> str:
    return f"{URL}{pk}/"


def payload(people, area=DATANG, **extra) -> dict:
    return {
        "area": area,
        "head": people.person("杨老三"),
        "members": [people.person("李妹", sex="F", relation="spouse", born=dt.date(1983, 2, 2))],
        "registered_year": 2015,
        "main_cause": "skills",
        "phone": "13812345678",
        "bank_account": "6228480000012345",
        **extra,
    }


def register(areas, people, area=GUANDONG, name="龙老四", **extra) -> Household:
    return household_register(actor=None, area=areas[area], registered_year=2016, head=people.person(name), **extra)


# --- list and detail --------------------------------------------------------------------------------


def test_list_is_scoped_and_paginated(client_for, household, areas, people):
    other = register(areas, people)
    county = client_for("county").get(URL).json()
    assert county["count"] == 2
    township = client_for("township").get(URL).json()
    assert [h["number"] for h in township["results"]] == [household.number]
    other_township = client_for("other_township").get(URL).json()
    assert [h["id"] for h in other_township["results"]] == [other.pk]
    assert client_for("hunan_county").get(URL).json()["count"] == 0


def test_list_fields_and_latest_income(client_for, household):
    income_set(actor=None, household=household, year=2023, wages=9000)
    income_set(actor=None, household=household, year=2024, wages=12000)
    row = client_for("township").get(URL).json()["results"][0]
    assert row["number"] == household.number
    assert row["area"] == BASHA and row["area_name"] == "岜沙村"
    assert row["head_name"] == "滚老大" and row["size"] == 3
    assert row["status"] == "poor" and row["status_display"] == "Poor"
    assert row["main_cause"] == "illness" and row["main_cause_display"] == "Illness"
    assert row["latest_year"] == 2024 and row["latest_per_capita"] == "4000.00"


def test_list_uses_the_shared_household_filter(client_for, household, areas, people):
    register(areas, people, area=DATANG, name="杨老五", main_cause="skills")
    client = client_for("county")
    assert client.get(URL, {"area": BASHA}).json()["count"] == 1
    assert client.get(URL, {"area": "522633100"}).json()["count"] == 2  # township prefix
    assert client.get(URL, {"cause": "skills"}).json()["count"] == 1
    assert client.get(URL, {"q": "gld"}).json()["results"][0]["id"] == household.pk  # 滚老大 by initials
    assert client.get(URL, {"q": "王妹"}).json()["results"][0]["id"] == household.pk  # a member's name
    assert client.get(URL, {"status": "exited"}).json()["count"] == 0
    response = client.get(URL, {"status": "bogus"})
    assert response.status_code == 400 and "status" in response.json()


def test_filter_cannot_widen_scope(client_for, household, areas, people):
    register(areas, people)
    response = client_for("other_township").get(URL, {"area": BASHA})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_page_size_param_is_capped_at_500(client_for, household, areas, people):
    register(areas, people, area=BASHA, name="滚老六")
    client = client_for("county")
    page = client.get(URL, {"page_size": 1}).json()
    assert len(page["results"]) == 1 and page["count"] == 2 and "page_size=1" in page["next"]
    assert len(client.get(URL, {"page_size": 100000}).json()["results"]) == 2  # capped, not an error


def test_detail_with_members_and_masked_private_fields(client_for, areas, people):
    household = household_register(
        actor=None, area=areas[BASHA], head=people.person("滚老大"), phone="13812345678",
        bank_account="6228480000012345",
        members=[people.person("滚小明", relation="child", born=dt.date(2010, 9, 1)),
                 people.person("王妹", sex="F", relation="spouse", born=dt.date(1982, 3, 1))],
    )
    response = client_for("township").get(detail(household.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["phone_masked"] == "*******5678"
    assert body["bank_account_masked"] == "************2345"
    assert "phone" not in body and "bank_account" not in body
    assert [m["name"] for m in body["members"]] == ["滚老大", "王妹", "滚小明"]  # head first, then by age
    head = household.head
    assert body["members"][0]["id_number_masked"] == head.id_number[:4] + "*" * 10 + head.id_number[-4:]
    assert body["members"][0]["relation_display"] == "Head of household"
    raw = response.content.decode()
    assert "13812345678" not in raw and "6228480000012345" not in raw
    assert all(p.id_number not in raw for p in household.members.all())


def test_detail_outside_scope_is_404(client_for, household):
    assert client_for("other_township").get(detail(household.pk)).status_code == 404
    assert client_for("hunan_county").get(detail(household.pk)).status_code == 404
    assert client_for("township").get(detail(999999)).status_code == 404


def test_choice_labels_follow_the_request_language(client_for, household):
    zh = client_for("township", language="zh-hans").get(detail(household.pk)).json()
    en = client_for("township", language="en").get(detail(household.pk)).json()
    assert zh["status"] == en["status"] == "poor"
    assert en["status_display"] == "Poor"
    assert en["members"][0]["sex_display"] == "Male"


# --- register --------------------------------------------------------------------------------------


def test_register_household(client_for, areas, people, users):
    body = payload(people)
    response = client_for("township").post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    household = Household.objects.get(pk=data["id"])
    assert data["number"] == f"{DATANG}0001" and household.area_id == DATANG
    assert data["size"] == 2 and data["head_name"] == "杨老三"
    assert data["status"] == "poor" and data["registered_year"] == 2015
    assert data["phone_masked"] == "*******5678"
    assert [m["relation"] for m in data["members"]] == ["head", "spouse"]
    assert body["head"]["id_number"] not in response.content.decode()
    event = AuditEvent.objects.get(action="household.register", object_id=str(household.pk))
    assert event.actor == users["township"]


def test_register_fills_sex_and_birth_date_from_the_identity_number(client_for, people):
    head = {"name": "杨老三", "id_number": people.id(born=dt.date(1975, 1, 2), sex="F")}
    response = client_for("village").post(URL, {"area": "522633100201", "head": head}, format="json")
    assert response.status_code == 201, response.json()
    member = response.json()["members"][0]
    assert member["sex"] == "F" and member["birth_date"] == "1975-01-02"


def test_register_outside_change_scope_is_404(client_for, people):
    assert client_for("other_township").post(URL, payload(people, area=DATANG), format="json").status_code == 404
    assert client_for("village").post(URL, payload(people, area=DATANG), format="json").status_code == 404
    assert client_for("analyst").post(URL, payload(people, area=DATANG), format="json").status_code == 404
    assert not Household.objects.exists()


def test_register_checks_identity_rules_per_field(client_for, people):
    body = payload(people)
    good = body["head"]["id_number"]
    body["head"]["id_number"] = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check character
    response = client_for("township").post(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["head.id_number"]
    assert "check character" in errors["head.id_number"][0]

    body = payload(people)
    body["members"][0]["id_number"] = "52263319800517"  # 14 characters
    errors = client_for("township").post(URL, body, format="json").json()
    assert list(errors) == ["members.0.id_number"]


def test_register_shape_errors_use_the_same_dotted_keys(client_for, people):
    body = payload(people)
    del body["members"][0]["relation"]
    body["head"]["sex"] = "X"
    body["head"]["months_away"] = 13
    response = client_for("township").post(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"members.0.relation", "head.sex", "head.months_away"}


def test_register_refuses_a_second_head(client_for, people):
    body = payload(people)
    body["members"][0]["relation"] = "head"
    response = client_for("township").post(URL, body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["members.0.relation"]


def test_register_rejects_unknown_fields(client_for, people):
    response = client_for("township").post(URL, payload(people, number="X1", size=9), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"number", "size"}


def test_duplicate_identity_number_names_the_household_when_visible(client_for, household, people):
    body = payload(people)
    body["head"]["id_number"] = household.head.id_number
    response = client_for("township").post(URL, body, format="json")
    assert response.status_code == 400
    message = response.json()["head.id_number"][0]
    assert household.number in message and "滚老大" in message


def test_duplicate_identity_number_outside_scope_reveals_nothing(client_for, household, people):
    body = payload(people, area=GUANDONG)
    body["head"]["id_number"] = household.head.id_number
    response = client_for("other_township").post(URL, body, format="json")
    assert response.status_code == 400
    message = response.json()["head.id_number"][0]
    assert household.number not in message and "滚老大" not in message
    assert "another area" in message


def test_cause_rule_comes_back_on_the_field(client_for, people):
    response = client_for("township").post(URL, payload(people, main_cause="illness", secondary_cause_1="illness"),
                                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["secondary_cause_1"] == ["A secondary cause must differ from the main cause."]


# --- update ------------------------------------------------------------------------------------------


def test_partial_update(client_for, household, users):
    response = client_for("village").patch(detail(household.pk), {"housing_grade": "A", "phone": "13900001111"},
                                           format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["housing_grade"] == "A" and response.json()["phone_masked"] == "*******1111"
    household.refresh_from_db()
    assert household.housing_grade == "A" and household.phone == "13900001111"
    event = AuditEvent.objects.get(action="household.update")
    assert event.actor == users["village"] and event.changes["housing_grade"] == ["B", "A"]


def test_update_cannot_set_status_or_number(client_for, household):
    response = client_for("county").patch(detail(household.pk), {"status": "exited", "number": "1"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"status", "number"}
    household.refresh_from_db()
    assert household.status == "poor"


def test_update_validation_error_is_400_with_field(client_for, household):
    response = client_for("county").patch(detail(household.pk), {"housing_grade": "Z"}, format="json")
    assert response.status_code == 400 and "housing_grade" in response.json()


def test_update_outside_change_scope_is_404(client_for, household):
    for user in ("other_township", "analyst", "hunan_county"):
        response = client_for(user).patch(detail(household.pk), {"housing_grade": "A"}, format="json")
        assert response.status_code == 404, user
    household.refresh_from_db()
    assert household.housing_grade == "B"


def test_no_delete_and_no_put(client_for, household):
    client = client_for("county")
    assert client.delete(detail(household.pk)).status_code == 405
    assert client.put(detail(household.pk), {}, format="json").status_code == 405


# --- query counts ----------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [URL, "/api/persons/", "/api/incomes/"])
def test_list_query_count_does_not_grow_with_rows(client_for, areas, people, url):
    def add(n):
        for _ in range(n):
            h = register(areas, people, area=BASHA, name="滚某",
                         members=[people.person("王某", sex="F", relation="spouse")])
            income_set(actor=None, household=h, year=2024, wages=1000)

    client = client_for("county")
    add(3)
    few = _queries(client, url, {"page_size": 500})
    add(27)
    many = _queries(client, url, {"page_size": 500})
    assert many == few, (few, many)
    assert few <= 6  # session, user, scope, count, page
    assert client.get(url, {"page_size": 500}).json()["count"] >= 30
