"""The household list finds a household by Chinese name, full pinyin, initials and full identity number."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.registry import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(areas, people):
    return services.household_register(actor=None, area=areas["522633100202"], head=people.person("潘二妹", sex="F"))


@pytest.mark.parametrize("query", ["滚老大", "滚", "gunlaoda", "GunLao", "gld", "wm"])
def test_search_finds_household(login, users, household, other, query):
    html = login(users["township"]).get("/households/", {"q": query}).content.decode()
    assert household.number in html
    assert other.number not in html


def test_search_by_full_id_number(login, users, household, other):
    spouse = household.members.get(name="王妹")
    html = login(users["township"]).get("/households/", {"q": spouse.id_number}).content.decode()
    assert household.number in html and other.number not in html


def test_search_by_lower_case_x_id_number(login, users, areas, people):
    number = None
    for _ in range(40):  # find a number whose check character is X
        candidate = people.id(born=dt.date(1990, 1, 1))
        if candidate.endswith("X"):
            number = candidate
            break
    assert number, "no X check character in 40 tries"
    household = services.household_register(actor=None, area=areas["522633100202"],
                                             head={"name": "杨某", "id_number": number})
    html = login(users["township"]).get("/households/", {"q": number.lower()}).content.decode()
    assert household.number in html


def test_search_without_match(login, users, household):
    html = login(users["township"], "en").get("/households/", {"q": "zzz"}).content.decode()
    assert "No households match." in html and household.number not in html


def test_filters(login, users, household, other):
    client = login(users["township"])
    html = client.get("/households/", {"cause": "illness"}).content.decode()
    assert household.number in html and other.number not in html
    html = client.get("/households/", {"year": 2014}).content.decode()
    assert household.number in html and other.number not in html
    html = client.get("/households/", {"area": "522633100202"}).content.decode()
    assert other.number in html and household.number not in html
    html = client.get("/households/", {"status": "exited"}).content.decode()
    assert household.number not in html and other.number not in html


def test_live_search_form_is_wired_for_htmx(login, users):
    html = login(users["township"]).get("/households/").content.decode()
    assert 'hx-trigger="keyup changed delay:300ms' in html and 'hx-target="#household-results"' in html
