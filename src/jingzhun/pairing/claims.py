"""The arithmetic of a published claim (issue 6, reconciliation), as a pure module.

A claim is a figure as published, e.g. Zhejiang 2018 (seed 003): "2.831 billion yuan, 72 counties,
an average of 39.33 million yuan per county; 1.435 billion yuan to 25 counties, 51% of the total,
57.4 million yuan per county, 31% higher than the average". Its statements are written as:

    Average(total=Amount("2.831", "billion yuan"), count=72, average=Amount("39.33", "million yuan"))
    Share(part=Amount("1.435", "billion yuan"), whole=Amount("2.831", "billion yuan"), share="51")
    Increase(value=Amount("57.4", "million yuan"), base=Amount("39.33", "million yuan"), percent="31")

and ``check`` / ``check_all`` list every statement whose own arithmetic does not hold.

Precision rule
--------------
A published figure carries the precision of its last written digit, in its own unit: "39.33 million"
is published to 0.01 million (10,000 yuan), "31%" to 1 percentage point, "28.31亿元" to 0.01 亿元.
The statement is consistent when the exact computation (rational arithmetic on the other published
figures, taken as exact), rounded half-up (half away from zero) to that last digit, equals the
published figure.  Otherwise it is an inconsistency, reported with the exact computed value, its
rounding, and the difference.  Trailing zeros count as written: Decimal("10") is published to the
unit, Decimal("1E+1") to the ten.

Statements marked ``about=True`` ("about", "nearly", "over" ...) are also consistent when the
computed value is within a relative tolerance of the published one: ``about_tolerance`` (default
``DEFAULT_ABOUT_TOLERANCE`` = 5%) as a keyword of ``check`` / ``check_all``.

Units
-----
Money (元, 万元, 亿元, yuan, thousand/million/billion yuan), persons (人, 万人, persons, people,
thousand persons ...) and bare numbers (万, 亿, thousand, million, billion, "").  Amounts compare
in base units, so Amount("2.831", "billion yuan") == Amount("28.31", "亿元") in value.  A bare
scale ("57.4 million") combines with any dimension; money and persons do not mix.

Errors (zero count, base or whole, negative counts, mixed dimensions, unknown units) are ValueError
with a message starting with the argument's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from fractions import Fraction

__all__ = [
    "DEFAULT_ABOUT_TOLERANCE",
    "Amount",
    "Average",
    "Increase",
    "Inconsistency",
    "Multiple",
    "Share",
    "Total",
    "check",
    "check_all",
    "parse_amount",
]

DEFAULT_ABOUT_TOLERANCE = Decimal("0.05")

MONEY = "money"
PERSONS = "persons"

_EN_SCALES = {
    "": 1,
    "thousand": 10**3,
    "ten thousand": 10**4,
    "million": 10**6,
    "hundred million": 10**8,
    "billion": 10**9,
}
_EN_BASES = {"yuan": MONEY, "rmb": MONEY, "yuan rmb": MONEY, "rmb yuan": MONEY, "person": PERSONS, "persons": PERSONS, "people": PERSONS}
_ZH_SCALES = {"": 1, "千": 10**3, "万": 10**4, "百万": 10**6, "亿": 10**8}
_ZH_BASES = {"元": MONEY, "人": PERSONS}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_DIGITS_CONTEXT = Context(prec=40)


def _to_decimal(value: object, name: str) -> Decimal:
    """A published number as Decimal (floats go through their shortest repr)."""
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{name}: not a number: {value!r}") from None
    else:
        raise ValueError(f"{name}: expected a number, got {value!r}")
    if not result.is_finite():
        raise ValueError(f"{name}: not a finite number: {value!r}")
    return result


def _parse_unit(unit: str) -> tuple[int, str | None, str]:
    """(factor to base units, dimension or None, language 'zh' or 'en')."""
    text = " ".join(unit.strip().lower().split())
    if _CJK.search(text):
        text = text.replace(" ", "")
        base = text[-1:] if text[-1:] in _ZH_BASES else ""
        scale = text[: len(text) - len(base)]
        if scale in _ZH_SCALES:
            return _ZH_SCALES[scale], _ZH_BASES.get(base), "zh"
        raise ValueError(f"unit: unknown unit {unit!r}")
    for base in sorted(_EN_BASES, key=len, reverse=True):
        if text == base or text.endswith(" " + base):
            scale = text[: len(text) - len(base)].strip()
            if scale in _EN_SCALES:
                return _EN_SCALES[scale], _EN_BASES[base], "en"
    if text in _EN_SCALES:
        return _EN_SCALES[text], None, "en"
    raise ValueError(f"unit: unknown unit {unit!r}")


def _pow10(exponent: int) -> Fraction:
    return Fraction(10) ** exponent


def _log10(power: Fraction) -> int:
    """The exponent of an exact power of ten."""
    if power >= 1:
        return len(str(power.numerator // power.denominator)) - 1
    return -(len(str(power.denominator)) - 1)


def _round_half_up(value: Fraction, quantum: Fraction) -> Fraction:
    """``value`` rounded to a multiple of ``quantum``, halves away from zero (exact)."""
    steps = abs(value) / quantum
    whole = int(steps + Fraction(1, 2))  # floor, steps >= 0
    return (whole if value >= 0 else -whole) * quantum


def _fraction_to_decimal(value: Fraction) -> Decimal:
    """Exact when the fraction terminates, else 40 significant digits."""
    return _DIGITS_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator)).normalize(_DIGITS_CONTEXT)


def _format(value: Fraction, decimals: int) -> str:
    """``value`` rounded half-up to ``decimals`` places (negative: tens, hundreds...), plain notation."""
    rounded = _round_half_up(value, _pow10(-decimals))
    text = f"{_fraction_to_decimal(rounded):f}"
    if decimals > 0:
        whole, _, frac = text.partition(".")
        text = f"{whole}.{frac.ljust(decimals, '0')}"
    return text


@dataclass(frozen=True)
class Amount:
    """A quantity as published: ``Amount("2.831", "billion yuan")``, ``Amount("3933", "万元")``."""

    value: Decimal
    unit: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _to_decimal(self.value, "value"))
        _parse_unit(self.unit)

    @property
    def factor(self) -> int:
        return _parse_unit(self.unit)[0]

    @property
    def dimension(self) -> str | None:
        return _parse_unit(self.unit)[1]

    @property
    def language(self) -> str:
        return _parse_unit(self.unit)[2]

    @property
    def exact(self) -> Fraction:
        """The value in base units (yuan, persons, ones), exact."""
        return Fraction(self.value) * self.factor

    @property
    def quantum(self) -> Fraction:
        """The published precision in base units: one unit of the last written digit."""
        return _pow10(self.value.as_tuple().exponent) * self.factor

    def __str__(self) -> str:
        return self.render("en")

    def render(self, language: str, value: Fraction | None = None, extra_digits: int = 0) -> str:
        """This amount (or ``value``, in base units, at this amount's precision) in ``language``."""
        value = self.exact if value is None else value
        factor, label = _display_unit(self, language)
        decimals = -_log10(self.quantum / factor) + extra_digits
        number = _format(value / factor, decimals)
        if language == "zh":
            return f"{number}{label}"
        return f"{number} {label}".rstrip()


def _display_unit(amount: Amount, language: str) -> tuple[int, str]:
    """The unit (factor, label) to show ``amount`` in ``language``: its own if it is in that language."""
    factor, dimension, own = _parse_unit(amount.unit)
    if own == language:
        return factor, amount.unit.strip()
    size = abs(amount.exact)
    if language == "zh":
        base = {MONEY: "元", PERSONS: "人"}.get(dimension or "", "")
        scales = [(10**8, "亿"), (10**4, "万")] if dimension != PERSONS else [(10**4, "万")]
        for scale, prefix in scales:
            if size >= scale:
                return scale, prefix + base
        return 1, base
    base = {MONEY: "yuan", PERSONS: "persons"}.get(dimension or "", "")
    for scale, prefix in [(10**9, "billion"), (10**6, "million"), (10**3, "thousand")]:
        if size >= scale:
            return scale, f"{prefix} {base}".strip()
    return 1, base


def _amount(value: object, name: str) -> Amount:
    """An Amount argument; bare numbers are unitless amounts."""
    if isinstance(value, Amount):
        return value
    return Amount(_to_decimal(value, name))


def _same_dimension(*named: tuple[str, Amount]) -> None:
    dimensions = {amount.dimension for _, amount in named} - {None}
    if len(dimensions) > 1:
        described = ", ".join(f"{name}={amount.unit or 'number'}" for name, amount in named)
        raise ValueError(f"{named[-1][0]}: units do not match ({described})")


def _pct(value: Decimal) -> str:
    return f"{value:f}%"


@dataclass(frozen=True)
class Total:
    """The parts sum to the total."""

    parts: list[Amount]
    total: Amount
    label: str = ""
    about: bool = False

    def __post_init__(self) -> None:
        parts = [_amount(part, "parts") for part in self.parts]
        if not parts:
            raise ValueError("parts: at least one part is required")
        object.__setattr__(self, "parts", parts)
        object.__setattr__(self, "total", _amount(self.total, "total"))
        _same_dimension(*[("parts", part) for part in parts], ("total", self.total))


@dataclass(frozen=True)
class Average:
    """total / count = average (count: a number of counties, households...)."""

    total: Amount
    count: Decimal
    average: Amount
    label: str = ""
    about: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", _amount(self.total, "total"))
        count = self.count.value * self.count.factor if isinstance(self.count, Amount) else _to_decimal(self.count, "count")
        if count <= 0:
            raise ValueError(f"count: must be positive, got {count}")
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "average", _amount(self.average, "average"))
        _same_dimension(("total", self.total), ("average", self.average))


@dataclass(frozen=True)
class Share:
    """part / whole = share, the share as a percentage (``share="51"`` for 51%)."""

    part: Amount
    whole: Amount
    share: Decimal
    label: str = ""
    about: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "part", _amount(self.part, "part"))
        object.__setattr__(self, "whole", _amount(self.whole, "whole"))
        object.__setattr__(self, "share", _to_decimal(self.share, "share"))
        if self.whole.value == 0:
            raise ValueError("whole: must not be zero")
        _same_dimension(("part", self.part), ("whole", self.whole))


@dataclass(frozen=True)
class Increase:
    """Says "value is percent% higher than base": (value - base) / base * 100 = percent (negative: lower)."""

    value: Amount
    base: Amount
    percent: Decimal
    label: str = ""
    about: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _amount(self.value, "value"))
        object.__setattr__(self, "base", _amount(self.base, "base"))
        object.__setattr__(self, "percent", _to_decimal(self.percent, "percent"))
        if self.base.value == 0:
            raise ValueError("base: must not be zero")
        _same_dimension(("value", self.value), ("base", self.base))


@dataclass(frozen=True)
class Multiple:
    """Says "value is times times base": value / base = times."""

    value: Amount
    base: Amount
    times: Decimal
    label: str = ""
    about: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _amount(self.value, "value"))
        object.__setattr__(self, "base", _amount(self.base, "base"))
        object.__setattr__(self, "times", _to_decimal(self.times, "times"))
        if self.base.value == 0:
            raise ValueError("base: must not be zero")
        _same_dimension(("value", self.value), ("base", self.base))


Statement = Total | Average | Share | Increase | Multiple


@dataclass(frozen=True)
class Inconsistency:
    """A statement whose arithmetic does not hold.  Values are in the published figure's unit."""

    statement: Statement
    kind: str  # "total", "average", "share", "increase", "multiple"
    published: Decimal  # the published figure, as written
    unit: str  # its unit ("%" for shares and increases, "times" for multiples)
    computed: Decimal  # the exact computation (40 significant digits when it does not terminate)
    rounded: Decimal  # the computation rounded half-up to the published figure's last digit
    difference: Decimal  # computed - published
    computed_exact: Fraction = field(repr=False)
    computation_en: str = ""
    computation_zh: str = ""

    @property
    def label(self) -> str:
        return self.statement.label

    @property
    def relative_difference(self) -> Decimal | None:
        """(computed - published) / published, None when the published figure is zero."""
        if self.published == 0:
            return None
        return _fraction_to_decimal((self.computed_exact - Fraction(self.published)) / Fraction(self.published))


def _consistent(computed: Fraction, published: Decimal, quantum: Fraction, about: bool, tolerance: Decimal) -> bool:
    """``computed`` and ``published`` in the same unit; ``quantum`` the published last digit."""
    exact = Fraction(published)
    if _round_half_up(computed, quantum) == exact:
        return True
    if about:
        return abs(computed - exact) <= Fraction(tolerance) * abs(exact)
    return False


def _inconsistency(statement: Statement, kind: str, computed: Fraction, published: Decimal, unit: str, en: str, zh: str) -> Inconsistency:
    rounded = _round_half_up(computed, _pow10(published.as_tuple().exponent))
    return Inconsistency(
        statement=statement,
        kind=kind,
        published=published,
        unit=unit,
        computed=_fraction_to_decimal(computed),
        rounded=_fraction_to_decimal(rounded).quantize(Decimal(1).scaleb(published.as_tuple().exponent), context=_DIGITS_CONTEXT),
        difference=_fraction_to_decimal(computed - Fraction(published)),
        computed_exact=computed,
        computation_en=en,
        computation_zh=zh,
    )


def _percent_decimals(published: Decimal) -> int:
    return -published.as_tuple().exponent + 1


def _check_amount(statement: Statement, kind: str, computed: Fraction, published: Amount, tolerance: Decimal, en: str, zh: str) -> list[Inconsistency]:
    """``computed`` in base units against an amount; ``en``/``zh`` templates with {computed} and {published}."""
    if _consistent(computed, published.exact, published.quantum, statement.about, tolerance):
        return []
    result = _inconsistency(statement, kind, computed / published.factor, published.value, published.unit, "", "")
    texts = {}
    for language, template in (("en", en), ("zh", zh)):
        texts[language] = template.format(computed=published.render(language, computed, extra_digits=1), published=published.render(language))
    return [_with_texts(result, texts["en"], texts["zh"])]


def _with_texts(result: Inconsistency, en: str, zh: str) -> Inconsistency:
    return Inconsistency(**{**result.__dict__, "computation_en": en, "computation_zh": zh})


def _count_text(count: Decimal) -> str:
    return f"{count:f}"


def check(statement: Statement, *, about_tolerance: Decimal | str = DEFAULT_ABOUT_TOLERANCE) -> list[Inconsistency]:
    """The inconsistencies of one statement: empty when its arithmetic holds at the published precision."""
    tolerance = _to_decimal(about_tolerance, "about_tolerance")
    if tolerance < 0:
        raise ValueError("about_tolerance: must not be negative")
    if isinstance(statement, Total):
        computed = sum((part.exact for part in statement.parts), Fraction(0))
        en_parts = " + ".join(part.render("en") for part in statement.parts)
        zh_parts = " + ".join(part.render("zh") for part in statement.parts)
        return _check_amount(
            statement, "total", computed, statement.total, tolerance, f"{en_parts} = {{computed}}, not {{published}}", f"{zh_parts} = {{computed}}，而非{{published}}"
        )
    if isinstance(statement, Average):
        computed = statement.total.exact / Fraction(statement.count)
        count = _count_text(statement.count)
        return _check_amount(
            statement,
            "average",
            computed,
            statement.average,
            tolerance,
            f"{statement.total.render('en')} / {count} = {{computed}}, not {{published}}",
            f"{statement.total.render('zh')} ÷ {count} = {{computed}}，而非{{published}}",
        )
    if isinstance(statement, Share):
        computed = statement.part.exact / statement.whole.exact * 100
        if _consistent(computed, statement.share, _pow10(statement.share.as_tuple().exponent), statement.about, tolerance):
            return []
        shown = _format(computed, _percent_decimals(statement.share))
        part, whole, share = statement.part, statement.whole, _pct(statement.share)
        en = f"{part.render('en')} is {shown}% of {whole.render('en')}, not {share}"
        zh = f"{part.render('zh')}占{whole.render('zh')}的{shown}%，而非{share}"
        return [_inconsistency(statement, "share", computed, statement.share, "%", en, zh)]
    if isinstance(statement, Increase):
        computed = (statement.value.exact - statement.base.exact) / statement.base.exact * 100
        if _consistent(computed, statement.percent, _pow10(statement.percent.as_tuple().exponent), statement.about, tolerance):
            return []
        shown = _format(abs(computed), _percent_decimals(statement.percent))
        en_word, zh_word = ("higher", "高") if computed >= 0 else ("lower", "低")
        percent = _pct(statement.percent)
        value, base = statement.value, statement.base
        en = f"{value.render('en')} is {shown}% {en_word} than {base.render('en')}, not {percent}"
        zh = f"{value.render('zh')}比{base.render('zh')}{zh_word}{shown}%，而非{percent}"
        return [_inconsistency(statement, "increase", computed, statement.percent, "%", en, zh)]
    if isinstance(statement, Multiple):
        computed = statement.value.exact / statement.base.exact
        if _consistent(computed, statement.times, _pow10(statement.times.as_tuple().exponent), statement.about, tolerance):
            return []
        shown = _format(computed, _percent_decimals(statement.times))
        times = f"{statement.times:f}"
        value, base = statement.value, statement.base
        en = f"{value.render('en')} is {shown} times {base.render('en')}, not {times} times"
        zh = f"{value.render('zh')}是{base.render('zh')}的{shown}倍，而非{times}倍"
        return [_inconsistency(statement, "multiple", computed, statement.times, "times", en, zh)]
    raise ValueError(f"statement: not a claim statement: {statement!r}")


def check_all(statements: list[Statement], *, about_tolerance: Decimal | str = DEFAULT_ABOUT_TOLERANCE) -> list[Inconsistency]:
    """Every inconsistency of the statements, in their order."""
    found: list[Inconsistency] = []
    for statement in statements:
        found.extend(check(statement, about_tolerance=about_tolerance))
    return found


_AMOUNT_TEXT = re.compile(r"^\s*([+-]?(?:\d[\d,]*)?(?:\.\d+)?)\s*(.*?)\s*$")


def parse_amount(text: str) -> Amount:
    """``parse_amount("2.831亿元")``, ``parse_amount("39.33 million yuan")``, ``parse_amount("1,440")``."""
    match = _AMOUNT_TEXT.match(text)
    if not match or not re.search(r"\d", match.group(1)):
        raise ValueError(f"text: no number in {text!r}")
    return Amount(_to_decimal(match.group(1), "text"), match.group(2))
