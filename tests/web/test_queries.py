"""The list pages run a constant number of queries, whatever the number of rows (3 or 30 households)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.registry import services

pytestmark = pytest.mark.django_db


def add_households(areas, people, n: int, start: int = 0):
    villages = ["522633100201", "522633100202", "522633101201"]
    for i in range(start, start + n):
        household = services.household_register(
            actor=None, area=areas[villages[i % 3]], main_cause="illness",
            head=people.person(f"潘{i}"), members=[people.person(f"梁{i}", relation="spouse", sex="F")],
        )
        services.income_set(actor=None, household=household, year=2019, wages=1000 * i)
        services.income_set(actor=None, household=household, year=2020, wages=1100 * i)


def count_queries(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


PAGES = [
    "/households/",
    "/households/?q=pan",
    "/households/?status=poor&cause=illness",
    "/areas/522633/",
    "/areas/522633100/",
    "/areas/522633100201/",
]


@pytest.mark.parametrize("url", PAGES)
def test_query_count_is_constant(login, users, areas, people, lines, url):
    client = login(users["county"])
    add_households(areas, people, 3)
    few = count_queries(client, url)
    add_households(areas, people, 27, start=3)
    many = count_queries(client, url)
    assert few == many, f"{url}: {few} queries for 3 households, {many} for 30"
    assert many <= 13


def test_htmx_results_query_count_is_constant(login, users, areas, people):
    client = login(users["county"])
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "household-results"}
    add_households(areas, people, 3)
    few = count_queries(client, "/households/?q=pan", **headers)
    add_households(areas, people, 27, start=3)
    assert count_queries(client, "/households/?q=pan", **headers) == few


def test_list_rows_are_counted(login, users, areas, people):
    add_households(areas, people, 30)
    html = login(users["county"], "en").get("/households/").content.decode()
    assert "30 households" in html


def test_list_max_queries(django_assert_max_num_queries, login, users, areas, people):
    add_households(areas, people, 30)
    client = login(users["county"])
    with django_assert_max_num_queries(10):
        client.get("/households/")
