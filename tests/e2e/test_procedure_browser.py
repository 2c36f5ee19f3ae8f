"""One household from application to announcement in a real browser: the village cadre opens the identification
case from the household card, records the appraisal and the verification, posts the first notice and closes it
after its period; the township officer reviews, posts and closes the second notice; the county approves,
announces and registers. Then the timeline, the notices and the household's status.

Every step is a click on the case page by the user of the step's role. The pages take no date (a step happens
today), so the only thing the test does behind the browser's back is to let a notice's period pass: it moves the
notice's start date eight days back before the user closes it. The page is driven in English, so that the test does
not depend on the Chinese catalogue.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from jingzhun.procedures.models import Case, CaseStep, Notice
from jingzhun.registry.services import household_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VILLAGE = "522633100201"


@pytest.fixture
def applicant(areas, users, people, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return household_register(actor=None, area=areas[VILLAGE], status="none", date=dt.date(2020, 1, 2), head=people.person("吴老三"),
                              members=[people.person("吴妹", sex="F", relation="spouse", born=dt.date(1985, 4, 4))],
                              phone="13912345678")


@pytest.fixture
def page_en(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#id_username")).to_be_visible()


def take(page, step: str, state: str) -> None:
    page.get_by_role("button", name=step, exact=True).click()
    expect(page.locator("#case-state")).to_have_text(state)
    expect(page.locator(".messages .success")).to_contain_text(step)


def let_the_notice_period_pass(case: Case) -> None:
    notice = Notice.objects.filter(cases=case).order_by("-start_date", "-id").first()
    Notice.objects.filter(pk=notice.pk).update(start_date=notice.start_date - dt.timedelta(days=8))


def open_from_inbox(page, case: Case) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=re.compile("^Cases")).click()
    expect(page.locator("h1")).to_have_text("Cases")
    row = page.locator(f'#cases-table tr[data-case="{case.pk}"]')
    expect(row).to_contain_text("吴老三")
    row.get_by_role("link", name=str(case.pk), exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))


def test_identification_from_application_to_announcement(live_server, page_en, users, applicant):
    page, base = page_en, live_server.url

    # the village cadre: open the case from the household card, appraisal, verification, first notice
    log_in(page, base, "village")
    page.goto(f"{base}/households/{applicant.pk}/")
    procedures = page.locator("#procedures")
    expect(procedures).to_contain_text("No cases.")
    procedures.get_by_role("button", name="Open a case: Poor household identification").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(household=applicant)
    expect(page.locator("#case-state")).to_have_text("Applied")
    expect(page.get_by_role("navigation", name="Main navigation").locator(".nav-count").first).to_have_text("1")

    appraisal = page.locator('form[data-action="appraise"]')
    appraisal.get_by_label("Representatives attending").fill("12")  # fewer than two thirds of 27
    appraisal.get_by_label("Villager representatives in all").fill("27")
    appraisal.get_by_label("Votes in favour").fill("10")
    appraisal.get_by_role("button", name="Record the appraisal").click()
    expect(page.locator("#case-errors")).to_contain_text("at least two thirds of the villager representatives (12 of 27 attended)")
    expect(page.locator("#case-state")).to_have_text("Applied")
    appraisal = page.locator('form[data-action="appraise"]')
    expect(appraisal.get_by_label("Representatives attending")).to_have_value("12")
    appraisal.get_by_label("Representatives attending").fill("20")
    appraisal.get_by_label("Votes in favour").fill("15")
    appraisal.get_by_label("Comment").fill("村民代表会议 3 月")
    take(page, "Record the appraisal", "Appraised")
    take(page, "Record the verification", "Verified")
    take(page, "Post the notice", "First notice")
    expect(page.get_by_role("button", name="Close the notice")).to_be_disabled()
    let_the_notice_period_pass(case)
    page.reload()
    take(page, "Close the notice", "Township review")
    expect(page.locator("#next-steps")).to_contain_text("No step of this case is yours to take now.")
    log_out(page)

    # the township officer: review, second notice
    log_in(page, base, "township")
    open_from_inbox(page, case)
    take(page, "Review and pass on", "Reviewed")
    take(page, "Post the notice", "Second notice")
    let_the_notice_period_pass(case)
    page.reload()
    take(page, "Close the notice", "County approval")
    log_out(page)

    # the county office: approval, announcement, registration after the announcement's period
    log_in(page, base, "county")
    open_from_inbox(page, case)
    take(page, "Approve", "Approved")
    take(page, "Announce", "Announced")
    let_the_notice_period_pass(case)
    page.reload()
    take(page, "Register", "Registered")

    # the timeline: the opening and ten steps, each with its actor and role; the household is registered poor
    timeline = page.locator("#timeline ol.timeline > li.timeline-step")
    expect(timeline).to_have_count(11)
    expect(timeline.nth(1)).to_contain_text("Record the appraisal")
    expect(timeline.nth(1)).to_contain_text("村民代表会议 3 月")
    expect(timeline.nth(1)).to_contain_text("Representatives attending")
    expect(timeline.nth(5)).to_contain_text("township · Township officer")
    expect(timeline.nth(10)).to_contain_text("county · County poverty office")
    expect(page.locator("#household-status")).to_have_text("Poor")
    expect(page.locator("#next-steps")).to_have_count(0)
    assert list(CaseStep.objects.filter(case=case).values_list("role", flat=True)) == [
        "", "village", "village", "village", "village", "township", "township", "township", "county", "county", "county"]

    page.goto(f"{base}/households/{applicant.pk}/")
    expect(page.locator("h1 .badge")).to_have_text("Poor")
    expect(page.locator("#procedures")).to_contain_text("Registered")

    # the notices of the case: three, printable, without the phone number
    page.goto(f"{base}/notices/")
    expect(page.locator("#notices-table tbody tr")).to_have_count(3)
    first = Notice.objects.get(cases=case, kind="first_notice")
    page.goto(f"{base}/notices/{first.pk}/print")
    expect(page.locator(".notice-sheet h1")).to_contain_text("First notice")
    expect(page.locator(".notice-table tbody tr")).to_have_count(1)
    expect(page.locator(".notice-table")).to_contain_text("吴老三")
    assert "13912345678" not in page.content() and "吴妹" not in page.content()
