"""The eligibility evaluation and the monitoring scan through the API: exact counts, reasons and lists on a hand-built
village, paging, opening cases from the proposals (re-evaluated, all or nothing, skipping open cases), the scan job,
scope (404), roles (403), errors by field (400) and the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.jobs.models import Job
from jingzhun.procedures.eligibility import EXIT_REASONS, REASONS
from jingzhun.procedures.models import Case
from jingzhun.procedures.scan_apply import monitoring_scan_task
from jingzhun.procedures.services import case_open
from jingzhun.registry.models import Person

URL = "/api/eligibility/"
OPEN = "/api/eligibility/open-cases/"
SCAN = "/api/monitoring-scan/"
YEAR = 2020  # national line 4,000; guarantee threshold 1.5 x 4,000 = 6,000
V1, V2, V3 = "522633100201", "522633100202", "522633101201"  # 岜沙村, 大塘村 (丙妹镇); 贯洞村 (贯洞镇)


@pytest.fixture
def village(eligibility_village):
    """The shared eligibility households (tests/conftest.py)."""
    return eligibility_village


@pytest.fixture
def api(client_for, users):
    return {name: client_for(name) for name in users}


def numbers(body) -> list[str]:
    return [r["number"] for r in body["results"]]


def nums(village, *keys) -> list[str]:
    return [village[k].number for k in keys]


# --- GET eligibility/ ----------------------------------------------------------------------------------------------


def test_counts_reasons_and_lists_of_the_county(api, village):
    body = api["county"].get(URL, {"area": "522633", "year": YEAR}).json()
    assert (body["area"], body["area_name"], body["year"], body["same_year_exit"], body["list"]) == ("522633000000", "从江县", 2020, False, "candidates")
    assert body["counts"] == {"households": 11, "candidates": 4, "exits": 2, "blocked": 3}
    assert body["reason_counts"] == {
        "candidates": {"income_below_line": 2, "no_income_record": 1, "food_insecure": 1, "clothing_insecure": 0, "child_out_of_school": 0,
                       "no_medical_insurance": 0, "unsafe_housing": 0, "unsafe_water": 1},
        "exits": {"income_above_line": 2, "guarantees_met": 2},
        "blocked": {"income_below_line": 1, "no_income_record": 0, "food_insecure": 0, "clothing_insecure": 0, "child_out_of_school": 0,
                    "no_medical_insurance": 0, "unsafe_housing": 1, "unsafe_water": 0, "identified_this_year": 1}}
    assert list(body["reason_labels"]) == [*REASONS, *EXIT_REASONS]
    assert body["reason_labels"]["unsafe_water"] == "No safe drinking water"
    assert body["count"] == 4 and body["next"] is None and body["previous"] is None
    assert numbers(body) == nums(village, "N01", "N02", "N03", "N05")
    assert body["results"][1] == {
        "household": village["N02"].pk, "number": village["N02"].number, "head_name": "吴二", "village": V1, "village_name": "岜沙村",
        "status": "none", "per_capita": "5000.00", "line": "4000.00", "reasons": ["unsafe_water"], "reason_labels": ["No safe drinking water"],
        "open_case": None}
    assert body["results"][2]["per_capita"] is None and body["results"][2]["reasons"] == ["no_income_record", "food_insecure"]

    exits = api["county"].get(URL, {"area": "522633", "year": YEAR, "list": "exits"}).json()
    assert numbers(exits) == nums(village, "P01", "P05") and exits["results"][0]["reasons"] == ["income_above_line", "guarantees_met"]
    blocked = api["county"].get(URL, {"area": "522633", "year": YEAR, "list": "blocked"}).json()
    assert [(r["number"], r["status"], r["reasons"], r["open_case"]) for r in blocked["results"]] == [
        (village["P02"].number, "poor", ["identified_this_year"], None), (village["P04"].number, "poor", ["unsafe_housing"], None),
        (village["P03"].number, "poor", ["income_below_line"], None)]


def test_never_an_identity_number_and_labels_in_chinese(client_for, village):
    response = client_for("county", "zh-hans").get(URL, {"area": "522633", "year": YEAR, "list": "candidates"})
    text = response.content.decode()
    assert not any(n in text for n in Person.objects.values_list("id_number", flat=True))
    assert response.json()["results"][0]["reason_labels"] == ["收入低于贫困线"]


def test_paging_and_the_smaller_areas(api, village):
    client = api["county"]
    first = client.get(URL, {"area": "522633", "year": YEAR, "page_size": 3}).json()
    assert numbers(first) == nums(village, "N01", "N02", "N03") and first["count"] == 4
    assert "page=2" in first["next"] and "page_size=3" in first["next"]
    second = client.get(first["next"]).json()
    assert numbers(second) == nums(village, "N05") and second["previous"] is not None and second["next"] is None
    assert client.get(URL, {"area": "522633", "year": YEAR, "page": 3, "page_size": 3}).status_code == 404
    village_body = api["village"].get(URL, {"area": V1, "year": YEAR}).json()
    assert village_body["counts"] == {"households": 7, "candidates": 2, "exits": 1, "blocked": 2}
    assert numbers(village_body) == nums(village, "N01", "N02")
    township = api["other_township"].get(URL, {"area": "522633101", "year": YEAR, "list": "exits"}).json()
    assert township["counts"] == {"households": 2, "candidates": 1, "exits": 1, "blocked": 0} and numbers(township) == nums(village, "P05")


def test_parameters_and_scope(api, village):
    client = api["county"]
    assert client.get(URL, {"year": YEAR}).json() == {"area": ["This field is required."]}
    assert client.get(URL, {"area": "52x", "year": YEAR}).json() == {"area": ["An area code is 2 to 12 digits."]}
    assert client.get(URL, {"area": "522633"}).json() == {"year": ["This field is required."]}
    assert client.get(URL, {"area": "522633", "year": "x"}).json() == {"year": ["A valid integer is required."]}
    assert client.get(URL, {"area": "522633", "year": YEAR, "list": "all"}).json() == {"list": ['"all" is not a valid choice.']}
    response = client.get(URL, {"area": "522633", "year": 2009})
    assert response.status_code == 400 and response.json() == {"year": ["No poverty line of 2009 applies to 从江县."]}
    assert api["hunan_county"].get(URL, {"area": "522633", "year": YEAR}).status_code == 404
    assert api["village"].get(URL, {"area": V2, "year": YEAR}).status_code == 404
    assert client.get(URL, {"area": "522633999999", "year": YEAR}).status_code == 404
    assert api["analyst"].get(URL, {"area": "522633", "year": YEAR}).status_code == 200  # a read
    from rest_framework.test import APIClient

    assert APIClient().get(URL, {"area": "522633", "year": YEAR}).status_code == 401


def test_the_list_runs_a_constant_number_of_queries(api, village):
    client = api["county"]
    with CaptureQueriesContext(connection) as one:
        client.get(URL, {"area": "522633", "year": YEAR, "page_size": 1})
    with CaptureQueriesContext(connection) as four:
        client.get(URL, {"area": "522633", "year": YEAR, "page_size": 4})
    assert len(one) == len(four)


# --- POST eligibility/open-cases/ ------------------------------------------------------------------------------------


def test_a_village_cadre_opens_identification_cases(api, village):
    response = api["village"].post(OPEN, {"area": V1, "year": YEAR, "procedure": "identification",
                                          "households": [village["N02"].pk, village["N01"].pk]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(c["household"], c["procedure"], c["state"], c["year"], c["reasons"], c["area_name"], c["opened_by"]) for c in body["cases"]] == [
        (village["N01"].pk, "identification", "applied", 2020, ["income_below_line"], "岜沙村", "village"),
        (village["N02"].pk, "identification", "applied", 2020, ["unsafe_water"], "岜沙村", "village")]
    assert body["skipped"] == []
    assert Case.objects.count() == 2
    listed = api["village"].get(URL, {"area": V1, "year": YEAR}).json()["results"]
    assert [r["open_case"] for r in listed] == [c["id"] for c in body["cases"]]
    # again: both skipped, with their cases; nothing opened (200)
    again = api["village"].post(OPEN, {"area": V1, "year": YEAR, "procedure": "identification",
                                       "households": [village["N01"].pk, village["N02"].pk]}, format="json")
    assert again.status_code == 200 and again.json() == {"cases": [], "skipped": [
        {"household": village["N01"].pk, "number": village["N01"].number, "case": body["cases"][0]["id"]},
        {"household": village["N02"].pk, "number": village["N02"].number, "case": body["cases"][1]["id"]}]}


def test_exit_cases_and_skipped_households(api, village, users):
    existing = case_open(actor=users["village"], household=village["P01"], procedure="exit")
    response = api["village"].post(OPEN, {"area": V1, "year": YEAR, "procedure": "exit", "households": [village["P01"].pk]}, format="json")
    assert response.status_code == 200 and response.json()["skipped"] == [{"household": village["P01"].pk, "number": village["P01"].number,
                                                                             "case": existing.pk}]
    existing.delete()
    response = api["village"].post(OPEN, {"area": V1, "year": YEAR, "procedure": "exit", "households": [village["P01"].pk]}, format="json")
    assert response.status_code == 201
    assert [(c["procedure"], c["state"], c["reasons"]) for c in response.json()["cases"]] == [("exit", "proposed", ["guarantees_met", "income_above_line"])]


def test_households_that_are_not_proposals_are_400_and_nothing_opens(api, village):
    response = api["village"].post(OPEN, {"area": V1, "year": YEAR, "procedure": "identification",
                                          "households": [village["N01"].pk, village["N04"].pk, village["P01"].pk]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"households": [
        f"Household {village[k].number} is not a candidate for identification in the evaluation of 岜沙村 for 2020." for k in ("N04", "P01")]}
    response = api["village"].post(OPEN, {"area": V1, "year": YEAR, "procedure": "exit", "households": [village["P02"].pk]}, format="json")
    assert response.json() == {"households": [f"Household {village['P02'].number} is not proposed to exit in the evaluation of 岜沙村 for 2020."]}
    assert Case.objects.count() == 0


@pytest.mark.parametrize(("body", "errors"), [
    ({"year": YEAR, "procedure": "identification", "households": [1]}, {"area": ["This field is required."]}),
    ({"area": V1, "procedure": "identification", "households": [1]}, {"year": ["This field is required."]}),
    ({"area": V1, "year": YEAR, "procedure": "monitoring", "households": [1]}, {"procedure": ['"monitoring" is not a valid choice.']}),
    ({"area": V1, "year": YEAR, "procedure": "identification", "households": []}, {"households": ["This list may not be empty."]}),
    ({"area": V1, "year": YEAR, "procedure": "identification", "households": ["x"]}, {"households.0": ["A valid integer is required."]}),
    ({"area": V1, "year": YEAR, "procedure": "identification", "households": [1], "comment": "x"}, {"comment": ["This field cannot be set here."]}),
])
def test_open_cases_body_errors(api, village, body, errors):
    response = api["village"].post(OPEN, body, format="json")
    assert response.status_code == 400 and response.json() == errors


def test_open_cases_scope_and_role(api, village):
    def post(who, area, *keys):
        return api[who].post(OPEN, {"area": area, "year": YEAR, "procedure": "identification", "households": [village[k].pk for k in keys]},
                             format="json")

    assert post("village", V2, "N03").status_code == 404                 # the area outside the change scope
    assert post("village", V1, "N03").status_code == 404                 # a household outside it
    assert post("analyst", "522633", "N01").status_code == 404           # no change scope at all
    assert post("hunan_county", "522633", "N01").status_code == 404
    assert api["village"].post(OPEN, {"area": V1, "year": YEAR, "procedure": "identification", "households": [999999]},
                               format="json").status_code == 404          # unknown: the same answer
    response = post("township", V1, "N01")                               # change scope, but not a village cadre
    assert response.status_code == 403 and response.json() == {
        "detail": f"Only a village cadre of the household's village opens its case (household {village['N01'].number})."}
    response = post("village", V1, "N01", "N03")
    assert response.status_code == 404
    assert Case.objects.count() == 0


# --- the monitoring scan -----------------------------------------------------------------------------------------------


def _scan_village(village):
    """As of 30 June 2022 (national monitoring line 6,900 for 2022): N04 below the line, E01 exited with its income halved."""
    village.income(village["N04"], "5000.00", year=2022)
    village.income(village["E01"], "12000.00", year=2021)
    village.income(village["E01"], "6000.00", year=2022)


def test_the_monitoring_scan_runs_as_a_job(api, village, users):
    _scan_village(village)
    response = api["county"].post(SCAN, {"area": "522633", "as_of": "2022-06-30"}, format="json")
    assert response.status_code == 202, response.json()
    job = Job.objects.get()
    body = response.json()
    assert response["Location"] == f"http://testserver/api/monitoring-scan/{job.pk}/"
    assert {k: body[k] for k in ("id", "kind", "area", "area_name", "as_of", "status", "result", "errors")} == {
        "id": job.pk, "kind": "monitoring.scan", "area": "522633000000", "area_name": "从江县", "as_of": "2022-06-30", "status": "queued",
        "result": {}, "errors": []}
    assert (job.params, job.created_by) == ({"area": "522633000000", "as_of": "2022-06-30"}, users["county"])
    again = api["county"].post(SCAN, {"area": "522633"}, format="json")  # the one queued, not a second
    assert again.status_code == 202 and again.json()["id"] == job.pk and Job.objects.count() == 1

    monitoring_scan_task.call(job.pk)
    body = api["county"].get(f"{SCAN}{job.pk}/").json()
    assert (body["status"], body["result"], body["percent"]) == ("succeeded", {"flagged": 2, "opened": 2, "updated": 0, "already_monitored": 0}, 100)
    opened = Case.objects.filter(procedure="monitoring").order_by("household__number")
    assert [(c.household_id, c.category, c.first_clue) for c in opened] == [
        (village["N04"].pk, "marginal", dt.date(2022, 6, 30)), (village["E01"].pk, "unstable", dt.date(2022, 6, 30))]
    assert api["province"].get(f"{SCAN}{job.pk}/").status_code == 200
    assert api["township"].get(f"{SCAN}{job.pk}/").status_code == 404  # a job of the county: the county's scope
    assert api["county"].get(f"{SCAN}999999/").status_code == 404


def test_monitoring_scan_errors(api, village, time_machine):
    time_machine.move_to(dt.datetime(2022, 7, 1, 9, tzinfo=dt.UTC), tick=False)
    client = api["county"]
    assert client.post(SCAN, {"area": "522633", "as_of": "2022-07-02"}, format="json").json() == {"as_of": ["The scan date cannot be in the future."]}
    assert client.post(SCAN, {"area": "522633", "as_of": "x"}, format="json").status_code == 400
    assert client.post(SCAN, {"as_of": "2022-06-30"}, format="json").json() == {"area": ["This field is required."]}
    assert client.post(SCAN, {"area": "522633", "kind": "x"}, format="json").json() == {"kind": ["This field cannot be set here."]}
    assert api["hunan_county"].post(SCAN, {"area": "522633"}, format="json").status_code == 404
    assert api["analyst"].post(SCAN, {"area": "522633"}, format="json").status_code == 404
    for who, area in (("village", V1), ("township", "522633100")):
        response = api[who].post(SCAN, {"area": area}, format="json")
        assert response.status_code == 403 and response.json() == {"detail": "Only a county office, or an office above it, runs the monitoring scan of this area."}
    assert Job.objects.count() == 0
    response = api["province"].post(SCAN, {"area": "522633100201"}, format="json")  # an office above the county: any area under it
    assert response.status_code == 202 and response.json()["as_of"] == "2022-07-01"


# --- schema -----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_documents_the_endpoints():
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths["/api/eligibility/"]) == {"get"}
    assert {p["name"] for p in paths["/api/eligibility/"]["get"]["parameters"]} >= {"area", "year", "list", "page", "page_size"}
    assert set(paths["/api/eligibility/open-cases/"]) == {"post"}
    assert set(paths["/api/eligibility/open-cases/"]["post"]["responses"]) == {"200", "201", "400", "403", "404"}
    assert set(paths["/api/monitoring-scan/"]["post"]["responses"]) == {"202", "400", "403", "404"}
    assert set(paths["/api/monitoring-scan/{id}/"]) == {"get"}
    components = schema["components"]["schemas"]
    assert set(components["Proposal"]["properties"]) == {"household", "number", "head_name", "village", "village_name", "status", "per_capita",
                                                         "line", "reasons", "reason_labels", "open_case"}
    assert "id_number" not in str(components["Proposal"]) and set(components["Eligibility"]["properties"]) >= {"counts", "reason_counts", "results"}
