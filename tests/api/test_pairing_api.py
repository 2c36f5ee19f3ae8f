"""The pairing API (`/api/pairing/`): scope (404 outside), 400 by field with nothing written, the append-only fund ledger,
exact rollups, ledger CRUD, imports, claims, projects, assessment and the schema."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import user_create
from jingzhun.areas.models import Area
from jingzhun.pairing.assessment import load_templates
from jingzhun.pairing.models import AssessmentTemplate, Claim, FundEntry, Partnership, Project, Secondment, Trainee, TrainingSession
from jingzhun.pairing.projects import beneficiary_add, output_add, project_create
from jingzhun.pairing.services import fund_record, partnership_create
from jingzhun.registry.models import Person

API = "/api/pairing"
D = dt.date(2018, 5, 1)


@pytest.fixture
def pair(areas):
    """江永 (east, user hunan_county) paired with 从江 (west, user county), 2017-2020."""
    return partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1), end_date=dt.date(2020, 12, 31))


@pytest.fixture
def outsider(areas):
    """A county officer of 雷山县, unrelated to the partnership."""
    area = Area.objects.create(code="522634000000", parent=areas["522600000000"], level=3, name="雷山县", pinyin="leishanxian", initials="lsx")
    return user_create(actor=None, username="leishan", password="pw-leishan-2026", role=Role.COUNTY, area=area)[0]


@pytest.fixture
def project(pair, areas):
    return project_create(actor=None, partnership=pair, name="岜沙村饮水工程", code="P1", budget="500000", village=areas["522633100201"],
                          start_date=dt.date(2018, 3, 1))


# --- partnerships: scope, create, filters ------------------------------------------------------------


def test_partnerships_are_scoped_either_side(client_for, pair, outsider):
    for user in ("county", "hunan_county", "province"):
        body = client_for(user).get(f"{API}/partnerships/").json()
        assert body["count"] == 1 and body["results"][0]["id"] == pair.pk, user
    other = client_for(outsider)
    assert other.get(f"{API}/partnerships/").json()["count"] == 0
    for path in ("", "rollup/?start=2018-01-01&end=2018-12-31", "agreements/", "anomalies/", "progress/?year=2018"):
        assert other.get(f"{API}/partnerships/{pair.pk}/{path}").status_code == 404, path
    detail = client_for("county").get(f"{API}/partnerships/{pair.pk}/").json()
    assert (detail["kind"], detail["east_area"], detail["west_area"], detail["west_area_name"]) == ("county", "431125000000", "522633000000", "从江县")


def test_partnership_create_and_400_by_field_with_nothing_written(client_for, areas):
    client = client_for("county")
    bad = client.post(f"{API}/partnerships/", {"kind": "county", "name": "x", "west_area": "522633", "east_area": "431125",
                                               "start_date": "2018-13-01"}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["start_date"]
    no_east = client.post(f"{API}/partnerships/", {"kind": "county", "name": "x", "west_area": "522633", "start_date": "2018-01-01"},
                          format="json")
    assert no_east.status_code == 400 and list(no_east.json()) == ["east_area"]
    unknown = client.post(f"{API}/partnerships/", {"kind": "county", "name": "x", "west_area": "522633", "start_date": "2018-01-01",
                                                   "colour": "red"}, format="json")
    assert unknown.status_code == 400 and "colour" in unknown.json()
    assert not Partnership.objects.exists()

    ok = client.post(f"{API}/partnerships/", {"kind": "county", "name": "江永—从江", "west_area": "522633", "east_area": "431125",
                                              "start_date": "2018-01-01"}, format="json")
    assert ok.status_code == 201, ok.json()
    assert ok["Location"].endswith(f"{API}/partnerships/{ok.json()['id']}/")
    assert Partnership.objects.get().west_area_id == "522633000000"


def test_partnership_create_outside_change_scope_is_404(client_for, areas, outsider):
    response = client_for(outsider).post(f"{API}/partnerships/", {"kind": "county", "name": "x", "west_area": "522633",
                                                                  "east_area": "431125", "start_date": "2018-01-01"}, format="json")
    assert response.status_code == 404 and not Partnership.objects.exists()
    analyst = client_for("analyst").post(f"{API}/partnerships/", {"kind": "county", "name": "x", "west_area": "522633",
                                                                  "east_area": "431125", "start_date": "2018-01-01"}, format="json")
    assert analyst.status_code == 404


def test_partnership_filters(client_for, pair, areas):
    partnership_create(actor=None, kind="enterprise_village", name="某企业—岜沙村", east_party="某企业", west_area=areas["522633100201"],
                       start_date=dt.date(2021, 1, 1))
    client = client_for("county")

    def ids(query):
        return sorted(r["name"] for r in client.get(f"{API}/partnerships/?{query}").json()["results"])

    assert ids("kind=county") == ["江永—从江"]
    assert ids("area=431125") == ["江永—从江"]
    assert ids("area=522633100201") == ["某企业—岜沙村"]
    assert ids("area=522633") == ["某企业—岜沙村", "江永—从江"]
    assert ids("year=2018") == ["江永—从江"]
    assert ids("year=2022") == ["某企业—岜沙村"]


# --- funds -------------------------------------------------------------------------------------------


def test_fund_entries_are_append_only_and_correct_nets(client_for, pair, outsider):
    east, west = client_for("hunan_county"), client_for("county")
    pledge = east.post(f"{API}/fund-entries/", {"partnership": pair.pk, "date": "2018-05-01", "kind": "pledged", "source": "fiscal",
                                                "amount": "1000.10"}, format="json")
    assert pledge.status_code == 201, pledge.json()
    assert pledge.json()["amount"] == "1000.10" and pledge.json()["kind_display"] == "Pledged"
    # a pledge is the eastern side's: the western side gets 404, nothing written
    assert west.post(f"{API}/fund-entries/", {"partnership": pair.pk, "date": "2018-05-01", "kind": "pledged", "source": "fiscal",
                                              "amount": "5"}, format="json").status_code == 404
    allocated = west.post(f"{API}/fund-entries/", {"partnership": pair.pk, "date": "2018-06-01", "kind": "allocated", "source": "fiscal",
                                                   "amount": "800.25"}, format="json").json()
    over = west.post(f"{API}/fund-entries/", {"partnership": pair.pk, "date": "2018-06-02", "kind": "disbursed", "source": "fiscal",
                                              "amount": "800.26"}, format="json")
    assert over.status_code == 400 and list(over.json()) == ["amount"]
    assert FundEntry.objects.count() == 2

    entry = f"{API}/fund-entries/{allocated['id']}/"
    assert west.put(entry, {"amount": "1"}, format="json").status_code == 405
    assert west.patch(entry, {"amount": "1"}, format="json").status_code == 405
    assert west.delete(entry).status_code == 405
    assert client_for(outsider).post(f"{entry}correct/", {"note": "x"}, format="json").status_code == 404
    assert west.post(f"{entry}correct/", {"note": "  "}, format="json").json() == {"note": ["Say why the entry is corrected."]}

    correction = west.post(f"{entry}correct/", {"note": "entered twice"}, format="json")
    assert correction.status_code == 201
    assert (correction.json()["amount"], correction.json()["corrects"]) == ("-800.25", allocated["id"])
    assert west.post(f"{entry}correct/", {"note": "again"}, format="json").status_code == 400
    figures = west.get(f"{API}/partnerships/{pair.pk}/rollup/?start=2018-01-01&end=2018-12-31").json()["figures"]
    assert (figures["fiscal_allocated"], figures["fiscal_pledged"], figures["funds_pledged"]) == ("0.00", "1000.10", "1000.10")

    listing = west.get(f"{API}/fund-entries/?kind=allocated").json()
    assert [r["amount"] for r in listing["results"]] == ["800.25", "-800.25"]
    assert west.get(f"{API}/fund-entries/?date_from=2018-05-02").json()["count"] == 2
    assert client_for(outsider).get(f"{API}/fund-entries/").json()["count"] == 0
    assert client_for(outsider).get(entry).status_code == 404


# --- rollups -----------------------------------------------------------------------------------------


def test_rollup_values_are_exact(client_for, pair, project, household, areas):
    for amount in ("0.10", "0.20", "1234567890.05"):
        fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount=amount, project=project)
    fund_record(actor=None, partnership=pair, date=D, kind="disbursed", source="fiscal", amount="0.30", project=project)
    fund_record(actor=None, partnership=pair, date=dt.date(2019, 1, 1), kind="allocated", source="donation", amount="7.77")
    output_add(actor=None, project=project, kind="water_works", count="2")
    beneficiary_add(actor=None, project=project, household=household, benefit="water", amount="150.00")
    client = client_for("county")
    body = client.get(f"{API}/partnerships/{pair.pk}/rollup/?start=2018-01-01&end=2018-12-31").json()
    assert (body["start"], body["end"], body["partnerships"]) == ("2018-01-01", "2018-12-31", [pair.pk])
    f = body["figures"]
    assert f["fiscal_allocated"] == "1234567890.35" and f["funds_allocated"] == "1234567890.35"
    assert (f["fiscal_disbursed"], f["donation_allocated"], f["projects"], f["water_works"]) == ("0.30", "0.00", 1, 2)
    assert (f["beneficiary_households"], f["beneficiary_persons"], f["project_budget"]) == (1, 3, "500000.00")
    assert f["cadres_sent"] == 0 and isinstance(f["trained"], int)

    by_year = client.get(f"{API}/partnerships/{pair.pk}/rollup-by-year/?start_year=2018&end_year=2019").json()
    assert [(y["year"], y["figures"]["donation_allocated"]) for y in by_year["years"]] == [(2018, "0.00"), (2019, "7.77")]

    area = client.get(f"{API}/areas/431125/rollup/?start=2018-01-01&end=2019-12-31").json()
    assert area["partnerships"] == [pair.pk] and area["figures"]["funds_allocated"] == "1234567898.12"
    assert client.get(f"{API}/areas/522634/rollup/?start=2018-01-01&end=2019-12-31").status_code == 404  # no such area here
    bad = client.get(f"{API}/partnerships/{pair.pk}/rollup/?start=2018-12-31&end=2018-01-01")
    assert bad.status_code == 400 and list(bad.json()) == ["end"]


def test_rollup_of_a_parent_includes_its_children(client_for, areas):
    parent = partnership_create(actor=None, kind="province", name="湖南—贵州", east_area=areas["430000000000"], west_area=areas["520000000000"],
                                start_date=dt.date(2017, 1, 1))
    child = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                               start_date=dt.date(2017, 1, 1), parent=parent)
    fund_record(actor=None, partnership=parent, date=D, kind="allocated", source="fiscal", amount="100")
    fund_record(actor=None, partnership=child, date=D, kind="allocated", source="fiscal", amount="0.01")
    client = client_for("province")
    body = client.get(f"{API}/partnerships/{parent.pk}/rollup/?start=2018-01-01&end=2018-12-31").json()
    assert sorted(body["partnerships"]) == sorted([parent.pk, child.pk]) and body["figures"]["fiscal_allocated"] == "100.01"
    assert client.get(f"{API}/partnerships/{child.pk}/rollup/?start=2018-01-01&end=2018-12-31").json()["figures"]["fiscal_allocated"] == "0.01"


def test_agreements_and_progress(client_for, pair):
    client = client_for("county")
    bad = client.post(f"{API}/partnerships/{pair.pk}/agreements/", {"year": 2018, "indicator": "nonsense", "target": "5"}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["indicator"]
    ok = client.post(f"{API}/partnerships/{pair.pk}/agreements/", {"year": 2018, "indicator": "fiscal_allocated", "target": "1000"},
                     format="json")
    assert ok.status_code == 200 and ok.json()["target"] == "1000.00"
    assert client_for("analyst").post(f"{API}/partnerships/{pair.pk}/agreements/", {"year": 2018, "indicator": "fiscal_allocated",
                                                                                     "target": "1"}, format="json").status_code == 404
    fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="250")
    assert [a["indicator"] for a in client.get(f"{API}/partnerships/{pair.pk}/agreements/?year=2018").json()] == ["fiscal_allocated"]
    progress = client.get(f"{API}/partnerships/{pair.pk}/progress/?year=2018").json()
    assert [(p["indicator"], p["target"], p["actual"], p["ratio"]) for p in progress] == [("fiscal_allocated", "1000.00", "250.00", "0.2500")]


# --- projects ----------------------------------------------------------------------------------------


def test_projects_lifecycle_and_beneficiaries_without_identity_numbers(client_for, pair, household, areas, outsider):
    client = client_for("county")
    bad = client.post(f"{API}/projects/", {"partnership": pair.pk, "name": "路", "code": "R1", "budget": "100", "village": "431125100201"},
                      format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["village"]
    assert not Project.objects.exists()
    created = client.post(f"{API}/projects/", {"partnership": pair.pk, "name": "岜沙村道路", "code": "R1", "budget": "100000.50",
                                               "village": "522633100201"}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "library"
    pk = created.json()["id"]
    assert client.post(f"{API}/projects/{pk}/advance/", {"status": "completed"}, format="json").status_code == 400
    for to in ("approved", "under_construction"):
        assert client.post(f"{API}/projects/{pk}/advance/", {"status": to}, format="json").json()["status"] == to
    no_outputs = client.post(f"{API}/projects/{pk}/advance/", {"status": "completed"}, format="json")
    assert no_outputs.status_code == 400 and list(no_outputs.json()) == ["status"]
    out = client.post(f"{API}/projects/{pk}/outputs/", {"kind": "road_km", "count": "3.5"}, format="json")
    assert out.status_code == 201 and [(o["kind"], o["count"]) for o in out.json()["outputs"]] == [("road_km", "3.50")]
    assert client.post(f"{API}/projects/{pk}/advance/", {"status": "completed"}, format="json").json()["status"] == "completed"

    added = client.post(f"{API}/projects/{pk}/beneficiaries/", {"household": household.pk, "benefit": "income", "amount": "300"},
                        format="json")
    assert added.status_code == 201
    listing = client.get(f"{API}/projects/{pk}/beneficiaries/")
    assert [(b["household"], b["household_number"], b["amount"]) for b in listing.json()] == [(household.pk, household.number, "300.00")]
    text = listing.content.decode()
    for person in Person.objects.filter(household=household):
        assert person.id_number not in text and person.name not in text
    assert client_for(outsider).get(f"{API}/projects/{pk}/").status_code == 404
    assert client_for(outsider).get(f"{API}/projects/").json()["count"] == 0
    # the eastern officer sees the project but not the households of the west: a household outside their scope is 404
    east = client_for("hunan_county")
    assert [(b["household"], b["household_number"]) for b in east.get(f"{API}/projects/{pk}/beneficiaries/").json()] == [(household.pk, None)]
    assert east.post(f"{API}/projects/{pk}/beneficiaries/", {"household": household.pk, "benefit": "water"},
                     format="json").status_code == 404


# --- ledgers -----------------------------------------------------------------------------------------


SECONDMENT = {"date": "2018-03-01", "end_date": "2019-02-28", "person_name": "李医生", "kind": "technician", "specialty": "health",
              "home_unit": "江永县人民医院", "post": "副院长"}


def test_ledger_crud_round_trip(client_for, pair, outsider):
    client = client_for("hunan_county")
    url = f"{API}/ledgers/secondments/"
    bad = client.post(url, {**SECONDMENT, "partnership": pair.pk, "end_date": "2017-01-01"}, format="json")
    assert bad.status_code == 400 and "end_date" in bad.json()
    unknown = client.post(url, {**SECONDMENT, "partnership": pair.pk, "salary": "1"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["salary"]
    assert not Secondment.objects.exists()
    assert client_for(outsider).post(url, {**SECONDMENT, "partnership": pair.pk}, format="json").status_code == 404

    created = client.post(url, {**SECONDMENT, "partnership": pair.pk}, format="json")
    assert created.status_code == 201, created.json()
    row = created.json()
    assert (row["partnership"], row["person_name"], row["kind"], row["kind_display"], row["recorded_by"]) == (
        pair.pk, "李医生", "technician", "Professional and technical staff", "hunan_county")
    detail = f"{url}{row['id']}/"
    assert client_for("county").get(detail).json()["post"] == "副院长"
    assert client_for(outsider).get(detail).status_code == 404
    assert client_for(outsider).get(url).json()["count"] == 0
    assert client.get(f"{url}?partnership={pair.pk}").json()["count"] == 1
    assert client.get(f"{url}?partnership={pair.pk + 1}").json()["count"] == 0

    changed = client.patch(detail, {"post": "院长"}, format="json")
    assert changed.status_code == 200 and changed.json()["post"] == "院长"
    assert client.patch(detail, {"date": "not a date"}, format="json").status_code == 400
    assert Secondment.objects.get().post == "院长"
    assert client_for(outsider).delete(detail).status_code == 404
    assert client.delete(detail).status_code == 204
    assert not Secondment.objects.exists()
    assert client.get(detail).status_code == 404


def test_training_people_link_masks_identity_numbers(client_for, pair, household):
    client = client_for("county")
    session = client.post(f"{API}/ledgers/training/", {"partnership": pair.pk, "date": "2018-05-01", "title": "种植技术培训",
                                                        "kind": "labour_skills", "trainees": 40}, format="json")
    assert session.status_code == 201, session.json()
    url = f"{API}/ledgers/training/{session.json()['id']}/people/"
    numbers = sorted(Person.objects.filter(household=household).values_list("id_number", flat=True))
    missing = client.post(url, {"id_numbers": [numbers[0], "110101199001011237"]}, format="json")
    assert missing.status_code == 400 and list(missing.json()) == ["id_numbers.1"]
    linked = client.post(url, {"id_numbers": numbers}, format="json")
    assert linked.status_code == 201 and linked.json()["created"] == 3
    text = linked.content.decode()
    assert all(n not in text for n in numbers)
    assert sorted(p["id_number_masked"] for p in linked.json()["people"]) == sorted(n[:4] + "*" * 10 + n[-4:] for n in numbers)
    assert all(p["registered"] for p in linked.json()["people"])
    assert Trainee.objects.filter(session=TrainingSession.objects.get()).count() == 3
    assert client.get(url).json()["created"] == 0
    # secondments have no linked persons
    assert client.post(f"{API}/ledgers/secondments/1/people/", {"id_numbers": numbers}, format="json").status_code == 404


# --- imports -----------------------------------------------------------------------------------------


def test_import_template_is_an_xlsx_workbook(client_for, pair):
    response = client_for("county").get(f"{API}/imports/secondments/template/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).sheetnames


def _csv(rows: list[dict]) -> io.BytesIO:
    header = list(SECONDMENT)
    text = "\n".join([",".join(header), *[",".join(r[h] for h in header) for r in rows]]) + "\n"
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = "secondments.csv"
    return upload


def test_import_with_a_bad_row_is_400_and_writes_nothing(client_for, pair, outsider):
    client = client_for("hunan_county")
    url = f"{API}/imports/secondments/"
    rows = [SECONDMENT, {**SECONDMENT, "person_name": "王老师", "date": "2018-02-30"}]
    response = client.post(url, {"file": _csv(rows), "partnership": pair.pk}, format="multipart")
    assert response.status_code == 400, response.content
    body = response.json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "date")]
    assert body["file"][0].startswith("Row 3, column date: ")
    assert not Secondment.objects.exists()
    missing = client.post(url, {"partnership": pair.pk}, format="multipart")
    assert missing.status_code == 400 and list(missing.json()) == ["file"]
    assert client_for(outsider).post(url, {"file": _csv(rows[:1]), "partnership": pair.pk}, format="multipart").status_code == 404

    ok = client.post(url, {"file": _csv(rows[:1]), "partnership": pair.pk}, format="multipart")
    assert ok.status_code == 201 and ok.json() == {"created": 1}
    assert Secondment.objects.get().person_name == "李医生"


# --- claims ------------------------------------------------------------------------------------------


SEED_003 = [
    {"type": "average", "total": "2.831 billion yuan", "count": "72", "average": "39.33 million yuan"},
    {"type": "share", "part": "1.435 billion yuan", "whole": "2.831 billion yuan", "share": "51"},
    {"type": "increase", "value": "57.4 million yuan", "base": "39.33 million yuan", "percent": "31"},
]


def test_claim_check_finds_the_seed_003_inconsistency(client_for, pair, outsider):
    client = client_for("county")
    bad = client.post(f"{API}/claims/", {"title": "x", "source": "seed 003", "start": "2018-01-01", "end": "2018-12-31",
                                         "partnership": pair.pk, "statements": []}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["statements"]
    assert not Claim.objects.exists()
    created = client.post(f"{API}/claims/", {"title": "浙江 2018 财政援助", "source": "seed 003", "start": "2018-01-01",
                                             "end": "2018-12-31", "partnership": pair.pk, "statements": SEED_003}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    findings = client.get(f"{API}/claims/{pk}/check/").json()
    # 2.831 billion / 72 = 39.319 million, not 39.33; 57.4 million is 45.9% (not 31%) above 39.33 million
    assert [(f["index"], f["kind"]) for f in findings] == [(0, "arithmetic"), (2, "arithmetic")]
    increase = findings[1]
    assert Decimal(increase["published"]) == 31 and round(Decimal(increase["computed"]), 1) == Decimal("45.9")
    assert "45.9%" in increase["message"] and "31%" in increase["message"]
    assert client.get(f"{API}/claims/").json()["count"] == 1
    assert client_for(outsider).get(f"{API}/claims/{pk}/check/").status_code == 404
    assert client_for(outsider).get(f"{API}/claims/").json()["count"] == 0


# --- traceability, anomalies, report, assessment -----------------------------------------------------


def test_trace_anomalies_household_and_report(client_for, pair, project, household, outsider):
    fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="1000.50", project=project)
    fund_record(actor=None, partnership=pair, date=D, kind="disbursed", source="fiscal", amount="400.25", project=project)
    beneficiary_add(actor=None, project=project, household=household, benefit="water")
    client = client_for("county")
    traced = client.get(f"{API}/partnerships/{pair.pk}/trace/?source=fiscal").json()
    assert traced["totals"]["allocated"] == "1000.50" and traced["totals"]["households"] == 1
    assert traced["projects"][0]["project"]["id"] == project.pk and traced["projects"][0]["undisbursed"] == "600.25"
    assert client.get(f"{API}/partnerships/{pair.pk}/trace/?source=gift").status_code == 400

    reached = client.get(f"{API}/households/{household.pk}/").json()
    assert [(r["project"]["id"], r["sources"]) for r in reached] == [(project.pk, ["fiscal"])]
    assert client_for(outsider).get(f"{API}/households/{household.pk}/").status_code == 404

    project.status = "completed"
    project.save(update_fields=["status"])
    found = client.get(f"{API}/partnerships/{pair.pk}/anomalies/").json()
    assert [(a["code"], a["object_id"]) for a in found if a["code"] == "completed_without_outputs"] == [("completed_without_outputs", project.pk)]

    report = client.get(f"{API}/partnerships/{pair.pk}/report.xlsx/?start=2018-01-01&end=2018-12-31")
    assert report.status_code == 200 and report["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(report.content)).sheetnames


def test_assessment_inputs_and_scores(client_for, pair):
    load_templates()
    client = client_for("county")
    url = f"{API}/partnerships/{pair.pk}/assessment/2018/"
    assert client.get(url).json() == []
    unknown = client.post(url, {"template": "no-such-template"}, format="json")
    assert unknown.status_code == 400 and list(unknown.json()) == ["template"]
    bad = client.post(f"{url}inputs/", {"template": "2017-six-areas", "indicator": "leadership", "score": "101"}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["score"]
    entered = client.post(f"{url}inputs/", {"template": "2017-six-areas", "indicator": "leadership", "score": "90", "note": "检查"},
                          format="json")
    assert entered.status_code == 200 and (entered.json()["indicator"], entered.json()["score"]) == ("leadership", "90.00")
    scored = client.post(url, {"template": "2017-six-areas"}, format="json")
    assert scored.status_code == 200, scored.json()
    assert scored.json()["template"] == "2017-six-areas" and scored.json()["grade"] in ("good", "fairly_good", "average", "poor")
    assert [s["template"] for s in client.get(url).json()] == ["2017-six-areas"]
    assert client_for("analyst").post(url, {"template": "2017-six-areas"}, format="json").status_code == 404


# --- schema ------------------------------------------------------------------------------------------


def test_schema_validates_with_the_pairing_paths(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/pairing/partnerships/", "/api/pairing/partnerships/{id}/rollup/", "/api/pairing/fund-entries/{id}/correct/",
                 "/api/pairing/ledgers/secondments/{id}/", "/api/pairing/ledgers/training/{id}/people/",
                 "/api/pairing/ledgers/purchases/", "/api/pairing/imports/funds/", "/api/pairing/claims/{id}/check/",
                 "/api/pairing/areas/{code}/rollup/", "/api/pairing/partnerships/{id}/assessment/{year}/inputs/",
                 "/api/pairing/households/{id}/"):
        assert f"  {path}:" in text, path
    assert "  /api/pairing/ledgers/secondments/{id}/people/:" not in text


# --- admin -------------------------------------------------------------------------------------------


def test_admin_lists_pairing_models_and_keeps_fund_entries_read_only(superuser, pair):
    entry = fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="10.00")
    load_templates()
    client = Client()
    client.force_login(superuser)
    for model in ("partnership", "agreement", "fundentry", "project", "projectoutput", "beneficiary", "secondment", "trainingsession",
                  "labourtransfer", "vocationalstudent", "enterpriseinvestment", "purchase", "claim", "assessmenttemplate",
                  "assessmentindicator", "assessmentinput", "assessmentscore", "trainee", "placedworker"):
        assert client.get(f"/admin/pairing/{model}/").status_code == 200, model
    assert client.get("/admin/pairing/fundentry/add/").status_code == 403
    view = client.get(f"/admin/pairing/fundentry/{entry.pk}/change/")
    assert view.status_code == 200 and b'name="amount"' not in view.content
    assert client.post(f"/admin/pairing/fundentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert FundEntry.objects.filter(pk=entry.pk).exists()
    template = AssessmentTemplate.objects.get(code="2017-six-areas")
    page = client.get(f"/admin/pairing/assessmenttemplate/{template.pk}/change/")
    assert page.status_code == 200 and b'name="indicators-0-weight"' in page.content
