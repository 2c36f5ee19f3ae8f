"""The same Ibis expression on DuckDB, PostgreSQL and Spark gives the pure library's numbers (relative 1e-9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jingzhun.analytics.selectors import BASE_COLUMNS, area_measures, dimension_specs
from jingzhun.registry.models import Membership, StatusChange

from .reference import assert_close, reference_rows

VILLAGE, TOWNSHIP, COUNTY_LEVEL = 5, 4, 3


def _keys():
    keys = [k for k, _label, _kind in BASE_COLUMNS]
    for _ds, spec in dimension_specs():
        keys += [f"{spec.code}_h", f"{spec.code}_a", f"{spec.code}_m0"]
        keys += [f"{spec.code}_contrib_{c}" for c, _w in spec.indicators]
    return keys


def _by_area(table):
    return {row["area"]: row for row in table.rows}


def test_duckdb_equals_the_pure_functions_for_every_village_and_the_county(snapshot):
    keys = _keys()
    for year in (2014, 2017, 2020):
        table = area_measures(user=None, area_code="522633", level=VILLAGE, year=year, backend="duckdb")
        expected = reference_rows(snapshot.path(year), VILLAGE)
        assert set(_by_area(table)) == set(expected) == {"522633100201", "522633100202", "522633101201"}
        for code, row in _by_area(table).items():
            assert_close(row, expected[code], keys, label=f"{year} {code}")
        county = reference_rows(snapshot.path(year), COUNTY_LEVEL)["522633000000"]
        assert_close(table.total, county, keys, label=f"{year} total")
    assert table.snapshot == snapshot


def test_person_years_count_exactly_the_members_alive_on_31_december(snapshot):
    """An independent count through the ORM: members on 31 Dec, and households poor or returned that day."""
    for year in (2015, 2019):
        end = dt.date(year, 12, 31)
        table = area_measures(user=None, area_code="522633", level=COUNTY_LEVEL, year=year)
        members = Membership.objects.filter(start_date__lte=end).exclude(end_date__lte=end).exclude(person__death_date__lte=end)
        assert table.total["population"] == members.count()
        last = {}
        for hh, status, _date, _id in StatusChange.objects.filter(effective_date__lte=end).order_by("effective_date", "id") \
                .values_list("household_id", "to_status", "effective_date", "id"):
            last[hh] = status
        poor = {hh for hh, s in last.items() if s in ("poor", "returned")}
        assert table.total["registered"] == members.filter(household_id__in=poor).count()
        assert table.total["registered"] > 0 if year == 2015 else True


def test_change_between_two_years(snapshot):
    table = area_measures(user=None, area_code="522633", level=TOWNSHIP, year=2020, compare=2015)
    before = _by_area(area_measures(user=None, area_code="522633", level=TOWNSHIP, year=2015))
    for code, row in _by_area(table).items():
        assert row["p0_before"] == before[code]["p0"]
        assert row["p0_change"] == row["p0"] - before[code]["p0"]
    assert table.total["incidence_change"] < 0  # the campaign worked in the generated county too


@pytest.mark.django_db(transaction=True)  # the Ibis connection is another session: it sees committed rows only
def test_postgres_in_the_database_equals_duckdb_on_the_snapshot(snapshot):
    if connection.vendor != "postgresql":
        pytest.skip("the postgres backend runs in the system database, SQLite here (CI runs the suite on PostgreSQL too)")
    keys = _keys()
    for year in (2016, 2020):
        duck = area_measures(user=None, area_code="522633", level=VILLAGE, year=year, backend="duckdb")
        pg = area_measures(user=None, area_code="522633", level=VILLAGE, year=year, backend="postgres")
        assert pg.snapshot is None
        assert set(_by_area(pg)) == set(_by_area(duck))
        for code, row in _by_area(pg).items():
            assert_close(row, _by_area(duck)[code], keys, label=f"pg {year} {code}")
        assert_close(pg.total, duck.total, keys, label=f"pg {year} total")


def test_spark_equals_duckdb_and_the_pure_functions(snapshot, require_java):
    keys = _keys()
    spark = area_measures(user=None, area_code="522633", level=VILLAGE, year=2016, compare=2020, backend="spark")
    duck = area_measures(user=None, area_code="522633", level=VILLAGE, year=2016, compare=2020, backend="duckdb")
    expected = reference_rows(snapshot.path(2016), VILLAGE)
    for code, row in _by_area(spark).items():
        assert_close(row, expected[code], keys, label=f"spark {code}")
        assert_close(row, _by_area(duck)[code], [*keys, *(f"{k}_change" for k in keys)], label=f"spark/duckdb {code}")
