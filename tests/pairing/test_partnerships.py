"""Partnerships: scope over both sides, hierarchy validation, agreements, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import user_create
from jingzhun.areas.models import Area
from jingzhun.core.models import AuditEvent
from jingzhun.pairing.models import Agreement, Partnership
from jingzhun.pairing.selectors import partnerships_visible
from jingzhun.pairing.services import agreement_set, partnership_create

START = dt.date(2017, 1, 1)


@pytest.fixture
def county_pair(areas):
    """Jiangyong (Hunan) stands in for an eastern county, paired with Congjiang (Guizhou)."""
    return partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"], start_date=START)


@pytest.fixture
def liping_user(areas):
    Area.objects.create(code="522631000000", parent=areas["522600000000"], level=3, name="黎平县")
    return user_create(actor=None, username="liping", password="pw-liping-2026", role=Role.COUNTY, area=Area.objects.get(code="522631000000"))[0]


def test_both_sides_see_the_partnership_and_another_county_does_not(county_pair, users, liping_user):
    assert county_pair in partnerships_visible(users["county"])
    assert county_pair in partnerships_visible(users["hunan_county"])
    assert county_pair in partnerships_visible(users["province"])
    assert county_pair in partnerships_visible(users["analyst"])
    assert county_pair not in partnerships_visible(liping_user)
    assert county_pair not in partnerships_visible(users["other_township"])  # a township of Congjiang is below the county's code


def test_visible_to_change_and_no_duplicates(county_pair, users):
    assert list(Partnership.objects.visible_to(users["analyst"], "change")) == []
    assert list(Partnership.objects.visible_to(users["county"], "change")) == [county_pair]


def test_enterprise_partnership_without_eastern_area_is_seen_from_the_west(areas, users):
    p = partnership_create(actor=users["county"], kind="enterprise_village", name="某企业—岜沙村", east_party="某集团有限公司",
                           west_area=areas["522633100201"], start_date=START)
    assert p in partnerships_visible(users["village"])
    assert p not in partnerships_visible(users["hunan_county"])


def test_enterprise_partnership_needs_a_party(areas):
    with pytest.raises(ValidationError) as e:
        partnership_create(actor=None, kind="enterprise_village", name="x", west_area=areas["522633100201"], start_date=START)
    assert "east_party" in e.value.message_dict


def test_area_pairing_needs_eastern_area(areas):
    with pytest.raises(ValidationError) as e:
        partnership_create(actor=None, kind="county", name="x", west_area=areas["522633000000"], start_date=START)
    assert "east_area" in e.value.message_dict


def test_period_must_be_ordered(areas):
    with pytest.raises(ValidationError) as e:
        partnership_create(actor=None, kind="county", name="x", east_area=areas["431125000000"], west_area=areas["522633000000"],
                           start_date=START, end_date=dt.date(2016, 1, 1))
    assert "end_date" in e.value.message_dict


def test_create_requires_change_scope_on_one_side(areas, users, liping_user):
    with pytest.raises(PermissionDenied):
        partnership_create(actor=liping_user, kind="county", name="x", east_area=areas["431125000000"], west_area=areas["522633000000"], start_date=START)
    with pytest.raises(PermissionDenied):
        partnership_create(actor=users["analyst"], kind="county", name="x", east_area=areas["431125000000"], west_area=areas["522633000000"], start_date=START)
    p = partnership_create(actor=users["hunan_county"], kind="county", name="x", east_area=areas["431125000000"], west_area=areas["522633000000"], start_date=START)
    event = AuditEvent.objects.get(action="pairing.partnership_create", object_id=str(p.pk))
    assert event.actor == users["hunan_county"] and event.area_code == "522633000000"
    assert event.changes["east_area"] == "431125000000" and event.changes["kind"] == "county"


def test_hierarchy_parent_must_contain_child(areas, liping_user):
    province = partnership_create(actor=None, kind="province", name="湖南—贵州", east_area=areas["430000000000"], west_area=areas["520000000000"], start_date=START)
    child = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                               start_date=START, parent=province)
    assert child.parent == province and list(province.children.all()) == [child]
    prefecture = partnership_create(actor=None, kind="prefecture", name="永州—黔东南", east_area=areas["431100000000"], west_area=areas["522600000000"],
                                    start_date=START, parent=province)
    with pytest.raises(ValidationError) as e:  # swapped sides: Guizhou is not inside Hunan
        partnership_create(actor=None, kind="county", name="swapped", east_area=areas["522633000000"], west_area=areas["431125000000"],
                           start_date=START, parent=province)
    assert "parent" in e.value.message_dict
    with pytest.raises(ValidationError):  # Liping is not in... it is in Qiandongnan, but the east side Hunan province is not in Yongzhou
        partnership_create(actor=None, kind="county", name="wrong", east_area=areas["430000000000"], west_area=areas["522633000000"],
                           start_date=START, parent=prefecture)
    assert Partnership.objects.count() == 3


def test_agreement_set_creates_then_replaces_with_audit(county_pair, users):
    a = agreement_set(actor=users["county"], partnership=county_pair, year=2018, indicator="fiscal_allocated", target="5000000.00", unit="元")
    assert a.target == Decimal("5000000.00")
    b = agreement_set(actor=users["hunan_county"], partnership=county_pair, year=2018, indicator="fiscal_allocated", target=Decimal("6000000"), unit="元")
    assert a.pk == b.pk and Agreement.objects.get().target == Decimal("6000000.00")
    events = list(AuditEvent.objects.filter(action="pairing.agreement_set").order_by("id"))
    assert len(events) == 2
    assert events[1].changes == {"target": ["5000000.00", "6000000.00"]}
    agreement_set(actor=None, partnership=county_pair, year=2018, indicator="cadres_sent", target=3, unit="人")
    assert Agreement.objects.count() == 2


def test_agreement_scope_and_validation(county_pair, liping_user, users):
    with pytest.raises(PermissionDenied):
        agreement_set(actor=liping_user, partnership=county_pair, year=2018, indicator="trained", target=10, unit="人")
    with pytest.raises(ValidationError) as e:
        agreement_set(actor=users["county"], partnership=county_pair, year=2018, indicator="trained", target=-1, unit="人")
    assert "target" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        agreement_set(actor=users["county"], partnership=county_pair, year=2018, indicator="happiness", target=10)
    assert set(e.value.message_dict) == {"indicator"}
    for bad in ("abc", "", "1.001"):
        with pytest.raises(ValidationError):
            agreement_set(actor=users["county"], partnership=county_pair, year=2018, indicator="trained", target=bad, unit="人")


def test_each_kind_pairs_areas_of_its_levels(areas):
    with translation.override("en"), pytest.raises(ValidationError) as e:
        partnership_create(actor=None, kind="county", name="x", east_area=areas["430000000000"], west_area=areas["522600000000"], start_date=START)
    assert e.value.message_dict == {"east_area": ["County pairing (携手奔小康): the area on this side must be a county."],
                                    "west_area": ["County pairing (携手奔小康): the area on this side must be a county."]}
    with translation.override("en"), pytest.raises(ValidationError) as e:
        partnership_create(actor=None, kind="enterprise_village", name="x", east_party="某企业", west_area=areas["522633000000"], start_date=START)
    assert e.value.message_dict == {"west_area": ["Enterprise-village (万企帮万村): the area on this side must be a village."]}
    with translation.override("en"), pytest.raises(ValidationError) as e:
        partnership_create(actor=None, kind="unit_village", name="x", east_party="某部委", west_area=areas["520000000000"], start_date=START)
    assert e.value.message_dict == {"west_area": ["Designated unit assistance (定点帮扶): the area on this side must be a county, township or village."]}
    assert not Partnership.objects.exists()
