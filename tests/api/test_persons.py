"""Persons: list, search, detail, add, update, death, move, and the audited identity endpoint."""

from __future__ import annotations

import datetime as dt

from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Household, Membership, Person
from jingzhun.registry.services import household_register

URL = "/api/persons/"


def detail(pk: int, suffix: str = "") -> str:
    return f"{URL}{pk}/{suffix}"


def member(household, name: str) -> Person:
    return household.members.get(name=name)


def guandong_household(areas, people) -> Household:
    return household_register(actor=None, area=areas["522633101201"], head=people.person("龙老四"))


# --- list and detail --------------------------------------------------------------------------------


def test_list_is_scoped(client_for, household, areas, people):
    guandong_household(areas, people)
    names = {p["name"] for p in client_for("township").get(URL).json()["results"]}
    assert names == {"滚老大", "王妹", "滚小明"}
    assert {p["name"] for p in client_for("other_township").get(URL).json()["results"]} == {"龙老四"}
    assert client_for("county").get(URL).json()["count"] == 4


def test_list_filters_by_household_and_search(client_for, household, areas, people):
    other = guandong_household(areas, people)
    client = client_for("county")
    assert client.get(URL, {"household": household.pk}).json()["count"] == 3
    assert [p["name"] for p in client.get(URL, {"household": other.pk}).json()["results"]] == ["龙老四"]
    assert [p["name"] for p in client.get(URL, {"q": "王"}).json()["results"]] == ["王妹"]
    assert [p["name"] for p in client.get(URL, {"q": "gxm"}).json()["results"]] == ["滚小明"]
    assert [p["name"] for p in client.get(URL, {"q": "wangmei"}).json()["results"]] == ["王妹"]
    number = member(household, "王妹").id_number
    assert [p["name"] for p in client.get(URL, {"q": number}).json()["results"]] == ["王妹"]


def test_search_by_identity_number_outside_scope_finds_nothing(client_for, household):
    number = household.head.id_number
    assert client_for("other_township").get(URL, {"q": number}).json()["count"] == 0
    # an id filter on another township's household neither errors nor leaks
    assert client_for("other_township").get(URL, {"household": household.pk}).json()["count"] == 0
    assert client_for("other_township").get(URL, {"household": 999999}).json()["count"] == 0


def test_detail_masks_the_identity_number(client_for, household):
    head = household.head
    response = client_for("county").get(detail(head.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["id_number_masked"] == head.id_number[:4] + "**********" + head.id_number[-4:]
    assert "id_number" not in body
    assert head.id_number not in response.content.decode()
    assert body["household"] == household.pk and body["household_number"] == household.number
    assert body["relation"] == "head" and body["area"] == "522633100201"


def test_list_never_contains_full_identity_numbers(client_for, household):
    raw = client_for("county").get(URL).content.decode()
    assert all(p.id_number not in raw for p in household.members.all())
    assert "id_number_masked" in raw


def test_detail_outside_scope_is_404(client_for, household):
    assert client_for("other_township").get(detail(household.head_id)).status_code == 404
    assert client_for("hunan_county").get(detail(household.head_id)).status_code == 404


def test_labels_follow_the_request_language(client_for, household):
    zh = client_for("township", language="zh-hans").get(detail(household.head_id)).json()
    en = client_for("township", language="en").get(detail(household.head_id)).json()
    assert zh["ethnicity"] == en["ethnicity"] == "01"
    assert zh["ethnicity_display"] == "汉族" and en["ethnicity_display"] == "Han"
    assert en["sex_display"] == "Male" and en["relation_display"] == "Head of household"


# --- add and update ---------------------------------------------------------------------------------


def test_add_person(client_for, household, people, users):
    body = {"household": household.pk, "relation": "grandchild", "date": "2024-03-01", "reason": "birth",
            **people.person("滚小宝", born=dt.date(2024, 2, 20))}
    response = client_for("village").post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["household"] == household.pk and data["relation"] == "grandchild"
    household.refresh_from_db()
    assert household.size == 4
    membership = Membership.objects.get(person_id=data["id"])
    assert membership.start_date == dt.date(2024, 3, 1) and membership.start_reason == "birth"
    assert AuditEvent.objects.get(action="person.add").actor == users["village"]


def test_add_person_needs_household_relation_date_and_reason(client_for, household, people):
    response = client_for("village").post(URL, people.person("滚小宝"), format="json")
    assert response.status_code == 400
    assert {"household", "relation", "date", "reason"} <= set(response.json())


def test_add_person_as_head_is_refused_by_the_service(client_for, household, people):
    body = {"household": household.pk, "relation": "head", "date": "2024-03-01", "reason": "birth",
            **people.person("滚小宝")}
    response = client_for("village").post(URL, body, format="json")
    assert response.status_code == 400 and "relation" in response.json()


def test_add_person_outside_change_scope_is_404(client_for, household, people):
    body = {"household": household.pk, "relation": "child", "date": "2024-03-01", "reason": "birth",
            **people.person("滚小宝")}
    for user in ("other_township", "analyst"):
        assert client_for(user).post(URL, body, format="json").status_code == 404, user
    assert client_for("county").post(URL, {**body, "household": 999999}, format="json").status_code == 404
    household.refresh_from_db()
    assert household.size == 3


def test_update_person(client_for, household):
    child = member(household, "滚小明")
    response = client_for("township").patch(detail(child.pk), {"name": "滚明", "education": "junior"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "滚明" and response.json()["name_pinyin"] == "gunming"
    assert response.json()["education_display"] == "Junior secondary"


def test_update_person_identity_rules(client_for, household):
    child = member(household, "滚小明")
    response = client_for("township").patch(detail(child.pk), {"id_number": "123"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["id_number"]
    head = household.head
    body = {"id_number": head.id_number, "birth_date": str(head.birth_date), "sex": head.sex}
    response = client_for("township").patch(detail(child.pk), body, format="json")
    assert response.status_code == 400 and household.number in response.json()["id_number"][0]


def test_update_person_cannot_change_relation(client_for, household):
    child = member(household, "滚小明")
    response = client_for("township").patch(detail(child.pk), {"relation": "head"}, format="json")
    assert response.status_code == 400 and "relation" in response.json()


def test_update_person_outside_change_scope_is_404(client_for, household):
    child = member(household, "滚小明")
    for user in ("other_township", "analyst"):
        assert client_for(user).patch(detail(child.pk), {"name": "X"}, format="json").status_code == 404, user
    child.refresh_from_db()
    assert child.name == "滚小明"


# --- death and move ---------------------------------------------------------------------------------


def test_record_death(client_for, household):
    spouse = member(household, "王妹")
    response = client_for("village").post(detail(spouse.pk, "death/"), {"death_date": "2024-05-01"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["death_date"] == "2024-05-01" and response.json()["household"] is None
    household.refresh_from_db()
    assert household.size == 2


def test_record_death_errors(client_for, household):
    head = household.head
    client = client_for("village")
    response = client.post(detail(head.pk, "death/"), {"death_date": "2024-05-01"}, format="json")
    assert response.status_code == 400 and "person" in response.json()  # the head of a household of three
    response = client.post(detail(head.pk, "death/"), {"death_date": "1900-01-01"}, format="json")
    assert response.status_code == 400 and "death_date" in response.json()
    assert client.post(detail(head.pk, "death/"), {}, format="json").status_code == 400


def test_record_death_outside_change_scope_is_404(client_for, household):
    child = member(household, "滚小明")
    for user in ("other_township", "analyst"):
        response = client_for(user).post(detail(child.pk, "death/"), {"death_date": "2024-05-01"}, format="json")
        assert response.status_code == 404, user
    child.refresh_from_db()
    assert child.death_date is None


def test_move_person(client_for, household, areas, people):
    target = household_register(actor=None, area=areas["522633100202"], head=people.person("杨老三"))
    child = member(household, "滚小明")
    body = {"to_household": target.pk, "relation": "other", "date": "2024-06-01", "reason": "move"}
    response = client_for("township").post(detail(child.pk, "move/"), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["household"] == target.pk and response.json()["area"] == "522633100202"
    target.refresh_from_db()
    household.refresh_from_db()
    assert (target.size, household.size) == (2, 2)


def test_move_to_a_household_outside_change_scope_is_404(client_for, household, areas, people):
    target = guandong_household(areas, people)
    child = member(household, "滚小明")
    body = {"to_household": target.pk, "relation": "other", "date": "2024-06-01"}
    assert client_for("township").post(detail(child.pk, "move/"), body, format="json").status_code == 404
    assert client_for("other_township").post(detail(child.pk, "move/"), body, format="json").status_code == 404
    child.refresh_from_db()
    assert child.household_id == household.pk


# --- identity --------------------------------------------------------------------------------------


def test_identity_reveals_and_audits(client_for, household, users):
    head = household.head
    response = client_for("township").get(detail(head.pk, "identity/"))
    assert response.status_code == 200
    assert response.json() == {"id": head.pk, "id_number": head.id_number}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert event.actor == users["township"]
    assert (event.object_type, event.object_id, event.area_code) == ("registry.person", str(head.pk), "522633100201")


def test_identity_without_unmask_or_outside_scope_is_404(client_for, household):
    for user in ("analyst", "other_township", "hunan_county"):
        assert client_for(user).get(detail(household.head_id, "identity/")).status_code == 404, user
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


def test_identity_is_get_only(client_for, household):
    assert client_for("township").post(detail(household.head_id, "identity/")).status_code == 405
