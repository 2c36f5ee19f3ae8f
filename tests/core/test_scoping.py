"""Area scope in the queryset: who sees what."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from jingzhun.accounts.models import RoleAssignment
from jingzhun.areas.models import Area
from jingzhun.core.scoping import get_visible_or_404
from jingzhun.registry.models import Household, IncomeRecord, Person
from jingzhun.registry.services import household_register, income_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_townships(household, areas, people):
    other = household_register(actor=None, area=areas["522633101201"], head=people.person("贯洞人"))
    income_set(actor=None, household=household, year=2020, wages=9000)
    income_set(actor=None, household=other, year=2020, wages=9000)
    return household, other


def test_township_sees_only_its_township(two_townships, users):
    mine, theirs = two_townships
    user = users["township"]
    assert list(Household.objects.visible_to(user)) == [mine]
    assert set(Person.objects.visible_to(user).values_list("household_id", flat=True)) == {mine.pk}
    assert list(IncomeRecord.objects.visible_to(user).values_list("household_id", flat=True)) == [mine.pk]
    assert get_visible_or_404(user, Household, pk=mine.pk) == mine
    with pytest.raises(Http404):
        get_visible_or_404(user, Household, pk=theirs.pk)
    with pytest.raises(Http404):
        get_visible_or_404(user, Household, pk=999999)


def test_county_and_province_see_both_other_province_sees_none(two_townships, users):
    assert Household.objects.visible_to(users["county"]).count() == 2
    assert Household.objects.visible_to(users["province"]).count() == 2
    assert Household.objects.visible_to(users["hunan_county"]).count() == 0


def test_actions_differ_by_role(two_townships, users):
    analyst = users["analyst"]
    assert Household.objects.visible_to(analyst).count() == 2
    assert Household.objects.visible_to(analyst, "change").count() == 0
    assert Household.objects.visible_to(analyst, "unmask").count() == 0


def test_anonymous_and_roleless_users_see_nothing(two_townships, django_user_model):
    assert Household.objects.visible_to(AnonymousUser()).count() == 0
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert Household.objects.visible_to(nobody).count() == 0
    assert Area.objects.visible_to(nobody).count() == 0


def test_superuser_sees_everything(two_townships, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")
    assert Household.objects.visible_to(root, "unmask").count() == 2


def test_expired_assignment_gives_no_access(two_townships, users, django_user_model):
    RoleAssignment.objects.filter(user=users["township"]).update(expires_on=dt.date(2020, 1, 1))
    fresh = django_user_model.objects.get(pk=users["township"].pk)
    assert Household.objects.visible_to(fresh).count() == 0


def test_scope_sql_is_a_prefix_match_without_joining_areas(users):
    sql = str(Household.objects.visible_to(users["township"]).query)
    assert "areas_area" not in sql and "522633100" in sql


def test_national_role_sees_the_whole_country(two_townships, areas, django_user_model):
    from jingzhun.accounts.services import user_create

    national, _ = user_create(actor=None, username="nat", password="pw-nat-2026", role="national", area=areas["520000000000"])
    assert Household.objects.visible_to(national, "change").count() == 2
    assert Area.objects.visible_to(national).filter(code="431125100201").exists()


def test_capped_paginator_counts_at_most_the_cap(two_townships, users, areas, people):
    from jingzhun.core.paging import CappedPaginator

    qs = Household.objects.visible_to(users["county"]).order_by("number")
    exact = CappedPaginator(qs, 1, cap=2)
    assert (exact.count, exact.capped, exact.num_pages) == (2, False, 2)
    household_register(actor=None, area=areas["522633100202"], head=people.person("第三户"))
    capped = CappedPaginator(qs, 1, cap=2)
    assert (capped.count, capped.capped, capped.num_pages) == (2, True, 2)
