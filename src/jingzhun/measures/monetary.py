"""Income (monetary) poverty measures: FGT, Watts, Sen and Sen-Shorrocks-Thon.

Conventions (domain document, section 12):

* A person is poor when their income is strictly below the line: ``y < z``.
* ``weights`` are frequency weights; N is the number of observations or the sum of the weights.
* The poverty gap ratio is ``(z - y) / z`` for the poor and 0 for everyone else. A negative
  income counts as zero in it, so a gap ratio never exceeds 1.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._core import gini_core, total_weight, weighted_mean, weighted_sum
from ._validate import FloatArray, as_real, fmt_number, validate_incomes, validate_line, validate_weights

__all__ = ["ExcludedIncomesWarning", "fgt", "gap_ratios", "sen", "sst", "watts"]


class ExcludedIncomesWarning(UserWarning):
    """Incomes <= 0 were left out of the Watts index (the log of z / y is undefined for them)."""


def _prepare(incomes: ArrayLike, line: Any, weights: ArrayLike | None) -> tuple[FloatArray, float, FloatArray | None]:
    y = validate_incomes(incomes)
    z = validate_line(line)
    w = validate_weights(weights, y.size)
    return y, z, w


def gap_ratios(incomes: FloatArray, line: float) -> FloatArray:
    """Normalised poverty gaps ``(z - max(y, 0)) / z`` for ``y < z``, else 0; every entry in [0, 1].

    Expects already validated input (see :func:`validate_incomes` and :func:`validate_line`).
    """
    censored = np.maximum(incomes, 0.0)
    return np.where(incomes < line, (line - censored) / line, 0.0)


def fgt(incomes: ArrayLike, line: Any, alpha: float = 0.0, weights: ArrayLike | None = None) -> float:
    """Foster-Greer-Thorbecke index ``P_a = (1/N) sum over the poor of ((z - y) / z) ** a``.

    ``alpha = 0`` gives the headcount ratio P0, 1 the poverty gap index P1, 2 the squared
    poverty gap (severity) P2; any finite ``alpha >= 0`` is allowed. Negative incomes count as
    zero in the gap, so ``P0 >= P1 >= P2``.
    """
    y, z, w = _prepare(incomes, line, weights)
    a = as_real(alpha, "alpha")
    if not math.isfinite(a):
        raise ValueError(f"alpha must be finite, got {fmt_number(a)}")
    if a < 0:
        raise ValueError(f"alpha must be non-negative, got {fmt_number(a)}")
    if a == 0:
        terms = (y < z).astype(np.float64)
    elif a == 1:
        terms = gap_ratios(y, z)
    else:
        terms = np.power(gap_ratios(y, z), a)
    return weighted_mean(terms, w)


def watts(incomes: ArrayLike, line: Any, weights: ArrayLike | None = None) -> float:
    """Watts index ``W = (1/N) sum over the poor of ln(z / y)``.

    Incomes <= 0 are excluded from the sum (``ln(z / y)`` is undefined for them) and reported
    through an :class:`ExcludedIncomesWarning` giving how many entries and how much weight were
    excluded. The denominator N stays the whole population: the excluded persons are still
    counted in N, they just contribute no term.
    """
    y, z, w = _prepare(incomes, line, weights)
    excluded = y <= 0
    count = int(np.count_nonzero(excluded))
    if count:
        weight = float(count) if w is None else float(np.sum(w[excluded]))
        warnings.warn(
            f"Watts index: excluded {count} income(s) <= 0 (total weight {fmt_number(weight)}); they stay in the population N but add no term",
            ExcludedIncomesWarning,
            stacklevel=2,
        )
    counted = (y > 0) & (y < z)
    terms = np.zeros_like(y)
    terms[counted] = np.log(z / y[counted])
    return weighted_mean(terms, w)


def sen(incomes: ArrayLike, line: Any, weights: ArrayLike | None = None) -> float:
    """Sen index ``S = P0 * (1 - (1 - Gp) * mu_p / z)``.

    ``Gp`` is the Gini coefficient (as :func:`gini`, no small-sample correction) and ``mu_p``
    the mean income, both among the poor. Consistently with the gap ratios, negative incomes of
    the poor count as zero here. Equivalently ``S = P0 * Gp + P1 * (1 - Gp)``. S is 0 when nobody
    is poor, and P0 when every poor person has income <= 0 (then ``mu_p`` is 0 and ``Gp`` drops out).
    """
    y, z, w = _prepare(incomes, line, weights)
    poor = y < z
    n = total_weight(w, y.size)
    poor_y = np.maximum(y[poor], 0.0)
    poor_w = None if w is None else w[poor]
    poor_n = total_weight(poor_w, poor_y.size)
    if not poor_n > 0:
        return 0.0
    p0 = poor_n / n
    poor_mean = weighted_sum(poor_y, poor_w) / poor_n
    if poor_mean == 0:
        return p0
    poor_gini = gini_core(poor_y, poor_w)
    return p0 * (1.0 - (1.0 - poor_gini) * poor_mean / z)


def sst(incomes: ArrayLike, line: Any, weights: ArrayLike | None = None) -> float:
    """Sen-Shorrocks-Thon index ``SST = P1 * (1 + G(gap ratios))``.

    G is the Gini coefficient of the poverty gap ratios over the whole population (0 for the
    non-poor), without small-sample correction. SST is 0 when every gap ratio is 0.
    """
    y, z, w = _prepare(incomes, line, weights)
    gaps = gap_ratios(y, z)
    p1 = weighted_mean(gaps, w)
    if p1 == 0:
        return 0.0
    poor = gaps > 0
    if w is None:
        gap_gini = gini_core(gaps[poor], None, zeros_weight=float(y.size - np.count_nonzero(poor)))
    else:
        gap_gini = gini_core(gaps[poor], w[poor], zeros_weight=float(np.sum(w[~poor])))
    return p1 * (1.0 + gap_gini)
