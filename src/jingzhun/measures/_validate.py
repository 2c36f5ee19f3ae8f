"""Input checks shared by the measures (and reusable by the SQL-based aggregation).

Every check raises :class:`ValueError` with a message that names the argument and, where there
is one, the position of the first offending entry, e.g. ``"incomes[3] is NaN"``.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "FloatArray",
    "as_real",
    "first_index",
    "fmt_number",
    "position",
    "validate_incomes",
    "validate_line",
    "validate_matrix",
    "validate_nonnegative",
    "validate_positive_scalar",
    "validate_vector",
    "validate_weights",
]


def fmt_number(value: float) -> str:
    """The shortest exact rendering of a number for messages: 0 -> "0", 2.0 -> "2", 0.5 -> "0.5"."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def _as_float_array(values: ArrayLike, name: str) -> FloatArray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None


def first_index(mask: NDArray[np.bool_]) -> tuple[int, ...]:
    """The index of the first true entry of ``mask`` (C order)."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def position(name: str, index: tuple[int, ...]) -> str:
    """Render ``name[i]`` or ``name[i, j]`` for messages about one entry."""
    return f"{name}[{', '.join(str(i) for i in index)}]"


def _check_finite(array: FloatArray, name: str) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        index = first_index(bad)
        value = array[index]
        what = "NaN" if math.isnan(value) else "infinite"
        raise ValueError(f"{position(name, index)} is {what}")


def validate_vector(values: ArrayLike, name: str) -> FloatArray:
    """Return ``values`` as a non-empty, finite, one-dimensional float64 array."""
    array = _as_float_array(values, name)
    if array.ndim != 1:
        shape = "a scalar" if array.ndim == 0 else f"shape {array.shape}"
        raise ValueError(f"{name} must be one-dimensional, got {shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    _check_finite(array, name)
    return array


def validate_incomes(incomes: ArrayLike, name: str = "incomes") -> FloatArray:
    """Return incomes as a non-empty, finite, one-dimensional float64 array.

    Negative incomes are allowed here: each measure says how it treats them.
    """
    return validate_vector(incomes, name)


def validate_nonnegative(values: FloatArray, name: str) -> None:
    """Raise if any entry of an already validated array is negative."""
    negative = values < 0
    if negative.any():
        index = first_index(negative)
        raise ValueError(f"{position(name, index)} is negative, got {fmt_number(values[index])}")


def validate_weights(
    weights: ArrayLike | None,
    n: int,
    name: str = "weights",
    other: str = "incomes",
    unit: str = "",
) -> FloatArray | None:
    """Validate frequency weights for ``n`` observations; ``None`` means every weight is 1.

    Weights must be finite and non-negative, their number must match ``n`` and their total must
    be positive. Returns a float64 array, or ``None`` when ``weights`` is ``None``.
    """
    if weights is None:
        return None
    array = validate_vector(weights, name)
    if array.size != n:
        suffix = f" {unit}" if unit else ""
        entries = "entry" if array.size == 1 else "entries"
        raise ValueError(f"{name} has {array.size} {entries} but {other} has {n}{suffix}")
    validate_nonnegative(array, name)
    if not np.sum(array) > 0:
        raise ValueError(f"{name} sum to zero: the total weight must be positive")
    return array


def as_real(value: Any, name: str) -> float:
    """Return a real scalar (int, float, Decimal, Fraction, NumPy scalar; not bool) as a float."""
    is_array_scalar = isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"
    if isinstance(value, (bool, np.bool_)) or not (isinstance(value, (numbers.Real, Decimal)) or is_array_scalar):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    return float(value)


def validate_positive_scalar(value: Any, name: str) -> float:
    """Return ``value`` as a finite, strictly positive float."""
    number = as_real(value, name)
    if math.isnan(number):
        raise ValueError(f"{name} is NaN")
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {fmt_number(number)}")
    if number <= 0:
        raise ValueError(f"{name} must be positive, got {fmt_number(number)}")
    return number


def validate_line(line: Any, name: str = "line") -> float:
    """Return the poverty line as a finite, strictly positive float (``"line must be positive, got 0"``)."""
    return validate_positive_scalar(line, name)


def validate_matrix(values: ArrayLike, name: str) -> FloatArray:
    """Return ``values`` as a finite two-dimensional float64 array with at least one row and column."""
    array = _as_float_array(values, name)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a two-dimensional (persons x indicators) matrix, got shape {array.shape}")
    rows, columns = array.shape
    if rows == 0:
        raise ValueError(f"{name} is empty: it has no rows")
    if columns == 0:
        raise ValueError(f"{name} has no columns")
    _check_finite(array, name)
    return array
