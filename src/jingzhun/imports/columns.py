"""The columns of the import and export layouts, derived from the registry's model fields.

Layouts:

* ``members`` — one flat sheet, one row per person, the household's columns repeated on every row of the
  household (the head's row is authoritative; a differing value elsewhere is an error).  The xlsx
  template's ``households`` + ``members`` sheets split the same columns by ``level``.
* ``incomes`` — one row per household and year (an income-only file updates one year).

A header cell is bilingual, ``"户编号 / Household number"``; a file may also use the Chinese label alone,
the English label alone or the key (``household_number``), in any case.  Coded cells may hold the code,
the Chinese label or the English label.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from django.utils import translation

from jingzhun.registry.income import COMPONENTS
from jingzhun.registry.models import Household, IncomeRecord, Person

TEXT, CODE, BOOL, DATE, INT, DECIMAL, ID_NUMBER, AREA = "text", "code", "bool", "date", "int", "decimal", "id_number", "area"
HOUSEHOLD, PERSON, INCOME = "household", "person", "income"


@dataclass(frozen=True)
class Column:
    key: str
    level: str  # household, person, income
    kind: str
    zh: str
    en: str
    required: bool = False
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str, str], ...] = ()  # (code, zh, en)
    default: object = None
    aliases: tuple[str, ...] = field(default=(), compare=False)

    @property
    def header(self) -> str:
        return f"{self.zh} / {self.en}"

    def names(self) -> set[str]:
        return {normalise_header(n) for n in (self.header, self.zh, self.en, self.key, *self.aliases)}


def normalise_header(text: str) -> str:
    """Case, spacing, punctuation and full-width forms (as Chinese input methods type them) do not matter."""
    return re.sub(r"[\s_\-/（）()*:：]+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def _labels(field_obj) -> tuple[str, str]:
    with translation.override("zh-hans"):
        zh = str(field_obj.verbose_name)
    with translation.override("en"):
        en = str(field_obj.verbose_name)
    return zh, en[:1].upper() + en[1:]


def _choices(field_obj) -> tuple[tuple[str, str, str], ...]:
    out = []
    for code, label in field_obj.choices or ():
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        out.append((str(code), zh, en))
    return tuple(out)


def _from_field(model, name: str, level: str, kind: str | None = None, *, key: str | None = None, required: bool = False,
                minimum=None, maximum=None, aliases=()) -> Column:
    f = model._meta.get_field(name)
    zh, en = _labels(f)
    internal = f.get_internal_type()
    if kind is None:
        if f.choices:
            kind = CODE
        elif internal == "BooleanField":
            kind = BOOL
        elif internal == "DateField":
            kind = DATE
        elif internal in ("PositiveSmallIntegerField", "PositiveIntegerField", "IntegerField", "SmallIntegerField"):
            kind = INT
        elif internal == "DecimalField":
            kind = DECIMAL
        else:
            kind = TEXT
    default = f.get_default() if f.has_default() else None
    return Column(key=key or name, level=level, kind=kind, zh=zh, en=en, required=required,
                  max_length=getattr(f, "max_length", None) if kind == TEXT else None, minimum=minimum, maximum=maximum,
                  choices=_choices(f) if kind == CODE else (), default=default, aliases=tuple(aliases))


@cache
def member_columns() -> tuple[Column, ...]:
    H, P = Household, Person
    return (
        Column("household_number", HOUSEHOLD, TEXT, "户编号", "Household number", required=True, max_length=20, aliases=("户号",)),
        Column("village_code", HOUSEHOLD, AREA, "村代码", "Village code", required=True, aliases=("行政区划代码", "village")),
        _from_field(H, "status", HOUSEHOLD),
        _from_field(H, "registered_year", HOUSEHOLD, minimum=2013, maximum=2035),
        _from_field(H, "exited_year", HOUSEHOLD, minimum=2013, maximum=2035),
        _from_field(H, "identification_standard", HOUSEHOLD),
        _from_field(H, "household_type", HOUSEHOLD),
        _from_field(H, "main_cause", HOUSEHOLD),
        _from_field(H, "secondary_cause_1", HOUSEHOLD),
        _from_field(H, "secondary_cause_2", HOUSEHOLD),
        _from_field(H, "address", HOUSEHOLD),
        _from_field(H, "phone", HOUSEHOLD),
        _from_field(H, "bank_account", HOUSEHOLD),
        _from_field(H, "housing_area", HOUSEHOLD, minimum=0, maximum=10000),
        _from_field(H, "housing_structure", HOUSEHOLD),
        _from_field(H, "housing_year_built", HOUSEHOLD, minimum=1800, maximum=2035),
        _from_field(H, "housing_grade", HOUSEHOLD),
        _from_field(H, "relocated", HOUSEHOLD),
        _from_field(H, "has_electricity", HOUSEHOLD),
        _from_field(H, "cooking_fuel", HOUSEHOLD),
        _from_field(H, "water_source", HOUSEHOLD),
        _from_field(H, "water_safe", HOUSEHOLD),
        _from_field(H, "food_secure", HOUSEHOLD),
        _from_field(H, "clothing_secure", HOUSEHOLD),
        _from_field(H, "in_cooperative", HOUSEHOLD),
        _from_field(H, "in_mutual_aid_fund", HOUSEHOLD),
        _from_field(H, "in_industry", HOUSEHOLD),
        Column("household_size", HOUSEHOLD, INT, "家庭人口数", "Household size", minimum=1, maximum=30),
        _from_field(P, "relation", PERSON, required=True),
        _from_field(P, "name", PERSON, required=True),
        _from_field(P, "id_number", PERSON, ID_NUMBER, required=True, aliases=("身份证号码", "证件号码")),
        _from_field(P, "sex", PERSON),
        _from_field(P, "birth_date", PERSON),
        _from_field(P, "ethnicity", PERSON),
        _from_field(P, "education", PERSON),
        _from_field(P, "student_status", PERSON),
        _from_field(P, "health", PERSON),
        _from_field(P, "labour_ability", PERSON),
        _from_field(P, "work_status", PERSON),
        _from_field(P, "months_away", PERSON, minimum=0, maximum=12),
        _from_field(P, "medical_insurance", PERSON),
        _from_field(P, "serious_illness_insurance", PERSON),
        _from_field(P, "pension_insurance", PERSON),
        _from_field(P, "dibao", PERSON, key="person_dibao"),
        _from_field(P, "tekun", PERSON),
    )


@cache
def income_columns() -> tuple[Column, ...]:
    return (
        Column("household_number", HOUSEHOLD, TEXT, "户编号", "Household number", required=True, max_length=20, aliases=("户号",)),
        _from_field(IncomeRecord, "year", INCOME, required=True, minimum=2010, maximum=2035),
        _from_field(IncomeRecord, "members", INCOME, required=True, minimum=1, maximum=30),
        *(_from_field(IncomeRecord, name, INCOME, minimum=-10_000_000, maximum=100_000_000) for name in COMPONENTS),
        _from_field(IncomeRecord, "production_costs", INCOME, minimum=0, maximum=100_000_000),
    )


@cache
def household_columns() -> tuple[Column, ...]:
    """The households sheet of the two-sheet xlsx template: the household-level columns of `members`."""
    return tuple(c for c in member_columns() if c.level == HOUSEHOLD)


# A two-sheet xlsx file is a `households` sheet plus a `members` sheet whose household-level columns other
# than household_number may be left out (they come from the households sheet).
LAYOUTS = {"members": member_columns, "households": household_columns, "incomes": income_columns}


def columns(layout: str) -> tuple[Column, ...]:
    return LAYOUTS[layout]()


def by_key(layout: str) -> dict[str, Column]:
    return {c.key: c for c in columns(layout)}


def match_headers(layout: str, headers: list[str]) -> tuple[dict[int, Column], list[Column], list[tuple[int, str]]]:
    """(position -> column, missing required columns, unknown headers as (position, text))."""
    lookup: dict[str, Column] = {}
    for col in columns(layout):
        for name in col.names():
            lookup.setdefault(name, col)
    found: dict[int, Column] = {}
    unknown: list[tuple[int, str]] = []
    seen: set[str] = set()
    for i, text in enumerate(headers):
        col = lookup.get(normalise_header(text)) if text is not None and str(text).strip() else None
        if col is None or col.key in seen:
            if text is not None and str(text).strip():
                unknown.append((i, str(text)))
            continue
        found[i] = col
        seen.add(col.key)
    missing = [c for c in columns(layout) if c.required and c.key not in seen]
    return found, missing, unknown


def detect_layout(headers: list[str]) -> str:
    """members or incomes, by which layout's required columns the headers cover best."""
    best, score = "members", -1
    for layout in ("members", "incomes"):
        found, missing, _unknown = match_headers(layout, headers)
        s = len(found) - 10 * len(missing)
        if s > score:
            best, score = layout, s
    return best
