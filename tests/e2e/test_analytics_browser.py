"""The poverty measures page in a real browser: take a snapshot, read the table, change the year and the
comparison (htmx), drill down by clicking a bar of the ranking chart, sort, download the workbook.

The page is driven in English, so that the test does not depend on the Chinese catalogue.
Set JINGZHUN_UPDATE_SCREENSHOTS=1 to refresh docs/img/analytics.png from this run.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jingzhun.analytics.seed import dimension_sets_seed
from jingzhun.demo.generator import generate_county
from jingzhun.policy.services import lines_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


# The snapshot job runs inside the request and the page computes nine DuckDB queries: under the full suite on
# two cores that takes longer than Playwright's default 5 s.
expect.set_options(timeout=30_000)

@pytest.fixture
def county(areas, users, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    # the snapshot button runs the job in the request, as with TASK_BACKEND=immediate (no worker in this test)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    lines_seed()
    dimension_sets_seed()  # a transactional test before this one may have flushed the migration's rows
    generate_county(county_code="522633", households=150, seed=3)
    return users


@pytest.fixture
def page_en(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def bar_position(page, index: int) -> dict:
    """Where the `index`-th bar of the ranking chart ends, in page coordinates (from ECharts itself)."""
    return page.evaluate("""(index) => {
        const el = document.querySelector('[data-chart="rank"]');
        const chart = window.echarts.getInstanceByDom(el);
        const value = chart.getOption().series[0].data[index];
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [value / 2, index]);
        const box = el.getBoundingClientRect();
        return {x: box.left + x, y: box.top + y};
    }""", index)


def test_snapshot_table_year_compare_drilldown_sort_download(live_server, page_en, county, tmp_path):
    page = page_en
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "county")
    page.fill("#id_password", "pw-county-2026")
    page.get_by_role("button", name="Log in").click()

    # from the county's area page to its measures: no snapshot yet
    page.goto(f"{live_server.url}/areas/522633/")
    page.locator(".actions").get_by_role("link", name="Poverty measures").click()
    expect(page.locator("h1")).to_contain_text("Poverty measures · 从江县")
    expect(page.locator("#analytics-results")).to_contain_text("No snapshot covers 从江县")
    page.get_by_role("button", name="Take a snapshot").click()

    # the job ran; the page reloads with the table of the snapshot's last year, by township
    table = page.locator("#measures-table")
    expect(table).to_be_visible()
    expect(page.locator("#analytics-results h2").first).to_contain_text("Township: measures of 2020")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tfoot")).to_contain_text("从江县 (Total)")
    expect(page.locator(".snapshot-info")).to_contain_text("SHA-256")
    expect(page.locator('[data-chart="rank"] svg')).to_be_visible(timeout=20_000)
    expect(page.locator('[data-chart="trend"] svg')).to_be_visible(timeout=20_000)
    expect(page.locator('[data-chart="contrib"] svg')).to_be_visible(timeout=20_000)

    # another year and a comparison: htmx swaps the results and keeps the URL in step
    page.select_option("#analytics-year", "2016")
    expect(page).to_have_url(re.compile(r"year=2016"))
    expect(page.locator("#analytics-results h2").first).to_contain_text("measures of 2016")
    page.select_option("#analytics-compare", "2014")
    expect(page).to_have_url(re.compile(r"compare=2014"))
    expect(table.locator("thead")).to_contain_text("vs 2014")
    expect(table.locator("td.change").first).to_have_text(re.compile(r"^[+-]?[0-9]"))
    expect(page.locator('[data-chart="rank"] svg')).to_be_visible(timeout=20_000)  # charts redrawn after the swap

    # click the first (highest P0) bar: the page of that township, same year and comparison
    first = page.evaluate("JSON.parse(document.getElementById('analytics-chart-data').textContent).rank.names[0]")
    page.wait_for_function("window.echarts && echarts.getInstanceByDom(document.querySelector('[data-chart=\"rank\"]'))")
    pos = bar_position(page, 0)
    page.mouse.click(pos["x"], pos["y"])
    expect(page.locator("h1")).to_contain_text(f"Poverty measures · {first}")
    expect(page).to_have_url(re.compile(r"area=5226331\d\d&year=2016&compare=2014"))
    expect(page.locator("#analytics-level")).to_have_value("5")
    villages = page.locator("#measures-table tbody tr")
    expect(villages.first).to_be_visible()
    expect(villages.locator("a")).to_have_count(0)  # the last level: no drill-down

    # sort by a column heading (descending first)
    page.locator('#measures-table th[data-key="gini"] a').click()
    expect(page.locator('#measures-table th[data-key="gini"]')).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile(r"sort=-gini"))
    expect(page.locator("#analytics-sort")).to_have_value("-gini")

    # the workbook of the same table
    with page.expect_download() as download:
        page.get_by_role("link", name="Download xlsx").click()
    assert re.fullmatch(r"jingzhun-measures-5226331\d\d000-2016-2014\.xlsx", download.value.suggested_filename)
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    from openpyxl import load_workbook

    assert load_workbook(target)["2016"]["B2"].value  # the first village's name

    # the breadcrumb returns to the county, same year
    page.locator(".crumbs").get_by_role("link", name="从江县").click()
    expect(page.locator("h1")).to_contain_text("Poverty measures · 从江县")
    expect(page.locator("#analytics-year")).to_have_value("2016")

    shot = tmp_path / "analytics.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("JINGZHUN_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS_IMG / "analytics.png")
