"""Village and county exit arithmetic (jingzhun.procedures.assessment): exact values, vetoes, errors, properties.

No database: the module under test is pure Python.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.procedures.assessment import (
    INCIDENCE_THRESHOLD,
    VETO_INDICATORS,
    WESTERN_INCIDENCE_THRESHOLD,
    Verdict,
    area_exit_incidence,
    county_exit_verdict,
    county_incidence_passes,
    incidence_threshold,
    village_exit_passes,
)

# A county that passes every veto, with room on each so that one indicator can be made to fail alone:
#   wrong-exit rate 5/500 = 1%, missed rate 5/500 = 1%, recognition 950/1000 = 95%
#   estimated wrong exits = 1% x 50,000 = 500
#   never-registered = 100,000 - 500 - 50,000 = 49,500; estimated missed = 1% x 49,500 = 495
#   comprehensive incidence = (500 + 500 + 495) / 100,000 = 1,495 / 100,000 = 299/20,000 = 1.495%  < 2%
BASE = dict(
    rural_population=100_000,
    remaining_poor=500,
    exited_persons=50_000,
    sampled_exited=500,
    wrong_exits=5,
    sampled_nonregistered=500,
    missed=5,
    recognising_households=950,
    surveyed_households=1_000,
    western=False,
)


def verdict(**changes) -> Verdict:
    return county_exit_verdict(**{**BASE, **changes})


# --- thresholds and incidence ---------------------------------------------------------------------------


def test_incidence_threshold_is_exact_2_and_3_percent():
    assert incidence_threshold(False) == Fraction(2, 100) == INCIDENCE_THRESHOLD
    assert incidence_threshold(True) == Fraction(3, 100) == WESTERN_INCIDENCE_THRESHOLD
    assert isinstance(incidence_threshold(False), Fraction)


@pytest.mark.parametrize("bad", [0, 1, "west", None])
def test_incidence_threshold_rejects_non_bool(bad):
    with pytest.raises(ValueError, match="^western"):
        incidence_threshold(bad)


def test_area_exit_incidence_is_an_exact_fraction():
    assert area_exit_incidence(population=1_234, poor=17) == Fraction(17, 1_234)
    assert area_exit_incidence(population=1_000, poor=0) == 0
    assert area_exit_incidence(population=5, poor=5) == 1


@pytest.mark.parametrize(
    ("poor", "western", "passes"),
    [
        (19, False, True),  # 1.9% < 2%
        (20, False, False),  # exactly 2%: not below, fails
        (21, False, False),
        (20, True, True),  # 2% < 3% in the west
        (29, True, True),  # 2.9%
        (30, True, False),  # exactly 3%: fails
    ],
)
def test_village_and_county_incidence_tests_are_strict(poor, western, passes):
    assert village_exit_passes(population=1_000, poor=poor, western=western) is passes
    assert county_incidence_passes(population=1_000, poor=poor, western=western) is passes


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(population=0, poor=0), "population"),
        (dict(population=-1, poor=0), "population"),
        (dict(population=100, poor=-1), "poor"),
        (dict(population=100, poor=101), "poor"),
        (dict(population=100.0, poor=1), "population"),
        (dict(population=100, poor=True), "poor"),
        (dict(population="100", poor=1), "population"),
    ],
)
@pytest.mark.parametrize("function", [area_exit_incidence, village_exit_passes, county_incidence_passes])
def test_incidence_errors_name_the_argument(function, kwargs, name):
    if function is not area_exit_incidence:
        kwargs = {**kwargs, "western": False}
    with pytest.raises(ValueError, match=f"^{name}"):
        function(**kwargs)


def test_incidence_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        area_exit_incidence(100, 1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        village_exit_passes(100, 1, False)  # type: ignore[misc]


# --- county exit: hand-computed cases ---------------------------------------------------------------------


def test_base_county_passes_with_exact_values():
    v = verdict()
    assert v.wrong_exit_rate == Fraction(1, 100)
    assert v.missed_rate == Fraction(1, 100)
    assert v.recognition_rate == Fraction(19, 20)
    assert v.estimated_wrong_exits == 500
    assert v.estimated_missed == 495
    assert v.comprehensive_incidence == Fraction(299, 20_000)
    assert v.threshold == Fraction(1, 50)
    assert v.passed is True
    assert v.failures == ()


def test_hand_computed_county_with_non_terminating_fractions():
    # wrong-exit rate 3/480 = 1/160; missed rate 4/520 = 1/130; recognition 968/1000 = 121/125
    # estimated wrong exits = 50,000 / 160 = 625/2 (312.5 persons, not rounded)
    # never-registered = 200,000 - 2,000 - 50,000 = 148,000; estimated missed = 148,000 / 130 = 14,800/13
    # comprehensive = (2,000 + 625/2 + 14,800/13) / 200,000 = (52,000 + 8,125 + 29,600) / 26 / 200,000
    #               = 89,725 / 5,200,000 = 3,589 / 208,000 (about 1.7255%) < 2%
    v = county_exit_verdict(
        rural_population=200_000,
        remaining_poor=2_000,
        exited_persons=50_000,
        sampled_exited=480,
        wrong_exits=3,
        sampled_nonregistered=520,
        missed=4,
        recognising_households=968,
        surveyed_households=1_000,
        western=False,
    )
    assert v.wrong_exit_rate == Fraction(1, 160)
    assert v.missed_rate == Fraction(1, 130)
    assert v.recognition_rate == Fraction(121, 125)
    assert v.estimated_wrong_exits == Fraction(625, 2)
    assert v.estimated_missed == Fraction(14_800, 13)
    assert v.comprehensive_incidence == Fraction(3_589, 208_000)
    assert v.passed and v.failures == ()
    for value in (v.wrong_exit_rate, v.missed_rate, v.recognition_rate, v.estimated_wrong_exits, v.estimated_missed, v.comprehensive_incidence, v.threshold):
        assert isinstance(value, Fraction)


def test_every_rate_passes_but_comprehensive_incidence_fails():
    # Registered incidence 1,500 / 100,000 = 1.5%: the county passes the register test and may apply.
    # wrong-exit rate 5/500 = 1% < 2%; missed rate 5/500 = 1% < 2%; recognition 950/1000 = 95% > 90%.
    # estimated wrong exits = 1% x 20,000 = 200
    # never-registered = 100,000 - 1,500 - 20,000 = 78,500; estimated missed = 1% x 78,500 = 785
    # comprehensive = (1,500 + 200 + 785) / 100,000 = 2,485 / 100,000 = 497/20,000 = 2.485%  -> not below 2%: fails.
    county = dict(
        rural_population=100_000,
        remaining_poor=1_500,
        exited_persons=20_000,
        sampled_exited=500,
        wrong_exits=5,
        sampled_nonregistered=500,
        missed=5,
        recognising_households=950,
        surveyed_households=1_000,
    )
    assert county_incidence_passes(population=100_000, poor=1_500, western=False)
    v = county_exit_verdict(**county, western=False)
    assert (v.wrong_exit_rate, v.missed_rate, v.recognition_rate) == (Fraction(1, 100), Fraction(1, 100), Fraction(19, 20))
    assert (v.estimated_wrong_exits, v.estimated_missed) == (200, 785)
    assert v.comprehensive_incidence == Fraction(497, 20_000)
    assert v.failures == ("comprehensive_incidence",)
    assert v.passed is False

    # The same county in the western region: 2.485% < 3%, it passes.
    west = county_exit_verdict(**county, western=True)
    assert west.threshold == Fraction(3, 100)
    assert west.comprehensive_incidence == Fraction(497, 20_000)
    assert west.failures == ()
    assert west.passed is True


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        # 10/500 = 2% exactly: not below 2%. Estimated wrong exits 1,000 -> (500+1,000+495)/100,000 = 1.995%, still passes.
        (dict(wrong_exits=10), "wrong_exit_rate"),
        # 10/500 = 2% exactly. Estimated missed 990 -> (500+500+990)/100,000 = 1.99%, still passes.
        (dict(missed=10), "missed_rate"),
        # 900/1000 = 90% exactly: not above 90%.
        (dict(recognising_households=900), "recognition_rate"),
        # never-registered 48,900, estimated missed 489 -> (1,100+500+489)/100,000 = 2.089%.
        (dict(remaining_poor=1_100), "comprehensive_incidence"),
    ],
)
def test_each_veto_fails_alone(changes, failed):
    v = verdict(**changes)
    assert v.failures == (failed,)
    assert v.passed is False


@pytest.mark.parametrize(
    "changes",
    [dict(wrong_exits=9), dict(missed=9), dict(recognising_households=901), dict(remaining_poor=1_000)],  # 1.8%, 1.8%, 90.1%, 1.99%
)
def test_just_inside_each_limit_passes(changes):
    assert verdict(**changes).passed


def test_comprehensive_incidence_exactly_at_threshold_fails():
    # remaining 1,000; wrong 5/500 -> 1% x 20,000 = 200; never-registered 79,000, missed 4/395 -> 79,000 x 4/395 = 800
    # comprehensive = (1,000 + 200 + 800) / 100,000 = 2% exactly -> not below 2%.
    county = dict(
        rural_population=100_000,
        remaining_poor=1_000,
        exited_persons=20_000,
        sampled_exited=500,
        wrong_exits=5,
        sampled_nonregistered=395,
        missed=4,
        recognising_households=950,
        surveyed_households=1_000,
    )
    v = county_exit_verdict(**county, western=False)
    assert v.estimated_missed == 800
    assert v.comprehensive_incidence == Fraction(2, 100)
    assert v.failures == ("comprehensive_incidence",)
    # Western, with no missed persons: (2,800 + 200 + 0) / 100,000 = 3% exactly -> not below 3%; 2,799 -> 2.999% passes.
    west = county_exit_verdict(**{**county, "remaining_poor": 2_800, "missed": 0}, western=True)
    assert west.comprehensive_incidence == Fraction(3, 100)
    assert west.failures == ("comprehensive_incidence",)
    assert county_exit_verdict(**{**county, "remaining_poor": 2_799, "missed": 0}, western=True).passed


def test_all_four_failures_are_reported_in_order():
    v = verdict(wrong_exits=50, missed=50, recognising_households=500)
    assert v.failures == VETO_INDICATORS == ("wrong_exit_rate", "missed_rate", "recognition_rate", "comprehensive_incidence")
    assert not v.passed


def test_verdict_is_frozen_and_derives_passed_from_failures():
    v = verdict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.passed = False  # type: ignore[misc]
    direct = Verdict(
        wrong_exit_rate=Fraction(1, 50),
        missed_rate=Fraction(0),
        recognition_rate=Fraction(1),
        estimated_wrong_exits=Fraction(0),
        estimated_missed=Fraction(0),
        comprehensive_incidence=Fraction(0),
        threshold=Fraction(1, 50),
    )
    assert direct.failures == ("wrong_exit_rate",) and direct.passed is False


def test_county_exit_verdict_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        county_exit_verdict(*BASE.values())  # type: ignore[misc]


# --- county exit: errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        # negative counts
        *[(dict([(key, -1)]), key) for key in BASE if key != "western"],
        # not whole numbers
        (dict(wrong_exits=1.0), "wrong_exits"),
        (dict(missed=True), "missed"),
        (dict(rural_population="100000"), "rural_population"),
        (dict(western=1), "western"),
        (dict(western="west"), "western"),
        # zero denominators
        (dict(rural_population=0, remaining_poor=0, exited_persons=0), "rural_population"),
        (dict(sampled_exited=0, wrong_exits=0), "sampled_exited"),
        (dict(sampled_nonregistered=0, missed=0), "sampled_nonregistered"),
        (dict(surveyed_households=0, recognising_households=0), "surveyed_households"),
        # registered persons exceed the population
        (dict(remaining_poor=50_001), "remaining_poor \\+ exited_persons"),
        # samples larger than their populations
        (dict(exited_persons=499), "sampled_exited"),
        (dict(exited_persons=99_000, remaining_poor=501), "sampled_nonregistered"),  # never-registered 499 < 500 sampled
        # sample counts above their samples
        (dict(wrong_exits=501), "wrong_exits"),
        (dict(missed=501), "missed"),
        (dict(recognising_households=1_001), "recognising_households"),
    ],
)
def test_county_exit_errors_name_the_argument(changes, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        verdict(**changes)


def test_error_messages_are_readable():
    with pytest.raises(ValueError, match=r"^sampled_exited \(500\) must not exceed exited_persons \(499\)$"):
        verdict(exited_persons=499)
    with pytest.raises(ValueError, match=r"^wrong_exits must not be negative, got -1$"):
        verdict(wrong_exits=-1)
    with pytest.raises(ValueError, match=r"^surveyed_households must be positive"):
        verdict(surveyed_households=0, recognising_households=0)


def test_zero_exited_persons_cannot_be_assessed():
    # No exited person means no sample of exited persons: the wrong-exit rate is undefined.
    with pytest.raises(ValueError, match="^sampled_exited"):
        verdict(exited_persons=0, sampled_exited=0, wrong_exits=0)


# --- properties ---------------------------------------------------------------------------------------------


@st.composite
def counties(draw) -> dict:
    rural = draw(st.integers(2, 10**7))
    remaining = draw(st.integers(0, rural - 2))
    exited = draw(st.integers(1, rural - remaining - 1))
    nonregistered = rural - remaining - exited
    sampled_exited = draw(st.integers(1, min(exited, 3_000)))
    sampled_nonregistered = draw(st.integers(1, min(nonregistered, 3_000)))
    surveyed = draw(st.integers(1, 3_000))
    return dict(
        rural_population=rural,
        remaining_poor=remaining,
        exited_persons=exited,
        sampled_exited=sampled_exited,
        wrong_exits=draw(st.integers(0, sampled_exited)),
        sampled_nonregistered=sampled_nonregistered,
        missed=draw(st.integers(0, sampled_nonregistered)),
        recognising_households=draw(st.integers(0, surveyed)),
        surveyed_households=surveyed,
        western=draw(st.booleans()),
    )


@given(counties())
def test_rates_are_exact_fractions_in_unit_interval(county):
    v = county_exit_verdict(**county)
    for rate in (v.wrong_exit_rate, v.missed_rate, v.recognition_rate, v.comprehensive_incidence):
        assert isinstance(rate, Fraction)
        assert 0 <= rate <= 1
    assert 0 <= v.estimated_wrong_exits <= county["exited_persons"]
    assert 0 <= v.estimated_missed <= county["rural_population"] - county["remaining_poor"] - county["exited_persons"]
    assert v.threshold == incidence_threshold(county["western"])


@given(counties())
def test_passed_iff_no_failures_and_failures_in_canonical_order(county):
    v = county_exit_verdict(**county)
    assert v.passed == (v.failures == ())
    assert list(v.failures) == [name for name in VETO_INDICATORS if name in v.failures]
    assert len(set(v.failures)) == len(v.failures)


@given(counties())
def test_comprehensive_incidence_is_at_least_the_registered_incidence(county):
    v = county_exit_verdict(**county)
    registered = area_exit_incidence(population=county["rural_population"], poor=county["remaining_poor"])
    assert v.comprehensive_incidence >= registered
    if not county_incidence_passes(population=county["rural_population"], poor=county["remaining_poor"], western=county["western"]):
        assert "comprehensive_incidence" in v.failures


@given(counties(), st.data())
def test_more_wrong_exits_never_turn_a_fail_into_a_pass(county, data):
    extra = data.draw(st.integers(0, county["sampled_exited"] - county["wrong_exits"]), label="extra wrong exits")
    before = county_exit_verdict(**county)
    after = county_exit_verdict(**{**county, "wrong_exits": county["wrong_exits"] + extra})
    assert set(before.failures) <= set(after.failures)
    assert after.wrong_exit_rate >= before.wrong_exit_rate
    assert after.comprehensive_incidence >= before.comprehensive_incidence
    if not before.passed:
        assert not after.passed


@given(counties())
def test_more_missed_or_less_recognition_never_turn_a_fail_into_a_pass(county):
    before = county_exit_verdict(**county)
    if county["missed"] < county["sampled_nonregistered"]:
        after = county_exit_verdict(**{**county, "missed": county["missed"] + 1})
        assert set(before.failures) <= set(after.failures)
    if county["recognising_households"] > 0:
        after = county_exit_verdict(**{**county, "recognising_households": county["recognising_households"] - 1})
        assert set(before.failures) <= set(after.failures)


@given(counties())
def test_the_western_threshold_never_adds_a_failure(county):
    west = county_exit_verdict(**{**county, "western": True})
    elsewhere = county_exit_verdict(**{**county, "western": False})
    assert set(west.failures) <= set(elsewhere.failures)
    # Only the comprehensive incidence depends on the region.
    assert set(elsewhere.failures) - set(west.failures) <= {"comprehensive_incidence"}


@given(st.integers(1, 10**7).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))), st.booleans())
def test_village_test_matches_its_definition(population_poor, western):
    population, poor = population_poor
    expected = Fraction(poor, population) < (Fraction(3, 100) if western else Fraction(2, 100))
    assert village_exit_passes(population=population, poor=poor, western=western) is expected
    # 100 x poor < 2 x population (or 3 x) in whole numbers: the same strict comparison without fractions.
    assert expected == (100 * poor < (3 if western else 2) * population)
