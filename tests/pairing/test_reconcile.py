"""Reconciliation of published claims: the claim's own arithmetic (seed 003) and record statements against the ledgers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from jingzhun.core.models import AuditEvent
from jingzhun.pairing.models import Claim
from jingzhun.pairing.projects import output_add, project_advance, project_create
from jingzhun.pairing.reconcile import claim_check, claim_create
from jingzhun.pairing.services import fund_record, partnership_create

Y2018 = {"start": dt.date(2018, 1, 1), "end": dt.date(2018, 12, 31)}

# Seed 003 (Zhejiang fiscal assistance, 2018) as a claim's statements.
SEED_003 = [
    {"type": "average", "total": "2.831 billion yuan", "count": 72, "average": {"value": "39.33", "unit": "million yuan"},
     "label": "72 counties, 39.33 million per county"},
    {"type": "average", "total": "1.435 billion yuan", "count": "25", "average": "57.4 million yuan", "label": "25 counties, 57.4 million per county"},
    {"type": "share", "part": "1.435 billion yuan", "whole": "2.831 billion yuan", "share": "51", "label": "51% of the total"},
    {"type": "increase", "value": "57.4 million yuan", "base": "39.33 million yuan", "percent": "31", "label": "31% higher than the average"},
]


@pytest.fixture
def pairs(areas):
    """A province pairing 湖南—贵州 with the county pairing 江永—从江 under it (test tree codes)."""
    province = partnership_create(actor=None, kind="province", name="湖南—贵州", east_area=areas["430000000000"], west_area=areas["520000000000"],
                                  start_date=dt.date(2017, 1, 1))
    county = partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                                start_date=dt.date(2017, 1, 1), parent=province)
    return province, county


@pytest.fixture
def ledger(pairs, areas):
    """2018: fiscal allocations of 2,000,000,000.00 + 831,400,000.00 on the county pairing (2.8314 billion), one in 2019
    outside the period; one project started in 2018 and completed, one still in the library."""
    _province, county = pairs
    fund_record(actor=None, partnership=county, date=dt.date(2018, 3, 1), kind="allocated", source="fiscal", amount="2000000000.00")
    fund_record(actor=None, partnership=county, date=dt.date(2018, 11, 30), kind="allocated", source="fiscal", amount="831400000.00")
    fund_record(actor=None, partnership=county, date=dt.date(2019, 1, 2), kind="allocated", source="fiscal", amount="500000000.00")
    done = project_create(actor=None, partnership=county, name="茶园", code="P1", budget="100000", village=areas["522633100201"], start_date=dt.date(2018, 4, 1))
    output_add(actor=None, project=done, kind="production_base", count="1")
    for status in ("approved", "under_construction", "completed"):
        project_advance(actor=None, project=done, to=status)
    project_create(actor=None, partnership=county, name="学校", code="P2", budget="100000", village=areas["522633100201"], start_date=dt.date(2018, 5, 1))
    return county


def test_seed_003_claim_gives_the_average_and_the_31_percent_findings(pairs, users):
    _province, county = pairs
    claim = claim_create(actor=users["county"], title="浙江2018年财政援助资金", source="Seed 003, Zhejiang DRC, 2019", statements=SEED_003,
                         partnership=county, **Y2018)
    findings = claim_check(claim)
    assert [(f.index, f.kind, f.statement_type) for f in findings] == [(0, "arithmetic", "average"), (3, "arithmetic", "increase")]
    average, increase = findings
    # 2,831,000,000 / 72 = 39,319,444.44... yuan: 39.32 million at the published precision, not 39.33.
    assert average.published == Decimal("39.33")
    assert average.computed.quantize(Decimal("0.000001")) == Decimal("39.319444")
    assert average.rounded == Decimal("39.32")
    assert average.difference.quantize(Decimal("0.000001")) == Decimal("-0.010556")
    assert average.unit == "million yuan"
    assert average.label == "72 counties, 39.33 million per county"
    # (57.4 - 39.33) / 39.33 = 45.9446...%: 46% at the published precision, not 31%.
    assert increase.published == Decimal("31")
    assert increase.computed.quantize(Decimal("0.0001")) == Decimal("45.9446")
    assert increase.rounded == Decimal("46")
    assert increase.difference.quantize(Decimal("0.0001")) == Decimal("14.9446")
    assert increase.unit == "%"
    assert increase.message_en == "57.4 million yuan is 45.9% higher than 39.33 million yuan, not 31%"
    assert increase.message_zh == "5740万元比3933万元高45.9%，而非31%"
    with translation.override("en"):
        assert claim_check(claim)[1].message == increase.message_en
    with translation.override("zh-hans"):
        assert claim_check(claim)[1].message == increase.message_zh


def test_statements_are_stored_normalised_and_the_creation_audited(pairs, users):
    _province, county = pairs
    claim = claim_create(actor=users["county"], title="t", source="s", statements=SEED_003[:1], partnership=county, published_on=dt.date(2019, 5, 1), **Y2018)
    claim.refresh_from_db()
    assert claim.statements == [{"type": "average", "total": {"value": "2.831", "unit": "billion yuan"}, "count": "72",
                                 "average": {"value": "39.33", "unit": "million yuan"}, "about": False, "label": "72 counties, 39.33 million per county"}]
    event = AuditEvent.objects.get(action="pairing.claim_create")
    assert event.object_id == str(claim.pk) and event.actor == users["county"] and event.area_code == "522633000000"


def test_record_statement_matching_at_the_published_precision_passes(ledger, pairs, users):
    province, county = pairs
    statements = [
        # 2,831,400,000 yuan = 2.8314 billion: "2.831 billion" and "28.31亿元" hold; 2019 is outside the period.
        {"type": "record", "indicator": "fiscal_allocated", "value": "2.831", "unit": "billion yuan"},
        {"type": "record", "indicator": "funds_allocated", "value": "28.31", "unit": "亿元"},
        {"type": "record", "indicator": "projects", "value": "2", "unit": "个"},
        {"type": "record", "indicator": "projects_completed", "value": "1", "unit": "项"},
        {"type": "record", "indicator": "fiscal_allocated", "value": "2.9", "unit": "billion yuan", "about": True},  # 2.4% off, within 5%
    ]
    # The province pairing's claim counts its county pairing (a descendant); an area claim counts every pairing inside.
    claim = claim_create(actor=users["province"], title="t", source="s", statements=statements, partnership=province, **Y2018)
    assert claim_check(claim) == []
    by_area = claim_create(actor=users["county"], title="t", source="s", statements=statements, area=county.west_area, **Y2018)
    assert claim_check(by_area) == []


def test_record_statement_that_does_not_match_gives_the_computed_value(ledger, users):
    statements = [
        {"type": "record", "indicator": "funds_allocated", "value": "28.32", "unit": "亿元", "label": "资金28.32亿元"},
        {"type": "record", "indicator": "fiscal_allocated", "value": "2.9", "unit": "billion yuan"},
        {"type": "record", "indicator": "projects_completed", "value": "2", "unit": "项"},
    ]
    claim = claim_create(actor=users["county"], title="t", source="s", statements=statements, partnership=ledger, **Y2018)
    first, second, third = claim_check(claim)
    assert (first.index, first.kind, first.indicator, first.label) == (0, "records", "funds_allocated", "资金28.32亿元")
    assert first.published == Decimal("28.32")
    assert first.computed == Decimal("28.314")
    assert first.rounded == Decimal("28.31")
    assert first.difference == Decimal("-0.006")
    assert first.message_zh.endswith("台账合计28.314亿元，而非28.32亿元")
    assert first.message_en == "Funds allocated (all sources): the records give 28.314亿元, not 28.32亿元"
    assert second.computed == Decimal("2.8314") and second.rounded == Decimal("2.8") and second.difference == Decimal("-0.0686")
    assert second.message_en.endswith(": the records give 2.83 billion yuan, not 2.9 billion yuan")
    assert (third.index, third.published, third.computed, third.difference) == (2, Decimal("2"), Decimal("1"), Decimal("-1"))


def test_records_outside_the_claims_partnerships_do_not_count(ledger, areas, users):
    other = partnership_create(actor=None, kind="county", name="其他—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                               start_date=dt.date(2017, 1, 1))
    statement = [{"type": "record", "indicator": "fiscal_allocated", "value": "0", "unit": "yuan"}]
    assert claim_check(claim_create(actor=None, title="t", source="s", statements=statement, partnership=other, **Y2018)) == []


@pytest.mark.parametrize(
    ("statement", "key"),
    [
        ({"type": "ratio"}, "statements[1].type"),
        ("2.831 billion yuan", "statements[1].type"),
        ({"type": "record", "indicator": "fiscal_funds", "value": "1"}, "statements[1].indicator"),
        ({"type": "record", "indicator": "cadres_sent", "value": "5", "unit": "万元"}, "statements[1].unit"),
        ({"type": "record", "indicator": "projects", "value": "5", "unit": "人"}, "statements[1].unit"),
        ({"type": "record", "indicator": "investment", "value": "5", "unit": "户"}, "statements[1].unit"),
        ({"type": "record", "indicator": "investment", "value": "5", "unit": "furlongs"}, "statements[1].unit"),
        ({"type": "record", "indicator": "investment", "value": "many", "unit": "yuan"}, "statements[1].value"),
        ({"type": "increase", "value": "57.4 million yuan", "base": "0 yuan", "percent": "31"}, "statements[1].base"),
        ({"type": "increase", "value": "57.4 million yuan", "base": "39.33 million yuan", "percent": "a lot"}, "statements[1].percent"),
        ({"type": "share", "part": "1.435 billion yuan", "whole": "2.831 billion yuan"}, "statements[1].share"),
        ({"type": "average", "total": "2.831 furlongs", "count": 72, "average": "39.33 million yuan"}, "statements[1].total"),
        ({"type": "average", "total": "2.831 billion yuan", "count": 0, "average": "39.33 million yuan"}, "statements[1].count"),
        ({"type": "average", "total": "2.831 billion yuan", "count": 72, "average": "39.33万人"}, "statements[1].average"),
        ({"type": "total", "parts": [], "total": "1 yuan"}, "statements[1].parts"),
        ({"type": "total", "parts": ["1 yuan", "x"], "total": "1 yuan"}, "statements[1].parts[1]"),
        ({"type": "multiple", "value": "1 yuan", "base": "1 yuan", "times": "6", "about": "yes"}, "statements[1].about"),
    ],
)
def test_invalid_statements_are_reported_by_index_and_field(pairs, users, statement, key):
    with pytest.raises(ValidationError) as error:
        claim_create(actor=users["county"], title="t", source="s", statements=[SEED_003[0], statement], partnership=pairs[1], **Y2018)
    assert list(error.value.message_dict) == [key]
    assert Claim.objects.count() == 0


def test_claim_fields_are_validated(pairs, areas, users):
    with pytest.raises(ValidationError) as error:
        claim_create(actor=users["county"], title=" ", source="", statements=[], partnership=pairs[1], start=dt.date(2018, 12, 31), end=dt.date(2018, 1, 1))
    assert set(error.value.message_dict) == {"title", "source", "end", "statements"}
    with pytest.raises(ValidationError) as error:
        claim_create(actor=None, title="t", source="s", statements=SEED_003, **Y2018)
    assert set(error.value.message_dict) == {"partnership"}
    with pytest.raises(ValidationError) as error:
        claim_create(actor=None, title="t", source="s", statements=SEED_003, partnership=pairs[1], area=areas["522633000000"], **Y2018)
    assert set(error.value.message_dict) == {"partnership"}


def test_scope(pairs, areas, users):
    _province, county = pairs
    # The eastern side's county officer sees the pairing; a township elsewhere in Congjiang does not.
    assert claim_create(actor=users["hunan_county"], title="t", source="s", statements=SEED_003, partnership=county, **Y2018)
    with pytest.raises(PermissionDenied):
        claim_create(actor=users["other_township"], title="t", source="s", statements=SEED_003, partnership=county, **Y2018)
    assert claim_create(actor=users["county"], title="t", source="s", statements=SEED_003, area=areas["522633000000"], **Y2018)
    with pytest.raises(PermissionDenied):
        claim_create(actor=users["township"], title="t", source="s", statements=SEED_003, area=areas["522633000000"], **Y2018)
    with pytest.raises(PermissionDenied):
        claim_create(actor=users["hunan_county"], title="t", source="s", statements=SEED_003, area=areas["520000000000"], **Y2018)
    assert Claim.objects.count() == 2
