"""Alkire-Foster multidimensional poverty measures (adjusted headcount ratio M0, and M1, M2).

Identification uses the dual cutoff: a person is deprived in indicator j when their achievement
is strictly below the cutoff ``z_j`` (or, in the ordinal form, when the deprivation matrix says
1); their deprivation score is the sum of the weights of the indicators they are deprived in;
they are poor when that score is >= ``k``. ``k`` is on the same scale as the weights, which may
have any positive scale (``(1, 1, 1)`` with ``k = 2``, or ``(1/3, 1/3, 1/3)`` with ``k = 2/3``).

Scores are sums of floats, so ``>= k`` is tested with a relative tolerance of
:data:`AF_TOLERANCE` times the sum of the weights: a score that is exactly ``k`` on paper (say
two deprivations of weight 1/6 against ``k = 1/3``) counts as poor despite rounding.

``sample_weights`` are frequency weights over persons; N is the number of persons or the sum
of the sample weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._core import total_weight
from ._validate import (
    FloatArray,
    first_index,
    fmt_number,
    position,
    validate_matrix,
    validate_positive_scalar,
    validate_vector,
    validate_weights,
)

__all__ = ["AF_TOLERANCE", "AFResult", "alkire_foster", "alkire_foster_cardinal", "identify_poor"]

AF_TOLERANCE = 1e-9
"""Relative tolerance (times the sum of the indicator weights) of the test ``score >= k``."""


@dataclass(frozen=True)
class AFResult:
    """Alkire-Foster figures for one population.

    Attributes:
        H: headcount ratio, the share of persons who are poor.
        A: intensity, the average deprivation score of the poor divided by the sum of the
            weights (so in [0, 1]); 0 when nobody is poor.
        M0: adjusted headcount ratio ``H * A``.
        censored_headcounts: per indicator, the share of persons who are poor *and* deprived in it.
        contributions: per indicator, ``w_j * CH_j / (sum(w) * M0)``, fractions summing to 1;
            all zeros when ``M0 == 0`` (there is nothing to attribute).
        M1: adjusted poverty gap, the mean over all persons and indicators (weighted by the
            indicator weights, normalised by their sum) of the censored normalised gaps; only
            from :func:`alkire_foster_cardinal`, otherwise ``None``.
        M2: adjusted FGT, the same with squared normalised gaps; ``None`` in the ordinal form.
    """

    H: float
    A: float
    M0: float
    censored_headcounts: tuple[float, ...]
    contributions: tuple[float, ...]
    M1: float | None = None
    M2: float | None = None


def identify_poor(scores: ArrayLike, k: float, weight_total: float) -> NDArray[np.bool_]:
    """Boolean mask of the poor: ``score >= k - AF_TOLERANCE * weight_total``."""
    return np.asarray(scores, dtype=np.float64) >= k - AF_TOLERANCE * weight_total


def _indicator_weights(weights: ArrayLike, columns: int, matrix_name: str) -> FloatArray:
    w = validate_vector(weights, "weights")
    if w.size != columns:
        raise ValueError(f"{matrix_name} has {columns} columns but weights has {w.size}")
    nonpositive = w <= 0
    if nonpositive.any():
        index = first_index(nonpositive)
        what = "negative" if w[index] < 0 else "zero"
        raise ValueError(f"{position('weights', index)} is {what} ({fmt_number(w[index])}); indicator weights must be positive")
    return w


def _cutoff_k(k: Any, weight_total: float) -> float:
    value = validate_positive_scalar(k, "k")
    if value > weight_total * (1.0 + AF_TOLERANCE):
        raise ValueError(f"k must be at most the sum of the weights ({fmt_number(weight_total)}), got {fmt_number(value)}")
    return value


def _measure(
    deprived: np.ndarray,
    gaps: FloatArray | None,
    w: FloatArray,
    k: Any,
    sample_weights: ArrayLike | None,
    matrix_name: str,
) -> AFResult:
    rows, columns = deprived.shape
    weight_total = math.fsum(w.tolist())
    cutoff = _cutoff_k(k, weight_total)
    s = validate_weights(sample_weights, rows, name="sample_weights", other=matrix_name, unit="rows")
    n = total_weight(s, rows)

    scores = deprived.astype(np.float64) @ w
    poor = identify_poor(scores, cutoff, weight_total)
    # Censored sample weights: a person's weight when poor, 0 otherwise (the censoring of AF).
    censored = poor.astype(np.float64) if s is None else np.where(poor, s, 0.0)
    h = float(np.sum(censored)) / n

    # M_alpha = sum_j w_j sum_i s_i [poor_i] gap_ij ** alpha / (N * sum(w)), with gap ** 0 = [deprived].
    # The per-indicator sums share one summation structure, so M2 <= M1 <= M0 holds in floats too.
    deprived_sums = [float(np.sum(np.where(deprived[:, j], censored, 0.0))) for j in range(columns)]
    weighted = [float(w[j]) * deprived_sums[j] for j in range(columns)]
    weighted_total = math.fsum(weighted)
    m0 = weighted_total / (n * weight_total)
    a = m0 / h if h > 0 else 0.0
    if weighted_total > 0:
        contributions = tuple(x / weighted_total for x in weighted)
    else:
        contributions = (0.0,) * columns

    m1 = m2 = None
    if gaps is not None:
        m1 = math.fsum(float(w[j]) * float(np.sum(censored * gaps[:, j])) for j in range(columns)) / (n * weight_total)
        m2 = math.fsum(float(w[j]) * float(np.sum(censored * np.square(gaps[:, j]))) for j in range(columns)) / (n * weight_total)
    headcounts = tuple(x / n for x in deprived_sums)
    return AFResult(H=h, A=a, M0=m0, censored_headcounts=headcounts, contributions=contributions, M1=m1, M2=m2)


def alkire_foster(deprivations: ArrayLike, weights: ArrayLike, k: float, sample_weights: ArrayLike | None = None) -> AFResult:
    """Alkire-Foster measures from an n x d 0/1 deprivation matrix (1 = deprived).

    ``weights`` are the d indicator weights (any positive scale), ``k`` the poverty cutoff on
    the same scale (``0 < k <= sum(weights)``): a person is poor when the sum of the weights of
    their deprivations is >= k (see :data:`AF_TOLERANCE`). ``k = min(weights)`` is the union
    approach, ``k = sum(weights)`` the intersection approach. Returns H, A, M0, the censored
    headcounts and the contributions; M1 and M2 are ``None`` (they need cardinal data).
    M0 is decomposable: for any partition of the persons, the population-share-weighted sum of
    the groups' M0 equals the total M0.
    """
    g = validate_matrix(deprivations, "deprivations")
    not_binary = (g != 0) & (g != 1)
    if not_binary.any():
        index = first_index(not_binary)
        raise ValueError(f"{position('deprivations', index)} is {fmt_number(g[index])}, expected 0 or 1")
    w = _indicator_weights(weights, g.shape[1], "deprivations")
    return _measure(g == 1, None, w, k, sample_weights, "deprivations")


def alkire_foster_cardinal(
    achievements: ArrayLike,
    cutoffs: ArrayLike,
    weights: ArrayLike,
    k: float,
    sample_weights: ArrayLike | None = None,
) -> AFResult:
    """Alkire-Foster measures, including M1 and M2, from an n x d matrix of achievements.

    A person is deprived in indicator j when ``achievement < cutoffs[j]`` (strictly); every
    cutoff must be positive. The normalised gap of a deprived entry is
    ``(cutoff - achievement) / cutoff``, capped at 1 (a negative achievement counts as zero);
    it is 0 for entries that are not deprived, and censored to 0 for persons who are not poor.
    ``M1`` is the weighted mean of the censored gaps over all persons and indicators (normalised
    by the sum of the weights), ``M2`` the same with squared gaps. Identification, H, A, M0,
    the censored headcounts and the contributions are as in :func:`alkire_foster`.
    """
    x = validate_matrix(achievements, "achievements")
    rows, columns = x.shape
    z = validate_vector(cutoffs, "cutoffs")
    if z.size != columns:
        raise ValueError(f"achievements has {columns} columns but cutoffs has {z.size}")
    nonpositive = z <= 0
    if nonpositive.any():
        index = first_index(nonpositive)
        raise ValueError(f"{position('cutoffs', index)} must be positive, got {fmt_number(z[index])}")
    w = _indicator_weights(weights, columns, "achievements")
    deprived = x < z
    gaps = np.where(deprived, np.minimum((z - x) / z, 1.0), 0.0)
    return _measure(deprived, gaps, w, k, sample_weights, "achievements")
