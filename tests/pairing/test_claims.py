"""The arithmetic of published claims (issue 6): pure, no database."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from jingzhun.pairing.claims import Amount, Average, Increase, Multiple, Share, Total, check, check_all, parse_amount

# Seed 003, Zhejiang fiscal assistance 2018.
TOTAL = Amount("2.831", "billion yuan")
AVERAGE = Amount("39.33", "million yuan")
SEVERE = Amount("1.435", "billion yuan")
SEVERE_AVERAGE = Amount("57.4", "million yuan")


def seed_003_statements():
    return [
        Average(TOTAL, 72, AVERAGE, label="72 counties, 39.33 million per county"),
        Average(SEVERE, 25, SEVERE_AVERAGE, label="25 counties, 57.4 million per county"),
        Share(SEVERE, TOTAL, "51", label="51% of the total"),
        Increase(SEVERE_AVERAGE, AVERAGE, "31", label="31% higher than the average"),
    ]


def test_seed_003_increase_is_flagged_with_45_9_percent():
    [found] = check(Increase(SEVERE_AVERAGE, AVERAGE, "31"))
    # (57.4 - 39.33) / 39.33 * 100 = 18.07 / 39.33 * 100 = 45.9445...%
    assert found.kind == "increase"
    assert found.published == Decimal("31")
    assert found.computed_exact == Fraction(1807, 3933) * 100
    assert found.computed.quantize(Decimal("0.0001")) == Decimal("45.9446")
    assert found.rounded == Decimal("46")
    assert found.difference.quantize(Decimal("0.0001")) == Decimal("14.9446")
    assert found.computation_en == "57.4 million yuan is 45.9% higher than 39.33 million yuan, not 31%"
    assert found.computation_zh == "5740万元比3933万元高45.9%，而非31%"


def test_seed_003_bare_million_wording():
    [found] = check(Increase(Amount("57.4", "million"), Amount("39.33", "million"), 31))
    assert found.computation_en == "57.4 million is 45.9% higher than 39.33 million, not 31%"
    assert found.computation_zh == "5740万比3933万高45.9%，而非31%"


def test_seed_003_72_county_average_is_inconsistent_at_the_published_precision():
    # 2,831,000,000 / 72 = 39,319,444.44... yuan = 39.3194 million, which rounds to 39.32 million, not 39.33.
    [found] = check(Average(TOTAL, 72, AVERAGE))
    assert found.kind == "average"
    assert found.unit == "million yuan"
    assert found.computed_exact == Fraction(2831, 72)
    assert found.computed.quantize(Decimal("0.000001")) == Decimal("39.319444")
    assert found.rounded == Decimal("39.32")
    assert found.difference.quantize(Decimal("0.000001")) == Decimal("-0.010556")
    assert found.computation_en == "2.831 billion yuan / 72 = 39.319 million yuan, not 39.33 million yuan"
    assert found.computation_zh == "28.31亿元 ÷ 72 = 3931.9万元，而非3933万元"


def test_seed_003_all_statements():
    # 1.435 billion / 25 = 57.4 million exactly; 1.435 / 2.831 = 50.69% -> 51%: both hold.
    found = check_all(seed_003_statements())
    assert [item.label for item in found] == ["72 counties, 39.33 million per county", "31% higher than the average"]


def test_units_scale_in_both_languages():
    assert Amount("2.831", "billion yuan").exact == Amount("28.31", "亿元").exact == 2_831_000_000
    assert Amount("39.33", "million yuan").exact == Amount("3933", "万元").exact == 39_330_000
    assert Amount("12", "thousand yuan").exact == Amount("1.2", "万元").exact == Amount("12000", "元").exact
    assert Amount("20.7", "万人").exact == Amount("207", "thousand persons").exact == Amount("207000", "人").exact
    assert Amount("5", "Million  Yuan").exact == 5_000_000
    assert Amount("3", "亿").dimension is None
    assert Amount("3", "yuan").dimension == "money" and Amount("3", "人").dimension == "persons"


def test_chinese_units_check_against_english_units():
    assert check(Average(Amount("28.31", "亿元"), 72, Amount("3932", "万元"))) == []
    [found] = check(Average(Amount("28.31", "亿元"), 72, Amount("3933", "万元")))
    assert found.rounded == Decimal("3932")
    assert found.computation_en == "2.831 billion yuan / 72 = 39.319 million yuan, not 39.33 million yuan"


def test_totals():
    parts = [Amount("3933", "万元"), Amount("57.4", "million yuan")]
    # 39.33 + 57.4 = 96.73 million -> 97 million at the published precision.
    assert check(Total(parts, Amount("97", "million yuan"))) == []
    [found] = check(Total(parts, Amount("96.8", "million yuan")))
    assert found.rounded == Decimal("96.7")
    assert found.computation_en == "39.33 million yuan + 57.4 million yuan = 96.73 million yuan, not 96.8 million yuan"
    assert found.computation_zh == "3933万元 + 5740万元 = 9673万元，而非9680万元"


def test_shares():
    # 1.435 / 2.831 = 50.689...%
    assert check(Share(SEVERE, TOTAL, "51")) == []
    assert check(Share(SEVERE, TOTAL, "50.7")) == []
    [found] = check(Share(SEVERE, TOTAL, "50"))
    assert found.rounded == Decimal("51")
    assert found.computation_en == "1.435 billion yuan is 50.7% of 2.831 billion yuan, not 50%"
    assert found.computation_zh == "14.35亿元占28.31亿元的50.7%，而非50%"


def test_multiples():
    # 2.831 billion / 450 million = 6.29 -> "6 times" holds at the published precision.
    assert check(Multiple(TOTAL, Amount("450", "million yuan"), 6)) == []
    [found] = check(Multiple(TOTAL, Amount("400", "million yuan"), 6))
    # 2831 / 400 = 7.0775
    assert found.computed == Decimal("7.0775")
    assert found.rounded == Decimal("7")
    assert found.computation_en == "2.831 billion yuan is 7.1 times 400 million yuan, not 6 times"
    # 400 million is published to the million = 0.01亿: the Chinese rendering keeps that precision.
    assert found.computation_zh == "28.31亿元是4.00亿元的7.1倍，而非6倍"


def test_precision_boundaries():
    total = Amount("100", "yuan")
    # 100 / 8 = 12.5: half rounds up (away from zero) to 13; 12 is not consistent.
    assert check(Average(total, 8, Amount("13", "yuan"))) == []
    assert len(check(Average(total, 8, Amount("12", "yuan")))) == 1
    assert check(Average(total, 8, Amount("12.5", "yuan"))) == []
    assert len(check(Average(total, 8, Amount("12.50", "yuan")))) == 0
    assert len(check(Average(total, 8, Amount("12.6", "yuan")))) == 1
    # 100 / 3 = 33.33...: published to two decimals 33.33 holds, 33.34 does not; 1E+1 means "to the ten".
    assert check(Average(total, 3, Amount("33.33", "yuan"))) == []
    assert len(check(Average(total, 3, Amount("33.34", "yuan")))) == 1
    assert check(Average(total, 3, Amount(Decimal("3E+1"), "yuan"))) == []
    assert len(check(Average(total, 3, Amount("30", "yuan")))) == 1
    # Increase boundary: 57.4 / 39.33 -> 45.94%: 45.9 and 46 hold, 45.95 does not.
    assert check(Increase(SEVERE_AVERAGE, AVERAGE, "45.9")) == []
    assert check(Increase(SEVERE_AVERAGE, AVERAGE, "46")) == []
    assert len(check(Increase(SEVERE_AVERAGE, AVERAGE, "45.95"))) == 1


def test_about_statements_use_the_relative_tolerance():
    statement = Average(TOTAL, 72, AVERAGE, about=True)
    assert check(statement) == []  # 0.03% off, within the default 5%
    assert len(check(statement, about_tolerance="0.0001")) == 1
    assert len(check(Increase(SEVERE_AVERAGE, AVERAGE, "31", about=True))) == 1  # 48% off
    assert check_all([Increase(SEVERE_AVERAGE, AVERAGE, "31", about=True)], about_tolerance="0.5") == []


def test_decreases_say_lower():
    [found] = check(Increase(Amount("30", "万元"), Amount("40", "万元"), "-20"))
    assert found.computation_en == "300 thousand yuan is 25.0% lower than 400 thousand yuan, not -20%"
    assert found.computation_zh == "30万元比40万元低25.0%，而非-20%"


def test_relative_difference():
    [found] = check(Increase(SEVERE_AVERAGE, AVERAGE, "31"))
    assert found.relative_difference.quantize(Decimal("0.001")) == Decimal("0.482")


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: Increase(SEVERE_AVERAGE, Amount("0", "yuan"), 31), "base"),
        (lambda: Multiple(TOTAL, Amount("0", "万元"), 6), "base"),
        (lambda: Share(SEVERE, Amount("0", "yuan"), 51), "whole"),
        (lambda: Average(TOTAL, -72, AVERAGE), "count"),
        (lambda: Average(TOTAL, 0, AVERAGE), "count"),
        (lambda: Total([], TOTAL), "parts"),
        (lambda: Total([Amount("1", "人")], TOTAL), "total"),
        (lambda: Amount("1", "furlongs"), "unit"),
        (lambda: Amount("abc", "yuan"), "value"),
        (lambda: check(Average(TOTAL, 72, AVERAGE), about_tolerance="-1"), "about_tolerance"),
        (lambda: parse_amount("亿元"), "text"),
    ],
)
def test_errors_name_the_argument(build, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        build()


def test_parse_amount():
    assert parse_amount("2.831亿元") == Amount(Decimal("2.831"), "亿元")
    assert parse_amount("39.33 million yuan") == Amount(Decimal("39.33"), "million yuan")
    assert parse_amount("1,440").exact == 1440
    assert parse_amount("20.7万人").exact == 207_000
    assert parse_amount("2.831亿元").exact == parse_amount("2.831 billion yuan").exact / 10
