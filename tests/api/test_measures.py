"""`GET /api/measures/`: the area measures table as JSON, its 400s by field, 404 outside scope, 409 without snapshot.

One generated county (300 households, 2014-2020) and one snapshot are built once for the module, inside a
transaction rolled back at the end; each test runs in its own savepoint.

DuckDB may add up floating-point sums in a different order from one run to the next (threads), so two
computations of the same table can differ in the last bits: values are compared with a relative tolerance
of 1e-12, everything else exactly.
"""

from __future__ import annotations

import json
import os

import pytest
from rest_framework.test import APIClient

from jingzhun.analytics import export
from jingzhun.analytics.models import Snapshot
from jingzhun.analytics.selectors import area_measures

pytestmark = pytest.mark.django_db

URL = "/api/measures/"
COUNTY = "522633000000"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.fixture(scope="module")
def county(measured_county):
    return measured_county


@pytest.fixture
def api(county):
    """api("county") -> an APIClient signed in as that user, in English."""

    def make(name: str, language: str = "en") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(county.users[name])
        return client

    return make


def same(got, want) -> bool:
    """Equal JSON, floats within a relative 1e-12 (see the module's docstring)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    if isinstance(want, float) and isinstance(got, (int, float)):
        return got == pytest.approx(want, rel=1e-12, abs=1e-15)
    return got == want


@pytest.mark.parametrize("level", ["township", "4", "Township"])
def test_json_is_the_area_measures_table(api, county, level):
    response = api("county").get(URL, {"area": "522633", "level": level, "year": 2016})
    assert response.status_code == 200, response.content
    got = response.json()
    table = area_measures(user=county.users["county"], area_code="522633", level=4, year=2016)
    want = json.loads(export.to_json(table))
    assert same(got, want)
    snap = county.snapshot
    assert {k: got[k] for k in ("area", "area_name", "level", "year", "compare", "backend")} == {
        "area": COUNTY, "area_name": "从江县", "level": 4, "year": 2016, "compare": None, "backend": "duckdb"}
    assert got["snapshot"] == {"id": snap.pk, "as_of": snap.as_of.isoformat(), "sha256": {"2016": snap.files["2016"]["sha256"]}}
    assert [r["area"] for r in got["rows"]] == ["522633100000", "522633101000"] and [r["name"] for r in got["rows"]] == ["丙妹镇", "贯洞镇"]
    assert got["total"]["area"] == COUNTY and got["total"]["population"] == sum(r["population"] for r in got["rows"])
    assert got["columns"][:4] == [{"key": "population", "label": "Population", "kind": "count"},
                                  {"key": "registered", "label": "Registered poor", "kind": "count"},
                                  {"key": "incidence", "label": "Incidence", "kind": "share"},
                                  {"key": "measured", "label": "With income", "kind": "count"}]
    assert {c["key"] for c in got["columns"]} | {"area", "name"} == set(got["rows"][0])


def test_villages_with_compare_and_explicit_snapshot(api, county):
    response = api("county").get(URL, {"area": COUNTY, "level": "village", "year": 2020, "compare": 2014,
                                       "backend": "duckdb", "snapshot": county.snapshot.pk})
    assert response.status_code == 200, response.content
    got = response.json()
    table = area_measures(user=county.users["county"], area_code=COUNTY, level=5, year=2020, compare=2014)
    assert same(got, json.loads(export.to_json(table)))
    assert [r["area"] for r in got["rows"]] == ["522633100201", "522633100202", "522633101201"]
    assert got["compare"] == 2014 and set(got["snapshot"]["sha256"]) == {"2020", "2014"}
    row = got["rows"][0]
    assert row["p0"] == 0.0 and row["p0_before"] > 0 and row["p0_change"] == pytest.approx(-row["p0_before"])


def test_level_defaults_to_one_below_and_a_village_is_its_own_row(api, county):
    got = api("township").get(URL, {"area": "522633100", "year": 2016}).json()
    assert got["level"] == 5 and [r["area"] for r in got["rows"]] == ["522633100201", "522633100202"]
    got = api("village").get(URL, {"area": "522633100201", "year": 2016}).json()
    assert got["level"] == 5 and [r["area"] for r in got["rows"]] == ["522633100201"]
    assert same(got["rows"][0], {**got["total"]})


def test_labels_follow_the_request_language(api):
    got = api("county", "zh-hans").get(URL, {"area": "522633", "year": 2016}).json()
    labels = {c["key"]: c["label"] for c in got["columns"]}
    assert labels["china_m0"].startswith("两不愁三保障")


@pytest.mark.parametrize("params, field", [
    ({"area": "522633"}, "year"),
    ({"area": "522633", "year": "abc"}, "year"),
    ({"area": "522633", "year": "1900"}, "year"),
    ({"year": 2016}, "area"),
    ({"area": "52-26", "year": 2016}, "area"),
    ({"area": "522633", "year": 2016, "level": "city"}, "level"),
    ({"area": "522633", "year": 2016, "level": "6"}, "level"),
    ({"area": "522633", "year": 2016, "level": "province"}, "level"),  # above the county
    ({"area": "522633", "year": 2016, "level": "2"}, "level"),
    ({"area": "522633", "year": 2016, "backend": "oracle"}, "backend"),
    pytest.param({"area": "522633", "year": 2016, "backend": "postgres"}, "backend",  # refused when the system is not on PostgreSQL
                 marks=pytest.mark.skipif(ON_POSTGRES, reason="the system database is PostgreSQL: the backend is allowed")),
    ({"area": "522633", "year": 2016, "compare": 2016}, "compare"),
    ({"area": "522633", "year": 2016, "compare": "x"}, "compare"),
    ({"area": "522633", "year": 2016, "snapshot": 99999}, "snapshot"),
    ({"area": "522633", "year": 2012, "snapshot": 1}, "snapshot"),
])
def test_bad_parameters_are_400_by_field(api, params, field):
    response = api("county").get(URL, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [field] and isinstance(body[field], list) and body[field][0], body


def test_level_error_names_the_levels(api):
    body = api("county").get(URL, {"area": "522633", "year": 2016, "level": "city"}).json()
    assert body == {"level": ["Unknown level: use province, prefecture, county, township or village (or 1 to 5)."]}
    body = api("county").get(URL, {"area": "522633", "year": 2016, "level": "prefecture"}).json()
    assert body == {"level": ["Choose a level at or below the area's own level (County)."]}


@pytest.mark.parametrize("user, area", [
    ("village", "522633"),            # the county of a village user
    ("township", "522633101"),        # the neighbouring township
    ("hunan_county", "522633"),
    ("county", "999999"),             # no such area
    ("county", "431125"),             # exists, elsewhere
])
def test_outside_scope_or_unknown_is_404(api, user, area):
    response = api(user).get(URL, {"area": area, "year": 2016})
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_no_covering_snapshot_is_409(api, county):
    response = api("county").get(URL, {"area": "522633", "year": 2012})
    assert response.status_code == 409
    assert response.json() == {"detail": "No snapshot covers 从江县 for 2012: take one first."}
    Snapshot.objects.all().delete()
    response = api("county").get(URL, {"area": "522633", "year": 2016, "compare": 2014})
    assert response.status_code == 409 and response.json() == {"detail": "No snapshot covers 从江县 for 2016, 2014: take one first."}


def test_authentication_required(county):
    response = APIClient().get(URL, {"area": "522633", "year": 2016})
    assert response.status_code == 401


def test_token_authentication(county):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=county.users["analyst"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get(URL, {"area": "522633", "year": 2016, "level": "village"})
    assert response.status_code == 200 and len(response.json()["rows"]) == 3


def test_documented_in_the_schema(county):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    op = schema["paths"]["/api/measures/"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {"area", "level", "year", "compare", "backend", "snapshot"}
    assert params["area"]["required"] and params["year"]["required"] and not params["level"].get("required")
    assert params["backend"]["schema"]["enum"] == ["duckdb", "postgres", "spark"]
    assert set(op["responses"]) == {"200", "400", "404", "409"}
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    props = schema["components"]["schemas"][ref]["properties"]
    assert set(props) == {"area", "area_name", "level", "year", "compare", "backend", "snapshot", "columns", "rows", "total"}
