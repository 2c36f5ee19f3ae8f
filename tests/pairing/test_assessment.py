"""The east-west assessment: templates as data (migration, loader), assessors' inputs and annual scoring by hand-computed totals."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from jingzhun.core.models import AuditEvent
from jingzhun.pairing.assessment import assessment_input_set, assessment_score, grade_for, load_templates
from jingzhun.pairing.ledgers import ledger_create
from jingzhun.pairing.models import AssessmentIndicator, AssessmentInput, AssessmentScore, AssessmentTemplate
from jingzhun.pairing.projects import output_add, project_advance, project_create
from jingzhun.pairing.services import agreement_set, fund_record, partnership_create

pytestmark = pytest.mark.django_db

BANDS = [{"grade": "good", "min": "90"}, {"grade": "fairly_good", "min": "80"}, {"grade": "average", "min": "60"}, {"grade": "poor", "min": "0"}]


@pytest.fixture(autouse=True)
def migrated_templates(db):
    """The templates as the data migration writes them.  A transactional test (the browser tests) empties every table
    when it ends, migration data included; the migration's own function then loads them again."""
    if not AssessmentTemplate.objects.exists():
        from django.apps import apps

        importlib.import_module("jingzhun.pairing.migrations.0004_assessment_templates").load(apps, None)


@pytest.fixture
def pairs(areas):
    province = partnership_create(actor=None, kind="province", name="湖南—贵州", east_area=areas["430000000000"], west_area=areas["520000000000"],
                                  start_date=dt.date(2017, 1, 1))
    county = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                                start_date=dt.date(2017, 1, 1), parent=province)
    return province, county


def template(code):
    return AssessmentTemplate.objects.get(code=code)


def indicator(template_code, code):
    return AssessmentIndicator.objects.get(template__code=template_code, code=code)


def cadre(partnership, day, name):
    return ledger_create(actor=None, kind="secondments", partnership=partnership,
                         data={"date": day, "person_name": name, "kind": "cadre", "specialty": "administration", "home_unit": "江永县", "post": "副县长"})


@pytest.fixture
def year_2018(pairs, areas):
    """The province pairing's 2018 agreement and records, partly on its county pairing (a descendant):
    cadres 3 of 4 -> 75; fiscal allocated 5,000,000 + 7,000,000 = 12,000,000 of 10,000,000 -> 100 (capped); disbursed 6,000,000 of 8,000,000 -> 75;
    projects completed 1 of 3 -> 33.33...; no target for the other indicators of the 2017 template."""
    province, county = pairs
    for indicator_code, target in (("cadres_sent", "4"), ("fiscal_allocated", "10000000"), ("fiscal_disbursed", "8000000"), ("projects_completed", "3")):
        agreement_set(actor=None, partnership=province, year=2018, indicator=indicator_code, target=target)
    agreement_set(actor=None, partnership=province, year=2019, indicator="technicians_sent", target="5")  # another year: not used
    cadre(province, "2018-03-01", "张一")
    cadre(county, "2018-06-01", "张二")
    cadre(county, "2018-12-31", "张三")
    cadre(county, "2019-01-01", "张四")  # next year
    fund_record(actor=None, partnership=province, date=dt.date(2018, 2, 1), kind="allocated", source="fiscal", amount="5000000.00")
    fund_record(actor=None, partnership=county, date=dt.date(2018, 5, 1), kind="allocated", source="fiscal", amount="7000000.00")
    fund_record(actor=None, partnership=county, date=dt.date(2018, 7, 1), kind="disbursed", source="fiscal", amount="6000000.00")
    project = project_create(actor=None, partnership=county, name="茶园", code="P1", budget="100000", village=areas["522633100201"], start_date=dt.date(2018, 4, 1))
    output_add(actor=None, project=project, kind="production_base", count="1")
    for status in ("approved", "under_construction", "completed"):
        project_advance(actor=None, project=project, to=status)
    return province


def test_the_migration_loaded_both_templates():
    assert list(AssessmentTemplate.objects.values_list("code", "year_from", "year_to")) == [("2017-six-areas", 2017, 2020), ("2021-eight-items", 2021, None)]
    six, eight = template("2017-six-areas"), template("2021-eight-items")
    assert six.indicators.count() == 11 and eight.indicators.count() == 8
    assert len({i.part for i in six.indicators.all()}) == 6 and len({i.part for i in eight.indicators.all()}) == 2
    for t in (six, eight):
        assert sum(i.weight for i in t.indicators.all()) == Decimal("100")
        assert t.bands == BANDS
        assert "never published" in t.source
    leadership = indicator("2017-six-areas", "leadership")
    assert (leadership.target_source, leadership.indicator, leadership.weight, leadership.label_zh[:4]) == ("manual", "", Decimal("15"), "组织领导")


def test_loader_is_idempotent_and_resets_to_the_file():
    assert load_templates() == 0  # the migration already loaded the file
    row = indicator("2017-six-areas", "cadres_sent")
    row.weight = Decimal("40")
    row.save()
    extra = AssessmentIndicator.objects.create(template=row.template, code="local_extra", label_en="x", label_zh="x", weight=1, indicator="trained",
                                               target_source="agreement")
    assert load_templates() == 1
    assert indicator("2017-six-areas", "cadres_sent").weight == Decimal("10")
    assert AssessmentIndicator.objects.filter(pk=extra.pk).exists()  # an admin's own indicator is left alone
    assert load_templates() == 0
    call_command("pairing_templates", verbosity=0)
    assert AssessmentTemplate.objects.count() == 2


def test_loader_creates_from_a_file_and_rejects_unknown_codes(tmp_path):
    spec = {"code": "test-fixed", "name_en": "Test", "name_zh": "测试", "year_from": 2018, "year_to": None, "source": "test", "bands": BANDS,
            "indicators": [{"part": "p", "code": "purchases", "label_en": "Purchases", "label_zh": "采购", "weight": "1", "indicator": "purchases",
                            "target_source": "fixed", "target": "1000000"}]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"templates": [spec]}), encoding="utf-8")
    assert load_templates(path) == 2
    assert load_templates(path) == 0
    assert indicator("test-fixed", "purchases").target == Decimal("1000000.00")
    spec["indicators"][0]["indicator"] = "purchased"
    path.write_text(json.dumps({"templates": [spec]}), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown indicator 'purchased'"):
        load_templates(path)
    spec["indicators"][0].update(indicator="purchases", weight="0")
    path.write_text(json.dumps({"templates": [spec]}), encoding="utf-8")
    with pytest.raises(ValueError, match="the weight must be positive"):
        load_templates(path)
    assert indicator("test-fixed", "purchases").weight == Decimal("1")


def test_score_by_hand_with_renormalised_weights(year_2018, users):
    province = year_2018
    assessment_input_set(actor=users["province"], partnership=province, year=2018, indicator=indicator("2017-six-areas", "leadership"), score="90",
                         note="联席会议4次")
    result = assessment_score(actor=users["province"], partnership=province, year=2018, template=template("2017-six-areas"))
    # Scored: leadership 15 x 90, cadres 10 x 75, allocated 10 x 100, disbursed 10 x 75, completed 10 x 100/3; weights 55
    # (technicians, enterprises, investment, workers, trained and beneficiary households have no target: left out).
    # (1350 + 750 + 1000 + 750 + 333.33...) / 55 = 12550 / 165 = 76.0606... -> 76.06: average (60 <= total < 80).
    assert result.total == Decimal("76.06")
    assert result.grade == "average"
    detail = {d["code"]: d for d in result.detail}
    assert [d["code"] for d in result.detail][:3] == ["leadership", "cadres_sent", "technicians_sent"]
    assert (detail["leadership"]["score"], detail["leadership"]["flag"], detail["leadership"]["counted"]) == ("90.00", "", True)
    assert (detail["cadres_sent"]["target"], detail["cadres_sent"]["actual"], detail["cadres_sent"]["ratio"], detail["cadres_sent"]["score"]) == \
        ("4.00", "3", "0.7500", "75.00")
    assert (detail["fiscal_allocated"]["actual"], detail["fiscal_allocated"]["ratio"], detail["fiscal_allocated"]["score"]) == ("12000000.00", "1.2000", "100.00")
    assert (detail["fiscal_disbursed"]["ratio"], detail["fiscal_disbursed"]["score"]) == ("0.7500", "75.00")
    assert (detail["projects_completed"]["actual"], detail["projects_completed"]["ratio"], detail["projects_completed"]["score"]) == ("1", "0.3333", "33.33")
    for code in ("technicians_sent", "enterprises", "investment", "workers_placed", "trained", "beneficiary_households"):
        assert (detail[code]["flag"], detail[code]["counted"], detail[code]["score"], detail[code]["target"]) == ("no_target", False, None, None)
    assert detail["cadres_sent"]["weight"] == "10.000" and detail["cadres_sent"]["label_zh"] == "选派党政干部"
    stored = AssessmentScore.objects.get(partnership=province, year=2018)
    assert (stored.total, stored.grade, stored.computed_by) == (Decimal("76.06"), "average", users["province"])
    assert AuditEvent.objects.filter(action="pairing.assessment_score", object_id=str(stored.pk)).count() == 1


def test_missing_input_scores_zero_and_rescoring_updates_in_place(year_2018, users):
    province = year_2018
    first = assessment_score(actor=None, partnership=province, year=2018, template=template("2017-six-areas"))
    # Leadership has no input: 0 with its weight kept. (0 + 750 + 1000 + 750 + 333.33...) / 55 = 8500 / 165 = 51.5151... -> 51.52: poor.
    assert (first.total, first.grade) == (Decimal("51.52"), "poor")
    leadership = next(d for d in first.detail if d["code"] == "leadership")
    assert (leadership["flag"], leadership["score"], leadership["counted"]) == ("missing_input", "0.00", True)
    assessment_input_set(actor=None, partnership=province, year=2018, indicator=indicator("2017-six-areas", "leadership"), score="100")
    agreement_set(actor=None, partnership=province, year=2018, indicator="projects_completed", target="1")
    # (1500 + 750 + 1000 + 750 + 1000) / 55 = 5000 / 55 = 90.9090... -> 90.91: good.
    second = assessment_score(actor=None, partnership=province, year=2018, template=template("2017-six-areas"))
    assert (second.pk, second.total, second.grade) == (first.pk, Decimal("90.91"), "good")
    assert AssessmentScore.objects.count() == 1
    event = AuditEvent.objects.filter(action="pairing.assessment_score").order_by("-id").first()
    assert event.changes["total"] == ["51.52", "90.91"] and event.changes["grade"] == ["poor", "good"]


def test_descendant_partnership_scored_on_its_own_records_only(year_2018, pairs):
    _province, county = pairs
    agreement_set(actor=None, partnership=county, year=2018, indicator="cadres_sent", target="3")
    agreement_set(actor=None, partnership=county, year=2018, indicator="fiscal_allocated", target="10000000")
    # Leadership 0 (missing) x 15, cadres 2/3 -> 66.66... x 10, allocated 7,000,000/10,000,000 -> 70 x 10: (666.66... + 700) / 35 = 4100/105 = 39.05.
    result = assessment_score(actor=None, partnership=county, year=2018, template=template("2017-six-areas"))
    assert result.total == Decimal("39.05") and result.grade == "poor"


def test_2021_template_and_a_fixed_target(pairs, tmp_path):
    province, county = pairs
    agreement_set(actor=None, partnership=province, year=2021, indicator="fiscal_allocated", target="10000000")
    fund_record(actor=None, partnership=county, date=dt.date(2021, 6, 1), kind="allocated", source="fiscal", amount="5000000.00")
    assessment_input_set(actor=None, partnership=province, year=2021, indicator=indicator("2021-eight-items", "leadership"), score="80.5")
    # (10 x 80.5 + 15 x 50) / 25 = 1555 / 25 = 62.20: average.
    result = assessment_score(actor=None, partnership=province, year=2021, template=template("2021-eight-items"))
    assert (result.total, result.grade) == (Decimal("62.20"), "average")
    assert [d["flag"] for d in result.detail].count("no_target") == 6

    spec = {"code": "test-fixed", "name_en": "Test", "name_zh": "测试", "year_from": 2018, "year_to": None, "source": "test", "bands": BANDS,
            "indicators": [{"part": "p", "code": "purchases", "label_en": "Purchases", "label_zh": "采购", "weight": "2", "indicator": "purchases",
                            "target_source": "fixed", "target": "1000000"},
                           {"part": "p", "code": "allocated", "label_en": "Allocated", "label_zh": "安排", "weight": "1", "indicator": "fiscal_allocated",
                            "target_source": "fixed", "target": "4000000"}]}
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"templates": [spec]}), encoding="utf-8")
    load_templates(path)
    ledger_create(actor=None, kind="purchases", partnership=county,
                  data={"date": "2021-03-01", "buyer": "杭州市总工会", "product": "从江香猪", "channel": "union", "amount": "333333.33"})
    # purchases 333,333.33 / 1,000,000 -> 33.333333 x 2; allocated 5,000,000 / 4,000,000 -> 100 x 1: 166.666666 / 3 = 55.555555... -> 55.56.
    result = assessment_score(actor=None, partnership=province, year=2021, template=template("test-fixed"))
    assert (result.total, result.grade) == (Decimal("55.56"), "poor")
    assert [d["score"] for d in result.detail] == ["33.33", "100.00"]


def test_nothing_to_score_and_years_outside_the_template(pairs):
    province, _county = pairs
    AssessmentIndicator.objects.filter(template__code="2017-six-areas", target_source="manual").delete()
    with pytest.raises(ValidationError) as error:
        assessment_score(actor=None, partnership=province, year=2018, template=template("2017-six-areas"))
    assert set(error.value.message_dict) == {"template"}
    with pytest.raises(ValidationError) as error:
        assessment_score(actor=None, partnership=province, year=2021, template=template("2017-six-areas"))
    assert set(error.value.message_dict) == {"year"}
    assert AssessmentScore.objects.count() == 0


def test_grade_bands():
    assert [grade_for(Decimal(t), BANDS) for t in ("100", "90.00", "89.99", "80", "79.99", "60", "59.99", "0")] == \
        ["good", "good", "fairly_good", "fairly_good", "average", "average", "poor", "poor"]
    assert grade_for(Decimal("50"), [{"grade": "good", "min": "90"}]) == "poor"


@pytest.mark.parametrize(("score", "field"), [("101", "score"), ("-1", "score"), ("12.345", "score"), ("abc", "score"), ("NaN", "score")])
def test_input_validation(pairs, score, field):
    with pytest.raises(ValidationError) as error:
        assessment_input_set(actor=None, partnership=pairs[0], year=2018, indicator=indicator("2017-six-areas", "leadership"), score=score)
    assert set(error.value.message_dict) == {field}


def test_input_only_for_manual_indicators_of_the_templates_years(pairs, users):
    province = pairs[0]
    with pytest.raises(ValidationError) as error:
        assessment_input_set(actor=None, partnership=province, year=2018, indicator=indicator("2017-six-areas", "cadres_sent"), score="50")
    assert set(error.value.message_dict) == {"indicator"}
    with pytest.raises(ValidationError) as error:
        assessment_input_set(actor=None, partnership=province, year=2021, indicator=indicator("2017-six-areas", "leadership"), score="50")
    assert set(error.value.message_dict) == {"year"}
    row = assessment_input_set(actor=users["province"], partnership=province, year=2018, indicator=indicator("2017-six-areas", "leadership"), score="70")
    again = assessment_input_set(actor=users["province"], partnership=province, year=2018, indicator=indicator("2017-six-areas", "leadership"), score="75.5",
                                 note="复核")
    assert (again.pk, again.score, again.note) == (row.pk, Decimal("75.50"), "复核")
    assert AssessmentInput.objects.count() == 1
    events = list(AuditEvent.objects.filter(action="pairing.assessment_input_set").order_by("id"))
    assert len(events) == 2 and events[1].changes == {"score": ["70.00", "75.50"], "note": ["", "复核"]}
    assert events[0].changes["score"] == [None, "70.00"] and events[0].actor == users["province"]


def test_scope(pairs, users):
    _province, county = pairs
    leadership = indicator("2017-six-areas", "leadership")
    for name in ("county", "hunan_county"):  # either side
        assessment_input_set(actor=users[name], partnership=county, year=2018, indicator=leadership, score="60")
        assert assessment_score(actor=users[name], partnership=county, year=2018, template=template("2017-six-areas")).total == Decimal("60.00")
    with pytest.raises(PermissionDenied):
        assessment_input_set(actor=users["other_township"], partnership=county, year=2018, indicator=leadership, score="60")
    with pytest.raises(PermissionDenied):
        assessment_score(actor=users["other_township"], partnership=county, year=2018, template=template("2017-six-areas"))
