"""A year-end snapshot freezes the register: a past report reproduces exactly after the register changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.analytics.models import SnapshotKind
from jingzhun.analytics.seed import dimension_sets_seed
from jingzhun.analytics.selectors import area_measures
from jingzhun.analytics.snapshots import snapshot_take
from jingzhun.demo.generator import generate_county
from jingzhun.procedures import selectors
from jingzhun.registry.models import Household, IncomeRecord


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


def test_a_year_end_snapshot_reproduces_a_past_report_after_corrections(areas, var_dir):
    dimension_sets_seed()
    generate_county(county_code="522633", households=120, seed=5)
    county = areas["522633000000"]
    frozen = snapshot_take(actor=None, area=county, kind=SnapshotKind.YEAR_END, years=[2019])
    registered_2019 = selectors.registered_poor_on("522633000000", dt.date(2019, 12, 31))
    before = area_measures(user=None, area_code="522633", level=3, year=2019, snapshot_id=frozen.pk).total
    # a later correction of the 2019 incomes: every household's income a quarter of what was recorded
    records = IncomeRecord.objects.filter(year=2019)
    assert records.count() == Household.objects.count() == 120
    for r in records:
        r.per_capita, r.net, r.gross = (r.per_capita / 4).quantize(Decimal("0.01")), (r.net / 4).quantize(Decimal("0.01")), r.gross
        r.save()
    assert area_measures(user=None, area_code="522633", level=3, year=2019, snapshot_id=frozen.pk).total == before
    fresh = snapshot_take(actor=None, area=county, years=[2019])
    assert area_measures(user=None, area_code="522633", level=3, year=2019, snapshot_id=fresh.pk).total != before
    # the status history is not touched by income corrections: the as-of count stands
    assert selectors.registered_poor_on("522633000000", dt.date(2019, 12, 31)) == registered_2019 > 0
