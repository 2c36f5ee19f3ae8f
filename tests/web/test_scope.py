"""Out-of-scope records answer 404 (never 403), and lists show only what the user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(household):
    person = household.head
    return {
        "card": ("get", reverse("web:household", args=[household.pk])),
        "edit": ("get", reverse("web:household_edit", args=[household.pk])),
        "edit-post": ("post", reverse("web:household_edit", args=[household.pk])),
        "member-add": ("get", reverse("web:member_add", args=[household.pk])),
        "member-add-post": ("post", reverse("web:member_add", args=[household.pk])),
        "income": ("get", reverse("web:income_set", args=[household.pk])),
        "income-post": ("post", reverse("web:income_set", args=[household.pk])),
        "person-edit": ("get", reverse("web:person_edit", args=[person.pk])),
        "person-edit-post": ("post", reverse("web:person_edit", args=[person.pk])),
        "death": ("get", reverse("web:person_death", args=[person.pk])),
        "death-post": ("post", reverse("web:person_death", args=[person.pk])),
        "reveal": ("post", reverse("web:person_reveal_id", args=[person.pk])),
        "register": ("get", reverse("web:household_new") + "?area=522633100201"),
        "register-post": ("post", reverse("web:household_new") + "?area=522633100201"),
        "area": ("get", "/areas/522633100201/"),
    }


@pytest.mark.parametrize("name", ["card", "edit", "edit-post", "member-add", "member-add-post", "income", "income-post",
                                  "person-edit", "person-edit-post", "death", "death-post", "reveal", "register",
                                  "register-post", "area"])
def test_other_township_gets_404(login, users, urls, name):
    method, url = urls[name]
    client = login(users["other_township"])
    response = getattr(client, method)(url, {})
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["edit", "edit-post", "member-add", "income-post", "person-edit", "death-post", "reveal",
                                  "register"])
def test_view_only_analyst_gets_404_on_writes_and_reveal(login, users, urls, name):
    method, url = urls[name]
    response = getattr(login(users["analyst"]), method)(url, {})
    assert response.status_code == 404


def test_missing_household_is_404(login, users, areas):
    assert login(users["county"]).get(reverse("web:household", args=[999999])).status_code == 404


def test_bad_area_code_is_404(login, users):
    client = login(users["county"])
    assert client.get("/areas/52x/").status_code == 404
    assert client.get("/areas/431125/").status_code == 404  # Hunan, another province


def test_list_does_not_show_other_townships(login, users, household, areas, people):
    from jingzhun.registry.services import household_register

    other = household_register(actor=None, area=areas["522633101201"], head=people.person("梁三"))
    html = login(users["township"]).get("/households/").content.decode()
    assert household.number in html and other.number not in html
    html = login(users["other_township"]).get("/households/").content.decode()
    assert other.number in html and household.number not in html
    # filtering by the other township's code does not widen the scope either
    html = login(users["township"]).get("/households/?area=522633101").content.decode()
    assert other.number not in html
    # nor does searching for the other household's head by name or by full ID number
    html = login(users["township"]).get("/households/", {"q": other.head.id_number}).content.decode()
    assert other.number not in html


def test_drill_down_counts_only_visible_households(login, users, household, areas, people):
    from jingzhun.registry.services import household_register

    household_register(actor=None, area=areas["522633101201"], head=people.person("梁三"))
    html = login(users["township"]).get("/areas/522633100/").content.decode()
    assert "贯洞" not in html  # the other township is not even listed
