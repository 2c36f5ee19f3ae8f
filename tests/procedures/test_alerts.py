"""Department alerts: every row checked before anything is written, idempotent, encodings."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from jingzhun.core.models import AuditEvent
from jingzhun.procedures.alerts import alerts_import
from jingzhun.procedures.models import DepartmentAlert
from jingzhun.registry.identity import make_resident_id

TODAY = dt.date(2021, 6, 30)
A = make_resident_id("522633", dt.date(1970, 3, 4), 12, "M")
B = make_resident_id("522633", dt.date(1988, 9, 1), 40, "F")
WRONG = "1" if A[-1] != "1" else "2"  # a check digit that fails


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    return settings.VAR_DIR


def _csv(path, rows, encoding="utf-8", header="身份证号,预警类型,日期,金额"):
    path.write_text("\n".join([header, *rows]) + "\n", encoding=encoding)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_clean_file_is_imported_once(db, var_dir, tmp_path, encoding):
    path = _csv(tmp_path / "a.csv", [f"{A},大病,2021-05-03,\"38,000.50\"", f"{B},disaster,2021/6/1,", ""], encoding=encoding)
    result = alerts_import(actor=None, path=path, source="县医保局", today=TODAY)
    assert (result.rows, result.created, result.errors) == (2, 2, [])
    assert sorted(DepartmentAlert.objects.values_list("id_number", "alert_type", "alert_date", "amount", "source")) == sorted([
        (A, "medical", dt.date(2021, 5, 3), Decimal("38000.50"), "县医保局"), (B, "disaster", dt.date(2021, 6, 1), None, "县医保局")])
    again = alerts_import(actor=None, path=path, source="县医保局", today=TODAY)
    assert (again.rows, again.created, DepartmentAlert.objects.count()) == (2, 0, 2)
    assert AuditEvent.objects.filter(action="alerts.import").count() == 2


def test_any_bad_row_writes_nothing_and_every_error_has_row_and_column(db, var_dir, tmp_path):
    path = _csv(tmp_path / "b.csv", [f"{A},大病,2021-05-03,100", f"{A[:-1]}{WRONG},洪水,2021-13-01,-5", f"{B},失业,2022-01-01,1.234"])
    result = alerts_import(actor=None, path=path, source="x", today=TODAY)
    assert [(e["row"], e["column"], e["code"]) for e in result.errors] == [
        (3, "id_number", "id_checksum"), (3, "alert_type", "bad_code"), (3, "alert_date", "bad_date"), (3, "amount", "bad_number"),
        (4, "alert_date", "future_date"), (4, "amount", "bad_number")]
    assert not DepartmentAlert.objects.exists()
    missing = alerts_import(actor=None, path=_csv(tmp_path / "c.csv", [], header="身份证号,金额"), source="x", today=TODAY)
    assert [(e["row"], e["code"]) for e in missing.errors] == [(1, "missing_columns")] and "预警类型" in missing.errors[0]["message"]


def test_the_command_exit_status_and_report(db, var_dir, tmp_path):
    good = _csv(tmp_path / "g.csv", [f"{A},意外,2021-05-03,10"])
    call_command("alerts", str(good), source="应急局")
    assert DepartmentAlert.objects.count() == 1
    bad = _csv(tmp_path / "e.csv", [f"{A},意外,明天,10"])
    with pytest.raises(SystemExit) as exit_:
        call_command("alerts", str(bad), source="应急局", report=str(tmp_path / "r.json"))
    assert exit_.value.code == 1
    assert json.loads((tmp_path / "r.json").read_text())[0]["code"] == "bad_date"
