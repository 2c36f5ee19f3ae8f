"""The import pages (/imports/): upload, the check as a background job, the report (counts by code, issues filtered
and paged, downloads), confirm and merge, resume, scope, and the refusals.

Tasks go to the database queue (TASK_BACKEND=db, the default): a test runs a job's task itself, as the worker would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jingzhun.areas.models import Area
from jingzhun.core.models import AuditEvent
from jingzhun.imports import columns as C
from jingzhun.imports import report
from jingzhun.imports.models import ImportBatch, ImportStatus
from jingzhun.imports.services import import_create, import_validate
from jingzhun.imports.tasks import import_merge_task, import_validate_task
from jingzhun.jobs.models import Job, JobStatus
from jingzhun.registry.identity import make_resident_id
from jingzhun.registry.models import Household, Person

pytestmark = pytest.mark.django_db

COUNTY, TOWNSHIP, VILLAGE = "522633000000", "522633100000", "522633100201"
H = {key: col.header for key, col in C.by_key("members").items()}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def bad_file() -> bytes:
    """Row 3: a wrong check digit; row 4: sex against the ID. Two errors."""
    head = make_resident_id("522633", dt.date(1980, 5, 17), 1, "M")
    child = make_resident_id("522633", dt.date(2005, 1, 2), 2, "F")
    broken = child[:-1] + ("1" if child[-1] != "1" else "2")
    other = make_resident_id("522633", dt.date(1975, 1, 1), 3, "F")
    return csv_bytes([H["household_number"], H["village_code"], H["relation"], H["name"], H["id_number"], H["sex"]], [
        ["B1", VILLAGE, "户主", "张三", head, "男"],
        ["B1", VILLAGE, "子女", "张一", broken, "女"],
        ["B2", VILLAGE, "户主", "李四", other, "男"],
    ])


def good_file(households: int = 35) -> bytes:
    """`households` households of three, every identity number in the old 15-digit form: one warning per person."""
    rows = []
    for h in range(households):
        for m, relation in enumerate(("户主", "子女", "子女")):
            seq = 3 * h + m
            rows.append([f"G{h + 1:03d}", VILLAGE, relation, f"王{seq}", f"522633800517{seq:03d}"])
    return csv_bytes([H["household_number"], H["village_code"], H["relation"], H["name"], H["id_number"]], rows)


def upload(client, content: bytes, name: str = "file.csv", area: str = COUNTY, year="", **extra):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "area": area,
                                     "year": year}, **extra)


def run_job(kind: str) -> Job:
    job = Job.objects.filter(kind=kind).latest("id")
    (import_validate_task if kind == "import.validate" else import_merge_task).call(job.pk)
    job.refresh_from_db()
    return job


def issue_rows(html: str) -> list[tuple[int, str]]:
    table = html[html.index('id="issues-table"'):]
    return [(int(r), c) for r, c in re.findall(r'<tr data-row="(\d+)" data-code="(\w+)">', table[: table.index("</table>")])]


def summary_rows(html: str) -> list[tuple[str, str]]:
    table = html[html.index('id="issue-summary"'):]
    table = table[: table.index("</table>")]
    return re.findall(r'<tr data-code="(\w+)">.*?<td class="num">([\d,]+)</td>', table, re.S)


def figure(html: str, key: str) -> str:
    return re.search(rf'<div class="value" data-key="{key}">([^<]*)</div>', html).group(1)


# --- the whole flow -------------------------------------------------------------------------------


def test_upload_check_report_filter_page_download_confirm_merge(login, users, areas):
    c = login(users["county"], "en")
    page = c.get("/imports/")
    html = page.content.decode()
    assert page.status_code == 200 and 'aria-current="page">Imports</a>' in html
    options = re.findall(r'<option value="(\d{12})"( selected)?>([^<]*)</option>', html)
    assert options == [(COUNTY, " selected", "从江县 (522633)"), (TOWNSHIP, "", "— 丙妹镇 (522633100)"),
                       ("522633101000", "", "— 贯洞镇 (522633101)")]
    assert f'data-max-bytes="{536870912}"' in html

    # a file with errors: the check runs in the background
    response = upload(c, bad_file(), "bad.csv")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    assert (batch.original_name, batch.area_id, batch.created_by, batch.status) == ("bad.csv", COUNTY, users["county"], ImportStatus.UPLOADED)
    job = Job.objects.get()
    assert (job.kind, job.params, job.area_id, job.status) == ("import.validate", {"batch": batch.pk}, COUNTY, JobStatus.QUEUED)
    html = c.get(f"/imports/{batch.pk}/").content.decode()
    assert "bad.csv received." in html
    assert f'data-job="{job.pk}"' in html and f'hx-get="/imports/{batch.pk}/progress/"' in html and 'id="issues-table"' not in html
    poll = c.get(f"/imports/{batch.pk}/progress/", **HTMX)
    assert poll.status_code == 200 and "Waiting for the task worker" in poll.content.decode() and "<html" not in poll.content.decode()

    assert run_job("import.validate").status == JobStatus.SUCCEEDED
    poll = c.get(f"/imports/{batch.pk}/progress/", **HTMX)  # the job is over: htmx reloads the page
    assert poll["HX-Redirect"] == f"/imports/{batch.pk}/"
    html = c.get(f"/imports/{batch.pk}/").content.decode()
    assert "The file has 2 errors: correct them and upload the file again. Nothing was merged." in html
    assert (figure(html, "rows"), figure(html, "errors"), figure(html, "warnings")) == ("3", "2", "0")
    assert sorted(summary_rows(html)) == [("id_checksum", "1"), ("sex_mismatch", "1")]
    assert issue_rows(html) == [(3, "id_checksum"), (4, "sex_mismatch")]
    assert "The check digit of the identity number is wrong." in html and "Sex 男 does not match the identity number (F)." in html
    assert "Confirm and merge" not in html and 'id="import-merge"' not in html
    # filter by code: htmx swaps the issues only
    part = c.get(f"/imports/{batch.pk}/?code=sex_mismatch", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="import-issues")
    part_html = part.content.decode()
    assert part_html.lstrip().startswith('<div id="import-issues"') and "<html" not in part_html
    assert issue_rows(part_html) == [(4, "sex_mismatch")]
    assert '<option value="sex_mismatch" selected>' in part_html
    # the same page in Chinese
    zh = login(users["county"], "zh-hans").get(f"/imports/{batch.pk}/?severity=error").content.decode()
    assert "身份证号码校验码错误。" in zh and "性别“男”与身份证号码（F）不符。" in zh
    c = login(users["county"], "en")
    # a merge is refused while the file has errors
    refused = c.post(f"/imports/{batch.pk}/merge/", follow=True)
    assert "Only a validated import without errors can be merged (this one: Errors found, 2 errors)." in refused.content.decode()
    assert Job.objects.filter(kind="import.merge").count() == 0

    # the downloads
    data = c.get(f"/imports/{batch.pk}/report.json")
    assert data["Content-Disposition"] == f'attachment; filename="jingzhun-import-{batch.pk}-report.json"'
    assert json.loads(data.content) == [
        {"row": 3, "column": "id_number", "code": "id_checksum", "message": "The check digit of the identity number is wrong."},
        {"row": 4, "column": "sex", "code": "sex_mismatch", "message": "Sex 男 does not match the identity number (F)."}]
    rows = list(csv.reader(b"".join(c.get(f"/imports/{batch.pk}/report.csv").streaming_content).decode("utf-8-sig").splitlines()))
    assert rows == [["Sheet", "Row", "Column", "Column name", "Code", "Severity", "Message"],
                    ["", "3", "id_number", "Identity number", "id_checksum", "error", "The check digit of the identity number is wrong."],
                    ["", "4", "sex", "Sex", "sex_mismatch", "error", "Sex 男 does not match the identity number (F)."]]
    xlsx = c.get(f"/imports/{batch.pk}/report.xlsx")
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert wb.sheetnames == ["members", "issues"]
    assert [cell.value for cell in wb["members"]["A"]] == ["Source row", 3, 4]
    assert wb["members"]["F2"].fill.fgColor.rgb == "FFFFC7CE" and wb["members"]["G3"].comment.text.startswith("Sex 男")

    # a good file with 105 warnings: paged by 100, then confirmed and merged
    upload(c, good_file(), "good.csv", area=TOWNSHIP)
    good = ImportBatch.objects.latest("id")
    run_job("import.validate")
    html = c.get(f"/imports/{good.pk}/").content.decode()
    assert "The file has no errors and 105 warnings: read them before merging." in html
    assert (figure(html, "rows"), figure(html, "households"), figure(html, "persons")) == ("105", "35", "105")
    assert summary_rows(html) == [("id_15_upgraded", "105")]
    assert [r for r, _code in issue_rows(html)] == list(range(2, 102))
    assert "105 issues · page 1 of 2" in html and f'href="/imports/{good.pk}/?page=2"' in html
    html = c.get(f"/imports/{good.pk}/?severity=warning&page=2").content.decode()
    assert issue_rows(html) == [(r, "id_15_upgraded") for r in range(102, 107)]
    assert f'href="/imports/{good.pk}/?severity=warning&amp;page=1"' in html
    assert issue_rows(c.get(f"/imports/{good.pk}/?severity=error").content.decode()) == []
    assert "15-digit identity number upgraded to 18 digits: 52263319800517000X." in c.get(f"/imports/{good.pk}/").content.decode()
    assert 'id="import-merge"' in html and "Confirm and merge" in html
    assert not Household.objects.exists()

    response = c.post(f"/imports/{good.pk}/merge/")
    assert response.status_code == 302 and response["Location"] == f"/imports/{good.pk}/"
    merge_job = Job.objects.get(kind="import.merge")
    assert (merge_job.params, merge_job.created_by) == ({"batch": good.pk}, users["county"])
    html = c.get(f"/imports/{good.pk}/").content.decode()
    assert f'data-job="{merge_job.pk}"' in html and "Merging into the register" in html and "Confirm and merge" not in html
    assert c.post(f"/imports/{good.pk}/merge/").status_code == 302 and Job.objects.filter(kind="import.merge").count() == 1  # no second job
    assert run_job("import.merge").status == JobStatus.SUCCEEDED
    html = c.get(f"/imports/{good.pk}/").content.decode()
    counts = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">([\d,]+)</td></tr>', html)
    assert counts == [("Households created", "35"), ("Households updated", "0"), ("Persons created", "105"), ("Persons updated", "0")]
    assert (Household.objects.count(), Person.objects.count()) == (35, 105)
    assert Person.objects.get(name="王0").id_number == "52263319800517000X"
    # the list: newest first, with status and counts
    html = c.get("/imports/").content.decode()
    listed = re.findall(r'<tr data-batch="(\d+)">.*?data-status="(\w+)".*?data-key="rows">(\d+)</td>.*?data-key="errors">(\d+)</td>'
                        r'.*?data-key="warnings">(\d+)</td>', html, re.S)
    assert listed == [(str(good.pk), "merged", "105", "0", "105"), (str(batch.pk), "invalid", "3", "2", "0")]


# --- scope ----------------------------------------------------------------------------------------


def _checked(user, content: bytes, area: str = COUNTY, name: str = "f.csv") -> ImportBatch:
    """A file uploaded and checked through the services (what the upload and its job do)."""
    source = settings.VAR_DIR / name
    source.write_bytes(content)
    batch = import_create(actor=user, source=source, area=Area.objects.get(code=area))
    return import_validate(batch, actor=user)


def test_another_county_cannot_see_or_merge_and_a_reader_cannot_merge(login, users, areas):
    batch = _checked(users["county"], good_file(2))
    assert batch.status == ImportStatus.VALIDATED
    hunan = login(users["hunan_county"], "en")
    for url in (f"/imports/{batch.pk}/", f"/imports/{batch.pk}/progress/", f"/imports/{batch.pk}/report.json",
                f"/imports/{batch.pk}/report.csv", f"/imports/{batch.pk}/report.xlsx"):
        assert hunan.get(url).status_code == 404, url
    assert hunan.post(f"/imports/{batch.pk}/merge/").status_code == 404
    assert f'data-batch="{batch.pk}"' not in hunan.get("/imports/").content.decode()
    # a township below the county's area does not see a county's import either
    assert login(users["other_township"], "en").get(f"/imports/{batch.pk}/").status_code == 404
    # the analyst reads the report but may not merge (nor upload)
    analyst = login(users["analyst"], "en")
    html = analyst.get(f"/imports/{batch.pk}/").content.decode()
    assert "Only a user who may change data in the import's area can merge it." in html and 'id="import-merge"' not in html
    # ... with identity numbers masked: in the messages, and in the workbook of the source rows (no audit: nothing revealed)
    assert "upgraded to 18 digits: 5226**********000X." in html and "52263319800517000X" not in html
    masked = load_workbook(io.BytesIO(b"".join(analyst.get(f"/imports/{batch.pk}/report.xlsx").streaming_content)))
    cells = [str(c.value) for ws in masked.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert "52263319800517000X" not in " ".join(cells) and any(v.startswith("5226") and "*" in v for v in cells)
    assert not AuditEvent.objects.filter(action="import.report_unmask").exists()
    assert json.loads(analyst.get(f"/imports/{batch.pk}/report.json").content)[0]["message"] == (
        "15-digit identity number upgraded to 18 digits: 5226**********000X.")
    assert b"52263319800517000X" not in b"".join(analyst.get(f"/imports/{batch.pk}/report.csv").streaming_content)
    county = login(users["county"], "en")
    assert "upgraded to 18 digits: 52263319800517000X." in county.get(f"/imports/{batch.pk}/").content.decode()
    assert county.get(f"/imports/{batch.pk}/report.xlsx").status_code == 200
    assert AuditEvent.objects.filter(action="import.report_unmask", actor=users["county"], object_id=str(batch.pk)).count() == 1
    analyst = login(users["analyst"], "en")
    assert analyst.post(f"/imports/{batch.pk}/merge/").status_code == 404
    html = analyst.get("/imports/").content.decode()
    assert f'data-batch="{batch.pk}"' in html and 'id="import-upload"' not in html
    assert upload(analyst, good_file(1), area=COUNTY).status_code == 400
    assert Job.objects.count() == 0 and ImportBatch.objects.count() == 1
    # the village user may only file under the village
    html = login(users["village"], "en").get("/imports/").content.decode()
    assert re.findall(r'<option value="(\d{12})"', html) == [VILLAGE]


def test_upload_into_an_area_outside_the_change_scope_is_refused(login, users, areas):
    c = login(users["township"], "en")
    response = upload(c, good_file(1), area="522633101000")  # 贯洞镇, the other township
    assert response.status_code == 400
    assert "Select a valid choice. 522633101000 is not one of the available choices." in response.content.decode()
    assert not ImportBatch.objects.exists()


# --- refusals at the form, unreadable files, an interrupted merge ---------------------------------


def test_a_file_over_the_limit_is_refused_at_the_form(login, users, areas, settings):
    settings.IMPORT_MAX_BYTES = 100
    c = login(users["county"], "en")
    response = upload(c, b"x" * 2_000_000, "big.csv")
    html = response.content.decode()
    assert response.status_code == 400
    assert ("The file is 1.91 MB; the largest file accepted is 0.00 MB. Split it (for example by township) and import the parts."
            in html)
    assert not ImportBatch.objects.exists() and not Job.objects.exists()
    zh = upload(login(users["county"], "zh-hans"), b"x" * 2_000_000, "big.csv").content.decode()
    assert "文件大小为 1.91 MB，超过了允许的上限 0.00 MB。请拆分（例如按乡镇）后分别导入。" in zh
    xls = upload(login(users["county"], "en"), b"\xd0\xcf\x11\xe0", "old.xls")
    assert "Old .xls workbooks cannot be read: open the file in Excel and save it as .xlsx." in xls.content.decode()


def test_an_unreadable_file_fails_with_the_readers_message(login, users, areas, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # Django's temporary file on disk: the other way into import_create
    c = login(users["county"], "en")
    upload(c, b"PK\x03\x04 not a workbook", "broken.xlsx")
    batch = ImportBatch.objects.get()
    assert batch.original_name == "broken.xlsx" and batch.path.endswith(".xlsx")
    job = run_job("import.validate")
    batch.refresh_from_db()
    assert job.status == JobStatus.FAILED and batch.status == ImportStatus.FAILED
    html = c.get(f"/imports/{batch.pk}/").content.decode()
    assert "The file could not be read." in html and batch.message.split(": ", 1)[1] in html
    zh = login(users["county"], "zh-hans").get(f"/imports/{batch.pk}/").content.decode()
    assert batch.result["unreadable"]["code"] == batch.message.split(":")[0] and batch.result["unreadable"]["zh"] in zh
    assert c.get(f"/imports/{batch.pk}/report.json").status_code == 404  # no report for a file that was not read


def test_an_interrupted_merge_offers_to_resume(login, users, areas):
    batch = _checked(users["county"], good_file(4))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.MERGING)  # the worker died before the first chunk
    c = login(users["county"], "en")
    html = c.get(f"/imports/{batch.pk}/").content.decode()
    assert "The merge stopped before the end." in html and "Resume merge" in html and "Confirm and merge" not in html
    assert c.post(f"/imports/{batch.pk}/merge/").status_code == 302
    assert run_job("import.merge").status == JobStatus.SUCCEEDED
    batch.refresh_from_db()
    assert batch.status == ImportStatus.MERGED
    assert batch.result["counts"] == {"households_created": 4, "households_updated": 0, "persons_created": 12, "persons_updated": 0}
    assert "Resume merge" not in c.get(f"/imports/{batch.pk}/").content.decode()


def test_a_stopped_check_can_be_run_again(login, users, areas):
    c = login(users["county"], "en")
    upload(c, good_file(1))
    batch = ImportBatch.objects.get()
    Job.objects.filter(kind="import.validate").update(status=JobStatus.FAILED, errors=["worker stopped"])
    html = c.get(f"/imports/{batch.pk}/").content.decode()
    assert "The check of this file stopped before the end." in html and "worker stopped" in html
    assert c.post(f"/imports/{batch.pk}/check/").status_code == 302
    assert Job.objects.filter(kind="import.validate", status=JobStatus.QUEUED).count() == 1
    run_job("import.validate")
    batch.refresh_from_db()
    assert (batch.status, batch.persons, batch.warning_count) == (ImportStatus.VALIDATED, 3, 3)


def test_templates_download(login, users, areas):
    c = login(users["village"], "en")
    response = c.get("/imports/template/members.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="jingzhun_import_members.xlsx"'
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["members", "说明 About", "lists"]
    assert wb["members"]["A1"].value == H["household_number"]
    two = load_workbook(io.BytesIO(b"".join(c.get("/imports/template/households_members.xlsx").streaming_content)))
    assert two.sheetnames[:2] == ["households", "members"]
    text = b"".join(c.get("/imports/template/incomes.csv").streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(col.header for col in C.columns("incomes"))
    assert c.get("/imports/template/households_members.csv").status_code == 404
    assert c.get("/imports/template/nope.xlsx").status_code == 404
    html = c.get("/imports/").content.decode()
    assert 'href="/imports/template/members.csv"' in html and 'href="/imports/template/incomes.xlsx"' in html


def test_report_json_is_the_clis(login, users, areas):
    batch = _checked(users["county"], bad_file())
    body = login(users["county"], "zh-hans").get(f"/imports/{batch.pk}/report.json").content.decode()
    assert json.loads(body) == report.records(batch, language="zh-hans")
    assert json.loads(body)[0]["message"] == "身份证号码校验码错误。"


@pytest.mark.parametrize("language, list_texts, batch_texts", [
    ("zh-hans", [">数据导入</a>", "上传文件", "上传并校验", "导入模板", "上传时间", ">状态<", "可以入库"],
     ["导入 #", "文件中没有错误，有 6 个警告：请在入库前查看。", "确认入库", "下载 CSV", "户数", "人数", "身份证号码"]),
    ("en", [">Imports</a>", "Upload a file", "Upload and check", "Templates", "Uploaded on", ">Status<", "Ready to merge"],
     ["Import #", "The file has no errors and 6 warnings: read them before merging.", "Confirm and merge", "Download CSV",
      "Households", "Persons", "Identity number"]),
])
def test_pages_in_both_languages(login, users, areas, language, list_texts, batch_texts):
    batch = _checked(users["county"], good_file(2))
    c = login(users["county"], language)
    html = c.get("/imports/").content.decode()
    for text in list_texts:
        assert text in html, text
    html = c.get(f"/imports/{batch.pk}/").content.decode()
    for text in batch_texts:
        assert text in html, text


def test_checked_rows_lost_by_the_database_are_checked_again(login, users, areas):
    from jingzhun.imports.models import StagedPerson
    from jingzhun.imports.services import ImportRefused

    batch = _checked(users["county"], good_file(2))
    StagedPerson.objects.filter(batch=batch).delete()  # what a PostgreSQL crash does to the unlogged staging tables
    c = login(users["county"], "en")
    assert c.post(f"/imports/{batch.pk}/merge/").status_code == 302
    with pytest.raises(ImportRefused):
        run_job("import.merge")
    html = c.get(f"/imports/{batch.pk}/").content.decode()
    assert "The validated rows of this import were lost when the database restarted: validate the file again." in html
    assert "Check the file again" in html and "Confirm and merge" not in html
    c.post(f"/imports/{batch.pk}/check/")
    run_job("import.validate")
    batch.refresh_from_db()
    assert (batch.status, batch.persons, batch.message) == (ImportStatus.VALIDATED, 6, "")
    c.post(f"/imports/{batch.pk}/merge/")
    run_job("import.merge")
    batch.refresh_from_db()
    assert batch.result["counts"]["persons_created"] == 6 and Person.objects.count() == 6
