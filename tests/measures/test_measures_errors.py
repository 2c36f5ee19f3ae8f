"""Bad input raises ValueError naming the problem and its position; Watts reports what it excludes."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from jingzhun.measures import (
    ExcludedIncomesWarning,
    alkire_foster,
    alkire_foster_cardinal,
    fgt,
    gini,
    mld,
    sen,
    sst,
    theil_t,
    watts,
)

NAN = math.nan
INF = math.inf
MONETARY: list[Callable[..., float]] = [fgt, watts, sen, sst]
INEQUALITY: list[Callable[..., float]] = [gini, theil_t, mld]


@pytest.mark.parametrize("measure", MONETARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("incomes", "line", "weights", "message"),
    [
        ([], 10, None, "incomes is empty"),
        ([1, 2, 3, NAN], 10, None, "incomes[3] is NaN"),
        ([1, INF], 10, None, "incomes[1] is infinite"),
        ([1, -INF], 10, None, "incomes[1] is infinite"),
        ([[1, 2], [3, 4]], 10, None, "incomes must be one-dimensional, got shape (2, 2)"),
        (5, 10, None, "incomes must be one-dimensional, got a scalar"),
        (["a", "b"], 10, None, "incomes must be numeric"),
        ([1, 2], 0, None, "line must be positive, got 0"),
        ([1, 2], -2.5, None, "line must be positive, got -2.5"),
        ([1, 2], NAN, None, "line is NaN"),
        ([1, 2], INF, None, "line must be finite, got inf"),
        ([1, 2], "10", None, "line must be a real number, got '10'"),
        ([1, 2], None, None, "line must be a real number, got None"),
        ([1, 2, 3], 10, [1, 1, -1], "weights[2] is negative, got -1"),
        ([1, 2, 3], 10, [1, NAN, 1], "weights[1] is NaN"),
        ([1, 2, 3], 10, [1, 1], "weights has 2 entries but incomes has 3"),
        ([1, 2], 10, [1], "weights has 1 entry but incomes has 2"),
        ([1, 2], 10, [0, 0], "weights sum to zero"),
        ([1, 2], 10, [], "weights is empty"),
    ],
)
def test_monetary_errors(measure: Callable[..., float], incomes: Any, line: Any, weights: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        measure(incomes, line, weights=weights)


@pytest.mark.parametrize(
    ("alpha", "message"),
    [(-1, "alpha must be non-negative, got -1"), (NAN, "alpha must be finite, got nan"), ("2", "alpha must be a real number, got '2'")],
)
def test_fgt_alpha_errors(alpha: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        fgt([1, 2], 10, alpha=alpha)


@pytest.mark.parametrize("measure", INEQUALITY, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    ("values", "weights", "message"),
    [
        ([], None, "values is empty"),
        ([1, NAN, 3], None, "values[1] is NaN"),
        ([1, 2, INF], None, "values[2] is infinite"),
        ([[1, 2]], None, "values must be one-dimensional, got shape (1, 2)"),
        ([1, 2], [1, -0.5], "weights[1] is negative, got -0.5"),
        ([1, 2], [1, 2, 3], "weights has 3 entries but values has 2"),
        ([1, 2], [0, 0], "weights sum to zero"),
    ],
)
def test_inequality_common_errors(measure: Callable[..., float], values: Any, weights: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        measure(values, weights=weights)


@pytest.mark.parametrize(
    ("measure", "values", "message"),
    [
        (gini, [-1, 1], "the Gini coefficient needs a positive mean, got 0"),
        (gini, [-3, 1], "the Gini coefficient needs a positive mean, got -1"),
        (theil_t, [1, -1, 3], "values[1] is negative, got -1"),
        (theil_t, [0, 0], "the Theil T index needs a positive mean, got 0"),
        (mld, [1, 0, 2], "values[1] is 0, but the mean log deviation needs values > 0"),
        (mld, [1, 2, -2], "values[2] is -2, but the mean log deviation needs values > 0"),
    ],
)
def test_inequality_domain_errors(measure: Callable[..., float], values: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        measure(values)


def test_gini_mean_checked_with_weights() -> None:
    # (-2, 1) with weights (1, 2): mean 0.
    with pytest.raises(ValueError, match=re.escape("needs a positive mean, got 0")):
        gini([-2, 1], weights=[1, 2])


@pytest.mark.parametrize(
    ("deprivations", "weights", "k", "sample_weights", "message"),
    [
        ([[0, 1, 2]], [1, 1, 1], 1, None, "deprivations[0, 2] is 2, expected 0 or 1"),
        ([[0, 1, 1], [1, 0, 2]], [1, 1, 1], 1, None, "deprivations[1, 2] is 2, expected 0 or 1"),
        ([[0, 0.5]], [1, 1], 1, None, "deprivations[0, 1] is 0.5, expected 0 or 1"),
        ([[0, 1], [1, NAN]], [1, 1], 1, None, "deprivations[1, 1] is NaN"),
        ([[0, 1, 1, 0]], [1, 1, 1], 1, None, "deprivations has 4 columns but weights has 3"),
        ([0, 1, 1], [1, 1, 1], 1, None, "deprivations must be a two-dimensional (persons x indicators) matrix, got shape (3,)"),
        (np.zeros((0, 3)), [1, 1, 1], 1, None, "deprivations is empty: it has no rows"),
        (np.zeros((2, 0)), [], 1, None, "deprivations has no columns"),
        ([[0, 1]], [1, -1], 1, None, "weights[1] is negative (-1); indicator weights must be positive"),
        ([[0, 1]], [0, 1], 1, None, "weights[0] is zero (0); indicator weights must be positive"),
        ([[0, 1]], [1, NAN], 1, None, "weights[1] is NaN"),
        ([[0, 1]], [1, 1], 0, None, "k must be positive, got 0"),
        ([[0, 1]], [1, 1], -1, None, "k must be positive, got -1"),
        ([[0, 1]], [1, 1], NAN, None, "k is NaN"),
        ([[0, 1]], [1, 1], 3, None, "k must be at most the sum of the weights (2), got 3"),
        ([[0, 1], [1, 1], [0, 0]], [1, 1], 1, [1, 1], "sample_weights has 2 entries but deprivations has 3 rows"),
        ([[0, 1], [1, 1]], [1, 1], 1, [1, -2], "sample_weights[1] is negative, got -2"),
        ([[0, 1], [1, 1]], [1, 1], 1, [INF, 1], "sample_weights[0] is infinite"),
        ([[0, 1], [1, 1]], [1, 1], 1, [0, 0], "sample_weights sum to zero"),
    ],
)
def test_alkire_foster_errors(deprivations: Any, weights: Any, k: Any, sample_weights: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        alkire_foster(deprivations, weights, k, sample_weights=sample_weights)


@pytest.mark.parametrize(
    ("achievements", "cutoffs", "weights", "message"),
    [
        ([[1, 2], [3, NAN]], [2, 2], [1, 1], "achievements[1, 1] is NaN"),
        ([[1, 2, 3]], [2, 2], [1, 1, 1], "achievements has 3 columns but cutoffs has 2"),
        ([[1, 2]], [2, 0], [1, 1], "cutoffs[1] must be positive, got 0"),
        ([[1, 2]], [-1, 2], [1, 1], "cutoffs[0] must be positive, got -1"),
        ([[1, 2]], [2, INF], [1, 1], "cutoffs[1] is infinite"),
        ([[1, 2]], [2, 2], [1, 1, 1], "achievements has 2 columns but weights has 3"),
        ([[1, 2]], [2, 2], [1, -1], "weights[1] is negative (-1); indicator weights must be positive"),
    ],
)
def test_alkire_foster_cardinal_errors(achievements: Any, cutoffs: Any, weights: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        alkire_foster_cardinal(achievements, cutoffs, weights, 1)


def test_cardinal_sample_weight_errors_name_achievements() -> None:
    with pytest.raises(ValueError, match=re.escape("sample_weights has 1 entry but achievements has 2 rows")):
        alkire_foster_cardinal([[1], [2]], [2], [1], 1, sample_weights=[1])


def test_watts_warning_reports_count_and_weight() -> None:
    with pytest.warns(ExcludedIncomesWarning, match=r"excluded 3 income\(s\) <= 0 \(total weight 4\.5\)") as record:
        value = watts([-1, 0, 0, 50, 500], 100, weights=[1, 2, 1.5, 1, 1])
    assert len(record) == 1
    assert issubclass(ExcludedIncomesWarning, UserWarning)
    # N = 6.5 still counts the excluded: only 50 contributes, ln(100/50) with weight 1.
    assert value == pytest.approx(math.log(2) / 6.5, rel=1e-12)
