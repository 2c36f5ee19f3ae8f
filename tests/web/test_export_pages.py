"""The export pages (/exports/): the form, the background job polled by htmx, the download (masked or, for a user who
may unmask and asks, full identity numbers, audited), scope, the creator-only download, incomes by year, the round
trip through the importer, and the purge of files older than 24 hours.

Tasks go to the database queue (TASK_BACKEND=db, the default): a test runs a job's task itself, as the worker would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import time

import pyarrow.parquet as pq
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jingzhun.core.models import AuditEvent
from jingzhun.imports import columns as C
from jingzhun.imports import export_tasks
from jingzhun.imports.export_tasks import export_task, purge_old_exports
from jingzhun.imports.models import ImportStatus
from jingzhun.imports.services import import_create, import_validate
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.jobs.services import job_start
from jingzhun.registry.identity import mask

pytestmark = pytest.mark.django_db

COUNTY, TOWNSHIP, VILLAGE, OTHER_VILLAGE = "522633000000", "522633100000", "522633100201", "522633101201"
HUNAN_VILLAGE = "431125100201"
HTMX = {"HTTP_HX_REQUEST": "true"}
MEMBER_HEADERS = [c.header for c in C.columns("members")]
INCOME_HEADERS = [c.header for c in C.columns("incomes")]
KEYS = ("household_number", "village_code", "relation", "name", "id_number", "sex", "birth_date")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


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


def start(client, **data):
    form = {"area": COUNTY, "layout": "members", "format": "csv", "year": "", **data}
    return client.post("/exports/", form)


def run(job: Job | None = None) -> Job:
    job = job or Job.objects.filter(kind="export").latest("id")
    export_task.call(job.pk)
    job.refresh_from_db()
    return job


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def table(content: bytes, fmt: str) -> list[list[str]]:
    """Header and rows of a downloaded file, every cell as text ('' for empty)."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    if fmt == "xlsx":
        ws = load_workbook(io.BytesIO(content), read_only=True).active
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    t = pq.read_table(io.BytesIO(content))
    return [t.column_names, *[["" if v is None else v for v in row.values()] for row in t.to_pylist()]]


def picked(rows: list[list[str]], keys=KEYS) -> list[tuple]:
    index = [MEMBER_HEADERS.index(C.by_key("members")[k].header) for k in keys]
    return [tuple(r[i] for i in index) for r in rows]


def options(html: str) -> list[tuple[str, str, str]]:
    select = html[html.index('name="area"'):]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="(\d{12})"( selected)?>([^<]*)</option>', select)


# --- the whole flow -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "parquet"])
def test_county_exports_members_masked_in_each_format(login, users, register, fmt):
    c = login(users["county"], "en")
    page = c.get("/exports/")
    html = page.content.decode()
    assert page.status_code == 200 and 'aria-current="page">Exports</a>' in html
    assert options(html) == [(COUNTY, " selected", "从江县 (522633)"), (TOWNSHIP, "", "— 丙妹镇 (522633100)"),
                             ("522633101000", "", "— 贯洞镇 (522633101)")]
    assert 'name="unmask"' in html and "Full identity numbers" in html
    assert "No exports yet." in html

    response = start(c, format=fmt)
    job = Job.objects.get(kind="export")
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    assert (job.area_id, job.created_by, job.status) == (COUNTY, users["county"], JobStatus.QUEUED)
    assert job.params == {"layout": "members", "format": fmt, "year": None, "unmask": False}
    assert AuditEvent.objects.filter(action="job.start", object_id=str(job.pk)).count() == 1
    html = c.get(f"/exports/{job.pk}/").content.decode()
    assert f'data-job="{job.pk}"' in html and f'hx-get="/exports/{job.pk}/"' in html and "Waiting for the task worker" in html
    assert 'id="export-download"' not in html
    # the download is not there yet: back to the job's page
    early = c.get(f"/exports/{job.pk}/download")
    assert early.status_code == 302 and early["Location"] == f"/exports/{job.pk}/"
    poll = c.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="export-job")
    part = poll.content.decode()
    assert poll.status_code == 200 and part.lstrip().startswith('<div class="job job-queued" id="export-job"') and "<html" not in part

    job = run(job)
    filename = f"jingzhun_members_522633_{today()}.{fmt}"
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert job.result == {"path": f"exports/{job.pk}.{fmt}", "rows": 4, "filename": filename, "unmasked": False}
    assert (job.progress, job.total) == (4, 4)
    part = c.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="export-job").content.decode()
    assert "hx-trigger" not in part and "4 rows written." in part  # polling stops: the download is offered
    assert f'href="/exports/{job.pk}/download"' in part and filename in part

    download = c.get(f"/exports/{job.pk}/download")
    assert download.status_code == 200 and download["Content-Type"] == CONTENT_TYPES[fmt]
    assert download["Content-Disposition"] == f'attachment; filename="{filename}"'
    rows = table(body(download), fmt)
    assert rows[0] == MEMBER_HEADERS
    assert picked(rows[1:]) == masked(register.members)
    assert not any(r[4] in str(rows) for r in register.members)
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.area_code, event.changes) == (users["county"], COUNTY, {
        "layout": [None, "members"], "format": [None, fmt], "rows": [None, 4], "unmasked": [None, False]})
    assert not AuditEvent.objects.filter(action="export.unmask").exists()

    listing = c.get("/exports/").content.decode()
    row = re.search(rf'<tr data-job="{job.pk}">.*?</tr>', listing, re.S).group(0)
    assert "从江县" in row and "Households and members" in row and fmt in row and 'data-status="succeeded"' in row
    assert '<td class="num" data-key="rows">4</td>' in row and f'href="/exports/{job.pk}/download"' in row


def test_full_identity_numbers_for_a_user_who_may_unmask_are_audited(login, users, register):
    c = login(users["county"], "en")
    start(c, format="xlsx", unmask="on")
    job = run()
    assert job.params["unmask"] is True and job.result["unmasked"] is True
    html = c.get(f"/exports/{job.pk}/").content.decode()
    assert "full identity numbers" in html
    rows = table(body(c.get(f"/exports/{job.pk}/download")), "xlsx")
    assert picked(rows[1:]) == register.members
    assert register.hunan_id not in str(rows)
    event = AuditEvent.objects.get(action="export.unmask")
    assert (event.actor, event.object_type, event.object_id, event.area_code) == (users["county"], "areas.area", COUNTY, COUNTY)
    assert event.changes == {"layout": [None, "members"], "format": [None, "xlsx"], "rows": [None, 4], "unmasked": [None, True]}


def test_a_user_who_may_not_unmask_gets_no_checkbox_and_masked_numbers(login, users, register):
    c = login(users["analyst"], "en")
    html = c.get("/exports/").content.decode()
    assert 'name="unmask"' not in html and "Full identity numbers" not in html
    start(c, unmask="on")  # not a field of the analyst's form: ignored
    job = run()
    assert job.params["unmask"] is False and job.result["unmasked"] is False
    rows = table(body(c.get(f"/exports/{job.pk}/download")), "csv")
    assert picked(rows[1:]) == masked(register.members)
    # a job asking for full numbers (made outside the form) still gets masked numbers for the analyst
    forced = job_start(actor=users["analyst"], kind="export", area=job.area, params={**job.params, "unmask": True},
                       task=export_task, action="view")
    forced = run(forced)
    assert forced.result["unmasked"] is False
    assert picked(table(body(c.get(f"/exports/{forced.pk}/download")), "csv")[1:]) == masked(register.members)
    assert not AuditEvent.objects.filter(action="export.unmask").exists()


def test_unmask_is_refused_where_the_user_may_only_view(login, users, register, areas):
    from jingzhun.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=users["township"], role=Role.ANALYST, area=areas[COUNTY])  # views the county
    c = login(users["township"], "en")
    html = c.get("/exports/").content.decode()
    assert 'name="unmask"' in html  # may unmask in 丙妹镇
    response = start(c, unmask="on")  # ... but not in the whole county
    assert response.status_code == 400 and "You may not see full identity numbers in this area." in response.content.decode()
    assert not Job.objects.filter(kind="export").exists()
    assert start(c, area=TOWNSHIP, unmask="on").status_code == 302
    job = run()
    assert picked(table(body(c.get(f"/exports/{job.pk}/download")), "csv")[1:]) == register.members[:3]


# --- scope and ownership --------------------------------------------------------------------------


def test_another_county_gets_404_and_nobody_else_downloads_an_export(login, users, register):
    c = login(users["county"], "en")
    start(c)
    job = run()
    hunan = login(users["hunan_county"], "en")
    assert start(hunan).status_code == 404  # an area outside the scope
    assert hunan.get("/exports/?area=522633").status_code == 404
    assert hunan.get("/exports/?area=abc").status_code == 404
    assert start(hunan, area="52263x").status_code == 404
    assert Job.objects.filter(kind="export").count() == 1
    for user in ("hunan_county", "township", "analyst", "province"):  # province sees the county's data, not its export
        other = login(users[user], "en")
        assert other.get(f"/exports/{job.pk}/").status_code == 404, user
        assert other.get(f"/exports/{job.pk}/download").status_code == 404, user
        assert f'data-job="{job.pk}"' not in other.get("/exports/").content.decode()
    # Hunan's own export holds Hunan's household only
    hunan = login(users["hunan_county"], "en")
    start(hunan, area="431125")
    own = run()
    rows = table(body(hunan.get(f"/exports/{own.pk}/download")), "csv")
    assert picked(rows[1:], ("household_number", "name", "id_number")) == [(register.h3.number, "李湘", mask(register.hunan_id))]


def test_the_area_page_links_to_an_export_of_the_area(login, users, register):
    c = login(users["county"], "en")
    html = c.get(f"/areas/{VILLAGE[:9]}/").content.decode()
    assert f'href="/exports/?area={TOWNSHIP}"' in html
    html = c.get(f"/areas/{VILLAGE}/").content.decode()
    assert f'href="/exports/?area={VILLAGE}"' in html
    page = c.get(f"/exports/?area={VILLAGE}").content.decode()  # two levels down: added to the choices, selected
    assert options(page)[0] == (VILLAGE, " selected", "岜沙村 (522633100201)")
    assert ((COUNTY, "", "从江县 (522633)") in options(page))
    start(c, area=VILLAGE)
    rows = table(body(c.get(f"/exports/{run().pk}/download")), "csv")
    assert picked(rows[1:]) == masked(register.members[:3])


# --- incomes --------------------------------------------------------------------------------------


def test_incomes_of_one_year_and_of_every_year(login, users, register):
    c = login(users["county"], "en")
    start(c, layout="incomes", year="2020", format="xlsx")
    job = run()
    assert job.params == {"layout": "incomes", "format": "xlsx", "year": 2020, "unmask": False}
    download = c.get(f"/exports/{job.pk}/download")
    assert download["Content-Disposition"] == f'attachment; filename="jingzhun_incomes_522633_2020_{today()}.xlsx"'
    assert table(body(download), "xlsx") == [
        INCOME_HEADERS,
        [register.h1.number, "2020", "3", "15000.00", "0.00", "1200.00", "0.00", "0.00", "0.00", "0.00", "0.00", "2200.00"],
        [register.h2.number, "2020", "1", "0.00", "0.00", "0.00", "0.00", "2400.00", "0.00", "0.00", "0.00", "0.00"],
    ]
    assert AuditEvent.objects.get(action="export").changes["layout"] == [None, "incomes"]
    start(c, layout="incomes", format="csv")
    every = run()
    assert every.result["rows"] == 3 and every.result["filename"] == f"jingzhun_incomes_522633_{today()}.csv"
    rows = table(body(c.get(f"/exports/{every.pk}/download")), "csv")
    assert [r[:2] for r in rows[1:]] == [[register.h1.number, "2019"], [register.h1.number, "2020"], [register.h2.number, "2020"]]
    # a year is only for incomes; an invalid one is refused
    start(c, layout="members", year="2020")
    assert Job.objects.filter(kind="export").latest("id").params["year"] is None
    bad = start(c, layout="incomes", year="1999")
    assert bad.status_code == 400 and 'id="id_year_errors"' in bad.content.decode()


# --- the round trip -------------------------------------------------------------------------------


def test_a_downloaded_csv_reimports_without_errors(login, users, register, tmp_path):
    c = login(users["county"], "en")
    start(c, format="csv", unmask="on")
    path = tmp_path / "export.csv"
    path.write_bytes(body(c.get(f"/exports/{run().pk}/download")))
    batch = import_create(actor=users["county"], source=path, area=register.h1.area.parent.parent)
    batch = import_validate(batch, actor=users["county"], today=dt.date(2026, 11, 22))
    assert (batch.status, batch.error_count, batch.warning_count) == (ImportStatus.VALIDATED, 0, 0)
    assert (batch.rows, batch.households, batch.persons) == (4, 2, 4)


def test_progress_is_reported_on_the_job_while_rows_are_written(login, users, register, monkeypatch):
    from jingzhun.imports import export as export_module

    calls = []
    original = export_tasks.job_progress
    monkeypatch.setattr(export_module, "CHUNK", 3)  # a report every 3 rows
    monkeypatch.setattr(export_tasks, "job_progress", lambda job_id, **kw: (calls.append(kw), original(job_id, **kw)))
    start(login(users["county"], "en"))
    job = run()
    assert calls == [{"done": 3, "total": None}, {"done": 4, "total": 4}]
    assert (job.progress, job.total, job.percent, job.result["rows"]) == (4, 4, 100, 4)


# --- failures and old files -----------------------------------------------------------------------


def test_a_failed_export_says_why_and_offers_no_file(login, users, register, monkeypatch):
    def broken(**kwargs):
        kwargs["path"].write_bytes(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_tasks, "export", broken)
    c = login(users["county"], "en")
    start(c, format="xlsx")
    job = Job.objects.get(kind="export")
    with pytest.raises(RuntimeError):
        export_task.call(job.pk)
    job.refresh_from_db()
    assert (job.status, job.errors, job.result) == (JobStatus.FAILED, ["disk full"], {})
    assert not (export_tasks.exports_dir() / f"{job.pk}.xlsx").exists()
    html = c.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="export-job").content.decode()
    assert "disk full" in html and 'id="export-download"' not in html and "hx-trigger" not in html  # polling stops
    assert c.get(f"/exports/{job.pk}/download")["Location"] == f"/exports/{job.pk}/"


def test_files_older_than_24_hours_are_purged_before_an_export(login, users, register, var_dir):
    c = login(users["county"], "en")
    start(c)
    first = run()
    folder = var_dir / "exports"
    old_file, fresh_file = folder / f"{first.pk}.csv", folder / "fresh.csv"
    fresh_file.write_bytes(b"x")
    day_ago = time.time() - 24 * 3600 - 60
    os.utime(old_file, (day_ago, day_ago))
    os.utime(fresh_file, (time.time() - 23 * 3600, time.time() - 23 * 3600))
    start(c, format="parquet")
    second = run()
    assert sorted(p.name for p in folder.iterdir()) == sorted(["fresh.csv", f"{second.pk}.parquet"])
    html = c.get(f"/exports/{first.pk}/").content.decode()
    assert "The file was deleted 24 hours after the export: export again." in html and 'id="export-download"' not in html
    assert c.get(f"/exports/{first.pk}/download")["Location"] == f"/exports/{first.pk}/"
    listing = c.get("/exports/").content.decode()
    assert re.search(rf'<tr data-job="{first.pk}">.*?Deleted.*?</tr>', listing, re.S)
    # the function alone: by modification time, relative to now
    assert purge_old_exports(now=time.time() + 3600) == 1  # fresh.csv is 24 h old an hour from now
    assert purge_old_exports(max_age=dt.timedelta(0), now=time.time() + 1) == 1
    assert list(folder.iterdir()) == []


# --- both languages -------------------------------------------------------------------------------


def test_pages_in_chinese(login, users, register):
    c = login(users["county"], "zh-hans")
    html = c.get("/exports/").content.decode()
    for text in ("导出", "完整身份证号码", "农户和家庭成员（每人一行）", "收入（每户每年一行）", "您最近的导出"):
        assert text in html, text
    start(c)
    job = run()
    html = c.get(f"/exports/{job.pk}/").content.decode()
    assert "已写入 4 行。" in html and "下载" in html
