"""Poverty and inequality measures: a pure NumPy library (no Django), accepting any array-like.

Monetary poverty (:mod:`.monetary`): :func:`fgt`, :func:`watts`, :func:`sen`, :func:`sst`.
Inequality (:mod:`.inequality`): :func:`gini`, :func:`theil_t`, :func:`mld`.
Multidimensional poverty (:mod:`.multidim`): :func:`alkire_foster`, :func:`alkire_foster_cardinal`.

Conventions are those pinned by the domain document (section 12): poor means income strictly
below the line, deprived means achievement strictly below the cutoff, weights are frequency
weights, and every figure can be computed with or without weights. Bad input raises
:class:`ValueError` naming the argument and the position of the offending entry. The helpers
``validate_*``, :func:`gap_ratios` and :func:`identify_poor` are exported for code that
computes the same figures elsewhere (e.g. in SQL) and must apply the same rules.
"""

from ._validate import validate_incomes, validate_line, validate_matrix, validate_vector, validate_weights
from .inequality import gini, mld, theil_t
from .monetary import ExcludedIncomesWarning, fgt, gap_ratios, sen, sst, watts
from .multidim import AF_TOLERANCE, AFResult, alkire_foster, alkire_foster_cardinal, identify_poor

__all__ = [
    "AF_TOLERANCE",
    "AFResult",
    "ExcludedIncomesWarning",
    "alkire_foster",
    "alkire_foster_cardinal",
    "fgt",
    "gap_ratios",
    "gini",
    "identify_poor",
    "mld",
    "sen",
    "sst",
    "theil_t",
    "validate_incomes",
    "validate_line",
    "validate_matrix",
    "validate_vector",
    "validate_weights",
    "watts",
]
