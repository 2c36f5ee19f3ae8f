"""Registry services on a real database: validation, duplicates, memberships, audit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from jingzhun.core.models import AuditEvent
from jingzhun.registry import services as s
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person, StatusChange

pytestmark = pytest.mark.django_db


def test_register_household_creates_members_memberships_history_and_audit(household, users):
    assert household.number == "5226331002010001"
    assert household.size == 3 and household.head.name == "滚老大" and household.head_name == "滚老大"
    assert household.head.relation == "head"
    assert {p.name_pinyin for p in household.members.all()} == {"gunlaoda", "wangmei", "gunxiaoming"}
    assert Membership.objects.filter(household=household, end_date__isnull=True).count() == 3
    change = StatusChange.objects.get(household=household)
    assert (change.from_status, change.to_status, change.procedure) == ("none", "poor", "registration")
    event = AuditEvent.objects.get(action="household.register", object_id=str(household.pk))
    assert event.area_code == "522633100201"
    assert event.changes["status"] == [None, "poor"] and event.changes["members"] == [None, 3]


def test_household_numbers_are_sequential_per_village(areas, people, household):
    second = s.household_register(actor=None, area=areas["522633100201"], head=people.person("潘二"))
    assert second.number == "5226331002010002"
    other = s.household_register(actor=None, area=areas["522633100202"], head=people.person("梁三"))
    assert other.number == "5226331002020001"


def test_register_requires_a_village(areas, people):
    with pytest.raises(ValidationError) as exc:
        s.household_register(actor=None, area=areas["522633100000"], head=people.person())
    assert "area" in exc.value.message_dict


def test_duplicate_identity_names_the_household_within_scope(household, users, people, areas):
    taken = household.head.id_number
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        s.household_register(actor=users["township"], area=areas["522633100202"],
                             head={"name": "冒名", "id_number": taken})
    assert exc.value.message_dict["head.id_number"] == [
        f"This identity number is already registered to 滚老大 in household {household.number}."]


def test_duplicate_identity_outside_scope_says_elsewhere(household, users, areas):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        s.household_register(actor=users["other_township"], area=areas["522633101201"],
                             head={"name": "冒名", "id_number": household.head.id_number})
    assert exc.value.message_dict["head.id_number"] == ["This identity number is already registered in another area."]


def test_duplicate_within_one_registration(areas, people):
    head = people.person("甲")
    with pytest.raises(ValidationError) as exc:
        s.household_register(actor=None, area=areas["522633100201"], head=head,
                             members=[{**head, "name": "乙", "relation": "child"}])
    assert "members.0.id_number" in exc.value.message_dict


def test_dead_persons_number_may_be_registered_again(household, people):
    child = household.members.get(name="滚小明")
    s.person_record_death(actor=None, person=child, death_date=dt.date(2020, 1, 1))
    again = s.person_add(actor=None, household=household, relation="child", date=dt.date(2021, 1, 1),
                         data={"name": "滚小明", "id_number": child.id_number})
    assert again.pk != child.pk and Person.objects.filter(id_number=child.id_number).count() == 2


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("sex", "F", "The sex does not agree with the identity number."),
        ("birth_date", dt.date(1981, 1, 1), "The birth date does not agree with the identity number (1980-05-17)."),
    ],
)
def test_sex_and_birth_date_must_agree_with_the_number(areas, people, field, value, message):
    head = people.person()
    head[field] = value
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        s.household_register(actor=None, area=areas["522633100201"], head=head)
    assert exc.value.message_dict[f"head.{field}"] == [message]


@pytest.mark.parametrize(
    "number,reason_text",
    [
        ("52263319800517", "18 characters"),
        ("52263319800517001A", "only digits and a final X"),
        ("52263319801317001X", "birth date"),
        ("522633198005170013", "check character"),
        ("000000198005170014", "area code"),
    ],
)
def test_identity_rules_reach_the_user(areas, number, reason_text):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        s.household_register(actor=None, area=areas["522633100201"], head={"name": "某", "id_number": number})
    assert reason_text in exc.value.message_dict["head.id_number"][0]


def test_messages_in_chinese(areas):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        s.household_register(actor=None, area=areas["522633100201"], head={"name": "某", "id_number": "123"})
    assert "身份证号" in exc.value.message_dict["head.id_number"][0]


def test_move_by_marriage_updates_both_households_and_history(household, areas, people):
    other = s.household_register(actor=None, area=areas["522633100202"], head=people.person("梁三"))
    bride = household.members.get(name="王妹")
    s.person_move(actor=None, person=bride, to_household=other, relation="spouse", date=dt.date(2022, 2, 2))
    household.refresh_from_db(), other.refresh_from_db(), bride.refresh_from_db()
    assert (household.size, other.size) == (2, 2)
    assert bride.area_id == "522633100202" and bride.relation == "spouse"
    history = list(Membership.objects.filter(person=bride).values_list("household_id", "end_date", "end_reason"))
    assert history == [(household.pk, dt.date(2022, 2, 2), "marriage"), (other.pk, None, "")]


def test_head_cannot_leave_before_a_new_head_is_chosen(household):
    with pytest.raises(ValidationError):
        s.person_remove(actor=None, person=household.head, date=dt.date(2022, 1, 1))
    with pytest.raises(ValidationError):
        s.person_record_death(actor=None, person=household.head, death_date=dt.date(2022, 1, 1))


def test_change_head_then_record_old_heads_death(household):
    spouse = household.members.get(name="王妹")
    old = household.head
    s.household_change_head(actor=None, household=household, new_head=spouse, date=dt.date(2023, 1, 1))
    household.refresh_from_db()
    assert household.head == spouse and household.head_name == "王妹"
    s.person_record_death(actor=None, person=old, death_date=dt.date(2023, 6, 1))
    household.refresh_from_db(), old.refresh_from_db()
    assert household.size == 2 and old.household is None and old.death_date == dt.date(2023, 6, 1)
    assert Membership.objects.get(person=old, end_date=dt.date(2023, 6, 1)).end_reason == "death"


def test_remove_member(household):
    child = household.members.get(name="滚小明")
    s.person_remove(actor=None, person=child, date=dt.date(2024, 9, 1))
    household.refresh_from_db()
    assert household.size == 2 and not household.members.filter(pk=child.pk).exists()


def test_income_set_computes_and_replaces(household):
    rec = s.income_set(actor=None, household=household, year=2019, wages=12000, business="8000.50",
                       subsidies=1000, production_costs=3000)
    assert (rec.gross, rec.net, rec.per_capita, rec.members) == (
        Decimal("21000.50"), Decimal("18000.50"), Decimal("6000.17"), 3)
    rec = s.income_set(actor=None, household=household, year=2019, wages=6000, production_costs=0, members=4)
    assert IncomeRecord.objects.filter(household=household, year=2019).count() == 1
    assert (rec.net, rec.per_capita) == (Decimal("6000.00"), Decimal("1500.00"))
    events = AuditEvent.objects.filter(action="income.set", object_id=str(rec.pk)).order_by("id")
    assert events.count() == 2 and events.last().changes["wages"] == ["12000.00", "6000"]


def test_income_rejects_negative_and_garbage(household):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        s.income_set(actor=None, household=household, year=2019, wages=-1, business="abc", production_costs=0)
    assert set(exc.value.message_dict) == {"wages", "business"}
    assert exc.value.message_dict["wages"] == ["Enter an amount between 0 and 9,999,999,999 yuan."]


def test_policy_exclusion_changes_the_computation(household, areas):
    from jingzhun.policy.models import IncomeComponentRule

    IncomeComponentRule.objects.create(year=2020, area=areas["522633000000"], component="pensions", counts=False, source="test")
    rec = s.income_set(actor=None, household=household, year=2020, wages=3000, pensions=3000, production_costs=0)
    assert rec.net == Decimal("3000.00")


def test_out_of_scope_writes_are_refused(household, users, people, areas):
    with pytest.raises(PermissionDenied):
        s.household_update(actor=users["other_township"], household=household, phone="13800000000")
    with pytest.raises(PermissionDenied):
        s.income_set(actor=users["analyst"], household=household, year=2019, wages=1)
    with pytest.raises(PermissionDenied):
        s.household_register(actor=users["village"], area=areas["522633100202"], head=people.person())


def test_update_audits_only_changed_fields(household, users):
    s.household_update(actor=users["village"], household=household, phone="13800000000", housing_grade="B")
    event = AuditEvent.objects.get(action="household.update")
    assert event.actor == users["village"] and event.changes == {"phone": ["", "*******0000"]}


def test_reveal_id_is_audited_and_scoped(household, users):
    person = household.head
    assert s.person_reveal_id(actor=users["township"], person=person) == person.id_number
    assert AuditEvent.objects.filter(action="person.reveal_id", actor=users["township"], object_id=str(person.pk)).count() == 1
    with pytest.raises(PermissionDenied):
        s.person_reveal_id(actor=users["analyst"], person=person)
    with pytest.raises(PermissionDenied):
        s.person_reveal_id(actor=users["other_township"], person=person)


def test_status_change_history(household):
    s.household_set_status(actor=None, household=household, status="exited", date=dt.date(2019, 12, 1), procedure="exit")
    household.refresh_from_db()
    assert household.status == "exited" and household.exited_year == 2019
    assert list(StatusChange.objects.filter(household=household).values_list("to_status", flat=True)) == ["poor", "exited"]
    with pytest.raises(ValidationError):
        s.household_set_status(actor=None, household=household, status="exited", date=dt.date(2020, 1, 1), procedure="exit")
    assert Household.objects.get(pk=household.pk).status == "exited"


def test_secondary_causes_must_differ(areas, people):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        s.household_register(actor=None, area=areas["522633100201"], head=people.person(), main_cause="illness",
                             secondary_cause_1="illness", secondary_cause_2="illness")
    assert exc.value.message_dict == {
        "secondary_cause_1": ["A secondary cause must differ from the main cause."],
        "secondary_cause_2": ["The second secondary cause must differ from the other causes."]}


def test_audit_rows_keep_identity_numbers_masked(household):
    event = AuditEvent.objects.filter(action="household.register").get()
    person_events = AuditEvent.objects.filter(object_type="registry.person")
    s.person_update(actor=None, person=household.head, name="滚老大")
    s.household_update(actor=None, household=household, bank_account="6228480012345678901")
    bank = AuditEvent.objects.get(action="household.update").changes["bank_account"]
    assert bank == ["", "***************8901"]
    assert household.head.id_number not in str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert event and person_events.count() == 0
