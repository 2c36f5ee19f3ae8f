"""The pairing pages (issue 6): list and new partnership, partnership page, report and xlsx, area rollup, trace and the
household card's fragment, claims and assessment; scope (404 outside it), forms' field errors, both languages.

Fixture (hand-counted): Jiangyong (Hunan, standing in for an eastern county) paired with Congjiang from 2017, with
  2018-03-01 fiscal allocated 1,234,567.89 to project P-001, 2018-06-01 fiscal disbursed 1,000,000.00 to P-001,
  2019-05-01 donation pledged 50,000.00; P-001 (start 2018-02-01) reaches the three-person household of 岜沙村;
  a 2018 agreement: fiscal_allocated 2,000,000.00 (61.73%); 2018-09-10 a training session of 45 trainees;
  2019-11-11 a purchase of 88,888.88.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.core.models import AuditEvent
from jingzhun.pairing.assessment import load_templates
from jingzhun.pairing.ledgers import ledger_create
from jingzhun.pairing.models import Agreement, AssessmentInput, AssessmentScore, Claim, Partnership
from jingzhun.pairing.projects import beneficiary_add, project_create
from jingzhun.pairing.reconcile import claim_create
from jingzhun.pairing.services import agreement_set, fund_record, partnership_create

pytestmark = pytest.mark.django_db

START = dt.date(2017, 1, 1)
SEED_003 = [
    {"type": "average", "total": "2.831 billion yuan", "count": "72", "average": "39.33 million yuan"},
    {"type": "increase", "value": "57.4 million yuan", "base": "39.33 million yuan", "percent": "31"},
]


@pytest.fixture
def national(db):
    return get_user_model().objects.create_superuser(username="national", password="pw-national-2026")


@pytest.fixture
def pair(areas, household):
    p = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                           start_date=START)
    project = project_create(actor=None, partnership=p, name="岜沙村饮水工程", code="P-001", budget="1500000.00",
                             village=areas["522633100201"], start_date=dt.date(2018, 2, 1))
    beneficiary_add(actor=None, project=project, household=household, benefit="water")
    fund_record(actor=None, partnership=p, date=dt.date(2018, 3, 1), kind="allocated", source="fiscal", amount="1234567.89", project=project)
    fund_record(actor=None, partnership=p, date=dt.date(2018, 6, 1), kind="disbursed", source="fiscal", amount="1000000.00", project=project)
    fund_record(actor=None, partnership=p, date=dt.date(2019, 5, 1), kind="pledged", source="donation", amount="50000.00")
    agreement_set(actor=None, partnership=p, year=2018, indicator="fiscal_allocated", target="2000000", unit="yuan")
    ledger_create(actor=None, kind="training", partnership=p, data={"date": "2018-09-10", "title": "茶叶种植培训", "kind": "technician",
                                                                     "trainees": "45"})
    ledger_create(actor=None, kind="purchases", partnership=p, data={"date": "2019-11-11", "buyer": "江永县总工会", "product": "从江香猪",
                                                                      "channel": "union", "amount": "88888.88"})
    return p


@pytest.fixture
def claim(pair):
    return claim_create(actor=None, title="浙江2018年财政援助", source="seed 003", start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31),
                        statements=SEED_003, partnership=pair)


def cell(html: str, code: str) -> str:
    """The text of the figure cell of an indicator code (the first one on the page)."""
    return re.search(rf'data-code="{code}">([^<]*)<', html).group(1)


def pages(pair, claim, household) -> list[str]:
    return [
        reverse("web:pairing"),
        reverse("web:pairing_detail", kwargs={"pk": pair.pk}),
        reverse("web:pairing_detail", kwargs={"pk": pair.pk}) + "?year=2018",
        reverse("web:pairing_report", kwargs={"pk": pair.pk}),
        reverse("web:pairing_charts", kwargs={"pk": pair.pk}),
        reverse("web:pairing_area", kwargs={"code": "522600"}),
        reverse("web:pairing_trace", kwargs={"pk": pair.pk}) + "?source=fiscal",
        reverse("web:pairing_assessment", kwargs={"pk": pair.pk, "year": 2018}),
        reverse("web:pairing_claims"),
        reverse("web:pairing_claim", kwargs={"pk": claim.pk}),
    ]


# --- rendering and scope --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["county", "hunan_county", "national"])
def test_every_page_renders_for_both_sides_and_a_national_user(login, users, national, pair, claim, household, who):
    load_templates()
    client = login(national if who == "national" else users[who], "en")
    for url in pages(pair, claim, household):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "江永—从江" in response.content.decode() or url.endswith(("/pairing/", "/charts/")), url
    assert client.get(reverse("web:pairing_report_xlsx", kwargs={"pk": pair.pk})).status_code == 200


def test_unrelated_user_gets_404(login, users, pair, claim, household):
    client = login(users["other_township"], "en")  # Guandong township: below Congjiang, not the county itself
    for url in pages(pair, claim, household)[1:]:
        if "/area/" in url or url.endswith("/claims/"):
            continue
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("web:pairing_report_xlsx", kwargs={"pk": pair.pk})).status_code == 404
    assert client.get(reverse("web:pairing_area", kwargs={"code": "431125"})).status_code == 404
    listing = client.get(reverse("web:pairing")).content.decode()
    assert "江永—从江" not in listing
    assert "浙江2018年财政援助" not in client.get(reverse("web:pairing_claims")).content.decode()


def test_eastern_officer_sees_the_partnership_but_not_the_western_households(login, users, pair, household):
    client = login(users["hunan_county"], "en")
    trace = client.get(reverse("web:pairing_trace", kwargs={"pk": pair.pk}) + "?source=fiscal").content.decode()
    assert 'data-total="households">1<' in trace and 'data-total="persons">3<' in trace  # counted, not named
    assert household.number not in trace
    assert client.get(reverse("web:pairing_household", kwargs={"pk": household.pk})).status_code == 404
    county_trace = login(users["county"], "en").get(reverse("web:pairing_trace", kwargs={"pk": pair.pk}) + "?source=fiscal").content.decode()
    assert household.number in county_trace and reverse("web:household", kwargs={"pk": household.pk}) in county_trace


def test_household_fragment_lists_the_sources_that_reached_it(login, users, pair, household):
    client = login(users["county"], "en")
    html = client.get(reverse("web:pairing_household", kwargs={"pk": household.pk}), HTTP_HX_REQUEST="true").content.decode()
    assert "P-001" in html and "江永—从江" in html and "Fiscal assistance" in html
    card = client.get(reverse("web:household", kwargs={"pk": household.pk})).content.decode()
    assert reverse("web:pairing_household", kwargs={"pk": household.pk}) in card


# --- figures --------------------------------------------------------------------------------------


def test_report_contains_the_exact_figures(login, users, pair):
    client = login(users["county"], "en")
    html = client.get(reverse("web:pairing_report", kwargs={"pk": pair.pk}) + "?start=2017-01-01&end=2019-12-31").content.decode()
    assert cell(html, "fiscal_allocated") == "1,234,567.89"
    assert cell(html, "fiscal_disbursed") == "1,000,000.00"
    assert cell(html, "donation_pledged") == "50,000.00"
    assert cell(html, "funds_allocated") == "1,234,567.89"
    assert cell(html, "funds_pledged") == "50,000.00"
    assert cell(html, "projects") == "1"
    assert cell(html, "beneficiary_households") == "1"
    assert cell(html, "beneficiary_persons") == "3"
    assert cell(html, "trained") == "45" and cell(html, "training_sessions") == "1"
    assert cell(html, "purchases") == "88,888.88"
    assert 'class="mainnav"' not in html  # printable: no navigation
    report_2018 = client.get(reverse("web:pairing_report", kwargs={"pk": pair.pk}) + "?year=2018").content.decode()
    assert cell(report_2018, "donation_pledged") == "0.00"  # pledged in 2019
    agreements = report_2018[report_2018.index('id="agreements-table"'):]
    assert "2,000,000.00" in agreements and "61.7%" in agreements


def test_partnership_page_figures_charts_and_links(login, users, pair):
    client = login(users["county"], "en")
    html = client.get(reverse("web:pairing_detail", kwargs={"pk": pair.pk}) + "?start=2017-01-01&end=2019-12-31").content.decode()
    assert cell(html, "fiscal_allocated") == "1,234,567.89"
    charts_url = reverse("web:pairing_charts", kwargs={"pk": pair.pk}) + "?start=2017-01-01&amp;end=2019-12-31"
    assert f'hx-get="{charts_url}"' in html  # the charts load after the page
    charts = client.get(charts_url.replace("&amp;", "&"), HTTP_HX_REQUEST="true").content.decode()
    funds = json.loads(re.search(r'<script id="pairing-chart-funds" type="application/json">(.*?)</script>', charts, re.S).group(1))["stack"]
    assert funds["years"] == [2017, 2018, 2019]
    assert funds["series"][0]["values"] == [0.0, 1234567.89, 0.0]
    people = json.loads(re.search(r'<script id="pairing-chart-people" type="application/json">(.*?)</script>', charts, re.S).group(1))["trend"]
    assert [s["values"] for s in people["series"]] == [[0, 0, 0], [0, 45, 0], [0, 0, 0]]  # sent, trained, workers placed
    purchases = json.loads(re.search(r'<script id="pairing-chart-purchases" type="application/json">(.*?)</script>', charts, re.S).group(1))
    assert purchases["trend"]["series"][0]["values"] == [0.0, 0.0, 88888.88]
    assert 'data-chart="trend"' in charts and 'data-chart="stack"' in charts
    assert reverse("web:pairing_report_xlsx", kwargs={"pk": pair.pk}) in html
    assert reverse("web:pairing_trace", kwargs={"pk": pair.pk}) in html
    assert reverse("web:pairing_funds", kwargs={"pk": pair.pk}) in html  # the ledger pages of the other web helper
    assert reverse("web:pairing_ledger", kwargs={"pk": pair.pk, "kind": "training"}) in html
    partial = client.get(reverse("web:pairing_detail", kwargs={"pk": pair.pk}) + "?year=2018", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main")
    body = partial.content.decode()
    assert "<html" not in body and cell(body, "fiscal_allocated") == "1,234,567.89" and cell(body, "fiscal_disbursed") == "1,000,000.00"


def test_area_page_rolls_up_the_partnerships_with_a_side_in_the_area(login, users, national, pair):
    for user, code in ((users["county"], "522600000000"), (users["hunan_county"], "431100"), (national, "430000")):
        html = login(user, "en").get(reverse("web:pairing_area", kwargs={"code": code}) + "?start=2017-01-01&end=2019-12-31").content.decode()
        assert cell(html, "fiscal_allocated") == "1,234,567.89"
        assert "江永—从江" in html


def test_xlsx_download_is_a_workbook(login, users, pair):
    response = login(users["county"], "en").get(reverse("web:pairing_report_xlsx", kwargs={"pk": pair.pk}) + "?start=2017-01-01&end=2019-12-31")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    values = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert any(v is not None and str(v) in ("1234567.89", "1,234,567.89") for v in values)


# --- forms ----------------------------------------------------------------------------------------


def test_new_partnership_form_shows_field_errors_and_writes_nothing(login, users, areas):
    client = login(users["county"], "en")
    before, audits = Partnership.objects.count(), AuditEvent.objects.count()
    data = {"kind": "county", "name": "x", "east_area": "431125", "west_area": "999999", "start_date": "2020-01-01"}
    response = client.post(reverse("web:pairing"), data)
    assert response.status_code == 400
    assert "No area has this code." in response.content.decode()
    response = client.post(reverse("web:pairing"), {**data, "west_area": "522633", "end_date": "2019-01-01"})
    assert response.status_code == 400
    assert 'id="id_end_date_errors"' in response.content.decode()
    assert (Partnership.objects.count(), AuditEvent.objects.count()) == (before, audits)
    response = client.post(reverse("web:pairing"), {**data, "west_area": "522633"})
    p = Partnership.objects.get(name="x")
    assert response.status_code == 302 and response["Location"] == reverse("web:pairing_detail", kwargs={"pk": p.pk})
    assert p.west_area_id == "522633000000" and p.east_area_id == "431125000000"


def test_list_filters(login, users, pair):
    client = login(users["county"], "en")

    def table(query: str) -> str:
        html = client.get(reverse("web:pairing") + query).content.decode()
        return html[html.index('id="partnerships-table"'):html.index("</table>", html.index('id="partnerships-table"'))]

    assert "江永—从江" in table("?kind=county&area=431125&year=2018")
    assert "江永—从江" not in table("?kind=province")
    assert "江永—从江" not in table("?year=2016")
    assert "江永—从江" not in table("?area=999")
    htmx = client.get(reverse("web:pairing") + "?area=522633", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="pairing-results").content.decode()
    assert htmx.lstrip().startswith('<section class="card" id="pairing-results">') and "江永—从江" in htmx


def test_analyst_sees_no_create_forms(login, users, pair):
    client = login(users["analyst"], "en")
    assert 'name="west_area"' not in client.get(reverse("web:pairing")).content.decode()
    assert 'name="target"' not in client.get(reverse("web:pairing_detail", kwargs={"pk": pair.pk})).content.decode()


def test_agreement_form(login, users, pair):
    client = login(users["county"], "en")
    url = reverse("web:pairing_agreement", kwargs={"pk": pair.pk})
    response = client.post(url, {"year": "2018", "indicator": "trained", "target": "abc"})
    assert response.status_code == 400 and 'id="id_target_errors"' in response.content.decode()
    response = client.post(url, {"year": "2018", "indicator": "nonsense", "target": "10"})
    assert response.status_code == 400 and 'id="id_indicator_errors"' in response.content.decode()
    assert not Agreement.objects.filter(indicator="trained").exists()
    response = client.post(url, {"year": "2018", "indicator": "trained", "target": "120"})
    assert response.status_code == 302
    row = Agreement.objects.get(partnership=pair, year=2018, indicator="trained")
    assert (row.target, row.unit) == (Decimal("120.00"), "persons")
    page = client.get(reverse("web:pairing_detail", kwargs={"pk": pair.pk}) + "?year=2018").content.decode()
    assert 'data-code="trained"' in page[page.index('id="agreements-table"'):]


def test_claim_form_errors_per_statement_and_the_seed_003_finding(login, users, pair):
    client = login(users["county"], "en")
    url = reverse("web:pairing_claims")
    base = {"title": "浙江2018", "source": "seed 003", "partnership": str(pair.pk), "start": "2018-01-01", "end": "2018-12-31"}
    response = client.post(url, {**base, "statements": "[{"})
    assert response.status_code == 400 and 'id="id_statements_errors"' in response.content.decode()
    bad = [SEED_003[0], {"type": "increase", "value": "57.4 million yuan", "base": "39.33 million yuan", "percent": "x"}]
    response = client.post(url, {**base, "statements": json.dumps(bad)})
    html = response.content.decode()
    assert response.status_code == 400 and "Statement 2 (percent)" in html
    assert not Claim.objects.exists()
    response = client.post(url, {**base, "statements": json.dumps(SEED_003)})
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:pairing_claim", kwargs={"pk": claim.pk})
    page = client.get(response["Location"]).content.decode()
    findings = page[page.index('id="findings-table"'):page.index("</table>", page.index('id="findings-table"'))]
    # 2.831 billion / 72 = 39.319 million (not 39.33); 57.4 / 39.33 - 1 = 45.94% (not 31%)
    assert findings.count("<tr data-index=") == 2
    assert ">39.3194 million yuan<" in findings and ">-0.0106 million yuan<" in findings
    second = findings[findings.index('data-index="1"'):]
    assert ">31 %<" in second and ">45.94 %<" in second and ">14.94 %<" in second


def test_assessment_scores_and_grade(login, users, pair):
    load_templates()
    client = login(users["county"], "en")
    url = reverse("web:pairing_assessment", kwargs={"pk": pair.pk, "year": 2018})
    page = client.get(url).content.decode()
    leadership = re.search(r'name="score_(\d+)"', page).group(1)
    response = client.post(url, {"template": "2017-six-areas", "action": "inputs", f"score_{leadership}": "abc"})
    assert response.status_code == 400 and f'id="score-{leadership}-errors"' in response.content.decode()
    response = client.post(url, {"template": "2017-six-areas", "action": "inputs", f"score_{leadership}": "120"})
    assert response.status_code == 400 and not AssessmentInput.objects.exists()
    assert client.post(url, {"template": "2017-six-areas", "action": "inputs", f"score_{leadership}": "80"}).status_code == 302
    assert client.post(url, {"template": "2017-six-areas", "action": "compute"}).status_code == 302
    score = AssessmentScore.objects.get()
    # leadership 80 x 15, fiscal allocated 1,234,567.89 / 2,000,000 = 61.728... x 10; the rest without a target
    assert score.total == Decimal("72.69") and score.grade == "average"
    page = client.get(url + "?template=2017-six-areas").content.decode()
    assert "<span data-total>72.69</span>" in page and 'data-grade="average"' in page
    assert 'data-code="fiscal_allocated"' in page and "61.73" in page


# --- languages ------------------------------------------------------------------------------------


def test_labels_in_both_languages(login, users, pair):
    url = reverse("web:pairing_detail", kwargs={"pk": pair.pk})
    zh = login(users["county"], "zh-hans").get(url).content.decode()
    assert "结对帮扶" in zh and "财政援助资金" in zh and "县际结对（携手奔小康）" in zh
    en = login(users["county"], "en").get(url).content.decode()
    assert "Pairing assistance" in en and "Fiscal assistance" in en and "County pairing (携手奔小康)" in en
    assert "结对帮扶" not in en



def test_anomalies_are_grouped_and_capped(login, users, pair, household, areas, monkeypatch):
    """A household in two projects is one `household_counted_twice` finding; past the cap the page says how many more."""
    from jingzhun.web.views import pairing as views

    second = project_create(actor=None, partnership=pair, name="岜沙村道路", code="P-002", budget="100.00", village=areas["522633100201"],
                            start_date=dt.date(2018, 3, 1))
    beneficiary_add(actor=None, project=second, household=household, benefit="income")
    client = login(users["county"], "en")
    url = reverse("web:pairing_detail", kwargs={"pk": pair.pk})
    page = client.get(url).content.decode()
    assert page.count('data-code="household_counted_twice"') == 1 and "P-001, P-002" in page and "data-hidden" not in page
    monkeypatch.setattr(views, "ANOMALIES_SHOWN", 0)
    page = client.get(url).content.decode()
    assert 'data-code="household_counted_twice"' not in page
    assert 'data-hidden="household_counted_twice"' in page and "and 1 more of the same check (1 in all" in page
