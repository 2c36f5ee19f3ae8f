"""Forms: field-level errors from the services in both languages; valid posts write through the services (audited)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Household, IncomeRecord, Person

pytestmark = pytest.mark.django_db

REGISTER = reverse("web:household_new") + "?area=522633100201"


def field_errors(html: str, field_id: str) -> str:
    """The text of the error list rendered next to the field with this id."""
    match = re.search(rf'<ul class="errorlist" id="{field_id}_errors">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def bad_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def register_data(people, **head) -> dict:
    person = people.person("杨阿妹", sex="F", born=dt.date(1975, 4, 3))
    data = {
        "status": "poor", "registered_year": "2015", "identification_standard": "national", "household_type": "general",
        "main_cause": "illness", "address": "岜沙村三组", "has_electricity": "on", "water_safe": "on",
        "head-name": person["name"], "head-id_number": person["id_number"], "head-sex": "F",
        "head-birth_date": "1975-04-03", "head-ethnicity": "06", "head-student_status": "none", "head-health": "healthy",
        "head-labour_ability": "normal", "head-months_away": "0", "head-medical_insurance": "on",
    }
    data.update({f"head-{k}": v for k, v in head.items()})
    return data


# --- register -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, checksum_text, sex_text", [
    ("zh-hans", "校验码错误", "性别与身份证号码不一致"),
    ("en", "The check character of the identity number is wrong", "The sex does not agree with the identity number."),
])
def test_register_shows_field_errors_in_both_languages(login, users, people, language, checksum_text, sex_text):
    client = login(users["village"], language)
    data = register_data(people)
    data["head-id_number"] = bad_checksum(data["head-id_number"])
    response = client.post(REGISTER, data)
    assert response.status_code == 200
    assert checksum_text in field_errors(response.content.decode(), "id_head-id_number")

    data = register_data(people, sex="M")  # the number says female
    response = client.post(REGISTER, data)
    html = response.content.decode()
    assert sex_text in field_errors(html, "id_head-sex")
    assert field_errors(html, "id_head-id_number") == ""
    assert not Household.objects.filter(area_id="522633100201").exists()


@pytest.mark.parametrize("language, text", [("zh-hans", "字段是必填项"), ("en", "This field is required.")])
def test_register_form_errors_of_the_form_itself(login, users, people, language, text):
    data = register_data(people)
    del data["head-name"]
    html = login(users["village"], language).post(REGISTER, data).content.decode()
    assert text in field_errors(html, "id_head-name")


def test_register_creates_household_through_service(login, users, people):
    client = login(users["village"])
    response = client.post(REGISTER, register_data(people))
    household = Household.objects.get(area_id="522633100201")
    assert response.status_code == 302 and response["Location"] == reverse("web:household", args=[household.pk])
    assert household.head.name == "杨阿妹" and household.head.ethnicity == "06" and household.size == 1
    assert household.registered_year == 2015 and household.main_cause == "illness"
    event = AuditEvent.objects.get(action="household.register", object_id=str(household.pk))
    assert event.actor == users["village"]
    page = client.get(response["Location"]).content.decode()
    assert "已登记" in page  # the success message


def test_register_takes_sex_and_birth_date_from_the_id(login, users, people):
    data = register_data(people, sex="", birth_date="")
    assert login(users["village"]).post(REGISTER, data).status_code == 302
    head = Household.objects.get(area_id="522633100201").head
    assert head.sex == "F" and head.birth_date == dt.date(1975, 4, 3)


def test_register_duplicate_id_number(login, users, people, household):
    data = register_data(people, sex="", birth_date="")
    data["head-id_number"] = household.head.id_number
    html = login(users["village"], "en").post(REGISTER, data).content.decode()
    assert "already registered to 滚老大" in field_errors(html, "id_head-id_number")


def test_register_is_csrf_protected(client, users, people):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(users["village"])
    assert csrf_client.post(REGISTER, register_data(people)).status_code == 403
    assert not Household.objects.exists()


# --- household edit -------------------------------------------------------------------------------


def household_data(household, **changes) -> dict:
    data = {
        "identification_standard": household.identification_standard, "household_type": household.household_type,
        "main_cause": household.main_cause, "address": household.address, "housing_grade": household.housing_grade,
        "has_electricity": "on", "water_safe": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_household_edit_updates_through_service(login, users, household):
    url = reverse("web:household_edit", args=[household.pk])
    response = login(users["village"]).post(url, household_data(household, housing_grade="C", water_source="piped",
                                                                     in_cooperative="on"))
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.housing_grade == "C" and household.water_source == "piped" and household.in_cooperative
    event = AuditEvent.objects.get(action="household.update", object_id=str(household.pk))
    assert event.changes["housing_grade"] == ["B", "C"] and event.actor == users["village"]


@pytest.mark.parametrize("language, text", [("zh-hans", "选择一个有效的选项"), ("en", "Select a valid choice.")])
def test_household_edit_field_error(login, users, household, language, text):
    url = reverse("web:household_edit", args=[household.pk])
    html = login(users["village"], language).post(url, household_data(household, housing_grade="Z")).content.decode()
    assert text in field_errors(html, "id_housing_grade")


# --- members --------------------------------------------------------------------------------------


def member_data(people, **changes) -> dict:
    person = people.person("滚小花", sex="F", born=dt.date(2018, 6, 1))
    data = {"name": person["name"], "id_number": person["id_number"], "sex": "F", "birth_date": "2018-06-01",
            "ethnicity": "06", "relation": "child", "date": "2018-06-01", "reason": "birth", "student_status": "preschool",
            "health": "healthy", "labour_ability": "none", "months_away": "0", "medical_insurance": "on"}
    data.update(changes)
    return data


def test_member_add_through_service(login, users, household, people):
    response = login(users["village"]).post(reverse("web:member_add", args=[household.pk]), member_data(people))
    assert response.status_code == 302
    person = Person.objects.get(name="滚小花")
    assert person.household == household and person.relation == "child" and person.student_status == "preschool"
    household.refresh_from_db()
    assert household.size == 4
    assert AuditEvent.objects.filter(action="person.add", object_id=str(person.pk), actor=users["village"]).exists()


@pytest.mark.parametrize("language, text", [
    ("zh-hans", "出生日期与身份证号码不一致"), ("en", "The birth date does not agree with the identity number"),
])
def test_member_add_birth_date_disagrees(login, users, household, people, language, text):
    url = reverse("web:member_add", args=[household.pk])
    html = login(users["village"], language).post(url, member_data(people, birth_date="2018-06-02")).content.decode()
    assert text in field_errors(html, "id_birth_date")


def test_member_add_cannot_add_a_second_head(login, users, household, people):
    html = login(users["village"], "en").post(reverse("web:member_add", args=[household.pk]),
                                               member_data(people, relation="head")).content.decode()
    assert "Select a valid choice." in field_errors(html, "id_relation")


def person_data(person, **changes) -> dict:
    data = {"name": person.name, "sex": person.sex, "birth_date": person.birth_date.isoformat(), "ethnicity": person.ethnicity,
            "education": person.education, "student_status": person.student_status, "health": person.health,
            "labour_ability": person.labour_ability, "work_status": person.work_status, "months_away": person.months_away,
            "medical_insurance": "on", "serious_illness_insurance": "on"}
    data.update(changes)
    return data


def test_person_edit_through_service_keeps_id_when_blank(login, users, household):
    person = household.head
    url = reverse("web:person_edit", args=[person.pk])
    response = login(users["village"]).post(url, person_data(person, health="chronic", work_status="away_out", months_away="8"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.health == "chronic" and person.months_away == 8 and person.work_status == "away_out"
    event = AuditEvent.objects.get(action="person.update", object_id=str(person.pk))
    assert event.changes["health"] == ["healthy", "chronic"] and "id_number" not in event.changes


@pytest.mark.parametrize("language, text", [("zh-hans", "性别与身份证号码不一致"), ("en", "The sex does not agree")])
def test_person_edit_sex_disagrees(login, users, household, language, text):
    person = household.head  # male
    html = login(users["village"], language).post(reverse("web:person_edit", args=[person.pk]),
                                                  person_data(person, sex="F")).content.decode()
    assert text in field_errors(html, "id_sex")


@pytest.mark.parametrize("language, text", [("zh-hans", "校验码错误"), ("en", "check character")])
def test_person_edit_bad_new_id(login, users, household, language, text):
    person = household.head
    html = login(users["village"], language).post(
        reverse("web:person_edit", args=[person.pk]), person_data(person, id_number=bad_checksum(person.id_number))
    ).content.decode()
    assert text in field_errors(html, "id_id_number")


def test_record_death_through_service(login, users, household):
    child = household.members.get(name="滚小明")
    response = login(users["village"]).post(reverse("web:person_death", args=[child.pk]), {"death_date": "2021-03-04"})
    assert response.status_code == 302 and response["Location"] == reverse("web:household", args=[household.pk])
    child.refresh_from_db()
    assert child.death_date == dt.date(2021, 3, 4) and child.household is None
    assert AuditEvent.objects.filter(action="person.death", object_id=str(child.pk)).exists()


@pytest.mark.parametrize("language, text", [("zh-hans", "死亡日期"),
                                            ("en", "The date of death must lie between birth and today.")])
def test_record_death_before_birth(login, users, household, language, text):
    child = household.members.get(name="滚小明")
    html = login(users["village"], language).post(reverse("web:person_death", args=[child.pk]),
                                                  {"death_date": "2001-01-01"}).content.decode()
    assert text in field_errors(html, "id_death_date")


@pytest.mark.parametrize("language, text", [("zh-hans", "请先指定新户主"), ("en", "Choose a new head")])
def test_record_death_of_head_is_a_form_error(login, users, household, language, text):
    html = login(users["village"], language).post(reverse("web:person_death", args=[household.head.pk]),
                                                  {"death_date": "2021-03-04"}).content.decode()
    assert 'class="form-errors"' in html and text in html


# --- incomes --------------------------------------------------------------------------------------


def income_data(**changes) -> dict:
    data = {"year": "2019", "wages": "9000", "business": "3000.50", "subsidies": "", "dibao": "1200", "pensions": "",
            "eco_compensation": "", "other_transfers": "", "property_income": "", "production_costs": "600"}
    data.update(changes)
    return data


def test_income_set_through_service(login, users, household, lines):
    client = login(users["village"])
    response = client.post(reverse("web:income_set", args=[household.pk]), income_data())
    assert response.status_code == 302
    record = IncomeRecord.objects.get(household=household, year=2019)
    assert str(record.gross) == "13200.50" and str(record.net) == "12600.50" and str(record.per_capita) == "4200.17"
    assert AuditEvent.objects.filter(action="income.set", object_id=str(record.pk), actor=users["village"]).exists()
    # correcting the year: the form opens with the stored amounts
    html = client.get(reverse("web:income_set", args=[household.pk]) + "?year=2019").content.decode()
    assert 'value="9000.00"' in html


@pytest.mark.parametrize("language, text", [("zh-hans", "请输入 0 至 9,999,999,999 元之间的金额"),
                                            ("en", "Enter an amount between 0 and 9,999,999,999 yuan.")])
def test_income_negative_amount(login, users, household, language, text):
    html = login(users["village"], language).post(reverse("web:income_set", args=[household.pk]),
                                                  income_data(wages="-100")).content.decode()
    assert text in field_errors(html, "id_wages")
    assert not IncomeRecord.objects.exists()


@pytest.mark.parametrize("language, text", [("zh-hans", "年份"), ("en", "The year must lie between 2000 and")])
def test_income_year_out_of_range(login, users, household, language, text):
    html = login(users["village"], language).post(reverse("web:income_set", args=[household.pk]),
                                                  income_data(year="1999")).content.decode()
    assert text in field_errors(html, "id_year")


def test_income_members_zero_is_an_error_not_the_default(login, users, household):
    html = login(users["village"], "en").post(reverse("web:income_set", args=[household.pk]),
                                              income_data(members="0")).content.decode()
    assert "The household size must be at least 1." in field_errors(html, "id_members")


def test_income_members_blank_uses_household_size(login, users, household, lines):
    login(users["village"]).post(reverse("web:income_set", args=[household.pk]), income_data(members=""))
    assert IncomeRecord.objects.get(household=household).members == 3
