"""Validation of Chinese identity numbers: resident ID (GB 11643) and USCC.

Pure Python (no Django), built on python-stdnum:

* :func:`parse_resident_id` validates a resident identity card number
  (居民身份证号码, GB 11643-1999), including old 15-digit numbers and the
  residence permits for Hong Kong, Macau and Taiwan residents (prefixes
  81/82/83), and returns a :class:`ResidentId`.
* :func:`make_resident_id` builds valid numbers quickly (demo data).
* :func:`parse_uscc` validates a unified social credit code
  (统一社会信用代码, GB 32100-2015).

Errors are :class:`InvalidResidentId` / :class:`InvalidUSCC`, both
``ValueError`` subclasses with a machine-readable ``reason``, an English
``message`` (also ``str(exc)``) and a Simplified Chinese ``message_zh``.

Area codes are checked against the historical GB/T 2260 codes shipped with
python-stdnum (``stdnum/cn/loc.dat``).  Each county entry there carries the
years it was in use, e.g. ``county="[1983-1987]城区,[2003-]吴兴区"`` (ranges
are inclusive; a missing bound is open; an entry without brackets has no
known bounds).  A code known in *some* edition is accepted; if it was not in
use in the birth year a warning is recorded instead of an error, because the
code reflects the place of registration when the card was issued.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field

from stdnum import numdb
from stdnum.cn import uscc as _stdnum_uscc
from stdnum.iso7064 import mod_11_2

__all__ = [
    "mask",
    "PERMIT_AREA_CODES",
    "InvalidResidentId",
    "InvalidUSCC",
    "ResidentId",
    "is_known_area_code",
    "is_rural_collective",
    "known_area_codes",
    "make_resident_id",
    "make_resident_ids",
    "parse_resident_id",
    "parse_uscc",
    "upgrade_15",
]

#: Area codes used by residence permits for residents of Hong Kong, Macau
#: and Taiwan (港澳台居民居住证).
PERMIT_AREA_CODES = frozenset({"810000", "820000", "830000"})
_PERMIT_PREFIXES = frozenset({"81", "82", "83"})

#: Earliest birth date accepted in a resident ID number.
MIN_BIRTH_DATE = datetime.date(1880, 1, 1)

UPGRADE_WARNING = "15-digit number upgraded to 18 digits"

# Full-width ASCII variants (U+FF01..U+FF5E) -> ASCII, plus ideographic space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
# ASCII-only upper-casing (str.upper() can change the length, e.g. 'ß').
_ASCII_UPPER = {cp: cp - 32 for cp in range(ord("a"), ord("z") + 1)}

_RE_18 = re.compile(r"[0-9]{17}[0-9X]")
_RE_15 = re.compile(r"[0-9]{15}")
_RE_AREA = re.compile(r"[0-9]{6}")

# ISO 7064 MOD 11-2 as used by GB 11643: weight of position i is 2**(17-i)
# mod 11; the check character is _CHECK_CHARS[sum % 11].
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHARS = frozenset(USCC_ALPHABET)


# --------------------------------------------------------------------------
# Exceptions
# --------------------------------------------------------------------------


class _InvalidIdentifier(ValueError):
    """Base: ``reason``, ``message`` (English, also str()) and ``message_zh``."""

    reasons: tuple[str, ...] = ()

    def __init__(self, reason: str, message: str, message_zh: str) -> None:
        if reason not in self.reasons:
            raise ValueError(f"unknown reason {reason!r}")
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.message_zh = message_zh

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # keep picklable despite the custom __init__
        return (type(self), (self.reason, self.message, self.message_zh))


class InvalidResidentId(_InvalidIdentifier):
    """Invalid resident identity card number.

    ``reason`` is one of ``"length"``, ``"format"``, ``"date"``,
    ``"checksum"``, ``"area"`` (checked in that order).
    """

    reasons = ("length", "format", "date", "checksum", "area")


class InvalidUSCC(_InvalidIdentifier):
    """Invalid unified social credit code.

    ``reason`` is one of ``"length"``, ``"format"``, ``"checksum"``.
    """

    reasons = ("length", "format", "checksum")


# --------------------------------------------------------------------------
# Result type
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentId:
    """A validated resident identity card number."""

    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"
    area_code: str
    warnings: list[str] = field(default_factory=list, hash=False)

    @property
    def masked(self) -> str:
        """First 4 and last 4 characters kept, e.g. ``4403**********1512``."""
        return mask(self.number)

    @property
    def is_permit(self) -> bool:
        """True for Hong Kong / Macau / Taiwan residence permits (81/82/83)."""
        return self.number[:2] in _PERMIT_PREFIXES

    def __str__(self) -> str:
        return self.number

    def __repr__(self) -> str:
        # Never put the full number into logs / tracebacks.
        return (
            f"ResidentId(masked={self.masked!r}, sex={self.sex!r}, "
            f"warnings={self.warnings!r})"
        )


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def mask(number: str) -> str:
    """``4403**********1512``: first 4 and last 4 characters of an identity number kept."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _normalise(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    return text.translate(_FULLWIDTH).strip()


def _length_error(n: int) -> InvalidResidentId:
    return InvalidResidentId(
        "length",
        "A resident ID number must have 18 characters "
        f"(or 15 digits for an old number); got {n}.",
        f"身份证号码应为18位（旧号码为15位），实际为{n}位。",
    )


def _format_error(n: int) -> InvalidResidentId:
    if n == 15:
        return InvalidResidentId(
            "format",
            "A 15-digit resident ID number must consist of digits only.",
            "15位身份证号码只能由数字组成。",
        )
    return InvalidResidentId(
        "format",
        "A resident ID number must consist of 17 digits followed by "
        "a digit or the letter X.",
        "身份证号码格式错误：应为17位数字加1位数字或字母X。",
    )


def _check_char(body17: str) -> str:
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(body17, _WEIGHTS)) % 11]


def _parse_years(spec: str) -> tuple[tuple[int | None, int | None], ...]:
    """``"[1983-1987]城区,[2003-]吴兴区"`` -> ``((1983, 1987), (2003, None))``."""
    periods: list[tuple[int | None, int | None]] = []
    for part in spec.split(","):
        if not part.startswith("["):
            periods.append((None, None))  # no known bounds
            continue
        years = part[1 : part.index("]")]
        start, _, end = years.partition("-")
        periods.append((int(start) if start else None, int(end) if end else None))
    return tuple(periods)


def _walk(prefix: str, prefixes, out: dict) -> None:
    for length, low, high, props, children in prefixes:
        for value in range(int(low), int(high) + 1):
            code = prefix + str(value).zfill(length)
            if len(code) == 6 and "county" in props:
                out[code] = _parse_years(props["county"])
            if children:
                _walk(code, children, out)


@functools.lru_cache(maxsize=1)
def _area_periods() -> dict[str, tuple[tuple[int | None, int | None], ...]]:
    """All 6-digit codes in stdnum's cn/loc.dat with their periods of use."""
    out: dict[str, tuple[tuple[int | None, int | None], ...]] = {}
    _walk("", numdb.get("cn/loc").prefixes, out)
    # Residence permits: 83 (Taiwan) is not in loc.dat and 81/82 are only
    # listed from 1997/1999; for permits the code is not a birthplace.
    for code in PERMIT_AREA_CODES:
        out[code] = ((None, None),)
    return out


def known_area_codes(year: int | None = None) -> frozenset[str]:
    """6-digit area codes known in some GB/T 2260 edition (or in use in ``year``)."""
    periods = _area_periods()
    if year is None:
        return frozenset(periods)
    return frozenset(code for code in periods if _in_use(periods[code], year))


def _in_use(periods, year: int) -> bool:
    return any(
        (start is None or year >= start) and (end is None or year <= end)
        for start, end in periods
    )


def is_known_area_code(code: str, year: int | None = None) -> bool:
    """Whether ``code`` is a known area code (in use in ``year`` if given)."""
    periods = _area_periods().get(code)
    if periods is None:
        return False
    return year is None or code in PERMIT_AREA_CODES or _in_use(periods, year)


# --------------------------------------------------------------------------
# Resident ID
# --------------------------------------------------------------------------


def _upgrade(number15: str) -> str:
    body = number15[:6] + "19" + number15[6:]
    return body + _check_char(body)


def upgrade_15(text: str) -> str:
    """Convert an old 15-digit number to the 18-digit form.

    Inserts ``19`` before the 6-digit ``yymmdd`` birth date and appends the
    check character.  Only length and format are checked here; use
    :func:`parse_resident_id` for full validation.
    """
    number = _normalise(text)
    if len(number) != 15:
        raise _length_error(len(number))
    if not _RE_15.fullmatch(number):
        raise _format_error(15)
    return _upgrade(number)


def parse_resident_id(text: str, *, today: datetime.date | None = None) -> ResidentId:
    """Validate a resident ID number and return a :class:`ResidentId`.

    Surrounding whitespace is stripped, full-width characters are converted
    to ASCII and a lower-case ``x`` is accepted.  15-digit numbers are
    upgraded to 18 digits (with a warning).  Raises
    :class:`InvalidResidentId`; checks are, in order: length, format, date,
    checksum, area.  ``today`` overrides :meth:`datetime.date.today` (tests).
    """
    number = _normalise(text).replace("x", "X")
    warnings: list[str] = []

    # length
    n = len(number)
    if n not in (18, 15):
        raise _length_error(n)

    # format
    if n == 15:
        if not _RE_15.fullmatch(number):
            raise _format_error(15)
        number = _upgrade(number)
        warnings.append(UPGRADE_WARNING)
    elif not _RE_18.fullmatch(number):
        raise _format_error(18)

    # date
    raw = number[6:14]
    shown = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    try:
        birth_date = datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise InvalidResidentId(
            "date",
            f"The birth date {shown} in the resident ID number does not exist.",
            f"身份证号码中的出生日期 {shown} 不存在。",
        ) from None
    if today is None:
        today = datetime.date.today()
    if birth_date > today:
        raise InvalidResidentId(
            "date",
            f"The birth date {shown} in the resident ID number is in the future.",
            f"身份证号码中的出生日期 {shown} 晚于今天。",
        )
    if birth_date < MIN_BIRTH_DATE:
        raise InvalidResidentId(
            "date",
            f"The birth date {shown} in the resident ID number is before "
            f"{MIN_BIRTH_DATE.isoformat()}.",
            f"身份证号码中的出生日期 {shown} 早于{MIN_BIRTH_DATE.year}年1月1日。",
        )

    # checksum
    if mod_11_2.checksum(number) != 1:
        raise InvalidResidentId(
            "checksum",
            "The check character (last character) of the resident ID number "
            "is wrong; the number was probably mistyped.",
            "身份证号码校验码（最后一位）错误，号码可能输入有误。",
        )

    # area
    area_code = number[:6]
    periods = _area_periods().get(area_code)
    if periods is None:
        raise InvalidResidentId(
            "area",
            f"The area code {area_code} in the resident ID number is not a "
            "known administrative division code (GB/T 2260).",
            f"身份证号码中的行政区划代码 {area_code} 不存在（GB/T 2260）。",
        )
    if area_code not in PERMIT_AREA_CODES and not _in_use(periods, birth_date.year):
        warnings.append(
            f"area code {area_code} did not exist in birth year {birth_date.year}"
        )

    return ResidentId(
        number=number,
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 else "F",
        area_code=area_code,
        warnings=warnings,
    )


# Fast generator ------------------------------------------------------------

_AREA_SUMS: dict[str, int] = {}
_DATE_PARTS: dict[datetime.date, tuple[str, int]] = {}
# (sequence, sex) -> (3-digit order code, weighted sum of positions 15-17)
_ORDER_PARTS: dict[tuple[int, str], tuple[str, int]] = {}
for _seq in range(100):
    for _sex, _parity in (("M", 1), ("F", 0)):
        _third = (_seq % 5) * 2 + _parity
        _order = f"{_seq:02d}{_third}"
        _ORDER_PARTS[_seq, _sex] = (
            _order,
            sum(int(c) * w for c, w in zip(_order, _WEIGHTS[14:])),
        )
del _seq, _sex, _parity, _third, _order


def _area_sum(area_code: str) -> int:
    if not (
        isinstance(area_code, str)
        and _RE_AREA.fullmatch(area_code)
        and area_code in _area_periods()
    ):
        raise ValueError(f"unknown area code {area_code!r}")
    total = sum(int(c) * w for c, w in zip(area_code, _WEIGHTS))
    _AREA_SUMS[area_code] = total
    return total


def _date_part(birth_date: datetime.date) -> tuple[str, int]:
    d = datetime.date(birth_date.year, birth_date.month, birth_date.day)
    if not MIN_BIRTH_DATE <= d <= datetime.date.today():
        raise ValueError(f"birth date {d} out of range")
    digits = f"{d.year:04d}{d.month:02d}{d.day:02d}"
    part = (digits, sum(int(c) * w for c, w in zip(digits, _WEIGHTS[6:14])))
    _DATE_PARTS[birth_date] = part
    return part


def make_resident_id(
    area_code: str, birth_date: datetime.date, sequence: int, sex: str
) -> str:
    """Build a valid 18-character resident ID number.

    ``sequence`` (0-99) gives the first two digits of the 3-digit order
    code; the third digit is odd for ``sex="M"`` and even for ``"F"``.
    ``area_code`` must be a known area code and ``birth_date`` between
    1880-01-01 and today, so the result is always accepted by
    :func:`parse_resident_id` (possibly with an area-code warning).
    Raises ``ValueError`` on bad arguments.  Intended for bulk generation:
    partial checksums are cached per area code and date.
    """
    try:
        order, order_sum = _ORDER_PARTS[sequence, sex]
    except (KeyError, TypeError):
        raise ValueError(
            f"sequence must be 0-99 and sex 'M' or 'F', got {sequence!r}, {sex!r}"
        ) from None
    area_sum = _AREA_SUMS.get(area_code)
    if area_sum is None:
        area_sum = _area_sum(area_code)
    date_part = _DATE_PARTS.get(birth_date)
    if date_part is None:
        date_part = _date_part(birth_date)
    return (
        area_code
        + date_part[0]
        + order
        + _CHECK_CHARS[(area_sum + date_part[1] + order_sum) % 11]
    )


def make_resident_ids(area_codes: list[str], code_index, birth_dates, sequences, male, as_bytes: bool = False):
    """:func:`make_resident_id` for many persons at once (vectorised with NumPy; the same numbers).

    ``code_index`` indexes ``area_codes``; ``birth_dates`` are ``datetime64[D]``; ``sequences`` 0-99; ``male``
    booleans.  The same checks as :func:`make_resident_id`, raising ``ValueError``.  Returns a list of str,
    or with ``as_bytes`` a NumPy ``S18`` array of the ASCII numbers (no Python object per number).
    """
    import numpy as np

    code_index = np.asarray(code_index, dtype=np.int64)
    days = np.asarray(birth_dates, dtype="datetime64[D]")
    seq = np.asarray(sequences, dtype=np.int64)
    third = (seq % 5) * 2 + np.asarray(male, dtype=np.int64)
    if len(seq) and (seq.min() < 0 or seq.max() > 99):
        raise ValueError("sequences must be 0-99")
    if len(days) and (days.min() < np.datetime64(MIN_BIRTH_DATE) or days.max() > np.datetime64(datetime.date.today())):
        raise ValueError("birth date out of range")
    area_digits = np.array([[ord(c) for c in code] for code in area_codes], dtype=np.uint8).reshape(len(area_codes), 6)
    area_sums = np.array([_AREA_SUMS.get(code) or _area_sum(code) for code in area_codes], dtype=np.int64)
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(np.int64) + 1970
    m = (months - years).astype(np.int64) + 1
    d = (days - months).astype(np.int64) + 1
    digits = np.stack([y // 1000, y // 100 % 10, y // 10 % 10, y % 10, m // 10, m % 10, d // 10, d % 10,
                       seq // 10, seq % 10, third], axis=1)
    total = area_sums[code_index] + digits @ np.array(_WEIGHTS[6:17], dtype=np.int64)
    out = np.empty((len(seq), 18), dtype=np.uint8)
    out[:, :6] = area_digits[code_index]
    out[:, 6:17] = digits + ord("0")
    out[:, 17] = np.frombuffer(_CHECK_CHARS.encode(), dtype=np.uint8)[total % 11]
    numbers = out.view("S18").ravel()
    return numbers if as_bytes else numbers.astype("U18").tolist()


# --------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# --------------------------------------------------------------------------


def _normalise_uscc(text: str) -> str:
    return _normalise(text).translate(_ASCII_UPPER)


def parse_uscc(text: str) -> str:
    """Validate a unified social credit code and return it normalised.

    Surrounding whitespace is stripped, full-width characters converted and
    letters upper-cased.  Raises :class:`InvalidUSCC` (reason ``"length"``,
    ``"format"`` or ``"checksum"``, in that order).
    """
    code = _normalise_uscc(text)
    if len(code) != 18:
        raise InvalidUSCC(
            "length",
            f"A unified social credit code must have 18 characters; got {len(code)}.",
            f"统一社会信用代码应为18位，实际为{len(code)}位。",
        )
    if not _USCC_CHARS.issuperset(code):
        raise InvalidUSCC(
            "format",
            "A unified social credit code may only contain digits and the "
            "upper-case letters A-H, J-N, P, Q, R, T, U, W, X, Y.",
            "统一社会信用代码只能包含数字和大写字母（不含I、O、S、V、Z）。",
        )
    # stdnum's validate() insists on 8 leading digits, which rejects valid
    # codes such as rural collectives ('N...'); only its check digit is used.
    if _stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        raise InvalidUSCC(
            "checksum",
            "The check character (last character) of the unified social credit "
            "code is wrong; the code was probably mistyped.",
            "统一社会信用代码校验码（最后一位）错误，代码可能输入有误。",
        )
    return code


def is_rural_collective(code: str) -> bool:
    """Whether a USCC belongs to a rural collective economic organisation.

    These are registered by agricultural authorities: the first character
    (registration authority) is ``N``.  Does not validate the code.
    """
    return _normalise_uscc(code).startswith("N")
