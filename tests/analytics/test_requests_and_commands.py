"""Scope, errors, dimension sets as data, the snapshot's all-or-nothing write, and the two commands."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jingzhun.analytics import snapshots
from jingzhun.analytics.lines import NoPovertyLine
from jingzhun.analytics.models import DimensionSet, Snapshot
from jingzhun.analytics.selectors import AnalyticsError, area_measures
from jingzhun.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_scope_levels_and_missing_snapshots(county, users):
    with pytest.raises(AnalyticsError, match="No snapshot covers"):
        area_measures(user=users["county"], area_code="522633", level=5, year=2020)
    snapshots.snapshot_take(actor=users["county"], area=county, years=[2019, 2020])
    assert area_measures(user=users["township"], area_code="522633100000", level=5, year=2020).rows  # a county snapshot serves a township
    with pytest.raises(PermissionDenied):
        area_measures(user=users["village"], area_code="522633", level=5, year=2020)
    with pytest.raises(PermissionDenied):
        area_measures(user=users["hunan_county"], area_code="522633", level=4, year=2020)
    with pytest.raises(AnalyticsError, match="level at or below"):
        area_measures(user=users["county"], area_code="522633100000", level=3, year=2020)
    with pytest.raises(AnalyticsError, match="2016"):
        area_measures(user=users["county"], area_code="522633", level=5, year=2020, compare=2016)  # not in the snapshot
    with pytest.raises(AnalyticsError, match="Unknown backend"):
        area_measures(user=users["county"], area_code="522633", level=5, year=2020, backend="excel")
    with pytest.raises(AnalyticsError, match="no area"):
        area_measures(user=users["county"], area_code="999999", level=5, year=2020)
    event = AuditEvent.objects.get(action="analytics.snapshot")
    assert (event.actor, event.area_code) == (users["county"], "522633000000")


def test_dimension_sets_are_data(snapshot):
    before = area_measures(user=None, area_code="522633", level=3, year=2016).total
    china = DimensionSet.objects.get(code="china")
    china.cutoff = Decimal("6")  # intersection: deprived in all six
    china.save()
    after = area_measures(user=None, area_code="522633", level=3, year=2016).total
    assert after["china_h"] <= before["china_h"]
    assert after["china_a"] in (0.0, 1.0)
    china.indicators.filter(code="income").update(weight=Decimal("3"))
    china.cutoff = Decimal("3")  # now income alone makes a person poor
    china.save()
    weighted = area_measures(user=None, area_code="522633", level=3, year=2016).total
    assert weighted["china_h"] >= weighted["p0"]


def test_a_failed_snapshot_leaves_no_file_and_no_row(county, var_dir, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(snapshots.pq.ParquetFile, "__init__", boom)
    with pytest.raises(OSError, match="disk full"):
        snapshots.snapshot_take(actor=None, area=county, years=[2020])
    assert not Snapshot.objects.exists()
    assert list((var_dir / "snapshots").iterdir()) == []


def test_a_year_without_a_poverty_line_is_refused_before_any_file(county, var_dir):
    with pytest.raises(NoPovertyLine, match="2031"):
        snapshots.snapshot_take(actor=None, area=county, years=[2020, 2031])
    assert not (var_dir / "snapshots").exists() or list((var_dir / "snapshots").iterdir()) == []


def test_measures_command_formats(county, tmp_path, capsys):
    call_command("measures", area="522633", level="township", year=2020, compare=2014, format="json", output=str(tmp_path / "m.json"))
    data = json.loads((tmp_path / "m.json").read_text())
    assert (data["year"], data["compare"], data["backend"], data["level"]) == (2020, 2014, "duckdb", 4)
    assert [r["area"] for r in data["rows"]] == ["522633100000", "522633101000"]
    assert data["snapshot"]["sha256"]["2020"] == Snapshot.objects.get().files["2020"]["sha256"]  # the command took one
    call_command("measures", area="522633", level="township", year=2020, format="csv")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("area,name,population,registered,incidence") and len(out) == 4  # header, 2 townships, total
    call_command("measures", area="522633", level="village", year=2020, format="xlsx", output=str(tmp_path / "m.xlsx"))
    ws = load_workbook(tmp_path / "m.xlsx").active
    assert ws.max_row == 1 + 3 + 1
    population = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, ws.max_row + 1)}
    assert population["522633000000"] == sum(v for k, v in population.items() if k != "522633000000")
    with pytest.raises(CommandError, match="--output"):
        call_command("measures", area="522633", level="village", year=2020, format="xlsx")
    with pytest.raises(CommandError, match="no area"):
        call_command("measures", area="123456", level="village", year=2020)


def test_snapshot_command(county, capsys):
    call_command("snapshot", area="522633", years="2018-2020", year_end=True)
    snap = Snapshot.objects.get()
    assert (snap.kind, snap.first_year, snap.last_year) == ("year_end", 2018, 2020)
    assert f"snapshot {snap.pk}: 522633000000" in capsys.readouterr().out
    with pytest.raises(CommandError, match="FIRST-LAST"):
        call_command("snapshot", area="522633", years="twenty")
