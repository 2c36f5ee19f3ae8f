"""Shared fixtures: a small real area tree and one user per role.

Tree (real codes of Congjiang county, Qiandongnan, Guizhou):
  520000000000 贵州省 > 522600000000 黔东南 > 522633000000 从江县
    > 522633100000 丙妹镇 > 522633100201, 522633100202
    > 522633101000 贯洞镇 > 522633101201
  430000000000 湖南省 > 431100000000 永州市 > 431125000000 江永县 > 431125100000 > 431125100201
"""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import user_create
from jingzhun.areas.models import Area, Region
from jingzhun.registry.identity import make_resident_id

TREE = [
    ("520000000000", None, 1, "贵州省", "west"),
    ("522600000000", "520000000000", 2, "黔东南苗族侗族自治州", ""),
    ("522633000000", "522600000000", 3, "从江县", ""),
    ("522633100000", "522633000000", 4, "丙妹镇", ""),
    ("522633100201", "522633100000", 5, "岜沙村", ""),
    ("522633100202", "522633100000", 5, "大塘村", ""),
    ("522633101000", "522633000000", 4, "贯洞镇", ""),
    ("522633101201", "522633101000", 5, "贯洞村", ""),
    ("430000000000", None, 1, "湖南省", "central"),
    ("431100000000", "430000000000", 2, "永州市", ""),
    ("431125000000", "431100000000", 3, "江永县", ""),
    ("431125100000", "431125000000", 4, "潇浦镇", ""),
    ("431125100201", "431125100000", 5, "向光村", ""),
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher's cost is irrelevant here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _create_tree() -> dict:
    from jingzhun.registry.names import name_pinyin

    objs = {}
    for code, parent, level, name, region in TREE:
        full, initials = name_pinyin(name)
        objs[code] = Area.objects.create(code=code, parent_id=parent, level=level, name=name, pinyin=full,
                                         initials=initials, region=region or "")
    assert Region.WEST == "west"
    return objs


USERS = {  # username -> (role, area): role names as usernames, plus 'other_township' and 'hunan_county'
    "province": (Role.PROVINCE, "520000000000"),
    "county": (Role.COUNTY, "522633000000"),
    "township": (Role.TOWNSHIP, "522633100000"),
    "other_township": (Role.TOWNSHIP, "522633101000"),
    "village": (Role.VILLAGE, "522633100201"),
    "analyst": (Role.ANALYST, "522633000000"),
    "hunan_county": (Role.COUNTY, "431125000000"),
}


def _create_users(areas: dict) -> dict:
    return {name: user_create(actor=None, username=name, password="pw-" + name + "-2026", role=role, area=areas[code])[0]
            for name, (role, code) in USERS.items()}


@pytest.fixture
def areas(db):
    return _create_tree()


@pytest.fixture
def users(areas):
    """username -> User (see USERS)."""
    return _create_users(areas)


@pytest.fixture(scope="module")
def measured_county(django_db_setup, django_db_blocker, tmp_path_factory):
    """For a whole test module: the tree, the users, a generated Congjiang (300 households) and its snapshot in a
    temporary VAR_DIR, all in one transaction rolled back after the module's last test."""
    from types import SimpleNamespace

    from django.db import transaction
    from django.test import override_settings

    from jingzhun.analytics.seed import dimension_sets_seed
    from jingzhun.analytics.snapshots import snapshot_take
    from jingzhun.demo.generator import generate_county
    from jingzhun.policy.services import lines_seed

    var = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with transaction.atomic():
            areas = _create_tree()
            users = _create_users(areas)
            lines_seed()
            dimension_sets_seed()  # a transactional test before this module may have flushed the migration's rows
            generate_county(county_code="522633", households=300, seed=1)
            snapshot = snapshot_take(actor=users["county"], area=areas["522633000000"])
            yield SimpleNamespace(areas=areas, users=users, snapshot=snapshot)
            transaction.set_rollback(True)


class People:
    """Valid identity numbers for tests, unique per call."""

    def __init__(self):
        self.n = 0

    def id(self, *, area="522633", born=dt.date(1980, 5, 17), sex="M") -> str:
        self.n += 1
        return make_resident_id(area, born, self.n, sex)

    def person(self, name="吴老二", **kw) -> dict:
        sex = kw.pop("sex", "M")
        born = kw.pop("born", dt.date(1980, 5, 17))
        return {"name": name, "id_number": self.id(born=born, sex=sex), "sex": sex, "birth_date": born, **kw}


@pytest.fixture
def people():
    return People()


@pytest.fixture
def household(areas, people):
    """A registered poor household of three in 岜沙村 (village 522633100201)."""
    from jingzhun.registry.services import household_register

    return household_register(
        actor=None, area=areas["522633100201"], registered_year=2014, date=dt.date(2014, 6, 1),
        head=people.person("滚老大"),
        members=[people.person("王妹", sex="F", relation="spouse", born=dt.date(1982, 3, 1)),
                 people.person("滚小明", relation="child", born=dt.date(2010, 9, 1))],
        main_cause="illness", housing_grade="B",
    )
