"""Bulk import in a real browser: upload a CSV with a bad identity number, read the issue, filter the issues (htmx),
upload a good file, confirm the merge and read what it wrote.

The jobs run inside the request (TASK_BACKEND=immediate, no worker in this test). The page is driven in English, so
that the test does not depend on the Chinese catalogue.
"""

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

from jingzhun.imports import columns as C
from jingzhun.imports.models import ImportBatch
from jingzhun.registry.identity import make_resident_id
from jingzhun.registry.models import Household, Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VILLAGE = "522633100201"
H = {key: col.header for key, col in C.by_key("members").items()}


@pytest.fixture
def county(areas, users, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    return users


@pytest.fixture
def page_en(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def csv_payload(name: str, rows: list[list]) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([H["household_number"], H["village_code"], H["relation"], H["name"], H["id_number"]])
    writer.writerows(rows)
    return {"name": name, "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8")}


def upload(page, payload: dict) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Imports").click()
    expect(page.locator("h1")).to_have_text("Imports")
    page.set_input_files("#id_file", payload)
    expect(page.locator("#id_area")).to_have_value("522633000000")
    page.get_by_role("button", name="Upload and check").click()


def test_upload_read_filter_then_merge_a_good_file(live_server, page_en, county):
    page = page_en
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "county")
    page.fill("#id_password", "pw-county-2026")
    page.get_by_role("button", name="Log in").click()

    head = make_resident_id("522633", dt.date(1980, 5, 17), 1, "M")
    child = make_resident_id("522633", dt.date(2005, 1, 2), 2, "F")
    broken = child[:-1] + ("1" if child[-1] != "1" else "2")
    upload(page, csv_payload("bad.csv", [
        ["B1", VILLAGE, "户主", "张三", head],
        ["B1", VILLAGE, "子女", "张一", broken],          # row 3: the bad identity number
        ["B2", VILLAGE, "户主", "李四", "522633800517123"],  # row 4: a 15-digit number (a warning)
    ]))
    batch = ImportBatch.objects.get()
    expect(page).to_have_url(f"{live_server.url}/imports/{batch.pk}/")
    expect(page.locator("h1")).to_contain_text(f"Import #{batch.pk} · bad.csv")
    expect(page.locator("h1 .badge")).to_have_text("Errors found")
    expect(page.locator("#import-status")).to_contain_text("The file has 1 error: correct it and upload it again.")
    rows = page.locator("#issues-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("The check digit of the identity number is wrong.")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("3")
    expect(rows.nth(1)).to_contain_text("15-digit identity number upgraded to 18 digits: 52263319800517123X.")
    expect(page.get_by_role("button", name="Confirm and merge")).to_have_count(0)

    # filter (htmx swaps the table and keeps the URL in step)
    page.select_option("#issue-severity", "error")
    expect(page).to_have_url(re.compile(r"severity=error"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-code", "id_checksum")
    page.select_option("#issue-severity", "")
    expect(rows).to_have_count(2)  # the filter form is part of the swapped table: wait for the swap
    expect(page).not_to_have_url(re.compile(r"severity="))
    page.select_option("#issue-code", "id_15_upgraded")
    expect(page).to_have_url(re.compile(r"code=id_15_upgraded"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(1)).to_have_text("4")

    # the report as a workbook
    with page.expect_download() as download:
        page.get_by_role("link", name="Download xlsx").click()
    assert download.value.suggested_filename == f"jingzhun-import-{batch.pk}-report.xlsx"

    # a good file: confirm and merge
    upload(page, csv_payload("good.csv", [
        ["G1", VILLAGE, "户主", "王一", make_resident_id("522633", dt.date(1970, 1, 1), 5, "M")],
        ["G1", VILLAGE, "配偶", "李一", make_resident_id("522633", dt.date(1972, 2, 2), 6, "F")],
        ["G2", VILLAGE, "户主", "王二", make_resident_id("522633", dt.date(1990, 3, 3), 7, "M")],
    ]))
    good = ImportBatch.objects.latest("id")
    expect(page).to_have_url(f"{live_server.url}/imports/{good.pk}/")
    expect(page.locator("h1 .badge")).to_have_text("Ready to merge")
    expect(page.locator("#import-status")).to_contain_text("The file has no errors.")
    page.get_by_role("button", name="Confirm and merge").click()
    expect(page.locator("h1 .badge")).to_have_text("Merged")
    counts = page.locator("#merge-counts tr")
    expect(counts).to_have_count(4)
    expect(counts.nth(0)).to_have_text(re.compile(r"Households created\s*2"))
    expect(counts.nth(2)).to_have_text(re.compile(r"Persons created\s*3"))
    assert (Household.objects.count(), Person.objects.count()) == (2, 3)

    # the list shows both, newest first
    page.get_by_role("link", name="All imports").click()
    expect(page.locator("#imports-table tbody tr")).to_have_count(2)
    expect(page.locator("#imports-table tbody tr").first).to_contain_text("good.csv")
    expect(page.locator("#imports-table tbody tr").first.locator(".badge")).to_have_text("Merged")
