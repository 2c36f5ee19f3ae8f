"""The poverty measures page (/analytics/): table, drill-down, sorting, charts' data, downloads, snapshots, scope.

One generated county (300 households, 2014-2020) and one snapshot are built once for the module, inside a
transaction rolled back at the end; each test runs in its own savepoint (pytest-django's `db`), so a test may
delete the snapshot or start a job without the others seeing it.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.analytics import export
from jingzhun.analytics.models import Snapshot
from jingzhun.analytics.selectors import AnalyticsError, area_measures
from jingzhun.analytics.tasks import snapshot_task
from jingzhun.analytics.trend import area_trend
from jingzhun.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db

COUNTY, TOWNSHIPS, VILLAGES = "522633000000", ["522633100000", "522633101000"], ["522633100201", "522633100202", "522633101201"]
HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "analytics-results"}


@pytest.fixture(scope="module")
def county(measured_county):
    return measured_county


@pytest.fixture(scope="module", autouse=True)
def _empty_cache():
    """The page caches the figures of a snapshot under its id and its files' SHA-256: the module starts and ends without."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_as(client, county):
    def make(name: str, language: str = "en"):
        client.force_login(county.users[name])
        client.cookies["django_language"] = language
        return client

    return make


def cells(html: str, area: str) -> dict[str, list[str]]:
    """{column key: [text of the value cell, text of the change cell if any]} of the measures table's row of `area`."""
    table = html[html.index('id="measures-table"'):]
    table = table[: table.index("</table>")]
    row = re.search(rf'<tr data-area="{area}">(.*?)</tr>', table, re.S).group(1)
    out: dict[str, list[str]] = {}
    for key, text in re.findall(r'<td class="num[^"]*" data-key="(\w+)"[^>]*>([^<]*)</td>', row):
        out.setdefault(key, []).append(text)
    return out


def body_rows(html: str) -> list[str]:
    table = html[html.index('id="measures-table"'):]
    tbody = table[table.index("<tbody>"): table.index("</tbody>")]
    return re.findall(r'<tr data-area="(\d{12})">', tbody)


def chart_data(html: str) -> dict:
    return json.loads(re.search(r'<script id="analytics-chart-data" type="application/json">(.*?)</script>', html, re.S).group(1))


# --- the table ------------------------------------------------------------------------------------


def test_defaults_home_area_one_level_below_and_the_snapshots_last_year(client_as, county):
    response = client_as("county").get("/analytics/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="4" selected>Township</option>' in html and '<option value="5">Village</option>' in html
    assert '<option value="3"' not in html  # only levels below the county
    assert '<option value="2020" selected>2020</option>' in html
    assert [f'<option value="{y}">' in html for y in range(2014, 2020)] == [True] * 6
    assert body_rows(html) == TOWNSHIPS
    assert 'aria-current="page">Poverty measures</a>' in html  # the main navigation


def test_rows_show_the_figures_of_area_measures_formatted(client_as, county):
    html = client_as("county").get("/analytics/?area=522633&level=4&year=2016").content.decode()
    table = area_measures(user=county.users["county"], area_code="522633", level=4, year=2016)
    assert [r["area"] for r in table.rows] == TOWNSHIPS == body_rows(html)
    for row in [*table.rows, table.total]:
        got = cells(html, row["area"])
        assert got["population"] == [f"{row['population']:,.0f}"]
        assert got["registered"] == [f"{row['registered']:,.0f}"]
        assert got["incidence"] == [f"{row['incidence'] * 100:.1f}%"]
        assert got["p0"] == [f"{row['p0'] * 100:.1f}%"]
        for key in ("p1", "p2", "watts", "sen", "sst", "gini", "china_m0", "mpi_m0"):
            assert got[key] == [f"{row[key]:.4f}"], key
        assert got["mean_income"] == [f"{row['mean_income']:,.2f}"] and "," in got["mean_income"][0]
        assert got["china_h"] == [f"{row['china_h'] * 100:.1f}%"]
        assert "measured" not in got and "china_contrib_income" not in got  # contributions have their own table
    # concrete values of this seed: 丙妹镇 in 2016
    assert cells(html, "522633100000")["incidence"] == ["15.3%"] and cells(html, "522633100000")["p1"] == ["0.0345"]
    assert f'<tr data-area="{COUNTY}">' in html.split("<tfoot>")[1] and "从江县 (Total)" in html
    # contributions (second, collapsible table) of the China set
    contrib = html[html.index('id="contributions-table"'):]
    share = table.rows[0]["china_contrib_medical"]
    assert f'data-key="china_contrib_medical">{share * 100:.1f}%</td>' in contrib
    # the snapshot used, for reproducing the report
    snap = county.snapshot
    assert f"#{snap.pk}</span>" in html and snap.as_of.isoformat() in html
    assert snap.files["2016"]["sha256"][:12] in html


def test_compare_adds_signed_changes(client_as, county):
    html = client_as("county").get("/analytics/?area=522633&year=2016&compare=2014").content.decode()
    table = area_measures(user=county.users["county"], area_code="522633", level=4, year=2016, compare=2014)
    row = table.rows[0]
    got = cells(html, row["area"])
    assert row["registered_change"] < 0 and row["mean_income_change"] > 0
    assert got["registered"] == [f"{row['registered']:,.0f}", f"-{abs(row['registered_change']):,.0f}"]
    assert got["incidence"][1] == f"-{abs(row['incidence_change']) * 100:.1f} pp"
    assert got["p1"][1] == f"-{abs(row['p1_change']):.4f}"
    assert got["mean_income"][1] == f"+{row['mean_income_change']:,.2f}"
    assert cells(html, "522633100000")["incidence"] == ["15.3%", "-7.1 pp"]
    assert "vs 2014" in html and 'class="num change better"' in html


def test_drill_down_links_keep_year_and_compare(client_as, county):
    html = client_as("county").get("/analytics/?area=522633&year=2016&compare=2014").content.decode()
    for code in TOWNSHIPS:
        assert f'href="/analytics/?area={code[:9]}&amp;year=2016&amp;compare=2014"' in html
    ranked = chart_data(html)["rank"]
    assert ranked["urls"] == [f"/analytics/?area={c[:9]}&year=2016&compare=2014" for c in ranked_codes(county, 2016)]
    # a township: its villages, the last level, are not links
    html = client_as("county").get("/analytics/?area=522633100&year=2016").content.decode()
    assert body_rows(html) == VILLAGES[:2]
    assert '<option value="5" selected>Village</option>' in html
    assert not re.search(r'href="/analytics/\?area=522633100\d{3}', html)
    assert chart_data(html)["rank"]["urls"] == [None, None]
    # the breadcrumb goes back up (same year) to the county, the user's own area
    assert 'href="/analytics/?area=522633&amp;year=2016"' in html and "贵州省" in html


def ranked_codes(county, year: int) -> list[str]:
    table = area_measures(user=county.users["county"], area_code="522633", level=4, year=year)
    return [r["area"] for r in sorted(table.rows, key=lambda r: r["p0"], reverse=True)]


def test_village_rows_and_sorting(client_as, county):
    c = client_as("county")
    table = area_measures(user=county.users["county"], area_code="522633", level=5, year=2016)
    by_p0 = [r["area"] for r in sorted(table.rows, key=lambda r: r["p0"], reverse=True)]
    html = c.get("/analytics/?area=522633&level=5&year=2016&sort=-p0").content.decode()
    assert body_rows(html) == by_p0 and sorted(by_p0) == VILLAGES
    assert 'data-key="p0" aria-sort="descending"' in html
    assert '<option value="-p0" selected>' in html
    # the ranking chart follows the sort column; ascending sort by the header link
    html = c.get("/analytics/?area=522633&level=5&year=2016&sort=gini").content.decode()
    assert body_rows(html) == [r["area"] for r in sorted(table.rows, key=lambda r: r["gini"])]
    rank = chart_data(html)["rank"]
    assert rank["key"] == "gini" and rank["values"] == pytest.approx(sorted((r["gini"] for r in table.rows), reverse=True), rel=1e-12)
    html = c.get("/analytics/?area=522633&level=5&year=2016&sort=name").content.decode()
    assert body_rows(html) == [r["area"] for r in sorted(table.rows, key=lambda r: r["name"])]


def test_htmx_refreshes_the_results_partial_only(client_as, county):
    c = client_as("county")
    response = c.get("/analytics/?area=522633&year=2016&compare=2014", **HTMX_RESULTS)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Target" in response["Vary"]
    assert html.lstrip().startswith('<div id="analytics-results"') and "<html" not in html and 'id="analytics-level"' not in html
    assert body_rows(html) == TOWNSHIPS
    # navigation swaps the whole content (form included)
    html = c.get("/analytics/?area=522633100", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main").content.decode()
    assert "<html" not in html and "<title>" in html and 'id="analytics-level"' in html and 'id="analytics-results"' in html


def test_trend_and_contribution_chart_data(client_as, county):
    user = county.users["county"]
    points = area_trend(user, "522633", range(2014, 2021))
    assert [p["year"] for p in points] == list(range(2014, 2021))
    for year in (2016, 2020):
        total = area_measures(user=user, area_code="522633", level=3, year=year).total
        point = points[year - 2014]
        for key in ("p0", "p1", "p2", "china_m0", "population", "gini"):
            assert point[key] == pytest.approx(total[key], rel=1e-12), key
    assert points[0]["p0"] > points[2]["p0"] > points[-1]["p0"] == 0.0
    # snapshot_id given explicitly; years outside the snapshot are refused
    assert area_trend(user, "522633", [2016], snapshot_id=county.snapshot.pk)[0]["p1"] == pytest.approx(points[2]["p1"], rel=1e-12)
    with pytest.raises(AnalyticsError):
        area_trend(user, "522633", [2013, 2014])
    with pytest.raises(PermissionDenied):
        area_trend(county.users["village"], "522633", [2016])

    data = chart_data(client_as("county").get("/analytics/?area=522633&year=2016").content.decode())
    assert data["trend"]["years"] == list(range(2014, 2021))
    assert [s["key"] for s in data["trend"]["series"]] == ["p0", "p1", "p2", "china_m0"]
    assert data["trend"]["series"][0]["values"] == pytest.approx([p["p0"] for p in points], rel=1e-12)
    assert data["contrib"]["names"] == ["丙妹镇", "贯洞镇"]
    table = area_measures(user=user, area_code="522633", level=4, year=2016)
    assert [s["values"][1] for s in data["contrib"]["series"]] == pytest.approx(
        [table.rows[1][f"china_contrib_{code}"] for code in ("income", "food_clothing", "education", "medical", "housing", "water")], rel=1e-12)


# --- downloads ------------------------------------------------------------------------------------


def test_xlsx_download_has_the_same_numbers(client_as, county):
    response = client_as("county").get("/analytics/export.xlsx?area=522633&level=4&year=2016&compare=2014")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="jingzhun-measures-522633000000-2016-2014.xlsx"'
    table = area_measures(user=county.users["county"], area_code="522633", level=4, year=2016, compare=2014)
    ws = load_workbook(io.BytesIO(response.content))["2016"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Area code", "Area", "Population", "Population (2014)", "Population (change)"]
    values = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert list(values) == [*TOWNSHIPS, COUNTY]
    for row in [*table.rows, table.total]:
        got = values[row["area"]]
        assert got["Population"] == row["population"] and got["Registered poor (change)"] == row["registered_change"]
        for label, key in [("Headcount P0", "p0"), ("Gini", "gini"), ("Mean per-capita income (change)", "mean_income_change"),
                           ("Sen-Shorrocks-Thon (2014)", "sst_before")]:
            assert got[label] == pytest.approx(row[key], rel=1e-12), label
    assert reverse("web:analytics_export") == "/analytics/export.xlsx"


def test_csv_download(client_as, county):
    response = client_as("county").get("/analytics/export.csv?area=522633&year=2016")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="jingzhun-measures-522633000000-2016.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # so that spreadsheet programs read UTF-8
    table = area_measures(user=county.users["county"], area_code="522633", level=4, year=2016)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = list(csv.reader(io.StringIO(export.to_csv(table))))
    assert rows[0] == expected[0] and rows[0][:6] == ["area", "name", "population", "registered", "incidence", "measured"]
    assert [r[:2] for r in rows[1:]] == [r[:2] for r in expected[1:]] == [[TOWNSHIPS[0], "丙妹镇"], [TOWNSHIPS[1], "贯洞镇"], [COUNTY, "从江县 (total)"]]
    for got, want in zip(rows[1:], expected[1:]):
        assert [float(v) if v else None for v in got[2:]] == pytest.approx([float(v) if v else None for v in want[2:]], rel=1e-12)
    # the page links to both downloads with its parameters (not the sort)
    html = client_as("county").get("/analytics/?area=522633&year=2016&sort=-p0").content.decode()
    assert 'href="/analytics/export.xlsx?area=522633&amp;level=4&amp;year=2016"' in html
    assert 'href="/analytics/export.csv?area=522633&amp;level=4&amp;year=2016"' in html


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("user, url", [
    ("village", "/analytics/?area=522633"),
    ("village", "/analytics/?area=522633100202"),
    ("township", "/analytics/?area=522633101"),
    ("hunan_county", "/analytics/?area=522633&year=2016"),
    ("hunan_county", "/analytics/export.xlsx?area=522633&year=2016"),
    ("hunan_county", "/analytics/export.csv?area=522633&year=2016"),
    ("county", "/analytics/?area=999999"),
    ("county", "/analytics/?area=abc"),
])
def test_outside_scope_or_unknown_is_404(client_as, user, url):
    assert client_as(user).get(url).status_code == 404


def test_village_user_sees_own_village_only(client_as, county):
    html = client_as("village").get("/analytics/?year=2016").content.decode()
    assert body_rows(html) == ["522633100201"]
    assert '<option value="5" selected>Village</option>' in html and '<option value="4"' not in html
    # ancestors above the user's scope are named, not linked
    assert "丙妹镇" in html and 'href="/analytics/?area=522633100&' not in html


def test_area_page_links_to_its_measures(client_as, county):
    html = client_as("township").get("/areas/522633100/").content.decode()
    assert 'href="/analytics/?area=522633100"' in html and "Poverty measures" in html


# --- no snapshot: take one in the background ------------------------------------------------------


def test_no_snapshot_offers_to_take_one_and_polls_the_job(client_as, county, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the snapshot taken here may get the id of one rolled back in another test
    Snapshot.objects.all().delete()
    c = client_as("county")
    html = c.get("/analytics/?area=522633").content.decode()
    assert "No snapshot covers 从江县 for 2020: take one first." in html
    assert 'id="measures-table"' not in html and "Download xlsx" not in html
    assert 'action="/analytics/snapshot/"' in html and "Take a snapshot" in html and 'name="csrfmiddlewaretoken"' in html

    response = c.post("/analytics/snapshot/", {"area": "522633", "next": "/analytics/?area=522633&year=2016"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 202
    job = Job.objects.get()
    assert (job.kind, job.area_id, job.created_by, job.status) == ("analytics.snapshot", COUNTY, county.users["county"], JobStatus.QUEUED)
    poll = f"/analytics/jobs/{job.pk}/?next=%2Fanalytics%2F%3Farea%3D522633%26year%3D2016"
    html = response.content.decode()
    assert f'hx-get="{poll}"' in html and 'hx-trigger="every 1s"' in html and "Queued" in html
    # while it runs, the page shows its progress instead of a second button; a second POST does not start another
    html = c.get("/analytics/?area=522633").content.decode()
    assert f'data-job="{job.pk}"' in html and "Take a snapshot" not in html
    assert c.post("/analytics/snapshot/", {"area": "522633"}, HTTP_HX_REQUEST="true").status_code == 202
    assert Job.objects.count() == 1

    snapshot_task.call(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.progress == job.total > 0
    response = c.get(poll, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == "/analytics/?area=522633&year=2016"
    page = c.get(poll)  # without htmx: the job page with a link back
    assert page.status_code == 200 and 'href="/analytics/?area=522633&amp;year=2016"' in page.content.decode()
    html = c.get("/analytics/?area=522633&year=2016").content.decode()
    assert body_rows(html) == TOWNSHIPS and f"#{Snapshot.objects.get().pk}</span>" in html


def test_snapshot_post_without_htmx_redirects_to_the_job(client_as, county):
    Snapshot.objects.all().delete()
    response = client_as("township").post("/analytics/snapshot/", {"area": "522633100", "next": "https://evil.example/"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/analytics/jobs/{job.pk}/?next=%2Fanalytics%2F%3Farea%3D522633100"  # foreign next ignored
    assert job.area_id == "522633100000"


def test_snapshot_needs_view_scope_and_csrf(client_as, county):
    Snapshot.objects.all().delete()
    assert client_as("hunan_county").post("/analytics/snapshot/", {"area": "522633"}).status_code == 404
    assert client_as("county").get("/analytics/snapshot/").status_code == 405
    assert Job.objects.count() == 0
    analyst = client_as("analyst")  # view-only: a snapshot reads the register, it writes nothing
    html = analyst.get("/analytics/?area=522633").content.decode()
    assert "Take a snapshot" in html and "Ask your county office" not in html
    assert analyst.post("/analytics/snapshot/", {"area": "522633"}).status_code == 302
    assert Job.objects.get().created_by == county.users["analyst"]
    Job.objects.all().delete()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(county.users["county"])
    assert strict.post("/analytics/snapshot/", {"area": "522633"}).status_code == 403
    job = Job.objects.create(kind="analytics.snapshot", area=county.areas["522633100000"], params={})
    assert client_as("hunan_county").get(f"/analytics/jobs/{job.pk}/").status_code == 404
    assert client_as("township").get(f"/analytics/jobs/{job.pk}/").status_code == 200


def test_a_year_the_snapshot_lacks(client_as, county):
    html = client_as("county").get("/analytics/?area=522633&year=2012").content.decode()
    assert "No snapshot covers 从江县 for 2012: take one first." in html
    assert '<option value="2012" selected>2012</option>' in html


def test_anonymous_goes_to_login(client, county):
    response = client.get("/analytics/?area=522633")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_an_immediate_task_backend_reloads_at_once(client_as, county, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    Snapshot.objects.all().delete()
    response = client_as("county").post("/analytics/snapshot/", {"area": "522633", "next": "/analytics/?area=522633&year=2019"},
                                        HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Redirect"] == "/analytics/?area=522633&year=2019"
    snap = Snapshot.objects.get()
    assert (snap.area_id, snap.first_year, snap.last_year, snap.created_by) == (COUNTY, 2014, 2020, county.users["county"])
    assert Job.objects.get().status == JobStatus.SUCCEEDED


def test_superuser_chooses_a_province(client, county, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-2026"))
    client.cookies["django_language"] = "en"
    html = client.get("/analytics/").content.decode()
    assert 'href="/analytics/?area=52"' in html and 'href="/analytics/?area=43"' in html
    html = client.get("/analytics/?area=52&year=2016").content.decode()  # the province: its prefectures
    assert '<option value="2" selected>Prefecture</option>' in html
    # the county's snapshot does not cover the province
    assert "No snapshot covers 贵州省 for 2016: take one first." in html and "Take a snapshot" in html
    html = client.get("/analytics/?area=522633&year=2016").content.decode()
    assert body_rows(html) == TOWNSHIPS


def test_renders_in_chinese(client_as, county):
    html = client_as("county", "zh-hans").get("/analytics/?area=522633&year=2016").content.decode()
    assert '<html lang="zh-hans">' in html and "两不愁三保障" in html and body_rows(html) == TOWNSHIPS
    assert cells(html, "522633100000")["incidence"] == ["15.3%"]
