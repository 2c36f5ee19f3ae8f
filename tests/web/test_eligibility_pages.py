"""The eligibility evaluation page (/cases/eligibility/): exact counts, reasons and lists on a hand-built village, paging,
opening cases from the proposals by village cadres, errors as messages, the monitoring scan as a job polled by htmx,
scope, the link on /cases/, and both languages.  Never an identity number on the page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from jingzhun.jobs.models import Job, JobStatus
from jingzhun.procedures.models import Case
from jingzhun.procedures.scan_apply import monitoring_scan_task
from jingzhun.registry.identity import make_resident_id
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person

pytestmark = pytest.mark.django_db

YEAR = 2020  # national line 4,000; guarantee threshold 1.5 x 4,000 = 6,000
V1, V2, V3 = "522633100201", "522633100202", "522633101201"  # 岜沙村, 大塘村 (丙妹镇); 贯洞村 (贯洞镇)
URL = "/cases/eligibility/"
OPEN = "/cases/eligibility/open/"
SCAN = "/cases/eligibility/scan/"


@pytest.fixture
def village(eligibility_village):
    """The shared eligibility households (tests/conftest.py)."""
    return eligibility_village


def html_of(response) -> str:
    return response.content.decode()


def listed(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr data-household="(\d+)">', html)]


def ids(village, *keys) -> list[int]:
    return [village[k].pk for k in keys]


def counts(html: str) -> dict[str, int]:
    return {k: int(v.replace(",", "")) for k, v in re.findall(r'data-count="(\w+)">([\d,]+)<', html)}


def reason_row(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-reason="{code}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', row)


# --- the evaluation ------------------------------------------------------------------------------------------------


def test_counts_reasons_and_the_three_lists_of_the_county(login, users, village):
    client = login(users["county"], "en")
    html = html_of(client.get(f"{URL}?area=522633&year={YEAR}"))
    assert counts(html) == {"households": 11, "candidates": 4, "exits": 2, "blocked": 3}
    assert reason_row(html, "income_below_line") == ["2", "–", "1"]
    assert reason_row(html, "no_income_record") == ["1", "–", "0"]
    assert reason_row(html, "unsafe_water") == ["1", "–", "0"]
    assert reason_row(html, "food_insecure") == ["1", "–", "0"]
    assert reason_row(html, "unsafe_housing") == ["0", "–", "1"]
    assert reason_row(html, "identified_this_year") == ["–", "–", "1"]
    assert reason_row(html, "income_above_line") == ["–", "2", "–"]
    assert "Income below the poverty line" in html and "Two assurances and three guarantees met" in html
    assert listed(html) == ids(village, "N01", "N02", "N03", "N05")
    row = re.search(rf'<tr data-household="{village["N02"].pk}">(.*?)</tr>', html, re.S).group(0)
    assert all(text in row for text in (village["N02"].number, "吴二", "岜沙村", "5,000.00", "4,000.00", "No safe drinking water"))
    n03 = re.search(rf'<tr data-household="{village["N03"].pk}">(.*?)</tr>', html, re.S).group(0)
    assert "not recorded" in n03 and "No income recorded for the year" in n03 and "No stable, sufficient food" in n03
    assert 'name="households"' not in html  # a county office does not open cases here

    exits = html_of(client.get(f"{URL}?area=522633&year={YEAR}&list=exits"))
    assert listed(exits) == ids(village, "P01", "P05")
    blocked = html_of(client.get(f"{URL}?area=522633&year={YEAR}&list=blocked"))
    assert listed(blocked) == ids(village, "P02", "P04", "P03")
    for text in ("Identified this year", "Unsafe housing", "Blocked exits"):
        assert text in blocked
    assert '<a href="/cases/eligibility/?area=522633&amp;year=2020&amp;list=blocked" hx-get' in blocked


def test_never_an_identity_number(login, users, village):
    client = login(users["county"])
    pages = "".join(html_of(client.get(f"{URL}?area=522633&year={YEAR}&list={name}")) for name in ("candidates", "exits", "blocked"))
    numbers = list(Person.objects.values_list("id_number", flat=True))
    assert numbers and not any(n in pages or n[-6:] in pages for n in numbers)
    assert not re.search(r"\d{17}[\dX]", pages)


def test_a_smaller_area_and_another_year(login, users, village):
    client = login(users["county"], "en")
    html = html_of(client.get(f"{URL}?area=522633100202&year={YEAR}"))
    assert counts(html) == {"households": 2, "candidates": 1, "exits": 0, "blocked": 1}
    assert listed(html) == ids(village, "N03")
    html = html_of(client.get(f"{URL}?area=522633&year=2019"))  # no incomes of 2019: only the unknown income with a failing guarantee
    assert listed(html) == ids(village, "N02", "N03")
    html = html_of(client.get(f"{URL}?area=522633&year=2009"))
    assert "No poverty line of 2009 applies to 从江县." in html and 'data-count="households"' not in html


def test_the_page_opens_on_the_home_area_and_above_a_county_only_on_request(login, users, village):
    html = html_of(login(users["village"], "en").get(URL))
    assert counts(html) == {"households": 7, "candidates": 2, "exits": 1, "blocked": 2}
    assert '<option value="2020" selected>2020</option>' in html
    html = html_of(login(users["township"], "en").get(URL))
    assert counts(html)["households"] == 9 and '<option value="522633100201" >' in html.replace("\u2003", "")
    province = login(users["province"], "en")
    html = html_of(province.get(URL))
    assert 'data-count="households"' not in html and "Evaluate" in html and "贵州省" in html
    assert counts(html_of(province.get(f"{URL}?area=52&year={YEAR}"))) == {"households": 11, "candidates": 4, "exits": 2, "blocked": 3}
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-2026")  # no area of its own: the provinces
    html = html_of(login(root, "en").get(URL))
    assert 'data-count="households"' not in html and '<option value="52" >贵州省</option>' in html and '>湖南省</option>' in html
    assert counts(html_of(login(root, "en").get(f"{URL}?area=43&year={YEAR}")))["candidates"] == 0


def test_scope_is_404(login, users, village):
    assert login(users["hunan_county"]).get(f"{URL}?area=522633&year={YEAR}").status_code == 404
    assert login(users["village"]).get(f"{URL}?area=522633100202").status_code == 404
    assert login(users["other_township"]).get(f"{URL}?area=522633100").status_code == 404
    assert login(users["analyst"]).get(f"{URL}?area=522633&year={YEAR}").status_code == 200  # a read


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def _more_candidates(n: int) -> None:
    """`n` households of 大塘村, income 1,000, numbers X001 ... (after the generated numbers of the village)."""
    households = Household.objects.bulk_create(Household(number=f"X{i:03d}", area_id=V2, head_name=f"多{i}", size=1) for i in range(1, n + 1))
    born = [dt.date(1970, 1, 1) + dt.timedelta(days=i) for i in range(n)]  # 100 numbers per birth date at most
    persons = Person.objects.bulk_create(
        Person(household=h, area_id=V2, relation="head", name=h.head_name, name_pinyin="duo", name_initials="d",
               id_number=make_resident_id("522633", b, 1, "M"), sex="M", birth_date=b) for h, b in zip(households, born))
    Membership.objects.bulk_create(Membership(person=p, household=p.household, relation="head", start_date=dt.date(2014, 5, 1),
                                              start_reason="registration") for p in persons)
    IncomeRecord.objects.bulk_create(IncomeRecord(household=h, year=YEAR, members=1, wages=1000, gross=1000, net=1000, per_capita=Decimal("1000"))
                                     for h in households)


def test_lists_are_paged_by_100(login, users, village):
    _more_candidates(105)
    client = login(users["county"], "en")
    first = html_of(client.get(f"{URL}?area=522633&year={YEAR}"))
    extra = list(Household.objects.filter(number__startswith="X").order_by("number").values_list("pk", flat=True))
    assert listed(first) == ids(village, "N01", "N02", "N03") + extra[:97]
    assert "109 households · page 1 of 2" in first
    assert 'href="/cases/eligibility/?area=522633&amp;year=2020&amp;list=candidates&amp;page=2"' in first
    second = html_of(client.get(f"{URL}?area=522633&year={YEAR}&list=candidates&page=2"))
    assert listed(second) == extra[97:] + ids(village, "N05")
    assert listed(html_of(client.get(f"{URL}?area=522633&year={YEAR}&page=99"))) == listed(second)  # past the end: the last page


# --- opening cases -----------------------------------------------------------------------------------------------------


def test_a_village_cadre_opens_identification_and_exit_cases(login, users, village):
    client = login(users["village"], "en")
    html = html_of(client.get(URL))
    assert re.findall(r'name="households" value="(\d+)"', html) == [str(x) for x in ids(village, "N01", "N02")]
    assert 'id="open-identification"' in html and 'id="open-exit"' not in html
    response = client.post(OPEN, {"area": V1, "year": YEAR, "list": "candidates", "procedure": "identification",
                                  "households": ids(village, "N01", "N02")})
    assert response.status_code == 302 and response["Location"] == "/cases/eligibility/?area=522633100201&year=2020&list=candidates"
    cases = Case.objects.order_by("household__number")
    assert [(c.household_id, c.procedure, c.state, c.reasons) for c in cases] == [
        (village["N01"].pk, "identification", "applied", ["income_below_line"]), (village["N02"].pk, "identification", "applied", ["unsafe_water"])]
    html = html_of(client.get(response["Location"]))
    assert "2 identification cases opened." in html
    assert 'name="households"' not in html and html.count("Case open") == 2 and f'data-case="{cases[0].pk}"' in html
    # exits: the exits tab has its own button
    html = html_of(client.get(f"{URL}?area={V1}&year={YEAR}&list=exits"))
    assert 'id="open-exit"' in html and re.findall(r'name="households" value="(\d+)"', html) == [str(village["P01"].pk)]
    response = client.post(OPEN, {"area": V1, "year": YEAR, "list": "exits", "procedure": "exit", "households": [village["P01"].pk]}, follow=True)
    assert "1 exit case opened." in html_of(response)
    assert Case.objects.get(household=village["P01"]).reasons == ["guarantees_met", "income_above_line"]
    assert 'name="households"' not in html_of(client.get(f"{URL}?area={V1}&year={YEAR}&list=blocked"))


def test_households_with_an_open_case_are_skipped_and_named(login, users, village):
    from jingzhun.procedures.services import case_open

    case_open(actor=users["village"], household=village["N01"], procedure="identification")
    client = login(users["village"], "en")
    response = client.post(OPEN, {"area": V1, "year": YEAR, "list": "candidates", "procedure": "identification",
                                  "households": ids(village, "N01", "N02")}, follow=True)
    html = html_of(response)
    assert "1 identification case opened." in html
    assert f"Skipped, a case of this procedure is already open: {village['N01'].number}." in html
    assert Case.objects.count() == 2


def test_opening_errors_are_messages_and_open_nothing(login, users, village):
    client = login(users["village"], "en")
    response = client.post(OPEN, {"area": V1, "year": YEAR, "list": "candidates", "procedure": "identification",
                                  "households": ids(village, "N01", "N04")})
    html = html_of(response)
    assert response.status_code == 400 and "No case was opened." in html
    assert f"Household {village['N04'].number} is not a candidate for identification in the evaluation of 岜沙村 for 2020." in html
    assert f'name="households" value="{village["N01"].pk}" aria-label="Select household {village["N01"].number}" checked' in html  # ticks kept
    response = client.post(OPEN, {"area": V1, "year": YEAR, "procedure": "identification"})
    assert response.status_code == 400 and "Choose at least one household." in html_of(response)
    response = client.post(OPEN, {"area": V1, "year": YEAR, "procedure": "elimination", "households": ids(village, "N01")})
    assert response.status_code == 400 and "identification or exit only" in html_of(response)
    # outside the scope: 404, for the area and for a household
    assert client.post(OPEN, {"area": V2, "year": YEAR, "procedure": "identification", "households": ids(village, "N03")}).status_code == 404
    assert client.post(OPEN, {"area": V1, "year": YEAR, "procedure": "identification", "households": ids(village, "N05")}).status_code == 404
    assert client.get(OPEN).status_code == 405
    # a township officer may change the village's data but opens no case here
    response = login(users["township"], "en").post(OPEN, {"area": V1, "year": YEAR, "procedure": "identification", "households": ids(village, "N01")})
    assert response.status_code == 403 and "Only a village cadre of the household" in html_of(response)
    assert Case.objects.count() == 0


# --- the monitoring scan --------------------------------------------------------------------------------------------


def _scan_village(village):
    """As of 30 June 2022 (national monitoring line 6,900 for 2022): N04 below the line, E01 exited with its income halved."""
    village.income(village["N04"], "5000.00", year=2022)
    village.income(village["E01"], "12000.00", year=2021)
    village.income(village["E01"], "6000.00", year=2022)


def test_the_county_runs_the_monitoring_scan_as_a_job(login, users, village):
    _scan_village(village)
    client = login(users["county"], "en")
    html = html_of(client.get(URL))
    assert "Run the monitoring scan now" in html and 'hx-post="/cases/eligibility/scan/"' in html
    response = client.post(SCAN, {"area": "522633", "as_of": "2022-06-30"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 202
    job = Job.objects.get()
    assert (job.kind, job.area_id, job.params, job.created_by, job.status) == (
        "monitoring.scan", "522633000000", {"area": "522633000000", "as_of": "2022-06-30"}, users["county"], JobStatus.QUEUED)
    html = html_of(response)
    poll = f"/cases/eligibility/scan/{job.pk}/"
    assert f'hx-get="{poll}" hx-trigger="every 1s"' in html and "Queued" in html and "Monitoring scan of 从江县 on 2022-06-30" in html
    # while it runs, the page shows it and a second click does not start another
    assert f'data-job="{job.pk}"' in html_of(client.get(f"{URL}?area=522633"))
    assert client.post(SCAN, {"area": "522633", "as_of": "2022-06-30"}, HTTP_HX_REQUEST="true").status_code == 202
    assert Job.objects.count() == 1

    monitoring_scan_task.call(job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"flagged": 2, "opened": 2, "updated": 0, "already_monitored": 0}
    html = html_of(client.get(poll, HTTP_HX_REQUEST="true"))
    assert "hx-trigger" not in html
    result = dict(re.findall(r'<dd data-result="(\w+)">(\d+)</dd>', html))
    assert result == {"flagged": "2", "opened": "2", "updated": "0", "already_monitored": "0"}
    assert 'href="/cases/?tab=inbox&amp;procedure=monitoring"' in html
    assert sorted(Case.objects.filter(procedure="monitoring").values_list("household_id", flat=True)) == sorted(ids(village, "N04", "E01"))
    page = client.get(poll)  # without htmx: the job page, with a link back
    assert page.status_code == 200 and 'href="/cases/eligibility/?area=522633"' in html_of(page)


def test_scan_errors_roles_and_scope(login, users, village):
    county = login(users["county"], "en")
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = county.post(SCAN, {"area": "522633", "as_of": tomorrow}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "The scan date cannot be in the future." in html_of(response)
    response = county.post(SCAN, {"area": "522633", "as_of": "not a date"})
    assert response.status_code == 400 and "Enter a valid date." in html_of(response)
    assert county.post(SCAN, {"area": "431125", "as_of": "2022-06-30"}).status_code == 404
    for name in ("village", "township"):
        client = login(users[name], "en")
        assert "Run the monitoring scan now" not in html_of(client.get(URL))
        response = client.post(SCAN, {"area": V1, "as_of": "2022-06-30"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 403 and "Only a county office" in html_of(response)
    assert Job.objects.count() == 0
    county = login(users["county"], "en")  # one test client: log in again
    response = county.post(SCAN, {"area": "522633100", "as_of": "2022-06-30"})  # without htmx: the job page
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/eligibility/scan/{job.pk}/" and job.area_id == "522633100000"
    assert login(users["hunan_county"]).get(f"/cases/eligibility/scan/{job.pk}/").status_code == 404
    assert login(users["township"]).get(f"/cases/eligibility/scan/{job.pk}/").status_code == 200


def test_an_immediate_task_backend_shows_the_result_at_once(login, users, village, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    _scan_village(village)
    response = login(users["province"], "en").post(SCAN, {"area": "52", "as_of": "2022-06-30"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-result="opened">2<' in html_of(response)


# --- the link on /cases/ and both languages --------------------------------------------------------------------------


def test_the_cases_page_links_to_the_evaluation_for_offices(login, users, village):
    html = html_of(login(users["village"]).get(reverse("web:cases")))
    assert 'hx-get="/cases/eligibility/link/" hx-trigger="load"' in html
    for name in ("village", "township", "county", "province"):
        assert 'href="/cases/eligibility/"' in html_of(login(users[name]).get("/cases/eligibility/link/")), name
    assert html_of(login(users["analyst"]).get("/cases/eligibility/link/")) == ""


@pytest.mark.parametrize(("language", "texts"), [
    ("zh-hans", ["资格评估", "拟识别对象", "拟退出户", "暂不能退出户", "收入低于贫困线", "识别立项", "立即运行监测排查"]),
    ("en", ["Eligibility evaluation", "Candidates for identification", "Proposed exits", "Blocked exits", "Income below the poverty line",
            "Open identification cases", "Run the monitoring scan now"]),
])
def test_the_page_in_both_languages(login, users, village, language, texts):
    from jingzhun.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=users["village"], role=Role.COUNTY, area=village["N01"].area.parent.parent)
    html = html_of(login(users["village"], language).get(f"{URL}?area={V1}&year={YEAR}"))
    for text in texts:
        assert text in html, text
