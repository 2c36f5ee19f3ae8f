"""Traceability both ways: from a fund source to projects and households, and from a household back to its sources."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.pairing.projects import beneficiary_add, project_create
from jingzhun.pairing.services import fund_correct, fund_record, partnership_create
from jingzhun.pairing.trace import trace_household, trace_source
from jingzhun.registry.models import Household

D = dt.date(2018, 5, 1)


@pytest.fixture
def world(areas, household):
    pair = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1))
    other = partnership_create(actor=None, kind="enterprise_village", name="某企业—岜沙村", east_party="某企业", west_area=areas["522633100201"],
                               start_date=dt.date(2017, 1, 1))
    village = areas["522633100201"]
    h2 = Household.objects.create(number="H2", area=village, size=4, status="poor")
    p1 = project_create(actor=None, partnership=pair, name="学校", code="P1", budget="1000", village=village, start_date=D)
    p2 = project_create(actor=None, partnership=pair, name="水", code="P2", budget="1000", village=village, start_date=D)
    p3 = project_create(actor=None, partnership=other, name="茶园", code="E1", budget="1000", village=village, start_date=D)
    beneficiary_add(actor=None, project=p1, household=household, benefit="education", amount="100.00")
    beneficiary_add(actor=None, project=p1, household=h2, benefit="education")
    beneficiary_add(actor=None, project=p2, household=household, benefit="water")
    beneficiary_add(actor=None, project=p3, household=household, benefit="income", amount="2500.00")

    def fund(p, kind, amount, source="fiscal", project=None, date=D):
        return fund_record(actor=None, partnership=p, date=date, kind=kind, source=source, amount=amount, project=project)

    fund(pair, "pledged", "5000.00")
    fund(pair, "allocated", "700.10", project=p1)
    fund(pair, "disbursed", "500.05", project=p1)
    wrong = fund(pair, "disbursed", "100.00", project=p1)
    fund_correct(actor=None, entry=wrong, note="duplicate")
    fund(pair, "allocated", "0.20", project=p2)
    fund(pair, "allocated", "0.10", project=p2)
    fund(pair, "allocated", "300.00")  # not tied to a project
    fund(pair, "allocated", "1.00", date=dt.date(2019, 1, 1), project=p2)
    fund(pair, "allocated", "80.00", source="donation", project=p2)
    fund(other, "allocated", "2000.00", source="enterprise", project=p3)
    fund(other, "disbursed", "1500.00", source="enterprise", project=p3)
    return {"pair": pair, "other": other, "p1": p1, "p2": p2, "p3": p3, "h1": household, "h2": h2}


def test_where_did_the_fiscal_money_go(world):
    t = trace_source(partnerships=[world["pair"].pk], source="fiscal", start=dt.date(2018, 1, 1), end=dt.date(2018, 12, 31))
    rows = [(r["project"].code, r["allocated"], r["disbursed"], r["undisbursed"], r["households"], r["persons"]) for r in t["projects"]]
    assert rows == [("P1", Decimal("700.10"), Decimal("500.05"), Decimal("200.05"), 2, 7),
                    ("P2", Decimal("0.30"), Decimal("0.00"), Decimal("0.30"), 1, 3)]
    assert t["unassigned"] == {"pledged": Decimal("5000.00"), "allocated": Decimal("300.00"), "disbursed": Decimal("0.00"), "returned": Decimal("0.00")}
    assert t["totals"] == {"pledged": Decimal("5000.00"), "allocated": Decimal("1000.40"), "disbursed": Decimal("500.05"), "returned": Decimal("0.00"),
                           "households": 2, "persons": 7}  # the household of P1 and P2 counted once


def test_trace_source_without_period_and_other_sources(world):
    t = trace_source(partnerships=[world["pair"].pk], source="fiscal")
    assert [r["allocated"] for r in t["projects"]] == [Decimal("700.10"), Decimal("1.30")]
    d = trace_source(partnerships=[world["pair"].pk, world["other"].pk], source="donation")
    assert [(r["project"].code, r["allocated"]) for r in d["projects"]] == [("P2", Decimal("80.00"))]
    e = trace_source(partnerships=[world["pair"].pk, world["other"].pk], source="enterprise")
    assert [(r["project"].code, r["disbursed"], r["households"]) for r in e["projects"]] == [("E1", Decimal("1500.00"), 1)]
    with pytest.raises(ValueError):
        trace_source(partnerships=[world["pair"].pk], source="lottery")


def test_back_from_a_household_to_every_source(world):
    rows = trace_household(household=world["h1"])
    assert [(r["project"].code, r["partnership"], r["benefit"], r["amount"], r["sources"]) for r in rows] == [
        ("P1", world["pair"], "education", Decimal("100.00"), ["fiscal"]),
        ("P2", world["pair"], "water", None, ["fiscal", "donation"]),
        ("E1", world["other"], "income", Decimal("2500.00"), ["enterprise"]),
    ]
    assert rows[0]["funds"]["fiscal"] == {"pledged": Decimal("0.00"), "allocated": Decimal("700.10"), "disbursed": Decimal("500.05"), "returned": Decimal("0.00")}
    assert rows[1]["funds"]["fiscal"]["allocated"] == Decimal("1.30") and rows[1]["funds"]["donation"]["allocated"] == Decimal("80.00")
    assert [r["project"].code for r in trace_household(household=world["h2"])] == ["P1"]


def test_trace_household_only_shows_visible_partnerships(world, users):
    assert [r["project"].code for r in trace_household(household=world["h1"], user=users["hunan_county"])] == ["P1", "P2"]
    assert [r["project"].code for r in trace_household(household=world["h1"], user=users["county"])] == ["P1", "P2", "E1"]
    assert [r["project"].code for r in trace_household(household=world["h1"], user=users["village"])] == ["E1"]  # the county pairing is wider
    assert trace_household(household=world["h1"], user=users["other_township"]) == []
