"""Pairing assistance in a real browser, as the eastern side: from the navigation to the partnership, its figures
and charts (ECharts, loaded by htmx after the page), the fund ledger (record an allocation, reverse it with a
correction), back to the figures, which net the correction.

Driven in English. Set JINGZHUN_UPDATE_SCREENSHOTS=1 to refresh docs/img/pairing.png from this run.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from jingzhun.pairing.ledgers import ledger_create
from jingzhun.pairing.projects import beneficiary_add, project_create
from jingzhun.pairing.services import agreement_set, fund_record, partnership_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
expect.set_options(timeout=20_000)


@pytest.fixture
def pair(areas, users, household):
    p = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                           start_date=dt.date(2017, 1, 1))
    project = project_create(actor=None, partnership=p, name="岜沙村饮水工程", code="P-001", budget="1500000.00",
                             village=areas["522633100201"], start_date=dt.date(2018, 2, 1))
    beneficiary_add(actor=None, project=project, household=household, benefit="water")
    fund_record(actor=None, partnership=p, date=dt.date(2018, 3, 1), kind="allocated", source="fiscal", amount="1234567.89", project=project)
    fund_record(actor=None, partnership=p, date=dt.date(2019, 3, 1), kind="allocated", source="donation", amount="300000.00")
    agreement_set(actor=None, partnership=p, year=2018, indicator="fiscal_allocated", target="2000000")
    ledger_create(actor=None, kind="training", partnership=p, data={"date": "2018-09-10", "title": "茶叶种植培训", "kind": "technician",
                                                                     "trainees": "45"})
    return p


@pytest.fixture
def page_en(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def drawn(page, selector: str) -> None:
    """Wait until ECharts has drawn the chart under `selector` (its SVG renderer puts an svg element in it)."""
    expect(page.locator(f"{selector} svg").first).to_be_visible()


def series_total(page, selector: str) -> float:
    """The sum of every data point the chart under `selector` draws (from ECharts itself)."""
    return page.evaluate("""(selector) => {
        const chart = window.echarts.getInstanceByDom(document.querySelector(selector));
        return chart.getOption().series.flatMap(s => s.data).reduce((a, b) => a + Number(b || 0), 0);
    }""", selector)


def test_eastern_officer_follows_figures_charts_and_the_fund_ledger(live_server, page_en, pair):
    page = page_en
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "hunan_county")
    page.fill("#id_password", "pw-hunan_county-2026")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Pairing assistance").first.click()
    page.get_by_role("link", name="江永—从江").first.click()
    expect(page.locator("h1")).to_have_text("江永—从江")
    figures = page.locator("#pairing-figures")
    expect(figures).to_contain_text("1,234,567.89")
    expect(figures).to_contain_text("300,000.00")

    # the charts come with htmx after the page; the stacked funds chart draws 1,234,567.89 + 300,000.00
    stack = '[data-chart="stack"]'
    drawn(page, stack)
    assert series_total(page, stack) == pytest.approx(1534567.89)

    # the fund ledger: record an allocation of 1,000.00, then reverse it
    page.locator("nav.tabs").get_by_role("link", name="Funds").click()
    form = page.locator("#fund-form")
    form.locator("#id_date").fill("2019-06-01")
    form.locator("#id_kind").select_option("allocated")
    form.locator("#id_source").select_option("fiscal")
    form.locator("#id_amount").fill("1000.005")  # three decimals: refused with the field's error, nothing written
    form.get_by_role("button", name="Record").click()
    expect(page.locator("#fund-form .field.invalid")).to_contain_text("two decimal places")
    page.locator("#fund-form #id_amount").fill("1000.00")
    page.locator("#fund-form").get_by_role("button", name="Record").click()
    row = page.locator("tr", has_text="1,000.00").first
    expect(row).to_be_visible()
    row.locator("summary").click()
    row.locator("input[name=note]").fill("entered on the wrong partnership")
    row.get_by_role("button", name="Record the reversing entry").click()
    expect(page.locator("body")).to_contain_text("-1,000.00")

    # back on the partnership page the correction nets out
    page.goto(f"{live_server.url}/pairing/{pair.pk}/?year=2019")
    expect(page.locator('[data-code="fiscal_allocated"]').first).to_have_text("0.00")
    drawn(page, stack)
    page.goto(f"{live_server.url}/pairing/{pair.pk}/")
    expect(figures).to_contain_text("1,234,567.89")
    drawn(page, stack)
    shot = Path(os.environ.get("TMPDIR", "/tmp")) / "pairing.png"
    page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("JINGZHUN_UPDATE_SCREENSHOTS"):
        shutil.copy(shot, DOCS_IMG / "pairing.png")
