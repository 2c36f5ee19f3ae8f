"""The six pairing ledgers: parsing of form values, every validation rule, scope, audit and linked persons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from stdnum.cn import uscc as stdnum_uscc

from jingzhun.core.models import AuditEvent
from jingzhun.pairing.ledgers import LEDGERS, ledger_create, ledger_delete, ledger_update, people_link, people_unlink, registered_on
from jingzhun.pairing.models import (
    EnterpriseInvestment,
    LabourTransfer,
    PlacedWorker,
    Purchase,
    Secondment,
    Trainee,
    TrainingSession,
    VocationalStudent,
)
from jingzhun.pairing.services import partnership_create
from jingzhun.registry.services import household_register, household_set_status, person_record_death


def make_uscc(body17: str = "91330100MA27XXXX0") -> str:
    return body17 + stdnum_uscc.calc_check_digit(body17)


USCC = make_uscc()


@pytest.fixture
def pair(areas):
    return partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1), end_date=dt.date(2020, 12, 31))


GOOD = {
    "secondments": {"date": "2018-03-01", "end_date": "2019-02-28", "person_name": "李医生", "kind": "technician", "specialty": "health",
                    "home_unit": "江永县人民医院", "post": "副院长"},
    "training": {"date": "2018/05/01", "end_date": "2018-05-03", "title": "种植技术培训", "kind": "labour_skills", "trainees": "40"},
    "labour": {"date": "2018-02-20", "workers": "12", "destination": "杭州", "employer": "杭州某电子厂", "employer_uscc": "",
               "transport": "bus"},
    "students": {"date": "2018-09-01", "name": "吴同学", "school": "江永职业中专", "major": "护理", "employed": "否"},
    "investments": {"date": "2018-06-01", "enterprise": "某茶叶公司", "uscc": USCC, "area": "522633100201", "amount": "1500000.50",
                    "jobs": "30", "poor_employed": "12"},
    "purchases": {"date": "2018-11-11", "buyer": "江永县总工会", "buyer_area": "431125000000", "product": "从江香猪", "channel": "union",
                  "amount": "25600.00"},
}


def create(pair, ledger, actor=None, **changes):
    return ledger_create(actor=actor, kind=ledger, partnership=pair, data={**GOOD[ledger], **changes})


def errors_of(pair, ledger, **changes) -> dict:
    model = LEDGERS[ledger].model
    before = model.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        create(pair, ledger, **changes)
    assert model.objects.count() == before
    return exc.value.message_dict


def test_every_ledger_is_created_from_form_strings_and_audited(pair, users):
    records = {kind: create(pair, kind, actor=users["county"]) for kind in LEDGERS}
    s = Secondment.objects.get(pk=records["secondments"].pk)
    assert (s.date, s.end_date, s.kind, s.direction) == (dt.date(2018, 3, 1), dt.date(2019, 2, 28), "technician", "east_to_west")
    t = TrainingSession.objects.get(pk=records["training"].pk)
    assert (t.date, t.trainees) == (dt.date(2018, 5, 1), 40)
    lt = LabourTransfer.objects.get(pk=records["labour"].pk)
    assert (lt.workers, lt.employer_uscc, lt.transport) == (12, "", "bus")
    st = VocationalStudent.objects.get(pk=records["students"].pk)
    assert (st.employed, st.registered, st.person_id) == (False, False, None)
    inv = EnterpriseInvestment.objects.get(pk=records["investments"].pk)
    assert (inv.amount, inv.jobs, inv.poor_employed, inv.area_id) == (Decimal("1500000.50"), 30, 12, "522633100201")
    pu = Purchase.objects.get(pk=records["purchases"].pk)
    assert (pu.amount, pu.buyer_area_id, pu.recorded_by) == (Decimal("25600.00"), "431125000000", users["county"])
    for kind, record in records.items():
        event = AuditEvent.objects.get(action=f"pairing.{kind}_create", object_id=str(record.pk))
        assert event.actor == users["county"] and event.area_code == "522633000000"
        assert event.changes["date"] == str(record.date)
    assert AuditEvent.objects.get(action="pairing.investments_create").changes["amount"] == "1500000.50"


@pytest.mark.parametrize("kind", list(GOOD))
def test_date_must_lie_in_the_partnership_period(pair, kind):
    no_end = {"end_date": ""} if "end_date" in GOOD[kind] else {}
    for date in ("2016-12-31", "2021-01-01"):
        assert errors_of(pair, kind, date=date, **no_end) == {"date": ["The date is outside the partnership's period."]}
    assert errors_of(pair, kind, date="2018-13-01") == {"date": ["Enter a date as YYYY-MM-DD."]}
    assert "date" in errors_of(pair, kind, date="")


@pytest.mark.parametrize("kind", ["secondments", "training", "students"])
def test_end_date_not_before_start(pair, kind):
    assert errors_of(pair, kind, date="2018-05-02", end_date="2018-05-01") == {"end_date": ["The end date is before the start date."]}


@pytest.mark.parametrize("kind,field", [("training", "trainees"), ("labour", "workers")])
def test_counts_are_positive_whole_numbers(pair, kind, field):
    assert errors_of(pair, kind, **{field: "0"}) == {field: ["The number must be positive."]}
    assert field in errors_of(pair, kind, **{field: "-3"})
    assert errors_of(pair, kind, **{field: "2.5"}) == {field: ["Enter a whole number."]}
    assert errors_of(pair, kind, **{field: "many"}) == {field: ["Enter a whole number."]}


@pytest.mark.parametrize("kind", ["investments", "purchases"])
def test_money_is_positive_with_at_most_two_decimals(pair, kind):
    assert errors_of(pair, kind, amount="0") == {"amount": ["The amount must be positive."]}
    assert errors_of(pair, kind, amount="-5") == {"amount": ["The amount must be positive."]}
    assert errors_of(pair, kind, amount="1.005") == {"amount": ["The amount has at most two decimal places."]}
    assert errors_of(pair, kind, amount="abc") == {"amount": ["Enter a number."]}
    record = create(pair, kind, amount="1,234.5")
    assert type(record).objects.get(pk=record.pk).amount == Decimal("1234.50")


def test_uscc_is_checked_and_normalised(pair):
    assert errors_of(pair, "investments", uscc=USCC[:-1]) == {"uscc": ["A unified social credit code has 18 characters."]}
    wrong_check = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    assert errors_of(pair, "investments", uscc=wrong_check)["uscc"][0].startswith("The check character")
    assert "uscc" in errors_of(pair, "investments", uscc="")
    record = create(pair, "investments", uscc=" " + USCC.lower() + " ")
    assert EnterpriseInvestment.objects.get(pk=record.pk).uscc == USCC


def test_employer_uscc_is_optional_but_valid_when_given(pair):
    assert errors_of(pair, "labour", employer_uscc="123") == {"employer_uscc": ["A unified social credit code has 18 characters."]}
    assert create(pair, "labour", employer_uscc=USCC).employer_uscc == USCC


def test_investment_area_and_poor_employed(pair):
    assert errors_of(pair, "investments", area="431125100201") == {"area": ["The area invested in must lie in the partnership's western area."]}
    assert errors_of(pair, "investments", area="522633999999") == {"area": ["Enter the 12-digit code of an existing area."]}
    assert errors_of(pair, "investments", jobs="5", poor_employed="6") == {
        "poor_employed": ["The registered poor employed cannot exceed the jobs created."]}
    assert create(pair, "investments", jobs="5", poor_employed="5").poor_employed == 5


def test_purchase_buyer_area_in_the_east_when_there_is_one(pair, areas):
    assert errors_of(pair, "purchases", buyer_area="522633000000") == {"buyer_area": ["The buyer's area must lie in the partnership's eastern area."]}
    assert create(pair, "purchases", buyer_area="").buyer_area_id is None
    village_pair = partnership_create(actor=None, kind="enterprise_village", name="某企业—岜沙村", east_party="某企业",
                                      west_area=areas["522633100201"], start_date=dt.date(2017, 1, 1))
    assert create(village_pair, "purchases", buyer_area="522633000000").buyer_area_id == "522633000000"


def test_choices_accept_values_and_labels_and_refuse_others(pair):
    err = errors_of(pair, "secondments", kind="general", specialty="magic")
    assert set(err) == {"kind", "specialty"} and err["kind"][0].startswith("Choose one of: cadre (Party and government cadre)")
    with translation.override("en"):
        assert create(pair, "labour", transport="Chartered train").transport == "train"
        assert create(pair, "purchases", channel="E-COMMERCE").channel == "ecommerce"


def test_booleans_and_required_text(pair):
    assert create(pair, "students", employed="是").employed is True
    assert create(pair, "students", employed="yes", school="另一所学校").employed is True
    assert create(pair, "students", employed="0", school="第三所").employed is False
    assert errors_of(pair, "students", employed="maybe") == {"employed": ["Enter yes or no (是 or 否)."]}
    assert errors_of(pair, "secondments", person_name="") == {"person_name": ["This field cannot be blank."]}
    assert errors_of(pair, "secondments", salary="1") == {"salary": ["This field cannot be set here."]}
    assert errors_of(pair, "investments", area="") == {"area": ["This field cannot be blank."]}
    # A blank value of a field with a default takes the default.
    assert create(pair, "labour", transport="").transport == "none"
    assert (create(pair, "investments", jobs="", poor_employed="").jobs, EnterpriseInvestment.objects.last().poor_employed) == (0, 0)
    assert create(pair, "secondments", direction=" ").direction == "east_to_west"


def test_scope_either_side_may_write_others_may_not(pair, users):
    with pytest.raises(PermissionDenied):
        create(pair, "training", actor=users["township"])
    assert create(pair, "training", actor=users["hunan_county"]).recorded_by == users["hunan_county"]
    record = create(pair, "training", actor=users["county"])
    with pytest.raises(PermissionDenied):
        ledger_update(actor=users["village"], record=record, data={"trainees": "5"})
    with pytest.raises(PermissionDenied):
        ledger_delete(actor=users["township"], record=record)
    assert TrainingSession.objects.count() == 2


def test_update_is_partial_and_audited_with_a_diff(pair, users):
    record = create(pair, "purchases", actor=users["county"])
    ledger_update(actor=users["county"], record=record, data={"amount": "30000", "product": "从江椪柑"})
    record.refresh_from_db()
    assert (record.amount, record.product, record.buyer) == (Decimal("30000.00"), "从江椪柑", "江永县总工会")
    event = AuditEvent.objects.get(action="pairing.purchases_update")
    assert event.changes == {"amount": ["25600.00", "30000.00"], "product": ["从江香猪", "从江椪柑"]}
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        ledger_update(actor=users["county"], record=record, data={"amount": "0"})
    assert exc.value.message_dict == {"amount": ["The amount must be positive."]}
    record.refresh_from_db()
    assert record.amount == Decimal("30000.00")


def test_delete_is_audited(pair, users):
    record = create(pair, "secondments", actor=users["county"])
    pk = record.pk
    ledger_delete(actor=users["county"], record=record)
    assert not Secondment.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="pairing.secondments_delete")
    assert event.object_id == str(pk) and event.changes["person_name"] == ["李医生", None]


# --- linked persons -------------------------------------------------------------------------------------------


@pytest.fixture
def households(areas, people):
    """poor: registered poor 2018-03-01, exited 2019-06-30; never: not registered; hunan: a household outside the west."""
    poor = household_register(actor=None, area=areas["522633100201"], date=dt.date(2018, 3, 1), registered_year=2018,
                              head=people.person("滚老大"),
                              members=[people.person("王妹", sex="F", relation="spouse", born=dt.date(1982, 3, 1))])
    household_set_status(actor=None, household=poor, status="exited", date=dt.date(2019, 6, 30), procedure="exit")
    never = household_register(actor=None, area=areas["522633100202"], date=dt.date(2015, 1, 1), status="none",
                               head=people.person("吴不贫"))
    hunan = household_register(actor=None, area=areas["431125100201"], date=dt.date(2015, 1, 1),
                               head={**people.person("周某"), "id_number": people.id(area="431125")})
    return {"poor": poor, "never": never, "hunan": hunan}


def persons(household):
    return list(household.memberships.order_by("id").values_list("person", flat=True))


def person(household, i=0):
    from jingzhun.registry.models import Person

    return Person.objects.get(pk=persons(household)[i])


def test_registered_is_computed_from_the_status_history(pair, households):
    poor, never = person(households["poor"]), person(households["never"])
    s2017 = create(pair, "training", date="2017-06-01", end_date="")
    s2018 = create(pair, "training")
    assert people_link(actor=None, record=s2018, persons=[poor, never]) == 2
    assert dict(Trainee.objects.filter(session=s2018).values_list("person", "registered")) == {poor.pk: True, never.pk: False}
    people_link(actor=None, record=s2017, persons=[poor])  # before the household was registered (and before it existed)
    assert Trainee.objects.get(session=s2017).registered is False
    assert registered_on([poor.pk, never.pk], dt.date(2020, 1, 1)) == {poor.pk: True, never.pk: False}  # exited still counts
    event = AuditEvent.objects.get(action="pairing.training_link", object_id=str(s2018.pk))
    assert event.changes == {"persons": [None, [poor.pk, never.pk]], "registered": [None, 1]}


def test_link_checks_area_duplicates_and_the_count(pair, households):
    transfer = create(pair, "labour", workers="2")
    poor, spouse, never, hunan = person(households["poor"]), person(households["poor"], 1), person(households["never"]), person(households["hunan"])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        people_link(actor=None, record=transfer, persons=[hunan])
    assert exc.value.message_dict["persons"] == [f"{hunan.masked_id} does not live in the partnership's western area."]
    people_link(actor=None, record=transfer, persons=[poor])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        people_link(actor=None, record=transfer, persons=[poor])
    assert exc.value.message_dict["persons"] == [f"{poor.masked_id} is already linked to this record."]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        people_link(actor=None, record=transfer, persons=[spouse, never])
    assert exc.value.message_dict["persons"] == ["3 persons would be linked but the record counts 2."]
    assert PlacedWorker.objects.filter(transfer=transfer).count() == 1
    # The count cannot be lowered below the links.
    people_link(actor=None, record=transfer, persons=[spouse])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        ledger_update(actor=None, record=transfer, data={"workers": "1"})
    assert exc.value.message_dict == {"workers": ["2 persons are linked to this record: the number cannot be lower."]}
    people_unlink(actor=None, record=transfer, person=spouse)
    ledger_update(actor=None, record=transfer, data={"workers": "1"})
    assert LabourTransfer.objects.get(pk=transfer.pk).workers == 1
    assert AuditEvent.objects.filter(action="pairing.labour_unlink").count() == 1


def test_changing_the_date_recomputes_registered(pair, households):
    session = create(pair, "training", date="2017-06-01", end_date="")
    poor = person(households["poor"])
    people_link(actor=None, record=session, persons=[poor])
    assert Trainee.objects.get(session=session).registered is False
    ledger_update(actor=None, record=session, data={"date": "2018-04-01"})
    assert Trainee.objects.get(session=session).registered is True


def test_student_person_by_id_number_registered_and_area(pair, households):
    poor, hunan = person(households["poor"]), person(households["hunan"])
    st = create(pair, "students", person=poor.id_number, name="")
    assert (st.person_id, st.name, st.registered) == (poor.pk, "滚老大", True)
    assert errors_of(pair, "students", person=str(hunan.pk)) == {"person": ["The person does not live in the partnership's western area."]}
    assert errors_of(pair, "students", person=poor.id_number) == {
        "person": ["This person is already enrolled at this school under this partnership."]}
    assert errors_of(pair, "students", person="110101199003077777")["person"][0].startswith("There is no person with identity number 1101")
    spouse = person(households["poor"], 1)
    person_record_death(actor=None, person=spouse, death_date=dt.date(2020, 1, 1))
    assert errors_of(pair, "students", person=spouse.id_number, school="别校")["person"][0].startswith("The person with identity number")
