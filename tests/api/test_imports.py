"""`api/imports/`: upload (202 with the check's job), list and detail in scope, the issues paged and filtered, merge
(202, 409 when it cannot), 404 outside scope, field-level 400s, and the OpenAPI schema.

Tasks go to the database queue (TASK_BACKEND=db): a test runs a job's task itself, as the worker would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.imports import columns as C
from jingzhun.imports.models import ImportBatch, ImportStatus
from jingzhun.imports.tasks import import_merge_task, import_validate_task
from jingzhun.jobs.models import Job
from jingzhun.registry.identity import make_resident_id
from jingzhun.registry.models import Household

pytestmark = pytest.mark.django_db

URL = "/api/imports/"
COUNTY, VILLAGE = "522633000000", "522633100201"
H = {key: col.header for key, col in C.by_key("members").items()}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


def csv_file(rows: list[list], name: str = "f.csv",
             header=(H["household_number"], H["village_code"], H["relation"], H["name"], H["id_number"], H["sex"])):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def bad_file():
    """Row 3: a wrong check digit; row 4: sex against the ID."""
    child = make_resident_id("522633", dt.date(2005, 1, 2), 2, "F")
    return csv_file([
        ["B1", VILLAGE, "户主", "张三", make_resident_id("522633", dt.date(1980, 5, 17), 1, "M"), "男"],
        ["B1", VILLAGE, "子女", "张一", child[:-1] + ("1" if child[-1] != "1" else "2"), "女"],
        ["B2", VILLAGE, "户主", "李四", make_resident_id("522633", dt.date(1975, 1, 1), 3, "F"), "男"],
    ], "bad.csv")


def good_file(households: int = 2):
    """Households of two; the spouse's identity number in the old 15-digit form (a warning each)."""
    rows = []
    for h in range(households):
        rows.append([f"G{h}", VILLAGE, "户主", f"王{h}", make_resident_id("522633", dt.date(1980, 5, 17), h, "M"), ""])
        rows.append([f"G{h}", VILLAGE, "配偶", f"李{h}", f"522633820301{2 * h:03d}", ""])
    return csv_file(rows, "good.csv")


def run(kind: str) -> Job:
    job = Job.objects.filter(kind=kind).latest("id")
    (import_validate_task if kind == "import.validate" else import_merge_task).call(job.pk)
    job.refresh_from_db()
    return job


def uploaded(client, file, area="522633", **extra) -> dict:
    response = client.post(URL, {"file": file, "area": area, **extra}, format="multipart")
    assert response.status_code == 202, response.content
    return response.json()


def test_upload_is_202_with_the_import_and_its_check(client_for, users):
    api = client_for("county")
    response = api.post(URL, {"file": bad_file(), "area": "522633"}, format="multipart")
    assert response.status_code == 202
    body = response.json()
    batch = ImportBatch.objects.get()
    job = Job.objects.get()
    assert response["Location"] == f"http://testserver/api/imports/{batch.pk}/"
    assert {k: body[k] for k in ("id", "file_name", "area", "area_name", "year", "status", "status_display", "rows", "error_count",
                                 "warning_count", "counts", "summary", "created_by")} == {
        "id": batch.pk, "file_name": "bad.csv", "area": COUNTY, "area_name": "从江县", "year": None, "status": "uploaded",
        "status_display": "Uploaded", "rows": 0, "error_count": 0, "warning_count": 0, "counts": {}, "summary": [],
        "created_by": "county"}
    assert {k: body["job"][k] for k in ("id", "kind", "status", "progress", "total", "percent", "errors")} == {
        "id": job.pk, "kind": "import.validate", "status": "queued", "progress": 0, "total": 0, "percent": 0, "errors": []}
    assert job.params == {"batch": batch.pk} and job.created_by == users["county"]

    run("import.validate")
    detail = api.get(f"{URL}{batch.pk}/").json()
    assert {k: detail[k] for k in ("status", "status_display", "format", "encoding", "layout", "rows", "households", "persons",
                                   "error_count", "warning_count")} == {
        "status": "invalid", "status_display": "Errors found", "format": "csv", "encoding": "utf-8", "layout": "members",
        "rows": 3, "households": 2, "persons": 2, "error_count": 2, "warning_count": 0}
    assert sorted(detail["summary"], key=lambda s: s["code"]) == [{"code": "id_checksum", "severity": "error", "count": 1},
                                                                  {"code": "sex_mismatch", "severity": "error", "count": 1}]
    assert {k: detail["job"][k] for k in ("id", "kind", "status", "progress", "result")} == {
        "id": job.pk, "kind": "import.validate", "status": "succeeded", "progress": 3,
        "result": {"batch": batch.pk, "errors": 2, "warnings": 0}}


def test_issues_paged_and_filtered_in_the_request_language(client_for, users):
    api = client_for("county")
    batch_id = uploaded(api, bad_file())["id"]
    run("import.validate")
    body = api.get(f"{URL}{batch_id}/issues/").json()
    assert body == {"count": 2, "next": None, "previous": None, "results": [
        {"sheet": "", "row": 3, "column": "id_number", "code": "id_checksum", "severity": "error",
         "message": "The check digit of the identity number is wrong."},
        {"sheet": "", "row": 4, "column": "sex", "code": "sex_mismatch", "severity": "error",
         "message": "Sex 男 does not match the identity number (F)."}]}
    assert [i["row"] for i in api.get(f"{URL}{batch_id}/issues/", {"code": "sex_mismatch"}).json()["results"]] == [4]
    assert api.get(f"{URL}{batch_id}/issues/", {"severity": "warning"}).json()["count"] == 0
    page = api.get(f"{URL}{batch_id}/issues/", {"page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and [i["row"] for i in page["results"]] == [4] and page["next"] is None
    assert page["previous"] == f"http://testserver{URL}{batch_id}/issues/?page_size=1"
    zh = client_for("county", language="zh-hans").get(f"{URL}{batch_id}/issues/", {"code": "sex_mismatch"}).json()
    assert zh["results"][0]["message"] == "性别“男”与身份证号码（F）不符。"
    bad = api.get(f"{URL}{batch_id}/issues/", {"code": "nope", "severity": "fatal"})
    assert bad.status_code == 400
    assert bad.json() == {"code": ['"nope" is not a valid choice.'], "severity": ['"fatal" is not a valid choice.']}


def test_merge_is_202_then_merged_and_409_when_it_cannot(client_for, users):
    api = client_for("county")
    bad_id = uploaded(api, bad_file())["id"]
    run("import.validate")
    refused = api.post(f"{URL}{bad_id}/merge/")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "Only a validated import without errors can be merged (this one: Errors found, 2 errors)."}

    good_id = uploaded(api, good_file(2), area="522633100")["id"]
    not_yet = api.post(f"{URL}{good_id}/merge/")  # not checked yet
    assert not_yet.status_code == 409 and "this one: Uploaded, 0 errors" in not_yet.json()["detail"]
    run("import.validate")
    response = api.post(f"{URL}{good_id}/merge/")
    assert response.status_code == 202
    body = response.json()
    merge_job = Job.objects.get(kind="import.merge")
    assert (body["status"], body["warning_count"], body["job"]["id"], body["job"]["kind"], body["job"]["status"]) == (
        "validated", 2, merge_job.pk, "import.merge", "queued")
    again = api.post(f"{URL}{good_id}/merge/")  # a merge already under way is returned as it is
    assert again.status_code == 202 and again.json()["job"]["id"] == merge_job.pk and Job.objects.filter(kind="import.merge").count() == 1
    assert not Household.objects.exists()
    run("import.merge")
    detail = api.get(f"{URL}{good_id}/").json()
    assert (detail["status"], detail["counts"]) == ("merged", {"households_created": 2, "households_updated": 0,
                                                               "persons_created": 4, "persons_updated": 0})
    assert (detail["job"]["kind"], detail["job"]["status"], detail["job"]["progress"], detail["job"]["total"], detail["job"]["percent"]) == (
        "import.merge", "succeeded", 2, 2, 100)
    assert Household.objects.count() == 2
    done = api.post(f"{URL}{good_id}/merge/")
    assert done.status_code == 409 and done.json() == {"detail": "This import is already merged."}


def test_an_interrupted_merge_is_resumed(client_for, users):
    api = client_for("county")
    batch_id = uploaded(api, good_file(3))["id"]
    run("import.validate")
    ImportBatch.objects.filter(pk=batch_id).update(status=ImportStatus.MERGING)
    assert api.post(f"{URL}{batch_id}/merge/").status_code == 202
    run("import.merge")
    assert api.get(f"{URL}{batch_id}/").json()["counts"]["households_created"] == 3


def test_an_immediate_task_backend_answers_with_the_finished_job(client_for, users, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    api = client_for("county")
    body = uploaded(api, good_file(1))
    assert (body["status"], body["persons"], body["job"]["status"]) == ("validated", 2, "succeeded")
    merged = api.post(f"{URL}{body['id']}/merge/").json()
    assert (merged["status"], merged["counts"]["persons_created"], merged["job"]["kind"], merged["job"]["status"]) == (
        "merged", 2, "import.merge", "succeeded")


def test_scope_404_outside_and_for_writes_without_change(client_for, users):
    batch_id = uploaded(client_for("county"), good_file(1))["id"]
    run("import.validate")
    hunan = client_for("hunan_county")
    assert hunan.get(URL).json()["count"] == 0
    for url in (f"{URL}{batch_id}/", f"{URL}{batch_id}/issues/"):
        assert hunan.get(url).status_code == 404
    assert hunan.post(f"{URL}{batch_id}/merge/").status_code == 404
    assert client_for("other_township").get(f"{URL}{batch_id}/").status_code == 404
    analyst = client_for("analyst")  # reads in the county, changes nothing
    assert analyst.get(f"{URL}{batch_id}/").status_code == 200 and analyst.get(URL).json()["count"] == 1
    # identity numbers in messages are masked for a caller who may not unmask them
    spouse = [i["message"] for i in analyst.get(f"{URL}{batch_id}/issues/").json()["results"]]
    assert spouse == ["15-digit identity number upgraded to 18 digits: 5226**********0007."]
    assert client_for("county").get(f"{URL}{batch_id}/issues/").json()["results"][0]["message"] == (
        "15-digit identity number upgraded to 18 digits: 522633198203010007.")
    assert analyst.post(f"{URL}{batch_id}/merge/").status_code == 404
    assert analyst.post(URL, {"file": good_file(1), "area": "522633"}, format="multipart").status_code == 404
    township = client_for("township")  # 丙妹镇: may not upload into 贯洞镇
    assert township.post(URL, {"file": good_file(1), "area": "522633101"}, format="multipart").status_code == 404
    assert township.post(URL, {"file": good_file(1), "area": "999999"}, format="multipart").status_code == 404
    assert ImportBatch.objects.count() == 1 and Job.objects.filter(kind="import.merge").count() == 0
    assert client_for("county").get(f"{URL}999999/").status_code == 404


def test_field_errors_are_400(client_for, users, settings):
    api = client_for("county")
    missing = api.post(URL, {"area": "522633"}, format="multipart")
    assert missing.status_code == 400 and missing.json() == {"file": ["No file was submitted."]}
    bad = api.post(URL, {"file": good_file(1), "area": "52-26", "year": "1999", "colour": "red"}, format="multipart")
    assert bad.status_code == 400
    assert bad.json() == {"colour": ["This field cannot be set here."]}
    bad = api.post(URL, {"file": good_file(1), "area": "52-26", "year": "1999"}, format="multipart")
    assert bad.json() == {"area": ["An area code is 2 to 12 digits."], "year": ["Ensure this value is greater than or equal to 2010."]}
    xls = api.post(URL, {"file": SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0"), "area": "522633"}, format="multipart")
    assert xls.json() == {"file": ["Old .xls workbooks cannot be read: open the file in Excel and save it as .xlsx."]}
    settings.IMPORT_MAX_BYTES = 100
    big = api.post(URL, {"file": SimpleUploadedFile("big.csv", b"x" * 2_000_000), "area": "522633"}, format="multipart")
    assert big.status_code == 400 and big.json() == {"file": [
        "The file is 1.91 MB; the largest file accepted is 0.00 MB. Split it (for example by township) and import the parts."]}
    assert not ImportBatch.objects.exists()


def test_list_newest_first_in_constant_queries(client_for, users):
    api = client_for("county")
    first = uploaded(api, good_file(1))["id"]
    with CaptureQueriesContext(connection) as one:
        assert [b["id"] for b in api.get(URL).json()["results"]] == [first]
    for _ in range(3):
        uploaded(api, good_file(1))
    with CaptureQueriesContext(connection) as four:
        body = api.get(URL).json()
    assert body["count"] == 4 and body["results"][-1]["id"] == first and body["results"][0]["id"] == first + 3
    assert len(four) == len(one)
    assert set(body["results"][0]) == {"id", "file_name", "area", "area_name", "year", "size", "format", "encoding", "layout", "status",
                                       "status_display", "rows", "households", "persons", "error_count", "warning_count", "counts",
                                       "message", "created_by", "created_at", "validated_at", "merged_at"}


def test_schema_documents_the_import_endpoints(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/imports/", "/api/imports/{id}/", "/api/imports/{id}/issues/", "/api/imports/{id}/merge/",
                 "/api/imports/{id}/validate/"):
        assert f"  {path}:" in text, path
    for component in ("ImportBatchDetail", "ImportStatusEnum", "JobStatusEnum", "IssueSeverityEnum", "IssuePage", "ImportCreate"):
        assert f"    {component}:" in text, component
    assert "multipart/form-data:" in text


def test_validate_again_after_the_checked_rows_were_lost(client_for, users):
    from jingzhun.imports.models import StagedHousehold
    from jingzhun.imports.services import ImportRefused

    api = client_for("county")
    batch_id = uploaded(api, good_file(2))["id"]
    queued = api.post(f"{URL}{batch_id}/validate/")  # the check is queued: that job is returned
    assert queued.status_code == 202 and Job.objects.filter(kind="import.validate").count() == 1
    run("import.validate")
    done = api.post(f"{URL}{batch_id}/validate/")
    assert done.status_code == 409 and done.json() == {
        "detail": "Only an import whose check did not finish can be checked again (this one: Ready to merge)."}
    StagedHousehold.objects.filter(batch_id=batch_id).delete()
    assert api.post(f"{URL}{batch_id}/merge/").status_code == 202
    with pytest.raises(ImportRefused):
        run("import.merge")
    detail = api.get(f"{URL}{batch_id}/").json()
    assert (detail["status"], detail["job"]["kind"], detail["job"]["status"]) == ("uploaded", "import.merge", "failed")
    assert detail["message"].startswith("staging_lost")
    assert client_for("analyst").post(f"{URL}{batch_id}/validate/").status_code == 404
    response = api.post(f"{URL}{batch_id}/validate/")
    assert response.status_code == 202 and response.json()["job"]["kind"] == "import.validate"
    run("import.validate")
    assert api.get(f"{URL}{batch_id}/").json()["status"] == "validated"
