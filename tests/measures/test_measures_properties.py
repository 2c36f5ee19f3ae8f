"""Property tests (hypothesis): weights as duplication, invariances, orderings, decomposability."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jingzhun.measures import (
    AFResult,
    ExcludedIncomesWarning,
    alkire_foster,
    alkire_foster_cardinal,
    fgt,
    gap_ratios,
    gini,
    mld,
    sen,
    sst,
    theil_t,
    watts,
)

FAST = settings(max_examples=100, deadline=None, database=None)
REL = 1e-9

# Incomes on a grid of quarters (possibly negative) and lines on the same grid: distinct values
# differ by at least 0.25, so scaling by c keeps every strict comparison y < z as it was.
incomes_st = st.lists(st.integers(-400, 4000).map(lambda i: i / 4), min_size=1, max_size=30)
positive_st = st.lists(st.integers(1, 4000).map(lambda i: i / 4), min_size=1, max_size=30)
nonnegative_st = st.lists(st.integers(0, 4000).map(lambda i: i / 4), min_size=1, max_size=30)
line_st = st.integers(1, 2000).map(lambda i: i / 4)
alpha_st = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
scale_st = st.sampled_from([0.01, 0.3, 2.0, 7.5, 1000.0, 1e6])


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


def monetary(name: str) -> Callable[..., float]:
    """Each monetary measure as f(incomes, line, weights), Watts without its warning."""

    def quiet_watts(y: object, z: float, weights: object = None) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExcludedIncomesWarning)
            return watts(y, z, weights=weights)

    table: dict[str, Callable[..., float]] = {
        "P0": lambda y, z, weights=None: fgt(y, z, 0, weights=weights),
        "P1": lambda y, z, weights=None: fgt(y, z, 1, weights=weights),
        "P2": lambda y, z, weights=None: fgt(y, z, 2, weights=weights),
        "P1.5": lambda y, z, weights=None: fgt(y, z, 1.5, weights=weights),
        "watts": quiet_watts,
        "sen": sen,
        "sst": sst,
    }
    return table[name]


MONETARY_NAMES = ["P0", "P1", "P2", "P1.5", "watts", "sen", "sst"]


@st.composite
def weighted_incomes(draw: st.DrawFn, values: st.SearchStrategy[list[float]] = incomes_st) -> tuple[list[float], list[int]]:
    y = draw(values)
    w = draw(st.lists(st.integers(0, 4), min_size=len(y), max_size=len(y)))
    assume(sum(w) > 0)
    return y, w


def repeat(values: list[float], weights: list[int]) -> np.ndarray:
    return np.repeat(np.asarray(values, dtype=float), weights)


# --- Frequency weights are duplication --------------------------------------------------------


@pytest.mark.parametrize("name", MONETARY_NAMES)
@FAST
@given(data=weighted_incomes(), z=line_st)
def test_monetary_weights_equal_duplication(name: str, data: tuple[list[float], list[int]], z: float) -> None:
    y, w = data
    measure = monetary(name)
    assert close(measure(y, z, weights=w), measure(repeat(y, w), z))


@pytest.mark.parametrize(("measure", "values"), [(gini, incomes_st), (theil_t, nonnegative_st), (mld, positive_st)], ids=["gini", "theil_t", "mld"])
@FAST
@given(data=st.data())
def test_inequality_weights_equal_duplication(measure: Callable[..., float], values: st.SearchStrategy[list[float]], data: st.DataObject) -> None:
    y, w = data.draw(weighted_incomes(values))
    repeated = repeat(y, w)
    assume(np.mean(repeated) > 0)
    assert close(measure(y, weights=w), measure(repeated))


@st.composite
def af_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int], float, list[int]]:
    """Achievements (integers 0..4, cutoffs 1..4), indicator weights, k and integer sample weights."""
    n = draw(st.integers(1, 12))
    d = draw(st.integers(1, 5))
    x = np.array(draw(st.lists(st.lists(st.integers(-1, 4), min_size=d, max_size=d), min_size=n, max_size=n)), dtype=float)
    cutoffs = np.array(draw(st.lists(st.integers(1, 4), min_size=d, max_size=d)), dtype=float)
    weights = draw(st.lists(st.integers(1, 5), min_size=d, max_size=d))
    k = draw(st.integers(1, sum(weights)))
    s = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    assume(sum(s) > 0)
    return x, cutoffs, weights, float(k), s


def same_result(a: AFResult, b: AFResult) -> bool:
    for field in dataclasses.fields(AFResult):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if left is None or right is None:
            if left is not right:
                return False
        elif isinstance(left, tuple):
            if not all(close(p, q) for p, q in zip(left, right, strict=True)):
                return False
        elif not close(left, right):
            return False
    return True


@FAST
@given(data=af_data())
def test_alkire_foster_sample_weights_equal_duplication(data: tuple[np.ndarray, np.ndarray, list[int], float, list[int]]) -> None:
    x, cutoffs, weights, k, s = data
    repeated = np.repeat(x, s, axis=0)
    assert same_result(alkire_foster_cardinal(x, cutoffs, weights, k, sample_weights=s), alkire_foster_cardinal(repeated, cutoffs, weights, k))
    g = (x < cutoffs).astype(int)
    assert same_result(alkire_foster(g, weights, k, sample_weights=s), alkire_foster(np.repeat(g, s, axis=0), weights, k))


# --- Scale invariance ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", MONETARY_NAMES)
@FAST
@given(data=weighted_incomes(), z=line_st, c=scale_st)
def test_monetary_scale_invariance(name: str, data: tuple[list[float], list[int]], z: float, c: float) -> None:
    y, w = data
    measure = monetary(name)
    assert close(measure(np.asarray(y) * c, z * c, weights=w), measure(y, z, weights=w))


@pytest.mark.parametrize(("measure", "values"), [(gini, positive_st), (theil_t, nonnegative_st), (mld, positive_st)], ids=["gini", "theil_t", "mld"])
@FAST
@given(data=st.data(), c=scale_st)
def test_inequality_scale_invariance(measure: Callable[..., float], values: st.SearchStrategy[list[float]], data: st.DataObject, c: float) -> None:
    y, w = data.draw(weighted_incomes(values))
    assume(np.dot(y, w) > 0)
    assert close(measure(np.asarray(y) * c, weights=w), measure(y, weights=w))


# --- Orderings and bounds --------------------------------------------------------------------------


@FAST
@given(data=weighted_incomes(), z=line_st)
def test_fgt_ordering_and_gap_bound(data: tuple[list[float], list[int]], z: float) -> None:
    y, w = data
    p0, p1, p2 = (fgt(y, z, a, weights=w) for a in (0, 1, 2))
    assert 1.0 >= p0 >= p1 >= p2 >= 0.0
    gaps = gap_ratios(np.asarray(y, dtype=float), z)
    assert np.all((gaps >= 0) & (gaps <= 1))
    # Negative incomes count as zero: a gap ratio is exactly 1 for them, never more.
    assert np.all(gaps[np.asarray(y) <= 0] == 1.0)
    # Sen lies between P1 and P0; SST between P1 and 2 * P1.
    s = sen(y, z, weights=w)
    assert p1 - 1e-12 <= s <= p0 + 1e-12
    t = sst(y, z, weights=w)
    assert p1 - 1e-12 <= t <= 2 * p1 + 1e-12


@FAST
@given(data=weighted_incomes(), z=line_st)
def test_sen_identity(data: tuple[list[float], list[int]], z: float) -> None:
    # S = P0 * Gp + P1 * (1 - Gp), Gp the Gini of the (zero-censored) incomes of the poor.
    y, w = data
    y_arr, w_arr = np.asarray(y), np.asarray(w, dtype=float)
    poor = (y_arr < z) & (w_arr > 0)
    assume(poor.any() and np.dot(np.maximum(y_arr[poor], 0), w_arr[poor]) > 0)
    gp = gini(np.maximum(y_arr[poor], 0), weights=w_arr[poor])
    expected = fgt(y, z, 0, weights=w) * gp + fgt(y, z, 1, weights=w) * (1 - gp)
    assert close(sen(y, z, weights=w), expected)


@FAST
@given(data=weighted_incomes(), z=line_st)
def test_sst_identity(data: tuple[list[float], list[int]], z: float) -> None:
    # SST = P1 * (1 + Gini of the gap ratios over the whole population).
    y, w = data
    gaps = gap_ratios(np.asarray(y, dtype=float), z)
    assume(np.dot(gaps, w) > 0)
    assert close(sst(y, z, weights=w), fgt(y, z, 1, weights=w) * (1 + gini(gaps, weights=w)))


# --- Decomposability by groups ---------------------------------------------------------------------


@st.composite
def grouped(draw: st.DrawFn) -> tuple[list[float], list[int], list[int]]:
    y, w = draw(weighted_incomes())
    groups = draw(st.lists(st.integers(0, 2), min_size=len(y), max_size=len(y)))
    return y, w, groups


@pytest.mark.parametrize("name", ["P0", "P1", "P2", "P1.5", "watts"])
@FAST
@given(data=grouped(), z=line_st)
def test_additive_measures_decompose_by_group(name: str, data: tuple[list[float], list[int], list[int]], z: float) -> None:
    y, w, groups = data
    measure = monetary(name)
    y_arr, w_arr, g_arr = np.asarray(y), np.asarray(w, dtype=float), np.asarray(groups)
    total = w_arr.sum()
    parts = 0.0
    for group in set(groups):
        member = g_arr == group
        share = w_arr[member].sum() / total
        if share > 0:
            parts += share * measure(y_arr[member], z, weights=w_arr[member])
    assert close(measure(y, z, weights=w), parts)


@st.composite
def grouped_af(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int], float, list[int], np.ndarray]:
    x, cutoffs, weights, k, s = draw(af_data())
    groups = np.array(draw(st.lists(st.integers(0, 2), min_size=len(s), max_size=len(s))))
    return x, cutoffs, weights, k, s, groups


@FAST
@given(data=grouped_af())
def test_m0_m1_m2_decompose_by_group(data: tuple[np.ndarray, np.ndarray, list[int], float, list[int], np.ndarray]) -> None:
    x, cutoffs, weights, k, s, groups = data
    s_arr = np.asarray(s, dtype=float)
    total = alkire_foster_cardinal(x, cutoffs, weights, k, sample_weights=s)
    parts = {"H": 0.0, "M0": 0.0, "M1": 0.0, "M2": 0.0}
    headcounts = np.zeros(len(weights))
    for group in set(groups.tolist()):
        member = groups == group
        share = s_arr[member].sum() / s_arr.sum()
        if share == 0:
            continue
        sub = alkire_foster_cardinal(x[member], cutoffs, weights, k, sample_weights=s_arr[member])
        for key in parts:
            parts[key] += share * getattr(sub, key)
        headcounts += share * np.asarray(sub.censored_headcounts)
    assert all(close(getattr(total, key), value) for key, value in parts.items())
    assert all(close(a, b) for a, b in zip(total.censored_headcounts, headcounts, strict=True))


# --- Alkire-Foster structure -----------------------------------------------------------------------


@FAST
@given(data=af_data())
def test_alkire_foster_identities(data: tuple[np.ndarray, np.ndarray, list[int], float, list[int]]) -> None:
    x, cutoffs, weights, k, s = data
    result = alkire_foster_cardinal(x, cutoffs, weights, k, sample_weights=s)
    assert close(result.M0, result.H * result.A)
    assert 0 <= result.M2 <= result.M1 <= result.M0 <= result.H * (1 + 1e-12) <= 1 + 1e-12
    if result.M0 > 0:
        assert close(math.fsum(result.contributions), 1.0)
        assert 0 < result.A <= 1 + 1e-12
    else:
        assert result.contributions == (0.0,) * len(weights) and result.A == 0.0
    ordinal = alkire_foster((x < cutoffs).astype(int), weights, k, sample_weights=s)
    assert ordinal.M1 is None and ordinal.M2 is None
    assert (ordinal.H, ordinal.A, ordinal.M0) == (result.H, result.A, result.M0)


@FAST
@given(data=af_data())
def test_alkire_foster_union_and_intersection(data: tuple[np.ndarray, np.ndarray, list[int], float, list[int]]) -> None:
    x, cutoffs, weights, _, s = data
    deprived = x < cutoffs
    s_arr = np.asarray(s, dtype=float)
    union = alkire_foster_cardinal(x, cutoffs, weights, min(weights), sample_weights=s)
    assert close(union.H, s_arr[deprived.any(axis=1)].sum() / s_arr.sum())
    # With the union approach nothing is censored: censored headcounts are the raw headcounts.
    raw = [s_arr[deprived[:, j]].sum() / s_arr.sum() for j in range(len(weights))]
    assert all(close(a, b) for a, b in zip(union.censored_headcounts, raw, strict=True))
    intersection = alkire_foster_cardinal(x, cutoffs, weights, sum(weights), sample_weights=s)
    assert close(intersection.H, s_arr[deprived.all(axis=1)].sum() / s_arr.sum())
    assert close(intersection.M0, intersection.H)
    assert intersection.A == (1.0 if intersection.H > 0 else 0.0) or close(intersection.A, 1.0)


@FAST
@given(data=af_data(), scale=st.sampled_from([1 / 3, 1 / 7, 0.1, 2.5, 100.0]))
def test_alkire_foster_weight_scale_does_not_matter(data: tuple[np.ndarray, np.ndarray, list[int], float, list[int]], scale: float) -> None:
    # k is on the weights' scale: scaling both (e.g. to normalised weights) changes nothing.
    x, cutoffs, weights, k, s = data
    base = alkire_foster_cardinal(x, cutoffs, weights, k, sample_weights=s)
    scaled = alkire_foster_cardinal(x, cutoffs, np.asarray(weights) * scale, k * scale, sample_weights=s)
    assert same_result(base, scaled)


# --- Gini against the O(n^2) definition --------------------------------------------------------------


@FAST
@given(data=weighted_incomes(incomes_st))
def test_gini_matches_naive_double_sum(data: tuple[list[float], list[int]]) -> None:
    y, w = data
    y_arr, w_arr = np.asarray(y), np.asarray(w, dtype=float)
    total = w_arr.sum()
    mean = np.dot(w_arr, y_arr) / total
    assume(mean > 0)
    naive = math.fsum(w_arr[i] * w_arr[j] * abs(y_arr[i] - y_arr[j]) for i in range(len(y)) for j in range(len(y))) / (2 * total**2 * mean)
    assert close(gini(y, weights=w), naive)
    if all(v > 0 for v in w):
        unweighted = math.fsum(abs(a - b) for a in y for b in y) / (2 * len(y) ** 2 * np.mean(y_arr))
        assume(np.mean(y_arr) > 0)
        assert close(gini(y), unweighted)


@FAST
@given(data=weighted_incomes(incomes_st), seed=st.integers(0, 2**32 - 1))
def test_gini_is_exactly_order_independent(data: tuple[list[float], list[int]], seed: int) -> None:
    y, w = data
    assume(np.dot(y, w) > 0)
    order = np.random.default_rng(seed).permutation(len(y))
    assert gini(np.asarray(y)[order], weights=np.asarray(w)[order]) == gini(y, weights=w)
