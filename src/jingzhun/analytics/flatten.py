"""The person-year relation, written once in Ibis: one row per member of a household at the end of a year.

Input: the registry tables (the live PostgreSQL tables, or their Parquet export in a snapshot) under their
database names and columns.  Output columns:

    person_id, household_id, village (12-digit code), weight (1.0: the register is a census), age (years at
    31 December), per_capita (household per-capita net income of the year, float64; null when the household
    has no income record for the year), line (the poverty line of the year and area), registered (1 when the
    household's status on 31 December was poor or returned to poverty), and one 0/1 column ``d_<code>``
    per indicator of ``indicators.INDICATORS`` (``d_income`` null when ``per_capita`` is).

Membership, death and status are taken as of 31 December of the year (status: the last change effective on
or before that day).  Household and person attributes other than income (housing, water, insurance,
schooling...) are those recorded when the tables were read: use the year-end snapshot of a year for its
non-income indicators.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import ibis

from .indicators import INDICATORS

TABLES = {  # name in this module -> database table and the columns read
    "household": ("registry_household", ["id", "area_id", "housing_grade", "has_electricity", "cooking_fuel", "water_safe",
                                         "food_secure", "clothing_secure"]),
    "person": ("registry_person", ["id", "birth_date", "death_date", "education", "student_status", "health",
                                   "medical_insurance", "serious_illness_insurance"]),
    "membership": ("registry_membership", ["person_id", "household_id", "start_date", "end_date"]),
    "income": ("registry_incomerecord", ["household_id", "year", "per_capita"]),
    "status": ("registry_statuschange", ["id", "household_id", "to_status", "effective_date"]),
}
REGISTERED_STATUSES = ("poor", "returned")
IN_SCHOOL_EXCEPT = ("none", "dropped_out")  # student statuses that mean "not in school"
FINISHED_PRIMARY = ("primary", "junior", "senior", "vocational", "college")


def _flag(expr) -> ibis.Value:
    """0/1 as int8 (PostgreSQL casts boolean to integer, not to smallint; null counts as 0)."""
    return ibis.ifelse(expr, ibis.literal(1, type="int8"), ibis.literal(0, type="int8"))


def line_expression(village: ibis.Value, lines: Sequence[tuple[str, float]], national: float) -> ibis.Value:
    """The poverty line for each row: `lines` are (code prefix, amount), most specific first."""
    if not lines:
        return ibis.literal(float(national), type="float64")
    branches = [(village.startswith(prefix), ibis.literal(float(amount), type="float64")) for prefix, amount in lines]
    return ibis.cases(*branches, else_=ibis.literal(float(national), type="float64"))


def person_year(tables: Mapping[str, ibis.Table], *, year: int, prefix: str, lines: Sequence[tuple[str, float]],
                national_line: float) -> ibis.Table:
    """The person-year relation of `year` for households whose village code starts with `prefix`."""
    end = ibis.date(dt.date(year, 12, 31))
    hh = tables["household"]
    if prefix:
        hh = hh.filter(hh.area_id.startswith(prefix))
    ms = tables["membership"]
    ms = ms.filter((ms.start_date <= end) & (ms.end_date.isnull() | (ms.end_date > end)))
    ps = tables["person"]
    ps = ps.filter(ps.death_date.isnull() | (ps.death_date > end))
    hh_ids = hh.select(hh_id=hh.id)
    j = ms.join(hh_ids, ms.household_id == hh_ids.hh_id).join(ps, ms.person_id == ps.id)
    members = j.select(
        person_id=j.person_id,
        household_id=j.household_id,
        age=(ibis.literal(year, type="int32") - j.birth_date.year().cast("int32")).cast("int16"),
        education=j.education, student_status=j.student_status, health=j.health,
        medical_insurance=j.medical_insurance, serious_illness_insurance=j.serious_illness_insurance,
    )
    child = (members.age >= 6) & (members.age <= 15)
    out_of_school = child & members.student_status.isin(IN_SCHOOL_EXCEPT) & ~members.health.isin(("serious", "disabled"))
    adult = members.age >= 16
    by_household = members.group_by("household_id").aggregate(
        any_out_of_school=_flag(out_of_school).max(),
        any_uninsured=_flag(~members.medical_insurance | ~members.serious_illness_insurance).max(),
        any_adult=_flag(adult).max(),
        any_schooled=_flag(adult & members.education.isin(FINISHED_PRIMARY)).max(),
        any_ill=_flag(members.health.isin(("serious", "disabled"))).max(),
    )
    inc = tables["income"]
    inc = inc.filter(inc.year == year).select(inc_hh=inc.household_id, per_capita=inc.per_capita.cast("float64"))
    st = tables["status"]
    st = st.filter(st.effective_date <= end)
    st = st.mutate(rank=ibis.row_number().over(group_by=st.household_id, order_by=[ibis.desc(st.effective_date), ibis.desc(st.id)]))
    st = st.filter(st.rank == 0).select(st_hh=st.household_id, status=st.to_status)

    house = (
        hh.join(by_household, hh.id == by_household.household_id)
        .left_join(inc, hh.id == inc.inc_hh)
        .left_join(st, hh.id == st.st_hh)
    )
    line = line_expression(house.area_id, lines, national_line)
    house = house.select(
        hid=house.id, village=house.area_id, per_capita=house.per_capita, line=line,
        registered=_flag(house.status.isin(REGISTERED_STATUSES).fill_null(False)),
        d_income=ibis.ifelse(house.per_capita.isnull(), ibis.null("int8"), _flag(house.per_capita < line)),
        d_food_clothing=_flag(~house.food_secure | ~house.clothing_secure),
        d_education=house.any_out_of_school,
        d_medical=house.any_uninsured,
        d_housing=_flag(house.housing_grade.isin(("C", "D"))),
        d_water=_flag(~house.water_safe),
        d_schooling=_flag((house.any_adult == 1) & (house.any_schooled == 0)),
        d_illness=house.any_ill,
        d_cooking_fuel=_flag(house.cooking_fuel.isin(("firewood", "coal"))),
        d_electricity=_flag(~house.has_electricity),
    )
    assert {f"d_{c}" for c in INDICATORS} <= set(house.columns)
    people = members.select("person_id", "household_id", "age")
    return people.join(house, people.household_id == house.hid).select(
        "person_id", "household_id", "village", weight=ibis.literal(1.0, type="float64"), age=people.age,
        per_capita=house.per_capita, line=house.line, registered=house.registered,
        **{f"d_{c}": house[f"d_{c}"] for c in INDICATORS},
    )
