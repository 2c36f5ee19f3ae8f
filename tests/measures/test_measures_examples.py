"""Worked examples: published ones (cited) and hand-computed exact cases, with the arithmetic.

No database: these tests only exercise the pure NumPy library `jingzhun.measures`.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from decimal import Decimal
from fractions import Fraction as F

import numpy as np
import pytest

from jingzhun.measures import (
    AFResult,
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


def approx(value: float | F) -> object:
    return pytest.approx(float(value), rel=1e-12, abs=1e-15)


# --- Haughton & Khandker (2009), Handbook on Poverty and Inequality, World Bank, chapter 4 -----
# "Country C": expenditures (100, 110, 150, 160), poverty line z = 125.
# p. 70, table "Calculating the Poverty Gap Index, Assuming Poverty Line of 125": gaps 25 and 15,
#   G_i/z = 0.20 and 0.12, P1 = 0.08 [= 0.32/4].
# p. 72, the same table for P2: (G_i/z)^2 = 0.04 and 0.0144, P2 = 0.0136 [= 0.0544/4].
# P0 (hand): 2 of the 4 are below 125, P0 = 2/4 = 0.5.
COUNTRY_C = [100, 110, 150, 160]


def test_handbook_country_c_fgt() -> None:
    assert fgt(COUNTRY_C, 125) == 0.5
    assert fgt(COUNTRY_C, 125, alpha=1) == approx(0.08)
    assert fgt(COUNTRY_C, 125, alpha=2) == approx(0.0136)


def test_country_c_watts_sen_sst_gini_by_hand() -> None:
    # Watts: (ln(125/100) + ln(125/110)) / 4 = (0.223144 + 0.127833) / 4 = 0.087744.
    assert watts(COUNTRY_C, 125) == approx((math.log(1.25) + math.log(125 / 110)) / 4)
    # Sen: P0 = 1/2, mu_p = 105, Gp = 2 * |100 - 110| / (2 * 2^2 * 105) = 20/840 = 1/42,
    # S = 1/2 * (1 - (41/42) * (105/125)) = 1/2 * (1 - 41/50) = 9/100.
    assert sen(COUNTRY_C, 125) == approx(F(9, 100))
    # SST: gap ratios (0.2, 0.12, 0, 0), P1 = 0.08; sum over unordered pairs of |g_i - g_j|
    # = 0.08 + 0.2 + 0.2 + 0.12 + 0.12 + 0 = 0.72, ordered 1.44; G = 1.44 / (2 * 16 * 0.08) = 0.5625;
    # SST = 0.08 * 1.5625 = 0.125.
    assert sst(COUNTRY_C, 125) == approx(0.125)
    # Gini: mean 130; unordered |differences| 10 + 50 + 60 + 40 + 50 + 10 = 220, ordered 440;
    # G = 440 / (2 * 16 * 130) = 440/4160 = 11/104.
    assert gini(COUNTRY_C) == approx(F(11, 104))


# --- Alkire & Foster (2011), "Counting and multidimensional poverty measurement", J. Public
# Economics 95: 476-487, sections 2-3 (also OPHI Working Paper 32, 2009): the running example.
# Achievement matrix (4 persons x 4 dimensions) and cutoffs z = (13, 12, 3, 1):
#   person 1: 13.1 14 4 1   deprived in none                      c = 0
#   person 2: 15.2  7 5 0   7 < 12, 0 < 1                         c = 2
#   person 3: 12.5 10 1 0   12.5 < 13, 10 < 12, 1 < 3, 0 < 1      c = 4
#   person 4: 20   11 3 1   11 < 12 (3 is not < 3, 1 is not < 1)  c = 1
# Equal weights, k = 2: persons 2 and 3 are poor. By hand:
#   H = 2/4 = 1/2; A = (2 + 4) / (2 * 4) = 3/4; M0 = H * A = 6/16 = 3/8.
#   Censored headcounts: dim 1 {3} 1/4, dim 2 {2, 3} 2/4, dim 3 {3} 1/4, dim 4 {2, 3} 2/4 (person 4's
#   deprivation in dim 2 is censored). Contributions w_j CH_j / (sum w * M0) = CH_j / 1.5 = (1/6, 1/3, 1/6, 1/3).
#   Normalised gaps of the poor: person 2: (12-7)/12 = 5/12 and (1-0)/1 = 1; person 3: (13-12.5)/13 = 1/26,
#   (12-10)/12 = 1/6, (3-1)/3 = 2/3 and 1. M1 = (5/12 + 1 + 1/26 + 1/6 + 2/3 + 1) / 16 = (513/156) / 16
#   = 171/832. M2 = (25/144 + 1 + 1/676 + 1/36 + 4/9 + 1) / 16 = (64425/24336) / 16 = 64425/389376.
# The matrix and cutoffs are the paper's; the figures above are derived by hand from them.
AF_ACHIEVEMENTS = [[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20, 11, 3, 1]]
AF_CUTOFFS = [13, 12, 3, 1]
AF_DEPRIVATIONS = [[0, 0, 0, 0], [0, 1, 0, 1], [1, 1, 1, 1], [0, 1, 0, 0]]


def test_alkire_foster_2011_example_ordinal() -> None:
    result = alkire_foster(AF_DEPRIVATIONS, [1, 1, 1, 1], k=2)
    assert isinstance(result, AFResult)
    assert (result.H, result.A, result.M0) == (approx(0.5), approx(0.75), approx(0.375))
    assert result.censored_headcounts == pytest.approx((0.25, 0.5, 0.25, 0.5), rel=1e-12)
    assert result.contributions == pytest.approx((1 / 6, 1 / 3, 1 / 6, 1 / 3), rel=1e-12)
    assert result.M1 is None and result.M2 is None


def test_alkire_foster_2011_example_cardinal() -> None:
    # Weights on another scale (1/4 each, k = 1/2) give the same figures: k is on the weights' scale.
    for weights, k in (([1, 1, 1, 1], 2), ([0.25, 0.25, 0.25, 0.25], 0.5)):
        result = alkire_foster_cardinal(AF_ACHIEVEMENTS, AF_CUTOFFS, weights, k)
        assert (result.H, result.A, result.M0) == (approx(0.5), approx(0.75), approx(0.375))
        assert result.censored_headcounts == pytest.approx((0.25, 0.5, 0.25, 0.5), rel=1e-12)
        assert result.M1 == approx(F(171, 832))
        assert result.M2 == approx(F(64425, 389376))
        assert F(513, 156) / 16 == F(171, 832)
        assert (F(25, 144) + 1 + F(1, 676) + F(1, 36) + F(4, 9) + 1) / 16 == F(64425, 389376)


# --- Hand-computed cases for each function -------------------------------------------------------


def test_fgt_weighted_negative_and_fractional_alpha() -> None:
    # Weights (3, 1, 2, 2) on country C: N = 8, poor weight 4 -> P0 = 1/2;
    # P1 = (3 * 0.2 + 1 * 0.12) / 8 = 0.72/8 = 0.09.
    assert fgt(COUNTRY_C, 125, 0, weights=[3, 1, 2, 2]) == approx(0.5)
    assert fgt(COUNTRY_C, 125, 1, weights=[3, 1, 2, 2]) == approx(0.09)
    # A negative income counts as zero: incomes (-50, 50, 200), z = 100 -> gaps 1, 0.5, 0.
    # P1 = 1.5/3 = 1/2, P2 = (1 + 0.25)/3 = 5/12.
    assert fgt([-50, 50, 200], 100, 1) == approx(0.5)
    assert fgt([-50, 50, 200], 100, 2) == approx(F(5, 12))
    # alpha = 0.5: incomes (0, 75), z = 100 -> gaps 1 and 0.25, P = (1 + 0.5)/2 = 0.75.
    assert fgt([0, 75], 100, 0.5) == approx(0.75)
    # Strictly below: an income equal to the line is not poor.
    assert fgt([100, 99.99], 100) == 0.5
    assert fgt([200, 300], 100, 2) == 0.0


def test_watts_by_hand_and_excluded_incomes() -> None:
    # Weighted: incomes (50, 200) with weights (3, 1): W = 3 ln 2 / 4.
    assert watts([50, 200], 100, weights=[3, 1]) == approx(3 * math.log(2) / 4)
    # Incomes (0, 50, 200), z = 100: 0 is excluded but stays in N = 3 -> W = ln 2 / 3.
    with pytest.warns(ExcludedIncomesWarning, match=r"excluded 1 income\(s\) <= 0 \(total weight 1\)"):
        assert watts([0, 50, 200], 100) == approx(math.log(2) / 3)
    # Weighted: (-5, 0, 25, 400) with weights (2, 3, 1, 4): 2 entries excluded with weight 5;
    # N = 10, W = ln(100/25) / 10 = ln 4 / 10.
    with pytest.warns(ExcludedIncomesWarning, match=r"excluded 2 income\(s\) <= 0 \(total weight 5\)"):
        assert watts([-5, 0, 25, 400], 100, weights=[2, 3, 1, 4]) == approx(math.log(4) / 10)


def test_watts_warns_only_when_something_is_excluded() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert watts([150, 200], 100) == 0.0


def test_sen_by_hand() -> None:
    # Incomes (20, 40, 60, 200), z = 100: P0 = 3/4, mu_p = 40; unordered |differences| among the
    # poor 20 + 40 + 20 = 80, ordered 160, Gp = 160 / (2 * 9 * 40) = 2/9;
    # S = 3/4 * (1 - (7/9) * (40/100)) = 3/4 * 31/45 = 31/60.
    # Check: P1 = (0.8 + 0.6 + 0.4)/4 = 0.45 and P0 Gp + P1 (1 - Gp) = 1/6 + 0.35 = 31/60.
    assert sen([20, 40, 60, 200], 100) == approx(F(31, 60))
    # Nobody poor -> 0. Everybody at zero income -> mu_p = 0 and S = P0.
    assert sen([100, 200], 100) == 0.0
    assert sen([0, -3, 500], 100) == approx(F(2, 3))
    # Weighted: (20, 60) with weights (1, 2) equals (20, 60, 60): mu_p = 140/3; ordered |differences|
    # 2 * 2 * 40 = 160, Gp = 160 / (2 * 9 * 140/3) = 4/21; S = 1 * (1 - (17/21) * (140/300)) = 1 - 17/45 = 28/45.
    assert sen([20, 60], 100, weights=[1, 2]) == approx(F(28, 45))
    assert sen([20, 60, 60], 100) == approx(F(28, 45))


def test_sst_by_hand() -> None:
    # Incomes (20, 40, 60, 200), z = 100: gaps (0.8, 0.6, 0.4, 0), P1 = 0.45. Unordered |differences|
    # 0.2 + 0.4 + 0.8 + 0.2 + 0.6 + 0.4 = 2.6, ordered 5.2; G = 5.2 / (2 * 16 * 0.45) = 13/36;
    # SST = 0.45 * 49/36 = 0.6125.
    assert sst([20, 40, 60, 200], 100) == approx(0.6125)
    # Weights (1, 1, 1, 3): gaps (0.8, 0.6, 0.4, 0, 0, 0), P1 = 1.8/6 = 0.3; unordered |differences|
    # among the poor 0.2 + 0.4 + 0.2 = 0.8, poor vs the three zeros 3 * 1.8 = 5.4, total 6.2, ordered 12.4;
    # G = 12.4 / (2 * 36 * 0.3) = 31/54; SST = 0.3 * 85/54 = 17/36.
    assert sst([20, 40, 60, 200], 100, weights=[1, 1, 1, 3]) == approx(F(17, 36))
    assert sst([20, 40, 60, 200, 200, 200], 100) == approx(F(17, 36))
    assert sst([100, 200], 100) == 0.0
    # Everybody at zero: gaps all 1, G = 0, SST = P1 = 1.
    assert sst([0, 0], 100) == 1.0


def test_gini_by_hand() -> None:
    # Essama-Nssah (2005), "The Lorenz Model of the Size Distribution of Income", World Bank Poverty
    # Reduction Group, Module 3, slide "Simple Example": incomes 25 and 75 give the Lorenz points
    # (0.5, 0.25) and (1, 1). Area under the curve 0.5 * 0.25 / 2 + 0.5 * (0.25 + 1) / 2 = 0.375,
    # G = 1 - 2 * 0.375 = 0.25; by the formula 2 * 50 / (2 * 4 * 50) = 0.25.
    assert gini([25, 75]) == approx(0.25)
    # (1, 2, 3, 4, 5): unordered |differences| 4*1 + 3*2 + 2*3 + 1*4 = 20, ordered 40; G = 40 / (2 * 25 * 3) = 4/15.
    assert gini([5, 3, 1, 4, 2]) == approx(F(4, 15))
    # One person holds everything: G = 1 - 1/N = 3/4 for N = 4.
    assert gini([0, 0, 10, 0]) == approx(0.75)
    assert gini([7, 7, 7]) == 0.0
    # Weighted (1, 2) with weights (3, 1) = (1, 1, 1, 2): mean 5/4, ordered |differences| 6,
    # G = 6 / (2 * 16 * 5/4) = 3/20.
    assert gini([1, 2], weights=[3, 1]) == approx(0.15)
    # A negative value with a positive mean: (-1, 3), mean 1, G = 2 * 4 / (2 * 4 * 1) = 1.
    assert gini([-1, 3]) == approx(1.0)


def test_theil_t_by_hand() -> None:
    # (1, 3): mu = 2, T = 1/2 * (0.5 ln 0.5 + 1.5 ln 1.5).
    assert theil_t([1, 3]) == approx(0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5)))
    # A zero contributes 0: (0, 2), mu = 1, T = 1/2 * (0 + 2 ln 2) = ln 2 (= ln N, the maximum).
    assert theil_t([0, 2]) == approx(math.log(2))
    assert theil_t([4, 4]) == 0.0
    # Weighted (1, 3) with weights (1, 3) = (1, 3, 3, 3): mu = 5/2, T = (1/4)(0.4 ln 0.4 + 3 * 1.2 ln 1.2).
    assert theil_t([1, 3], weights=[1, 3]) == approx(0.25 * (0.4 * math.log(0.4) + 3.6 * math.log(1.2)))


def test_mld_by_hand() -> None:
    # (1, 3): mu = 2, L = 1/2 * (ln 2 + ln 2/3) = 1/2 ln 4/3.
    assert mld([1, 3]) == approx(0.5 * math.log(4 / 3))
    # (1, 1, 4): mu = 2, L = (ln 2 + ln 2 + ln 1/2) / 3 = ln 2 / 3.
    assert mld([1, 1, 4]) == approx(math.log(2) / 3)
    assert mld([1, 4], weights=[2, 1]) == approx(math.log(2) / 3)
    assert mld([3, 3]) == 0.0


def test_alkire_foster_unequal_weights_and_sample_weights() -> None:
    # Weights (0.5, 0.25, 0.25), k = 0.5; sample weights (1, 2, 1), N = 4.
    #   row 1 [1, 0, 0]: score 0.5 -> poor;  row 2 [0, 1, 1]: 0.5 -> poor;  row 3 [0, 1, 0]: 0.25 -> not poor.
    # H = (1 + 2)/4 = 3/4. CH = (1/4, 2/4, 2/4) (row 3 censored). M0 = (0.5/4 + 0.25 * 2/4 + 0.25 * 2/4) / 1 = 3/8;
    # A = M0 / H = 1/2 (both poor rows have score 0.5 of 1). Contributions (0.125, 0.125, 0.125) / 0.375 = 1/3 each.
    result = alkire_foster([[1, 0, 0], [0, 1, 1], [0, 1, 0]], [0.5, 0.25, 0.25], 0.5, sample_weights=[1, 2, 1])
    assert (result.H, result.A, result.M0) == (approx(0.75), approx(0.5), approx(0.375))
    assert result.censored_headcounts == pytest.approx((0.25, 0.5, 0.5), rel=1e-12)
    assert result.contributions == pytest.approx((1 / 3, 1 / 3, 1 / 3), rel=1e-12)


def test_alkire_foster_nobody_poor() -> None:
    # M0 = 0: contributions are defined as all zeros, A as 0.
    result = alkire_foster([[0, 1], [0, 0]], [1, 1], k=2)
    assert result == AFResult(H=0.0, A=0.0, M0=0.0, censored_headcounts=(0.0, 0.0), contributions=(0.0, 0.0))


def test_alkire_foster_cardinal_negative_achievement_gap_capped() -> None:
    # One person, cutoffs (10, 4): achievements (-5, 2) -> gaps min(15/10, 1) = 1 and (4-2)/4 = 1/2.
    # Weights (1, 1), k = 1: poor. M1 = (1 + 1/2) / 2 = 3/4; M2 = (1 + 1/4) / 2 = 5/8.
    result = alkire_foster_cardinal([[-5, 2]], [10, 4], [1, 1], 1)
    assert (result.H, result.A, result.M0) == (1.0, 1.0, 1.0)
    assert result.M1 == approx(0.75)
    assert result.M2 == approx(0.625)
    # Achievement equal to the cutoff is not deprived (strictly below).
    assert alkire_foster_cardinal([[10, 4]], [10, 4], [1, 1], 1).H == 0.0


def test_one_third_counts_as_poor_despite_rounding() -> None:
    # Weights 1/6 each, k = 1/3: exactly two deprivations is a score of 1/3 -> poor.
    six = [[1, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]]
    assert alkire_foster(six, [1 / 6] * 6, 1 / 3).H == 0.5
    # Weights (1, 1, 1) normalised to 1/3, k = 1/3: one deprivation is enough.
    assert alkire_foster([[0, 0, 1], [0, 0, 0]], [1 / 3] * 3, 1 / 3).H == 0.5
    # Global-MPI-style weights (1/6 x 4, 1/18 x 6) and k = 1/3: deprived in the six 1/18 indicators is poor.
    mpi = [1 / 6] * 4 + [1 / 18] * 6
    assert alkire_foster([[0, 0, 0, 0, 1, 1, 1, 1, 1, 1]], mpi, 1 / 3).H == 1.0
    # Eleven indicators of weight 1/33 and one of weight 2/3, k = 1/3: the eleven deprivations are
    # 11/33 = 1/3 on paper, but their float sum is 0.33333333333333326 < 1/3 (sequential and BLAS order
    # alike); the person must still count as poor (without the tolerance they would not).
    weights = [1 / 33] * 11 + [2 / 3]
    assert sum(weights[:11]) < 1 / 3
    assert float(np.ones(11) @ np.asarray(weights[:11])) < 1 / 3
    result = alkire_foster([[1] * 11 + [0], [1] * 10 + [0, 0]], weights, 1 / 3)
    assert (result.H, result.A) == (0.5, approx(1 / 3))
    # 0.7 + 0.1 is 0.7999999999999999 in floats: with k = 0.8 the person is still poor.
    assert alkire_foster([[1, 1, 0]], [0.7, 0.1, 0.2], 0.8).H == 1.0
    # ... but a score genuinely below k is not.
    assert alkire_foster([[1, 0, 0]], [0.7, 0.1, 0.2], 0.8).H == 0.0


def test_accepts_any_array_like() -> None:
    assert fgt(np.array(COUNTRY_C, dtype=np.int32), 125) == 0.5
    assert fgt(tuple(COUNTRY_C), np.float32(125), alpha=np.int64(1)) == approx(0.08)
    assert gini(range(1, 6)) == approx(F(4, 15))
    assert fgt([Decimal("100"), Decimal("110.0"), 150, 160], Decimal("125.00"), alpha=F(1)) == approx(0.08)
    assert fgt(COUNTRY_C, np.array(125.0), 2) == approx(0.0136)
    assert alkire_foster(np.array(AF_DEPRIVATIONS, dtype=bool), (1, 1, 1, 1), 2).M0 == approx(0.375)


def test_library_imports_no_django() -> None:
    code = "import sys, jingzhun.measures; sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
