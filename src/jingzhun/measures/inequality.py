"""Inequality measures: Gini, Theil T and the mean log deviation (Theil L).

``weights`` are frequency weights: an observation with weight 3 counts as three identical
observations. N below is the number of observations, or the sum of the weights.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._core import gini_core, total_weight, weighted_sum
from ._validate import FloatArray, first_index, fmt_number, position, validate_nonnegative, validate_vector, validate_weights

__all__ = ["gini", "mld", "theil_t"]


def _prepare(values: ArrayLike, weights: ArrayLike | None) -> tuple[FloatArray, FloatArray | None, float]:
    y = validate_vector(values, "values")
    w = validate_weights(weights, y.size, other="values")
    return y, w, total_weight(w, y.size)


def _positive_mean(y: FloatArray, w: FloatArray | None, n: float, measure: str) -> float:
    mean = weighted_sum(y, w) / n
    if not mean > 0:
        raise ValueError(f"the {measure} needs a positive mean, got {fmt_number(mean)}")
    return mean


def gini(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Gini coefficient ``G = sum_i sum_j w_i w_j |y_i - y_j| / (2 N^2 mu)``.

    No small-sample correction (no ``n / (n - 1)`` factor). Computed by sorting, in O(n log n),
    never by the O(n^2) double sum. Negative values are allowed as long as the (weighted) mean
    ``mu`` is positive; G may then exceed 1. A mean <= 0 raises :class:`ValueError`.
    """
    y, w, n = _prepare(values, weights)
    _positive_mean(y, w, n, "Gini coefficient")
    return gini_core(y, w)


def theil_t(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Theil T index ``T = (1/N) sum_i w_i (y_i / mu) ln(y_i / mu)``.

    Zero values contribute 0 (the limit of ``x ln x`` as x -> 0); negative values raise
    :class:`ValueError`, and so does an all-zero input (its mean is 0).
    """
    y, w, n = _prepare(values, weights)
    validate_nonnegative(y, "values")
    mean = _positive_mean(y, w, n, "Theil T index")
    ratio = y / mean
    log_ratio = np.zeros_like(ratio)
    np.log(ratio, out=log_ratio, where=y > 0)
    return weighted_sum(ratio * log_ratio, w) / n


def mld(values: ArrayLike, weights: ArrayLike | None = None) -> float:
    """Mean log deviation (Theil L) ``L = (1/N) sum_i w_i ln(mu / y_i)``.

    Every value must be strictly positive (the logarithm of 0 is undefined): a value <= 0 raises
    :class:`ValueError` naming its position, whatever its weight.
    """
    y, w, n = _prepare(values, weights)
    nonpositive = y <= 0
    if nonpositive.any():
        index = first_index(nonpositive)
        raise ValueError(f"{position('values', index)} is {fmt_number(y[index])}, but the mean log deviation needs values > 0")
    mean = weighted_sum(y, w) / n
    return weighted_sum(np.log(mean / y), w) / n
