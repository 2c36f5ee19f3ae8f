"""The pairing ledger pages: funds (record, correct, totals netted), projects (create, advance refused without outputs,
outputs, beneficiaries), the six other ledgers (create, edit, delete, linked persons) and their imports, for a county
officer of each side; 404 outside the partnership's areas, a refusal for a read-only role, nothing written on error."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.core.models import AuditEvent
from jingzhun.pairing.ledgers import LEDGERS
from jingzhun.pairing.models import (
    FundEntry,
    LabourTransfer,
    Project,
    ProjectOutput,
    Secondment,
    Trainee,
    TrainingSession,
    VocationalStudent,
)
from jingzhun.pairing.projects import project_create
from jingzhun.pairing.services import fund_record, partnership_create
from jingzhun.registry.identity import mask
from jingzhun.registry.models import Person

pytestmark = pytest.mark.django_db

D = dt.date(2018, 5, 1)
LEDGER_KINDS = ("secondments", "training", "labour", "students", "investments", "purchases")


@pytest.fixture
def pair(areas):
    """Jiangyong (the 'eastern' side, user hunan_county) paired with Congjiang (the western side, user county)."""
    return partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1), end_date=dt.date(2020, 12, 31))


@pytest.fixture
def project(pair, areas):
    return project_create(actor=None, partnership=pair, name="岜沙村饮水工程", code="P1", budget="500000", village=areas["522633100201"])


def html(response) -> str:
    return response.content.decode()


def url(name: str, **kwargs) -> str:
    return reverse(f"web:{name}", kwargs=kwargs)


def page_urls(pair, project) -> list[str]:
    return [url("pairing_funds", pk=pair.pk), url("pairing_projects", pk=pair.pk), url("pairing_project", pk=pair.pk, project_pk=project.pk),
            *[url("pairing_ledger", pk=pair.pk, kind=k) for k in LEDGER_KINDS],
            *[url("pairing_ledger_import", pk=pair.pk, kind=k) for k in (*LEDGER_KINDS, "funds", "projects")]]


# --- scope -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["county", "hunan_county"])
def test_every_page_opens_for_either_side(login, users, pair, project, username):
    client = login(users[username])
    for u in page_urls(pair, project):
        response = client.get(u)
        assert response.status_code == 200, u
        assert "江永—从江" in html(response)
        assert 'id="read-only"' not in html(response)


def test_unrelated_user_gets_404_everywhere(login, users, pair, project):
    record = Secondment.objects.create(partnership=pair, date=D, person_name="张三", kind="cadre", specialty="education",
                                       home_unit="江永县教育局", post="副县长")
    entry = fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="100")
    client = login(users["other_township"])  # a township of Congjiang: not a side of the county pairing
    for u in [*page_urls(pair, project), url("pairing_ledger_edit", pk=pair.pk, kind="secondments", record_pk=record.pk)]:
        assert client.get(u).status_code == 404, u
    response = client.post(url("pairing_fund_correct", pk=pair.pk, entry_pk=entry.pk), {"note": "x"})
    assert response.status_code == 404
    response = client.post(url("pairing_funds", pk=pair.pk), {"date": "2018-05-01", "kind": "allocated", "source": "fiscal", "amount": "5"})
    assert response.status_code == 404
    assert FundEntry.objects.count() == 1


def test_a_record_of_another_partnership_is_404(login, users, pair, areas):
    other = partnership_create(actor=None, kind="county", name="另一对口", east_area=areas["431125000000"], west_area=areas["522633000000"],
                               start_date=dt.date(2017, 1, 1))
    record = Secondment.objects.create(partnership=other, date=D, person_name="张三", kind="cadre", specialty="education",
                                       home_unit="单位", post="岗位")
    client = login(users["county"])
    assert client.get(url("pairing_ledger_edit", pk=pair.pk, kind="secondments", record_pk=record.pk)).status_code == 404
    assert client.get(url("pairing_ledger_edit", pk=other.pk, kind="secondments", record_pk=record.pk)).status_code == 200


def test_read_only_role_sees_but_cannot_write(login, users, pair, project):
    client = login(users["analyst"])
    response = client.get(url("pairing_funds", pk=pair.pk))
    assert response.status_code == 200
    assert 'id="read-only"' in html(response) and 'id="fund-form"' not in html(response)
    response = client.post(url("pairing_funds", pk=pair.pk), {"date": "2018-05-01", "kind": "allocated", "source": "fiscal", "amount": "5"})
    assert response.status_code == 403
    assert "page-errors" in html(response)
    response = client.post(url("pairing_ledger", pk=pair.pk, kind="secondments"), {
        "date": "2018-05-01", "person_name": "张三", "kind": "cadre", "specialty": "education", "direction": "east_to_west",
        "home_unit": "单位", "post": "岗位"})
    assert response.status_code == 403
    response = client.post(url("pairing_project_advance", pk=pair.pk, project_pk=project.pk), {"to": "approved"})
    assert response.status_code == 403
    response = client.post(url("pairing_projects", pk=pair.pk), {"name": "n", "code": "P9", "budget": "1", "village": "522633100201"})
    assert response.status_code == 403
    assert FundEntry.objects.count() == 0 and Secondment.objects.count() == 0 and Project.objects.count() == 1
    assert Project.objects.get().status == "library"


# --- funds -----------------------------------------------------------------------------------------


def test_fund_entry_recorded_from_the_form(login, users, pair, project):
    client = login(users["county"])
    response = client.post(url("pairing_funds", pk=pair.pk), {"date": "2018-05-01", "kind": "allocated", "source": "fiscal",
                                                             "amount": "1234.50", "project": str(project.pk), "note": "第一批"})
    assert response.status_code == 302
    entry = FundEntry.objects.get()
    assert (entry.amount, entry.project_id, entry.recorded_by_id, entry.kind) == (Decimal("1234.50"), project.pk, users["county"].pk, "allocated")
    assert AuditEvent.objects.filter(action="pairing.fund_record").count() == 1
    page = html(client.get(url("pairing_funds", pk=pair.pk)))
    assert "1,234.50" in page and "第一批" in page and "P1" in page


@pytest.mark.parametrize("amount", ["abc", "-5", "1.005", "0"])
def test_bad_amount_shows_the_field_error_and_writes_nothing(login, users, pair, amount):
    client = login(users["county"])
    response = client.post(url("pairing_funds", pk=pair.pk), {"date": "2018-05-01", "kind": "allocated", "source": "fiscal", "amount": amount})
    assert response.status_code == 400
    assert 'id="id_amount_errors"' in html(response)
    assert FundEntry.objects.count() == 0
    assert not AuditEvent.objects.filter(action="pairing.fund_record").exists()


def test_pledge_by_the_western_side_is_refused(login, users, pair):
    response = login(users["county"]).post(url("pairing_funds", pk=pair.pk), {"date": "2018-05-01", "kind": "pledged", "source": "fiscal",
                                                                              "amount": "10"})
    assert response.status_code == 403
    assert FundEntry.objects.count() == 0
    response = login(users["hunan_county"]).post(url("pairing_funds", pk=pair.pk), {"date": "2018-05-01", "kind": "pledged",
                                                                                    "source": "fiscal", "amount": "10"})
    assert response.status_code == 302 and FundEntry.objects.get().kind == "pledged"


def test_correction_nets_in_the_totals_and_shows_against_the_entry(login, users, pair):
    a = fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="1000.10")
    fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="250.25")
    client = login(users["county"])
    response = client.post(url("pairing_fund_correct", pk=pair.pk, entry_pk=a.pk), {"note": ""})
    assert response.status_code == 400 and FundEntry.objects.count() == 2  # a reason is required
    response = client.post(url("pairing_fund_correct", pk=pair.pk, entry_pk=a.pk), {"note": "重复录入"})
    assert response.status_code == 302
    correction = FundEntry.objects.get(corrects=a)
    assert correction.amount == Decimal("-1000.10")
    page = html(client.get(url("pairing_funds", pk=pair.pk)))
    totals = page.split('id="fund-totals"')[1].split("</table>")[0]
    fiscal_row = totals.split("</tr>")[1]
    assert "250.25" in fiscal_row and "1,250.35" not in totals and "1,000.10" not in totals
    english = html(login(users["county"], "en").get(url("pairing_funds", pk=pair.pk)))
    assert f"Reverses entry {a.pk}" in english and f"Reversed by entry {correction.pk}" in english
    ledger = page.split('id="fund-ledger"')[1]
    assert f'data-entry="{correction.pk}"' in ledger and "-1,000.10" in ledger and "重复录入" in ledger
    # a second correction of the same entry is refused, nothing written
    response = client.post(url("pairing_fund_correct", pk=pair.pk, entry_pk=a.pk), {"note": "again"})
    assert response.status_code == 400 and FundEntry.objects.count() == 3


def test_fund_filters_and_paging(login, users, pair):
    for i in range(55):
        fund_record(actor=None, partnership=pair, date=dt.date(2018, 1, 1) + dt.timedelta(days=i), kind="allocated", source="fiscal", amount="1")
    fund_record(actor=None, partnership=pair, date=dt.date(2019, 3, 1), kind="allocated", source="donation", amount="7")
    client = login(users["county"])
    page = html(client.get(url("pairing_funds", pk=pair.pk)))
    assert page.split('id="fund-ledger"')[1].count("data-entry=") == 50
    page2 = html(client.get(url("pairing_funds", pk=pair.pk) + "?page=2"))
    assert page2.split('id="fund-ledger"')[1].count("data-entry=") == 6
    only = html(client.get(url("pairing_funds", pk=pair.pk) + "?source=donation"))
    assert only.split('id="fund-ledger"')[1].count("data-entry=") == 1
    year = html(client.get(url("pairing_funds", pk=pair.pk) + "?year=2019"))
    assert year.split('id="fund-ledger"')[1].count("data-entry=") == 1
    totals = year.split('id="fund-totals"')[1].split("</table>")[0]
    assert "7.00" in totals and "55.00" not in totals


# --- projects --------------------------------------------------------------------------------------


def test_project_created_from_the_form(login, users, pair):
    client = login(users["hunan_county"])
    response = client.post(url("pairing_projects", pk=pair.pk), {"name": "茶园基地", "code": "P7", "budget": "80000.00", "village": "522633100202"})
    assert response.status_code == 302
    p = Project.objects.get(code="P7")
    assert (p.budget, p.village_id, p.status) == (Decimal("80000.00"), "522633100202", "library")
    # a village outside the western area: the service's field error, nothing written
    response = client.post(url("pairing_projects", pk=pair.pk), {"name": "x", "code": "P8", "budget": "1", "village": "431125100201"})
    assert response.status_code == 400 and 'id="id_village_errors"' in html(response)
    assert not Project.objects.filter(code="P8").exists()
    listing = html(client.get(url("pairing_projects", pk=pair.pk) + "?status=library"))
    assert "P7" in listing and "茶园基地" in listing
    assert "P7" not in html(client.get(url("pairing_projects", pk=pair.pk) + "?status=approved"))


def test_project_advance_refused_without_outputs_then_completed(login, users, pair, project):
    client = login(users["county"])
    for to in ("approved", "under_construction"):
        assert client.post(url("pairing_project_advance", pk=pair.pk, project_pk=project.pk), {"to": to}).status_code == 302
    response = client.post(url("pairing_project_advance", pk=pair.pk, project_pk=project.pk), {"to": "completed"})
    assert response.status_code == 400
    assert 'id="advance-errors"' in html(response)
    project.refresh_from_db()
    assert project.status == "under_construction"
    response = client.post(url("pairing_project_output", pk=pair.pk, project_pk=project.pk), {"kind": "water_works", "count": "2"})
    assert response.status_code == 302
    assert ProjectOutput.objects.get(project=project).count == Decimal("2")
    response = client.post(url("pairing_project_output", pk=pair.pk, project_pk=project.pk), {"kind": "school", "count": "-1"})
    assert response.status_code == 400 and ProjectOutput.objects.filter(project=project).count() == 1
    assert client.post(url("pairing_project_advance", pk=pair.pk, project_pk=project.pk), {"to": "completed"}).status_code == 302
    project.refresh_from_db()
    assert project.status == "completed"


def test_beneficiary_by_household_number_shows_no_id_numbers(login, users, pair, project, household):
    client = login(users["county"])
    response = client.post(url("pairing_project_beneficiary", pk=pair.pk, project_pk=project.pk),
                           {"household": household.number, "benefit": "water", "amount": "300"})
    assert response.status_code == 302
    response = client.post(url("pairing_project_beneficiary", pk=pair.pk, project_pk=project.pk),
                           {"household": "no-such-number", "benefit": "water"})
    assert response.status_code == 400 and 'id="id_household_errors"' in html(response)
    response = client.post(url("pairing_project_beneficiary", pk=pair.pk, project_pk=project.pk),
                           {"household": str(household.pk), "benefit": "water"})  # by id: already a beneficiary
    assert response.status_code == 400 and project.beneficiaries.count() == 1
    page = html(client.get(url("pairing_project", pk=pair.pk, project_pk=project.pk)))
    table = page.split('id="project-beneficiaries"')[1].split("</table>")[0]
    assert household.number in table and "岜沙村" in table and "300.00" in table
    for person in Person.objects.filter(household=household):
        assert person.id_number not in page


def test_project_page_lists_its_fund_entries(login, users, pair, project):
    fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="donation", amount="4321", project=project)
    fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="donation", amount="99")
    page = html(login(users["county"]).get(url("pairing_project", pk=pair.pk, project_pk=project.pk)))
    funds = page.split('id="project-funds"')[1].split("</table>")[0]
    assert "4,321.00" in funds and "99.00" not in funds


# --- the other ledgers -----------------------------------------------------------------------------


def test_ledger_create_edit_delete_round_trip(login, users, pair):
    client = login(users["hunan_county"])
    list_url = url("pairing_ledger", pk=pair.pk, kind="secondments")
    data = {"date": "2018-03-01", "end_date": "2019-02-28", "person_name": "李明", "kind": "technician", "specialty": "health",
            "direction": "east_to_west", "home_unit": "江永县人民医院", "post": "从江县人民医院副院长", "note": ""}
    bad = {**data, "end_date": "2017-01-01"}  # before the start: the service's error, nothing written
    response = client.post(list_url, bad)
    assert response.status_code == 400 and Secondment.objects.count() == 0
    assert "errorlist" in html(response)
    response = client.post(list_url, data)
    assert response.status_code == 302
    record = Secondment.objects.get()
    assert (record.person_name, record.specialty, record.date, record.recorded_by_id) == ("李明", "health", dt.date(2018, 3, 1), users["hunan_county"].pk)
    assert AuditEvent.objects.filter(action="pairing.secondments_create").count() == 1
    assert "李明" in html(client.get(list_url))
    edit_url = url("pairing_ledger_edit", pk=pair.pk, kind="secondments", record_pk=record.pk)
    assert "江永县人民医院" in html(client.get(edit_url))
    response = client.post(edit_url, {**data, "post": "从江县卫健局副局长"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.post == "从江县卫健局副局长"
    assert AuditEvent.objects.filter(action="pairing.secondments_update").count() == 1
    assert 'id="delete-confirm"' in html(client.get(edit_url + "?delete=1"))
    delete_url = url("pairing_ledger_delete", pk=pair.pk, kind="secondments", record_pk=record.pk)
    assert client.post(delete_url, {}).status_code == 302 and Secondment.objects.count() == 1  # no confirmation: kept
    assert client.post(delete_url, {"confirm": "yes"}).status_code == 302
    assert Secondment.objects.count() == 0
    assert AuditEvent.objects.filter(action="pairing.secondments_delete").count() == 1


def test_ledger_edit_refused_for_read_only(login, users, pair):
    record = Secondment.objects.create(partnership=pair, date=D, person_name="张三", kind="cadre", specialty="education",
                                       home_unit="单位", post="岗位")
    client = login(users["analyst"])
    edit_url = url("pairing_ledger_edit", pk=pair.pk, kind="secondments", record_pk=record.pk)
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, {"date": "2018-05-01", "person_name": "王五", "kind": "cadre", "specialty": "education",
                                      "direction": "east_to_west", "home_unit": "单位", "post": "岗位"})
    assert response.status_code == 403
    assert client.post(url("pairing_ledger_delete", pk=pair.pk, kind="secondments", record_pk=record.pk), {"confirm": "yes"}).status_code == 403
    record.refresh_from_db()
    assert record.person_name == "张三"


def test_investment_with_area_code_and_money(login, users, pair):
    client = login(users["county"])
    response = client.post(url("pairing_ledger", pk=pair.pk, kind="investments"), {
        "date": "2019-06-01", "enterprise": "浙江某茶业有限公司", "uscc": "913301000000000789", "area": "522633100201", "sector": "茶叶",
        "amount": "12000000.50", "jobs": "80", "poor_employed": "35"})
    assert response.status_code == 302, html(response)
    page = html(client.get(url("pairing_ledger", pk=pair.pk, kind="investments")))
    assert "12,000,000.50" in page and "岜沙村" in page


def test_training_links_persons_by_id_number_masked(login, users, pair, household, people):
    session = TrainingSession.objects.create(partnership=pair, date=D, title="电商培训", kind=TrainingSession._meta.get_field("kind").choices[0][0],
                                             trainees=5)
    client = login(users["county"])
    edit_url = url("pairing_ledger_edit", pk=pair.pk, kind="training", record_pk=session.pk)
    people_url = url("pairing_ledger_people", pk=pair.pk, kind="training", record_pk=session.pk)
    members = list(Person.objects.filter(household=household).order_by("pk"))
    unknown = people.id()
    response = client.post(people_url, {"id_numbers": f"{members[0].id_number}\n{unknown}"})
    assert response.status_code == 400 and Trainee.objects.count() == 0
    errors = html(response).split('id="link-errors"')[1].split("</ul>")[0]
    assert mask(unknown) in errors and unknown not in errors
    response = client.post(people_url, {"id_numbers": "\n".join(m.id_number for m in members[:2])})
    assert response.status_code == 302
    assert Trainee.objects.filter(session=session).count() == 2
    page = html(client.get(edit_url))
    table = page.split('id="links-table"')[1].split("</table>")[0]
    for m in members[:2]:
        assert mask(m.id_number) in table and m.id_number not in page and m.name in table
    # the eastern side sees the partnership's links, but not the names of persons outside its scope
    eastern = html(login(users["hunan_county"]).get(edit_url)).split('id="links-table"')[1].split("</table>")[0]
    for m in members[:2]:
        assert mask(m.id_number) in eastern and m.name not in eastern
    response = client.post(people_url, {"unlink": str(members[0].pk)})
    assert response.status_code == 302
    assert list(Trainee.objects.values_list("person_id", flat=True)) == [members[1].pk]


def test_student_linked_person_is_shown_masked(login, users, pair, household):
    member = Person.objects.filter(household=household).order_by("pk").first()
    client = login(users["county"])
    response = client.post(url("pairing_ledger", pk=pair.pk, kind="students"), {
        "date": "2018-09-01", "name": "", "person": member.id_number, "school": "黔东南职业技术学院", "major": "护理"})
    assert response.status_code == 302, html(response)
    record = VocationalStudent.objects.get()
    assert (record.person_id, record.name, record.registered) == (member.pk, member.name, True)
    listing = html(client.get(url("pairing_ledger", pk=pair.pk, kind="students")))
    assert mask(member.id_number) in listing and member.id_number not in listing
    edit = html(client.get(url("pairing_ledger_edit", pk=pair.pk, kind="students", record_pk=record.pk)))
    assert mask(member.id_number) in edit and member.id_number not in edit
    # saving the form with the person field left blank keeps the person
    response = client.post(url("pairing_ledger_edit", pk=pair.pk, kind="students", record_pk=record.pk), {
        "date": "2018-09-01", "name": member.name, "person": "", "school": "黔东南职业技术学院", "major": "护理", "employed": "on"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.person_id, record.employed) == (member.pk, True)


def test_htmx_navigation_renders_the_content_only(login, users, pair, project):
    client = login(users["county"])
    for u in (url("pairing_funds", pk=pair.pk), url("pairing_project", pk=pair.pk, project_pk=project.pk),
              url("pairing_ledger", pk=pair.pk, kind="labour"), url("pairing_ledger_import", pk=pair.pk, kind="funds")):
        response = client.get(u, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="main")
        assert response.status_code == 200
        assert "<html" not in html(response) and "江永—从江" in html(response)


def test_query_count_does_not_grow_with_rows(login, users, pair, project):
    client = login(users["county"])

    def queries(u: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(u).status_code == 200
        return len(ctx.captured_queries)

    funds_url, labour_url = url("pairing_funds", pk=pair.pk), url("pairing_ledger", pk=pair.pk, kind="labour")

    def add(n: int) -> None:
        for i in range(n):
            fund_record(actor=None, partnership=pair, date=D + dt.timedelta(days=i), kind="allocated", source="fiscal", amount="1",
                        project=project if i % 2 else None)
            LabourTransfer.objects.create(partnership=pair, date=D, workers=3, destination_area_id="431125100201", employer="某厂")

    add(3)
    few = queries(funds_url), queries(labour_url)
    add(40)
    assert (queries(funds_url), queries(labour_url)) == few


# --- imports ---------------------------------------------------------------------------------------


def test_template_download_is_a_real_xlsx(login, users):
    client = login(users["county"])
    for kind in (*LEDGER_KINDS, "funds", "projects"):
        response = client.get(url("pairing_ledger_template", kind=kind))
        assert response.status_code == 200, kind
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in response["Content-Disposition"]
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.worksheets[0].max_column >= 2
    assert client.get("/pairing/import-template/nothing.xlsx").status_code == 404


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode("utf-8")


def _secondment_header() -> list[str]:
    from jingzhun.pairing.ledger_import import import_template

    sheet = load_workbook(io.BytesIO(import_template("secondments"))).worksheets[0]
    return [str(c.value) for c in sheet[1] if c.value is not None]


def test_import_with_one_bad_row_writes_nothing(login, users, pair):
    header = _secondment_header()
    fields = LEDGERS["secondments"].fields
    good = {"date": "2018-03-01", "end_date": "2019-02-28", "person_name": "李明", "kind": "cadre", "specialty": "health",
            "direction": "east_to_west", "home_unit": "江永县", "post": "副县长", "note": ""}
    bad = {**good, "person_name": "王五", "date": "2018-13-45"}
    rows = [header] + [[r[f] for f in fields] for r in (good, bad, good)]
    client = login(users["county"])
    import_url = url("pairing_ledger_import", pk=pair.pk, kind="secondments")
    response = client.post(import_url, {"file": SimpleUploadedFile("secondments.csv", _csv(rows), content_type="text/csv")})
    assert response.status_code == 400
    page = html(response)
    assert 'id="nothing-written"' in page
    table = page.split('id="import-errors"')[1].split("</table>")[0]
    assert "<td class=\"num\">3</td>" in table  # the bad row: the header is row 1
    assert Secondment.objects.count() == 0
    rows = [header] + [[r[f] for f in fields] for r in (good, {**good, "person_name": "王五"})]
    response = client.post(import_url, {"file": SimpleUploadedFile("secondments.csv", _csv(rows), content_type="text/csv")})
    assert response.status_code == 200
    assert 'id="import-created"' in html(response)
    assert Secondment.objects.count() == 2


def test_import_refused_for_read_only_and_bad_extension(login, users, pair):
    import_url = url("pairing_ledger_import", pk=pair.pk, kind="secondments")
    response = login(users["county"]).post(import_url, {"file": SimpleUploadedFile("a.pdf", b"%PDF", content_type="application/pdf")})
    assert response.status_code == 400 and 'id="id_file_errors"' in html(response)
    client = login(users["analyst"])
    assert 'id="ledger-upload"' not in html(client.get(import_url))
    response = client.post(import_url, {"file": SimpleUploadedFile("a.csv", b"x\n", content_type="text/csv")})
    assert response.status_code == 403
    assert Secondment.objects.count() == 0


def test_english_page(login, users, pair):
    fund_record(actor=None, partnership=pair, date=D, kind="allocated", source="fiscal", amount="10")
    page = html(login(users["county"], "en").get(url("pairing_funds", pk=pair.pk)))
    assert "Fund ledger" in page and "Record an entry" in page
