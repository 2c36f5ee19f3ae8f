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


class EligibilityVillage(dict):
    """The households of the eligibility fixture by key, with `income(household, per_capita, year)` to add a record."""

    year = 2020  # national line 4,000; guarantee threshold 1.5 x 4,000 = 6,000

    def income(self, hh, per_capita, year=None):
        from decimal import Decimal

        from jingzhun.registry.models import IncomeRecord

        pc = Decimal(per_capita)
        IncomeRecord.objects.create(household=hh, year=year or self.year, members=hh.size, wages=pc * hh.size, gross=pc * hh.size,
                                    net=pc * hh.size, per_capita=pc)


@pytest.fixture
def eligibility_village(areas, people) -> EligibilityVillage:
    """Eleven households of Congjiang for the eligibility evaluation, the monitoring scan and the proposals (2020):
    candidates N01 N02 (岜沙村), N03 (大塘村), N05 (贯洞村); exits P01 (岜沙村), P05 (贯洞村); blocked P02 P04 (岜沙村),
    P03 (大塘村); N04 nothing; E01 exited."""
    from jingzhun.policy.services import lines_seed
    from jingzhun.registry.services import household_register

    lines_seed()
    v1, v2, v3 = "522633100201", "522633100202", "522633101201"
    hh = EligibilityVillage()

    def make(key, village, name, status="none", income=None, registered_year=2015, **kw):
        h = hh[key] = household_register(actor=None, area=areas[village], status=status, date=dt.date(registered_year, 3, 1),
                                         registered_year=registered_year if status != "none" else None, head=people.person(name), **kw)
        if income is not None:
            hh.income(h, income)

    make("N01", v1, "吴一", income="3000.00")                          # below the line
    make("N02", v1, "吴二", income="5000.00", water_safe=False)        # unsafe water, below 1.5 x the line
    make("N03", v2, "吴三", food_secure=False)                         # no income record, food insecure
    make("N04", v1, "吴四", income="8000.00")                          # nothing
    make("N05", v3, "吴五", income="2000.00")                          # below the line, another township
    make("P01", v1, "潘一", "poor", income="5000.00")                  # exit
    make("P02", v1, "潘二", "poor", income="5000.00", registered_year=hh.year)  # identified this year: blocked
    make("P03", v2, "潘三", "poor", income="3500.00")                  # below the line: blocked
    make("P04", v1, "潘四", "poor", income="6000.00", housing_grade="D")  # unsafe housing: blocked
    make("P05", v3, "潘五", "poor", income="7000.00")                  # exit
    make("E01", v1, "艾一", "exited", income="1000.00")                # exited: not a candidate
    return hh


@pytest.fixture
def export_register(areas, people):
    """For the export tests: two households in Congjiang (a family of three in 岜沙村, one woman in 贯洞村), one in Hunan;
    incomes 2019-2020; `members` are the expected export rows (number, village, relation, name, ID, sex, birth date)."""
    from types import SimpleNamespace

    from jingzhun.registry.services import household_register, income_set

    village, other_village, hunan_village = "522633100201", "522633101201", "431125100201"
    head, spouse, child = (people.person("滚老大"), people.person("王妹", sex="F", relation="spouse", born=dt.date(1982, 3, 1)),
                           people.person("滚小明", relation="child", born=dt.date(2010, 9, 1)))
    h1 = household_register(actor=None, area=areas[village], registered_year=2014, date=dt.date(2014, 6, 1), head=head,
                            members=[spouse, child], main_cause="illness")
    alone = people.person("吴一", sex="F", born=dt.date(1950, 1, 1))
    h2 = household_register(actor=None, area=areas[other_village], registered_year=2016, date=dt.date(2016, 6, 1), head=alone)
    hunan = {"name": "李湘", "id_number": make_resident_id("431125", dt.date(1970, 2, 2), 1, "M"), "sex": "M",
             "birth_date": dt.date(1970, 2, 2)}
    h3 = household_register(actor=None, area=areas[hunan_village], registered_year=2014, date=dt.date(2014, 6, 1), head=hunan)
    income_set(actor=None, household=h1, year=2019, wages=12000, production_costs=2000)
    income_set(actor=None, household=h1, year=2020, wages=15000, subsidies=1200, production_costs=2200)
    income_set(actor=None, household=h2, year=2020, pensions=2400)
    income_set(actor=None, household=h3, year=2020, wages=9000)
    ids = [head["id_number"], spouse["id_number"], child["id_number"], alone["id_number"]]
    members = [
        (h1.number, village, "户主", "滚老大", ids[0], "男", "1980-05-17"),
        (h1.number, village, "配偶", "王妹", ids[1], "女", "1982-03-01"),
        (h1.number, village, "子女", "滚小明", ids[2], "男", "2010-09-01"),
        (h2.number, other_village, "户主", "吴一", ids[3], "女", "1950-01-01"),
    ]
    return SimpleNamespace(h1=h1, h2=h2, h3=h3, ids=ids, hunan_id=hunan["id_number"], members=members)
