"""The monitoring scan on hand-built households: every flag, categories, windows, lines by area, alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from jingzhun.policy.models import MonitoringLine
from jingzhun.policy.services import lines_seed
from jingzhun.procedures import eligibility
from jingzhun.procedures.monitoring_scan import ALERTS_TABLE, scan_monitoring
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person

AS_OF = dt.date(2022, 6, 30)  # window: 1 July 2021 to 30 June 2022; income years 2022, then 2021
V1 = "522633100201"
V3 = "522633101201"  # township 贯洞镇, which has its own 2021 monitoring line
HUNAN = "431125100201"


@pytest.fixture
def alerts_table(db):
    """The department alerts table: created here when the procedures models do not provide it yet, dropped after."""
    created = ALERTS_TABLE not in connection.introspection.table_names()
    if created:
        stamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
        key = "bigserial PRIMARY KEY" if connection.vendor == "postgresql" else "integer PRIMARY KEY AUTOINCREMENT"
        with connection.cursor() as cur:
            cur.execute(f"CREATE TABLE {ALERTS_TABLE} (id {key}, id_number varchar(18) NOT NULL, alert_type varchar(30) NOT NULL, "
                        f"alert_date date NOT NULL, amount numeric(14, 2) NULL, source varchar(100) NOT NULL, imported_at {stamp} NOT NULL)")
    yield
    if created:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE {ALERTS_TABLE}")


def _alert(person, alert_type, date, amount=None):
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {ALERTS_TABLE} (id_number, alert_type, alert_date, amount, source, imported_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    [person.id_number, alert_type, date, amount, "test", dt.datetime(2022, 7, 1, tzinfo=dt.UTC)])


def _person(hh, people, born=dt.date(1975, 3, 1), relation="head", *, left=None, died=None, **kw):
    p = Person.objects.create(household=hh if left is None else None, area_id=hh.area_id, relation=relation, name="测试",
                              name_pinyin="ce shi", name_initials="cs", id_number=people.id(born=born), sex="M",
                              birth_date=born, death_date=died, **kw)
    Membership.objects.create(person=p, household=hh, relation=relation, start_date=dt.date(2014, 5, 1), start_reason="registration",
                              end_date=left or died, end_reason="move" if left else ("death" if died else ""))
    return p


def _income(hh, year, per_capita, members=1):
    pc = Decimal(per_capita)
    IncomeRecord.objects.create(household=hh, year=year, members=members, wages=pc * members, gross=pc * members,
                                net=pc * members, per_capita=pc)


@pytest.fixture
def register(areas, people, alerts_table):
    """National monitoring lines 6,000 (2021) and 6,900 (2022); 贯洞镇 has 6,500 for 2021."""
    lines_seed()
    MonitoringLine.objects.create(year=2021, area=areas["522633101000"], amount=Decimal("6500"), source="test: township line")
    hh, heads = {}, {}

    def make(number, village=V1, status="exited", incomes=(), head_born=dt.date(1975, 3, 1), head_labour="normal", members=1, **kw):
        h = hh[number] = Household.objects.create(number=number, area_id=village, status=status, **kw)
        heads[number] = _person(h, people, head_born, labour_ability=head_labour)
        for year, pc in incomes:
            _income(h, year, pc, members=members)
        return h

    make("X01", incomes=[(2021, "5000.00")])                               # below the 2021 line
    make("X02", incomes=[(2020, "12000.00"), (2021, "8000.00")])           # drop of a third
    make("X03", incomes=[(2020, "10000.00"), (2021, "7000.00")])           # drop of exactly 30%: not more
    x04 = make("X04", incomes=[(2021, "9000.00")], head_born=dt.date(1960, 1, 1))       # head 62
    _person(x04, people, dt.date(1992, 1, 1), "child", labour_ability="lost")           # 30, lost labour
    _person(x04, people, dt.date(2006, 7, 1), "grandchild", labour_ability="normal")    # 15 until 1 July 2022
    x05 = make("X05", incomes=[(2021, "9000.00")], head_born=dt.date(1962, 7, 1))       # 59 until 1 July 2022: working age
    _person(x05, people, dt.date(2006, 6, 30), "grandchild", labour_ability="skilled")  # 16 on the day
    make("X06", incomes=[(2021, "9000.00")], head_born=dt.date(1962, 6, 30))            # 60 on the day
    make("X07", incomes=[(2020, "3000.00")])                                # no record in the window: no income flag
    make("M01", status="none", incomes=[(2021, "6950.00"), (2022, "6800.00")])          # the latest year (2022, 6,900)
    make("M02", V3, status="none", incomes=[(2021, "6200.00")])            # below the township's 6,500
    make("M03", status="none", incomes=[(2021, "6200.00")])                # above the national 6,000
    make("H01", status="none", incomes=[(2021, "10000.00")], members=2)    # net 20,000
    make("H02", status="none", incomes=[(2021, "10000.00")], members=2)
    make("H03", status="none", incomes=[(2021, "10000.00")], members=2)
    make("H04", status="none", incomes=[(2020, "20000.00"), (2021, "10000.00")])        # halved, still above the line
    make("N01", status="none", incomes=[(2021, "9000.00")], head_born=dt.date(1950, 1, 1), head_labour="none")  # alone: not listed
    make("P01", status="poor", incomes=[(2021, "1000.00")])                # registered poor: not scanned
    make("K01", HUNAN, status="none", incomes=[(2021, "5000.00")])
    h1b = _person(hh["H01"], people, dt.date(1990, 1, 1), "spouse")
    _alert(h1b, "medical", dt.date(2022, 3, 1), "18000.00")
    _alert(heads["H01"], "medical", dt.date(2021, 7, 1), "12000.00")       # first day of the window: 30,000 in all
    _alert(heads["H02"], "medical", dt.date(2022, 6, 30), "15000.00")      # last day, below the net income
    _alert(heads["H03"], "disaster", dt.date(2021, 6, 30), "90000.00")     # the day before the window
    _alert(heads["X05"], "unemployment", dt.date(2022, 1, 10))             # no amount
    dead = _person(hh["M03"], people, dt.date(1940, 1, 1), "parent", died=dt.date(2022, 1, 1))
    _alert(dead, "medical", dt.date(2021, 12, 1), "50000.00")              # deceased: ignored
    gone = _person(hh["M03"], people, dt.date(1995, 1, 1), "child", left=dt.date(2021, 1, 1))
    _alert(gone, "medical", dt.date(2022, 2, 1), "50000.00")               # left the household: ignored
    return hh


def _scan(**kw):
    kw.setdefault("area_code", "522633000000")
    kw.setdefault("as_of", AS_OF)
    return {f.number: f for f in scan_monitoring(**kw)}


def test_flags_and_categories(register):
    flags = _scan()
    assert {n: (f.category, f.flags) for n, f in flags.items()} == {
        "H01": ("hardship", ("rigid_spending", "department_alert")),
        "H02": (None, ("department_alert",)),
        "H04": ("hardship", ("income_drop",)),
        "M01": ("marginal", ("income_below_monitoring_line",)),
        "M02": ("marginal", ("income_below_monitoring_line",)),
        "X01": ("unstable", ("income_below_monitoring_line",)),
        "X02": ("unstable", ("income_drop",)),
        "X04": ("unstable", ("no_working_age_labour",)),
        "X05": ("unstable", ("department_alert",)),
        "X06": ("unstable", ("no_working_age_labour",)),
    }
    assert list(flags) == ["H01", "H02", "H04", "M01", "X01", "X02", "X04", "X05", "X06", "M02"]  # by village, then number


def test_details(register):
    flags = _scan()
    h01 = flags["H01"]
    assert (h01.household_id, h01.village, h01.status) == (register["H01"].pk, V1, "none")
    assert h01.details == {
        "income_year": 2021, "per_capita": Decimal("10000.00"), "previous_per_capita": None, "drop": None,
        "monitoring_line": Decimal("6000.00"), "net_income": Decimal("20000.00"), "rigid_spending": Decimal("30000.00"),
        "rigid_spending_threshold": Decimal("20000.00"), "alerts": 2, "alert_amount": Decimal("30000.00"),
        "members": 2, "working_age_labourers": 2}
    m01 = flags["M01"].details
    assert (m01["income_year"], m01["per_capita"], m01["previous_per_capita"], m01["monitoring_line"]) == (
        2022, Decimal("6800.00"), Decimal("6950.00"), Decimal("6900.00"))
    assert flags["M02"].details["monitoring_line"] == Decimal("6500.00")
    assert flags["X02"].details["drop"] == Decimal("0.3333")
    assert flags["X04"].details["members"] == 3 and flags["X04"].details["working_age_labourers"] == 0
    assert flags["X05"].details["alerts"] == 1 and flags["X05"].details["alert_amount"] == Decimal("0.00")


def test_options_override_the_defaults(register):
    assert "X03" in _scan(drop_share=Decimal("0.25"))
    assert _scan(drop_share=Decimal("0.25"))["X03"].flags == ("income_drop",)
    absolute = _scan(rigid_spending_threshold=Decimal("15000"))
    assert absolute["H01"].flags == ("rigid_spending", "department_alert")
    assert absolute["H02"].flags == ("department_alert",)  # 15,000 is not above 15,000
    lower = _scan(rigid_spending_threshold=Decimal("14999.99"))
    assert (lower["H02"].category, lower["H02"].flags) == ("hardship", ("rigid_spending", "department_alert"))
    assert _scan(rigid_alert_types=("disaster",))["H01"].flags == ("department_alert",)
    wider = _scan(working_ages=(16, 64))
    assert "X04" not in wider and "X06" not in wider  # heads of 62 and 60 count as labour up to 64


def test_window_on_31_december_is_one_year(register):
    flags = _scan(as_of=dt.date(2022, 12, 31))
    # no 2022 record for most: nothing to compare with the line, no drop
    assert "X01" not in flags and "X02" not in flags and "M02" not in flags
    assert flags["M01"].flags == ("income_below_monitoring_line",) and flags["M01"].details["income_year"] == 2022
    # one alert in 2022; no income record in 2022, so the threshold is 0
    assert flags["H01"].flags == ("rigid_spending", "department_alert")
    assert (flags["H01"].details["alerts"], flags["H01"].details["rigid_spending_threshold"]) == (1, Decimal("0.00"))
    assert _scan(as_of=dt.date(2022, 3, 1))["H01"].details["alerts"] == 2


def test_line_of_the_scan_year_when_the_income_year_has_none(register, areas, people):
    h = Household.objects.create(number="F01", area_id=V1, status="exited")
    _person(h, people)
    _income(h, 2020, "5500.00")
    flag = _scan(as_of=dt.date(2021, 6, 30))["F01"]
    assert flag.flags == ("income_below_monitoring_line",) and flag.details["monitoring_line"] == Decimal("6000.00")
    assert flag.details["income_year"] == 2020


def test_scope_and_statuses(register):
    assert list(_scan(area_code="522633101000")) == ["M02"]
    assert list(_scan(area_code="431125000000")) == ["K01"]
    assert set(_scan(area_code="")) == set(_scan()) | {"K01"}
    assert "P01" not in _scan() and "N01" not in _scan() and "M03" not in _scan()


def test_streams_in_chunks_lazily(register, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(eligibility, "CHUNK", 3)
    with django_assert_num_queries(4):  # area, lines of 2022 and 2021, table list: the scan itself runs on next()
        it = scan_monitoring(area_code="522633000000", as_of=AS_OF)
    assert len(list(it)) == 10


def test_without_the_alerts_table(register, monkeypatch):
    from jingzhun.procedures import monitoring_scan

    monkeypatch.setattr(monitoring_scan, "alerts_available", lambda: False)
    flags = _scan()
    assert "H01" not in flags and "H02" not in flags and "X05" not in flags
    assert flags["H04"].category == "hardship"
