"""`api/exports/`: start (202 with the job), status, download (masked, or full numbers audited), 409 while running or
after a failure, 410 once purged, 404 outside scope and for anyone but the creator, incomes by year, the round trip
through the importer, field-level 400s, and the OpenAPI schema.

Tasks go to the database queue (TASK_BACKEND=db): a test runs a job's task itself, as the worker would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time

import pyarrow.parquet as pq
import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from jingzhun.core.models import AuditEvent
from jingzhun.imports import columns as C
from jingzhun.imports import export_tasks
from jingzhun.imports.export_tasks import export_task
from jingzhun.imports.models import ImportStatus
from jingzhun.imports.services import import_create, import_validate
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.registry.identity import mask

pytestmark = pytest.mark.django_db

URL = "/api/exports/"
COUNTY, VILLAGE, OTHER_VILLAGE, HUNAN_VILLAGE = "522633000000", "522633100201", "522633101201", "431125100201"
MEMBER_HEADERS = [c.header for c in C.columns("members")]
INCOME_HEADERS = [c.header for c in C.columns("incomes")]
KEYS = ("household_number", "village_code", "relation", "name", "id_number", "sex", "birth_date")
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv; charset=utf-8",
                 "parquet": "application/vnd.apache.parquet"}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


@pytest.fixture
def register(export_register):
    """The shared export households (tests/conftest.py)."""
    return export_register


def masked(rows):
    return [(*r[:4], mask(r[4]), *r[5:]) for r in rows]


def today() -> str:
    return timezone.localdate().strftime("%Y%m%d")


def started(client, **data) -> dict:
    response = client.post(URL, {"area": "522633", "format": "csv", **data}, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def run(job_id: int) -> Job:
    export_task.call(job_id)
    return Job.objects.get(pk=job_id)


def table(content: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    if fmt == "xlsx":
        ws = load_workbook(io.BytesIO(content), read_only=True).active
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    t = pq.read_table(io.BytesIO(content))
    return [t.column_names, *[["" if v is None else v for v in row.values()] for row in t.to_pylist()]]


def picked(rows, keys=KEYS) -> list[tuple]:
    index = [MEMBER_HEADERS.index(C.by_key("members")[k].header) for k in keys]
    return [tuple(r[i] for i in index) for r in rows]


def download(client, job_id: int, **extra):
    return client.get(f"{URL}{job_id}/download/", **extra)


# --- the flow -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "parquet"])
def test_start_poll_download_masked(client_for, users, register, fmt):
    c = client_for("county")
    response = c.post(URL, {"area": "522633", "layout": "members", "format": fmt}, format="json")
    assert response.status_code == 202, response.content
    data = response.json()
    job_id = data["id"]
    assert response["Location"] == f"http://testserver/api/exports/{job_id}/"
    assert {k: v for k, v in data.items() if k not in ("created_at",)} == {
        "id": job_id, "area": COUNTY, "area_name": "从江县", "layout": "members", "format": fmt, "year": None, "unmask": False,
        "status": "queued", "status_display": "Queued", "progress": 0, "total": 0, "percent": 0, "rows": None,
        "filename": None, "download": None, "expired": False, "errors": [], "started_at": None, "finished_at": None}
    job = Job.objects.get(pk=job_id)
    assert (job.kind, job.area_id, job.created_by, job.params) == (
        "export", COUNTY, users["county"], {"layout": "members", "format": fmt, "year": None, "unmask": False})
    # no file while it runs
    refused = download(c, job_id)
    assert refused.status_code == 409 and refused.json() == {
        "detail": "The export is still running: try again when its status is succeeded."}

    run(job_id)
    filename = f"jingzhun_members_522633_{today()}.{fmt}"
    status = c.get(f"{URL}{job_id}/").json()
    assert (status["status"], status["progress"], status["total"], status["percent"], status["rows"], status["filename"],
            status["download"], status["expired"]) == (
        "succeeded", 4, 4, 100, 4, filename, f"http://testserver/api/exports/{job_id}/download/", False)
    file = download(c, job_id)
    assert file.status_code == 200 and file["Content-Type"] == CONTENT_TYPES[fmt]
    assert file["Content-Disposition"] == f'attachment; filename="{filename}"'
    rows = table(b"".join(file.streaming_content), fmt)
    assert rows[0] == MEMBER_HEADERS
    assert picked(rows[1:]) == masked(register.members)
    assert not any(m[4] in str(rows) for m in register.members)
    assert AuditEvent.objects.get(action="export").changes == {
        "layout": [None, "members"], "format": [None, fmt], "rows": [None, 4], "unmasked": [None, False]}
    assert not AuditEvent.objects.filter(action="export.unmask").exists()


def test_the_download_answers_whatever_the_client_accepts(client_for, register):
    c = client_for("county")
    job_id = started(c, format="xlsx")["id"]
    assert download(c, job_id, HTTP_ACCEPT=CONTENT_TYPES["xlsx"]).status_code == 409  # an error: JSON all the same
    assert download(c, job_id, HTTP_ACCEPT=CONTENT_TYPES["xlsx"])["Content-Type"] == "application/json"
    run(job_id)
    response = download(c, job_id, HTTP_ACCEPT=CONTENT_TYPES["xlsx"])
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPES["xlsx"]


def test_token_authentication(users, register):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=users["county"])
    c = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    job_id = started(c)["id"]
    run(job_id)
    assert download(c, job_id).status_code == 200
    assert APIClient().get(f"{URL}{job_id}/download/").status_code == 401


# --- full identity numbers ------------------------------------------------------------------------


def test_unmask_gives_full_numbers_and_is_audited(client_for, users, register):
    c = client_for("county")
    data = started(c, format="parquet", unmask=True)
    assert data["unmask"] is True
    run(data["id"])
    rows = table(b"".join(download(c, data["id"]).streaming_content), "parquet")
    assert picked(rows[1:]) == register.members
    assert register.hunan_id not in str(rows)
    event = AuditEvent.objects.get(action="export.unmask")
    assert (event.actor, event.object_type, event.object_id, event.area_code, event.changes) == (
        users["county"], "areas.area", COUNTY, COUNTY,
        {"layout": [None, "members"], "format": [None, "parquet"], "rows": [None, 4], "unmasked": [None, True]})
    assert c.get(f"{URL}{data['id']}/").json()["unmask"] is True


def test_unmask_without_the_permission_is_a_400(client_for, register):
    response = client_for("analyst").post(URL, {"area": "522633", "format": "csv", "unmask": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {"unmask": ["You may not see full identity numbers in this area."]}
    assert not Job.objects.exists()


# --- scope and ownership --------------------------------------------------------------------------


def test_another_county_gets_404_and_only_the_creator_sees_an_export(client_for, users, register):
    c = client_for("county")
    job_id = started(c)["id"]
    run(job_id)
    hunan = client_for("hunan_county")
    assert hunan.post(URL, {"area": "522633", "format": "csv"}, format="json").status_code == 404
    assert hunan.post(URL, {"area": "522633100201", "format": "csv", "unmask": True}, format="json").status_code == 404
    assert hunan.post(URL, {"area": "999999", "format": "csv"}, format="json").status_code == 404
    for user in ("hunan_county", "township", "analyst", "province"):
        other = client_for(user)
        assert other.get(f"{URL}{job_id}/").status_code == 404, user
        assert download(other, job_id).status_code == 404, user
        assert other.get(URL).json()["count"] == 0, user
    assert c.get(URL).json()["count"] == 1
    assert c.get(f"{URL}999999/").status_code == 404
    own = started(hunan, area="431125")["id"]
    run(own)
    rows = table(b"".join(download(hunan, own).streaming_content), "csv")
    assert picked(rows[1:], ("household_number", "name", "id_number")) == [(register.h3.number, "李湘", mask(register.hunan_id))]


def test_the_list_is_the_callers_own_newest_first(client_for, register):
    c = client_for("county")
    first = started(c)["id"]
    second = started(c, area="522633100", layout="incomes", year=2020, format="xlsx")["id"]
    started(client_for("township"), area="522633100")
    listing = c.get(URL).json()
    assert listing["count"] == 2
    assert [(r["id"], r["area"], r["layout"], r["year"], r["format"]) for r in listing["results"]] == [
        (second, "522633100000", "incomes", 2020, "xlsx"), (first, COUNTY, "members", None, "csv")]


# --- incomes --------------------------------------------------------------------------------------


def test_incomes_of_one_year(client_for, register):
    c = client_for("county")
    data = started(c, layout="incomes", year=2020)
    assert (data["layout"], data["year"]) == ("incomes", 2020)
    run(data["id"])
    file = download(c, data["id"])
    assert file["Content-Disposition"] == f'attachment; filename="jingzhun_incomes_522633_2020_{today()}.csv"'
    h1, h2 = register.h1.number, register.h2.number
    assert table(b"".join(file.streaming_content), "csv") == [
        INCOME_HEADERS,
        [h1, "2020", "3", "15000.00", "0.00", "1200.00", "0.00", "0.00", "0.00", "0.00", "0.00", "2200.00"],
        [h2, "2020", "1", "0.00", "0.00", "0.00", "0.00", "2400.00", "0.00", "0.00", "0.00", "0.00"],
    ]
    every = started(c, layout="incomes")
    run(every["id"])
    rows = table(b"".join(download(c, every["id"]).streaming_content), "csv")
    assert [r[:2] for r in rows[1:]] == [[h1, "2019"], [h1, "2020"], [h2, "2020"]]
    assert c.get(f"{URL}{every['id']}/").json()["rows"] == 3


# --- the round trip -------------------------------------------------------------------------------


def test_a_downloaded_csv_reimports_without_errors(client_for, users, register, areas, tmp_path):
    c = client_for("county")
    job_id = started(c, unmask=True)["id"]
    run(job_id)
    path = tmp_path / "export.csv"
    path.write_bytes(b"".join(download(c, job_id).streaming_content))
    batch = import_validate(import_create(actor=users["county"], source=path, area=areas[COUNTY]), actor=users["county"],
                            today=dt.date(2026, 11, 22))
    assert (batch.status, batch.error_count, batch.warning_count, batch.rows, batch.households, batch.persons) == (
        ImportStatus.VALIDATED, 0, 0, 4, 2, 4)


# --- failures, deleted files, bad requests --------------------------------------------------------


def test_a_failed_export_is_409(client_for, register, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_tasks, "export", broken)
    c = client_for("county")
    job_id = started(c)["id"]
    with pytest.raises(RuntimeError):
        export_task.call(job_id)
    data = c.get(f"{URL}{job_id}/").json()
    assert (data["status"], data["errors"], data["rows"], data["download"], data["expired"]) == ("failed", ["disk full"], None, None, False)
    response = download(c, job_id)
    assert response.status_code == 409 and response.json() == {"detail": "The export failed: it has no file."}


def test_a_file_older_than_24_hours_is_gone(client_for, register, var_dir):
    c = client_for("county")
    old = started(c)["id"]
    run(old)
    day_ago = time.time() - 25 * 3600
    os.utime(var_dir / "exports" / f"{old}.csv", (day_ago, day_ago))
    run(started(c)["id"])  # every export purges first
    assert not (var_dir / "exports" / f"{old}.csv").exists()
    data = c.get(f"{URL}{old}/").json()
    assert (data["status"], data["download"], data["expired"]) == ("succeeded", None, True)
    response = download(c, old)
    assert response.status_code == 410
    assert response.json() == {"detail": "The file was deleted 24 hours after the export: export again."}


@pytest.mark.parametrize("body, errors", [
    ({"area": "522633"}, {"format": ["This field is required."]}),
    ({"area": "5226x", "format": "csv"}, {"area": ["An area code is 2 to 12 digits."]}),
    ({"area": "522633", "format": "xls"}, {"format": ['"xls" is not a valid choice.']}),
    ({"area": "522633", "format": "csv", "layout": "households"}, {"layout": ['"households" is not a valid choice.']}),
    ({"area": "522633", "format": "csv", "year": 2020}, {"year": ["A year only applies to an export of incomes."]}),
    ({"area": "522633", "format": "csv", "layout": "incomes", "year": 1999}, {"year": ["Ensure this value is greater than or equal to 2000."]}),
    ({"area": "522633", "format": "csv", "path": "/etc/passwd"}, {"path": ["This field cannot be set here."]}),
])
def test_bad_requests_are_400_by_field(client_for, register, body, errors):
    response = client_for("county").post(URL, body, format="json")
    assert response.status_code == 400 and response.json() == errors
    assert not Job.objects.exists()


def test_chinese_messages(client_for, register):
    c = client_for("county", "zh-hans")
    job_id = started(c)["id"]
    assert download(c, job_id).json() == {"detail": "导出仍在进行中：请在状态变为“已完成”后再试。"}
    assert c.get(f"{URL}{job_id}/").json()["status_display"] == "排队中"


def test_the_schema_documents_exports():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert set(paths["/api/exports/"]) == {"get", "post"}
    assert set(paths["/api/exports/{id}/download/"]["get"]["responses"]) == {"200", "404", "409", "410"}
    assert "application/octet-stream" in paths["/api/exports/{id}/download/"]["get"]["responses"]["200"]["content"]
    assert set(schema["components"]["schemas"]["ExportCreate"]["properties"]) == {"area", "layout", "format", "year", "unmask"}
    assert JobStatus.SUCCEEDED in schema["components"]["schemas"]["JobStatusEnum"]["enum"]
