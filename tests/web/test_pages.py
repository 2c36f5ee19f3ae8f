"""Every page renders for an in-scope user, as a full page and as an htmx partial."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from jingzhun.registry import services

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "main"}


def test_anonymous_is_sent_to_login(client, areas):
    response = client.get(reverse("web:households"))
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_htmx_request_of_an_expired_session_reloads_on_login(client, areas):
    response = client.get(reverse("web:households"), **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/login/?next=")


def test_home_redirects_to_home_area(login, users):
    response = login(users["township"]).get("/")
    assert response.status_code == 302 and response["Location"] == "/areas/522633100/"


def test_home_of_superuser_is_the_country(client, areas, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw-root-2026")
    client.force_login(admin)
    response = client.get("/")
    assert response["Location"] == "/areas/"
    page = client.get("/areas/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "贵州省" in html and "湖南省" in html


def test_home_without_any_role(client, areas, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="pw-nobody-2026"))
    response = client.get("/")
    assert response.status_code == 200 and "没有分配区域" in response.content.decode()


def test_areas_root_of_a_single_area_user_goes_to_that_area(login, users):
    response = login(users["county"]).get("/areas/")
    assert response["Location"] == "/areas/522633/"


def test_drill_down_county(login, users, household, lines):
    services.income_set(actor=None, household=household, year=2019, wages=9000, business=3000)
    response = login(users["county"]).get("/areas/522633/")
    assert response.status_code == 200
    html = response.content.decode()
    # breadcrumb from the province down, child townships as links, the figures and the line of the latest year
    assert "贵州省" in html and "黔东南苗族侗族自治州" in html and "从江县" in html
    assert 'href="/areas/522633100/"' in html and "丙妹镇" in html and "贯洞镇" in html
    assert "2019" in html and "3,218" in html
    assert "100.0%" in html  # the one household, three persons, all poor
    assert "<!DOCTYPE html>" in html and "精准" in html


def test_drill_down_partial_for_htmx(login, users, household):
    response = login(users["county"]).get("/areas/522633100/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "岜沙村" in html
    assert "<title>" in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(login, users):
    response = login(users["county"]).get("/areas/522633/", HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<!DOCTYPE html>" in response.content.decode()


def test_drill_down_village_lists_households(login, users, household):
    response = login(users["village"]).get("/areas/522633100201/")
    html = response.content.decode()
    assert response.status_code == 200
    assert household.number in html and "滚老大" in html
    assert reverse("web:household_new") + "?area=522633100201" in html  # a village cadre may register


def test_village_page_hides_register_for_analyst(login, users, household):
    html = login(users["analyst"]).get("/areas/522633100201/").content.decode()
    assert household.number in html and reverse("web:household_new") not in html


def test_drill_down_breadcrumb_above_scope_is_not_linked(login, users):
    html = login(users["township"]).get("/areas/522633100/").content.decode()
    assert "从江县" in html and 'href="/areas/522633/"' not in html


def test_household_list(login, users, household, lines):
    services.income_set(actor=None, household=household, year=2020, wages=12000)
    response = login(users["township"]).get("/households/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (household.number, "滚老大", "岜沙村", "贫困户", "因病", "4,000.00", "2020"):
        assert text in html


def test_household_list_results_partial(login, users, household):
    response = login(users["township"]).get("/households/?q=gun", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="household-results")
    html = response.content.decode()
    assert 'id="household-results"' in html and household.number in html
    assert "<form" not in html  # only the results, not the filter form


def test_household_list_pagination(login, users, areas, people):
    for i in range(52):
        services.household_register(actor=None, area=areas["522633100202"], head=people.person(f"潘{i}"))
    client = login(users["township"], "en")
    first = client.get("/households/").content.decode()
    assert "52 households · page 1 of 2" in first and "?page=2" in first
    second = client.get("/households/?page=2").content.decode()
    assert "5226331002020052" in second and "5226331002020001" not in second


def test_household_card(login, users, household, lines):
    services.income_set(actor=None, household=household, year=2015, wages=5000)   # 1,666.67 < 2,855
    services.income_set(actor=None, household=household, year=2019, wages=15000)  # 5,000.00 > 3,218
    response = login(users["county"]).get(reverse("web:household", args=[household.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("滚老大", "王妹", "滚小明", "身份证号", "因病", "B级：基本安全", "1,666.67", "2,855", "低于贫困线",
                 "5,000.00", "3,218", "达到或高于贫困线", "状态变更", "<h2>操作日志</h2>", "登记建档", 'data-chart="income"'):
        assert text in html, text
    assert household.head.masked_id in html and household.head.id_number not in html
    assert '"years": [2015, 2019]' in html and "echarts.min.js" in html
    # a county officer may change: edit buttons shown
    assert reverse("web:household_edit", args=[household.pk]) in html
    assert reverse("web:person_reveal_id", args=[household.head.pk]) in html


def test_household_card_for_analyst_has_no_edit_or_reveal(login, users, household):
    html = login(users["analyst"]).get(reverse("web:household", args=[household.pk])).content.decode()
    assert "滚老大" in html
    assert reverse("web:household_edit", args=[household.pk]) not in html
    assert reverse("web:person_reveal_id", args=[household.head.pk]) not in html
    assert "<h2>操作日志</h2>" not in html  # the audit trail needs the AUDIT action


def test_household_card_partial(login, users, household):
    response = login(users["township"]).get(reverse("web:household", args=[household.pk]), **HTMX)
    assert "<html" not in response.content.decode() and "滚老大" in response.content.decode()


def test_audit_trail_lists_household_person_and_income_events_masked(login, users, household, people, lines):
    county = users["county"]
    services.income_set(actor=county, household=household, year=2019, wages=9000)
    data = people.person("滚小红", sex="F", born=dt.date(2015, 1, 2))
    child = services.person_add(actor=county, household=household, data=data, relation="child", date=dt.date(2015, 1, 2))
    html = login(county).get(reverse("web:household", args=[household.pk])).content.decode()
    for text in ("户登记建档", "新增成员", "录入收入", "滚小红"):
        assert text in html, text
    assert child.id_number not in html and child.masked_id in html


def test_audit_trail_lists_case_and_measure_events_with_labels(login, users, household):
    from jingzhun.procedures.evidence import measure_add
    from jingzhun.procedures.services import case_act, case_open

    case = case_open(actor=users["village"], household=household, procedure="monitoring", category="unstable")
    case_act(actor=users["village"], case=case, action="dismiss")
    measure_add(actor=users["village"], household=household, category="employment", description="公益性岗位",
                start_date=dt.date(2020, 3, 1))
    html = login(users["county"]).get(reverse("web:household", args=[household.pk])).content.decode()
    trail = html.rsplit("操作日志", 1)[1]  # the audit trail card, the last on the page
    # case opened, the step and its state change, the measure: labelled, in the user's language
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in trail.split("<tr>")[2:]]
    assert rows[0].split(" ", 2)[2].startswith("已登记帮扶措施 帮扶措施 公益性岗位 village") and "类别: – → 就业帮扶" in rows[0]
    # (the changes in any order: PostgreSQL's jsonb keeps its keys in its own order)
    assert f"排除 事项 监测对象识别 #{case.pk} village " in rows[1] and "状态: 已立项 → 已排除" in rows[1]
    assert f"已立项 事项 监测对象识别 #{case.pk} village " in rows[2] and "程序: – → 监测对象识别" in rows[2]
    assert "case." not in trail and "measure.add" not in trail


def test_form_pages_render(login, users, household):
    client = login(users["village"])
    person = household.head
    for url in (reverse("web:household_new") + "?area=522633100201", reverse("web:household_edit", args=[household.pk]),
                reverse("web:member_add", args=[household.pk]), reverse("web:income_set", args=[household.pk]),
                reverse("web:person_edit", args=[person.pk]), reverse("web:person_death", args=[person.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_person_edit_form_does_not_show_the_full_id(login, users, household):
    html = login(users["village"]).get(reverse("web:person_edit", args=[household.head.pk])).content.decode()
    assert household.head.id_number not in html and household.head.masked_id in html


def test_register_without_village_goes_home(login, users):
    response = login(users["village"]).get(reverse("web:household_new"))
    assert response.status_code == 302


def test_register_needs_a_village_not_a_township(login, users):
    response = login(users["township"]).get(reverse("web:household_new") + "?area=522633100000")
    assert response.status_code == 404


def test_static_assets_are_local(login, users, household):
    html = login(users["township"]).get(reverse("web:household", args=[household.pk])).content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in html and "/static/web/app.css" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_header_shows_user_role_area_language_switch_and_logout(login, users):
    html = login(users["township"]).get("/areas/522633100/").content.decode()
    assert "township" in html and "乡镇干部" in html and "丙妹镇" in html
    assert 'action="/i18n/setlang/"' in html and 'action="/logout/"' in html


def test_language_switch_posts_to_set_language(client, users):
    client.force_login(users["township"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    assert response.status_code == 302 and response["Location"] == "/households/"
    assert "Households" in client.get("/households/").content.decode()


def test_logout_is_a_post(client, users):
    client.force_login(users["township"])
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/households/").status_code == 302


def test_areas_root_of_a_user_with_two_areas_lists_both(login, users, areas, household):
    from jingzhun.accounts.models import Role, RoleAssignment

    # No service assigns a second role yet (accounts.services.user_create makes the first one).
    RoleAssignment.objects.create(user=users["township"], role=Role.TOWNSHIP, area=areas["522633101000"])
    html = login(users["township"]).get("/areas/").content.decode()
    assert "您负责的区划" in html and 'href="/areas/522633100/"' in html and 'href="/areas/522633101/"' in html
    assert "合计" in html  # two rows and their total


def test_village_pagination_partial(login, users, household):
    response = login(users["village"]).get("/areas/522633100201/?page=1", HTTP_HX_REQUEST="true",
                                           HTTP_HX_TARGET="household-results")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="household-results"') and household.number in html
