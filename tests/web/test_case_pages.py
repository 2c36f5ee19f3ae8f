"""The procedures' pages: the inbox per role, overdue cases, every step through the case page by the right role,
wrong roles (403) and illegal steps (400) as messages, objections, bulk steps, evidence upload limits, opening
cases and recording measures from the household card, and notices (HTML and PDF) without private fields."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jingzhun.core.models import AuditEvent
from jingzhun.procedures.models import Case, CaseStep, Evidence, Measure, Notice, Objection
from jingzhun.procedures.services import case_act, case_open, cases_act
from jingzhun.registry.models import Person
from jingzhun.registry.services import household_register

pytestmark = pytest.mark.django_db

VILLAGE = "522633100201"
OTHER_VILLAGE = "522633100202"
APPRAISAL = {"attendance": "20", "representatives": "27", "votes_for": "15"}
PHONE, BANK = "13912345678", "6217002710000012345"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def today() -> dt.date:
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def applicant(areas, people):
    """A household of 岜沙村, not registered, with a phone and a bank account (never on a notice)."""
    return household_register(actor=None, area=areas[VILLAGE], status="none", date=dt.date(2020, 1, 2), head=people.person("吴老三"),
                              members=[people.person("吴妹", sex="F", relation="spouse", born=dt.date(1985, 4, 4))],
                              phone=PHONE, bank_account=BANK)


@pytest.fixture
def case(users, applicant):
    return case_open(actor=users["village"], household=applicant, procedure="identification", reasons=["income_below_line"])


def html_of(response) -> str:
    return response.content.decode()


def step(client, case, action, **data):
    return client.post(reverse("web:case_step", args=[case.pk]), {"action": action, **data})


def backdate_notice(case, days: int = 10) -> None:
    """Let the current notice's period pass (the pages take no date: the notice is moved back instead)."""
    notice = Notice.objects.filter(cases=case).order_by("-start_date", "-id").first()
    Notice.objects.filter(pk=notice.pk).update(start_date=notice.start_date - dt.timedelta(days=days))


def inbox_ids(client, query: str = "") -> list[int]:
    html = html_of(client.get(reverse("web:cases") + query))
    return [int(x) for x in re.findall(r'data-case="(\d+)"', html)]


# --- the inbox ---------------------------------------------------------------------------------------------------


def test_inbox_lists_the_cases_awaiting_each_role(login, users, case):
    assert inbox_ids(login(users["village"])) == [case.pk]
    assert inbox_ids(login(users["township"])) == []
    assert inbox_ids(login(users["county"])) == []
    assert inbox_ids(login(users["county"]), "?tab=all") == [case.pk]  # visible in the area, not awaiting the county
    for action, data in (("appraise", APPRAISAL), ("verify", {}), ("post_notice", {})):
        case = case_act(actor=users["village"], case=case, action=action, data=data, today=days_ago(10))
    case = case_act(actor=users["village"], case=case, action="close_notice")
    assert inbox_ids(login(users["village"])) == []
    assert inbox_ids(login(users["township"])) == [case.pk]
    assert inbox_ids(login(users["other_township"])) == []
    assert inbox_ids(login(users["other_township"]), "?tab=all") == []
    assert inbox_ids(login(users["analyst"])) == [] and inbox_ids(login(users["analyst"]), "?tab=all") == [case.pk]


def test_inbox_filters_by_procedure_and_state(login, users, case, household):
    monitoring = case_open(actor=users["village"], household=household, procedure="monitoring", category="unstable")
    client = login(users["village"])
    assert sorted(inbox_ids(client)) == sorted([case.pk, monitoring.pk])
    assert inbox_ids(client, "?procedure=monitoring") == [monitoring.pk]
    assert inbox_ids(client, "?procedure=identification&state=applied") == [case.pk]
    assert inbox_ids(client, "?procedure=identification&state=appraised") == []
    assert inbox_ids(client, f"?village={OTHER_VILLAGE}") == []


def test_overdue_cases_are_flagged_with_their_due_date(login, users, household):
    late = case_open(actor=users["village"], household=household, procedure="monitoring", category="unstable", first_clue=days_ago(20))
    html = html_of(login(users["village"], "en").get(reverse("web:cases")))
    row = re.search(rf'<tr class="overdue" data-case="{late.pk}">.*?</tr>', html, re.S)
    assert row and late.due_date.isoformat() in row.group(0) and "Overdue" in row.group(0)
    assert inbox_ids(login(users["county"]), "?tab=overdue") == [late.pk]
    count = html_of(login(users["village"]).get(reverse("web:cases_count")))
    assert 'class="nav-count" title="等待您办理">1<' in count and 'class="nav-count overdue" title="已超期">1<' in count
    assert html_of(login(users["other_township"]).get(reverse("web:cases_count"))) == '<span class="nav-counts"></span>'


def test_nav_link_loads_the_counts_after_the_page(login, users, case):
    html = html_of(login(users["village"]).get(reverse("web:households")))
    assert 'href="/cases/"' in html and 'hx-get="/cases/count/" hx-trigger="load"' in html and "待办" in html


def test_inbox_query_count_does_not_grow_with_the_cases(login, users, areas, people):
    def add(n):
        for i in range(n):
            h = household_register(actor=None, area=areas[[VILLAGE, OTHER_VILLAGE][i % 2]], status="none", head=people.person(f"户{i}"))
            case_open(actor=None, household=h, procedure="identification")

    client = login(users["county"])
    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("web:cases") + "?tab=all").status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("web:cases") + "?tab=all").status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries) <= 14


# --- the case page: every step by its role ---------------------------------------------------------------------------


def test_identification_through_the_case_page(login, users, case, applicant):
    village, township, county = login(users["village"]), None, None
    page = html_of(village.get(reverse("web:case", args=[case.pk])))
    assert "吴老三" in page and applicant.number in page and "岜沙村" in page and "登记民主评议" in page
    assert step(village, case, "appraise", **APPRAISAL, comment="村民代表会议").status_code == 302
    assert step(village, case, "verify").status_code == 302
    assert step(village, case, "post_notice").status_code == 302
    backdate_notice(case)
    assert step(village, case, "close_notice").status_code == 302
    township = login(users["township"])
    assert step(township, case, "review").status_code == 302
    assert step(township, case, "post_notice").status_code == 302
    backdate_notice(case)
    assert step(township, case, "close_notice").status_code == 302
    county = login(users["county"])
    assert step(county, case, "approve").status_code == 302
    assert step(county, case, "announce").status_code == 302
    backdate_notice(case)
    response = step(county, case, "register")
    assert response.status_code == 302 and response["Location"] == reverse("web:case", args=[case.pk])
    case.refresh_from_db()
    applicant.refresh_from_db()
    assert (case.state, case.outcome, applicant.status) == ("registered", "completed", "poor")
    steps = list(CaseStep.objects.filter(case=case).values_list("action", "role"))
    assert steps[-1] == ("register", "county") and len(steps) == 11
    assert CaseStep.objects.get(case=case, action="appraise").data == {"attendance": 20, "representatives": 27, "votes_for": 15}
    html = html_of(login(users["county"], "en").get(reverse("web:case", args=[case.pk])))
    for text in ("Case opened", "Record the appraisal", "Representatives attending", "村民代表会议", "Second notice", "Register", "Registered"):
        assert text in html, text
    assert 'id="household-status">Poor<' in html
    assert PHONE not in html and BANK not in html and applicant.head.id_number not in html


def test_the_case_page_offers_only_the_steps_of_the_users_role(login, users, case):
    village = html_of(login(users["village"], "en").get(reverse("web:case", args=[case.pk])))
    assert 'data-action="appraise"' in village and 'data-action="withdraw"' in village
    assert 'name="attendance"' in village and 'name="votes_for"' in village
    county = html_of(login(users["county"], "en").get(reverse("web:case", args=[case.pk])))
    assert 'data-action="appraise"' not in county and "No step of this case is yours to take now." in county
    assert "Awaiting:" in county and "Village cadre" in county


def test_a_wrong_role_gets_403_with_a_message(login, users, case):
    response = step(login(users["township"], "en"), case, "appraise", **APPRAISAL)
    assert response.status_code == 403
    assert "Only a Village cadre of this area may take the step “Record the appraisal”." in html_of(response)
    response = step(login(users["analyst"], "en"), case, "appraise", **APPRAISAL)
    assert response.status_code == 403 and "outside your responsibility" in html_of(response)
    assert login(users["hunan_county"]).post(reverse("web:case_step", args=[case.pk]), {"action": "appraise"}).status_code == 404
    assert Case.objects.get(pk=case.pk).state == "applied"


def test_an_illegal_step_gets_400_with_the_message(login, users, case):
    client = login(users["village"], "en")
    response = step(client, case, "verify")
    assert response.status_code == 400
    assert "“Record the verification” is not a step of this case in the state “Applied”" in html_of(response)
    response = step(client, case, "appraise", attendance="17", representatives="27", votes_for="15")
    html = html_of(response)
    assert response.status_code == 400 and "at least two thirds" in html and 'value="17"' in html
    step(client, case, "appraise", **APPRAISAL)
    step(client, case, "verify")
    step(client, case, "post_notice")
    response = step(client, case, "close_notice")
    assert response.status_code == 400 and "cannot close early" in html_of(response)
    assert Case.objects.get(pk=case.pk).state == "first_notice"


def test_exit_and_monitoring_steps_ask_for_the_households_signature(login, users, household):
    exit_case = case_open(actor=users["village"], household=household, procedure="exit", year=2019)
    client = login(users["village"], "en")
    step(client, exit_case, "appraise", **APPRAISAL)
    step(client, exit_case, "verify")
    page = html_of(client.get(reverse("web:case", args=[exit_case.pk])))
    assert 'name="household_signed"' in page
    response = step(client, exit_case, "household_agrees")
    assert response.status_code == 400 and "signature is required" in html_of(response)
    assert step(client, exit_case, "household_agrees", household_signed="on").status_code == 302
    assert CaseStep.objects.get(case=exit_case, action="household_agrees").data == {"household_signed": True}


def test_objection_form_sends_the_case_back(login, users, case):
    for action, data in (("appraise", APPRAISAL), ("verify", {}), ("post_notice", {})):
        case = case_act(actor=users["village"], case=case, action=action, data=data, today=days_ago(2))
    client = login(users["village"], "en")
    page = html_of(client.get(reverse("web:case", args=[case.pk])))
    assert 'id="objection"' in page and "Record an objection" in page
    url = reverse("web:case_objection", args=[case.pk])
    response = client.post(url, {"text": "他家有车", "objector": "", "received_on": days_ago(5).isoformat()})
    assert response.status_code == 400 and "The notice ran from" in html_of(response)
    response = client.post(url, {"text": "他家有车", "objector": "村民甲", "received_on": today().isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "appraised" and Objection.objects.get(case=case).objector == "村民甲"
    html = html_of(client.get(reverse("web:case", args=[case.pk])))
    assert "他家有车" in html and "Objection recorded" in html and 'id="objection"' not in html


# --- bulk steps ----------------------------------------------------------------------------------------------------


@pytest.fixture
def village_cases(users, areas, people):
    out = []
    for name in ("甲", "乙", "丙"):
        h = household_register(actor=None, area=areas[VILLAGE], status="none", head=people.person(name))
        out.append(case_open(actor=users["village"], household=h, procedure="identification"))
    return out


def bulk(client, cases, action, **data):
    url = reverse("web:cases") + "?tab=inbox&procedure=identification&state=" + cases[0].state
    return client.post(url, {"cases": [c.pk for c in cases], "action": action, **data})


def test_bulk_appraisal_then_one_notice_for_all(login, users, village_cases):
    client = login(users["village"], "en")
    page = html_of(client.get(reverse("web:cases") + "?procedure=identification&state=applied"))
    assert 'id="bulk-form"' in page and 'name="cases"' in page and 'name="attendance"' in page
    response = bulk(client, village_cases, "appraise", **APPRAISAL)
    assert response.status_code == 302
    assert set(Case.objects.values_list("state", flat=True)) == {"appraised"}
    assert CaseStep.objects.filter(action="appraise", data__attendance=20).count() == 3
    cases = list(Case.objects.all())
    assert bulk(client, cases, "verify").status_code == 302
    assert bulk(client, list(Case.objects.all()), "post_notice").status_code == 302
    notice = Notice.objects.get()
    assert notice.cases.count() == 3


def test_bulk_errors_are_clear_and_change_nothing(login, users, village_cases, areas, people):
    client = login(users["village"], "en")
    response = bulk(client, village_cases, "appraise", attendance="10", representatives="27", votes_for="9")
    html = html_of(response)
    assert response.status_code == 400 and "No case was changed." in html and "at least two thirds" in html
    assert set(Case.objects.values_list("state", flat=True)) == {"applied"}
    assert 'value="10"' in html and html.count("checked") >= 3
    case_act(actor=users["village"], case=village_cases[0], action="appraise", data=APPRAISAL)
    response = bulk(client, village_cases, "appraise", **APPRAISAL)
    assert response.status_code == 400 and "one village, in the same procedure and state" in html_of(response)
    assert bulk(client, village_cases[1:], "approve").status_code == 400
    response = client.post(reverse("web:cases") + "?procedure=identification&state=applied", {"action": "appraise", **APPRAISAL})
    assert response.status_code == 400 and "Tick at least one case." in html_of(response)
    assert bulk(login(users["township"], "en"), village_cases[1:], "appraise", **APPRAISAL).status_code == 403  # the same client, now the township's
    assert Case.objects.filter(state="appraised").count() == 1


# --- evidence ------------------------------------------------------------------------------------------------------


def upload(client, case, name, content, kind="minutes"):
    return client.post(reverse("web:case_evidence", args=[case.pk]), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_evidence_upload_checks_the_content_and_the_size(login, users, case):
    client = login(users["village"], "en")
    assert upload(client, case, "minutes.pdf", PDF).status_code == 302
    assert upload(client, case, "photo.PNG", PNG, kind="notice_photo").status_code == 302
    response = upload(client, case, "fake.pdf", b"MZ\x90\x00 not a pdf at all")
    assert response.status_code == 400 and "Only PDF, JPEG and PNG files are accepted" in html_of(response)
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    response = upload(client, case, "big.pdf", big)
    assert response.status_code == 400 and "at most 10 MB" in html_of(response)
    assert list(Evidence.objects.values_list("original_name", "content_type")) == [("minutes.pdf", "application/pdf"), ("photo.PNG", "image/png")]
    evidence = Evidence.objects.first()
    html = html_of(client.get(reverse("web:case", args=[case.pk])))
    assert "minutes.pdf" in html and "Minutes of the appraisal" in html
    download = client.get(reverse("web:case_evidence_file", args=[case.pk, evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert login(users["hunan_county"]).get(reverse("web:case_evidence_file", args=[case.pk, evidence.pk])).status_code == 404
    assert upload(login(users["analyst"]), case, "x.pdf", PDF).status_code == 403


# --- the household card: opening cases, measures ------------------------------------------------------------------


def test_the_household_card_opens_cases_and_lists_them(login, users, applicant):
    client = login(users["village"], "en")
    card = html_of(client.get(reverse("web:household", args=[applicant.pk])))
    assert 'id="procedures"' in card and "Open a case: Poor household identification" in card
    assert "Open a case: Household exit" not in card and "Open a case: Monitoring identification" in card
    url = reverse("web:case_open", args=[applicant.pk])
    response = client.post(url, {"procedure": "identification"})
    case = Case.objects.get(household=applicant)
    assert response.status_code == 302 and response["Location"] == reverse("web:case", args=[case.pk])
    card = html_of(client.get(reverse("web:household", args=[applicant.pk])))
    assert f'href="/cases/{case.pk}/"' in card and "Open a case: Poor household identification" not in card
    response = client.post(url, {"procedure": "identification"})
    assert response.status_code == 400 and "already has an open case" in html_of(response)
    response = client.post(url, {"procedure": "monitoring", "first_clue": today().isoformat()})
    assert response.status_code == 400 and "Choose the monitoring category." in html_of(response)
    response = client.post(url, {"procedure": "monitoring", "category": "marginal", "first_clue": days_ago(3).isoformat(),
                                 "reasons": ["income_drop"]})
    monitoring = Case.objects.get(household=applicant, procedure="monitoring")
    assert response.status_code == 302 and monitoring.due_date == days_ago(3) + dt.timedelta(days=15)
    assert monitoring.reasons == ["income_drop"] and monitoring.category == "marginal"
    assert "Sharp drop of income" in html_of(client.get(reverse("web:case", args=[monitoring.pk])))
    assert login(users["analyst"]).post(url, {"procedure": "exit"}).status_code == 403
    assert login(users["analyst"]).get(reverse("web:household", args=[applicant.pk])).content.decode().count("Open a case") == 0


def test_measures_are_added_from_the_household_card(login, users, household):
    client = login(users["village"], "en")
    url = reverse("web:measure_new", args=[household.pk])
    response = client.post(url, {"category": "employment", "description": "公益性岗位", "start_date": "2021-06-01", "amount": "6000",
                                 "provider": "镇人社所"})
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.area, measure.category, str(measure.amount), measure.recorded_by) == (VILLAGE, "employment", "6000.00", users["village"])
    assert AuditEvent.objects.filter(action="measure.add", object_id=str(measure.pk)).exists()
    card = html_of(client.get(reverse("web:household", args=[household.pk])))
    assert "公益性岗位" in card and "6,000.00" in card and "Employment" in card
    response = client.post(url, {"category": "employment", "description": "x", "start_date": "2021-06-01", "end_date": "2021-05-01"})
    assert response.status_code == 400 and "The end date cannot be before the start date." in html_of(response)
    assert login(users["analyst"]).post(url, {"category": "other", "description": "x", "start_date": "2021-06-01"}).status_code == 403
    assert Measure.objects.count() == 1


# --- notices -----------------------------------------------------------------------------------------------------


@pytest.fixture
def posted(users, case, applicant):
    for action, data in (("appraise", APPRAISAL), ("verify", {}), ("post_notice", {})):
        case = case_act(actor=users["village"], case=case, action=action, data=data, today=dt.date(2026, 3, 2))
    return Notice.objects.get(cases=case)


def private_values(household) -> list[str]:
    ids = list(Person.objects.filter(household=household).values_list("id_number", flat=True))
    assert len(ids) == 2
    return [*ids, PHONE, BANK]


def test_the_notice_list_and_print_page_show_no_private_fields(login, users, posted, applicant):
    client = login(users["township"])
    listing = html_of(client.get(reverse("web:notices")))
    assert f'data-notice="{posted.pk}"' in listing and "岜沙村" in listing and "第一次公示" in listing
    html = html_of(client.get(reverse("web:notice_print", args=[posted.pk])))
    assert "吴老三" in html and "<td>2</td>" in html and "岜沙村" in html and "丙妹镇" in html
    assert "2026年3月2日" in html and "2026年3月8日" in html and "异议" in html
    for secret in private_values(applicant):
        assert secret not in html
    assert "吴妹" not in html  # only the head is named
    english = html_of(login(users["township"], "en").get(reverse("web:notice_print", args=[posted.pk])))
    assert "First notice" in english and "Objections" in english and "March 8, 2026" in english
    assert f'data-notice="{posted.pk}"' not in html_of(login(users["other_township"]).get(reverse("web:notices")))
    assert login(users["hunan_county"]).get(reverse("web:notice_print", args=[posted.pk])).status_code == 404


def test_the_notice_pdf_has_the_names_and_no_private_fields(login, users, posted, applicant):
    pypdf = pytest.importorskip("pypdf")
    response = login(users["village"]).get(reverse("web:notice_pdf", args=[posted.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "吴老三" in text and "岜沙村" in text and "第一次公示" in text and "2026年3月8日" in text
    for secret in private_values(applicant):
        assert secret not in text and secret.encode() not in data


def test_bulk_notice_lists_every_household(login, users, village_cases):
    cases = cases_act(actor=users["village"], cases=village_cases, action="appraise", data=APPRAISAL)
    cases = cases_act(actor=users["village"], cases=cases, action="verify")
    cases_act(actor=users["village"], cases=cases, action="post_notice")
    html = html_of(login(users["village"]).get(reverse("web:notice_print", args=[Notice.objects.get().pk])))
    assert all(name in html for name in ("甲", "乙", "丙"))


# --- both languages ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "texts"), [
    ("zh-hans", ["待办", "待我办理", "贫困户识别", "已申请", "登记民主评议", "办理记录"]),
    ("en", ["Cases", "Awaiting my action", "Poor household identification", "Applied", "Record the appraisal", "Timeline"]),
])
def test_case_pages_in_both_languages(login, users, case, language, texts):
    client = login(users["village"], language)
    html = html_of(client.get(reverse("web:cases"))) + html_of(client.get(reverse("web:case", args=[case.pk])))
    for text in texts:
        assert text in html, text
