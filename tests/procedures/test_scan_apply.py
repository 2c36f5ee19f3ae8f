"""The scan applied: flags open monitoring cases, a second scan updates them (never a duplicate), monitoring
targets are left alone; the command and the Job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from jingzhun.core.models import AuditEvent
from jingzhun.policy.models import MonitoringLine
from jingzhun.procedures.models import Case, CaseStep, DepartmentAlert, MonitoringRecord
from jingzhun.procedures.scan_apply import monitoring_scan_apply
from jingzhun.registry.models import IncomeRecord
from jingzhun.registry.services import household_register

V = "522633100201"
AS_OF = dt.date(2022, 6, 30)


def _income(hh, year, per_capita):
    members = hh.size
    pc = Decimal(per_capita)
    IncomeRecord.objects.create(household=hh, year=year, members=members, wages=pc * members, gross=pc * members, net=pc * members, per_capita=pc)


@pytest.fixture
def village(areas, people):
    MonitoringLine.objects.create(year=2022, amount=Decimal("7000"), source="县")
    MonitoringLine.objects.create(year=2021, amount=Decimal("6500"), source="县")
    make = lambda name, status, **kw: household_register(actor=None, area=areas[V], status=status, registered_year=2015 if status != "none" else None,  # noqa: E731
                                                         date=dt.date(2015, 3, 1), head=people.person(name, born=dt.date(1980, 1, 1)), **kw)
    low = make("低收入", "none")                 # marginal: below the monitoring line
    _income(low, 2022, "5000")
    dropped = make("骤降", "exited")             # unstable: exited, income fell by half
    _income(dropped, 2021, "12000")
    _income(dropped, 2022, "6000")
    fine = make("稳定", "none")                  # nothing
    _income(fine, 2022, "15000")
    ill = make("大病", "none")                   # an alert only: opens as sudden hardship
    _income(ill, 2022, "20000")
    DepartmentAlert.objects.create(id_number=ill.head.id_number, alert_type="medical", alert_date=dt.date(2022, 5, 1), source="医保局")
    return {"low": low, "dropped": dropped, "fine": fine, "ill": ill}


def test_a_scan_opens_cases_and_a_second_scan_updates_them(village, users):
    counts = monitoring_scan_apply(actor=users["county"], area_code="522633000000", as_of=AS_OF)
    assert counts == {"flagged": 3, "opened": 3, "updated": 0, "already_monitored": 0}
    cases = {c.household_id: c for c in Case.objects.filter(procedure="monitoring")}
    assert {h: (cases[village[h].pk].category, cases[village[h].pk].state, cases[village[h].pk].due_date) for h in ("low", "dropped", "ill")} == {
        "low": ("marginal", "opened", dt.date(2022, 7, 15)), "dropped": ("unstable", "opened", dt.date(2022, 7, 15)),
        "ill": ("hardship", "opened", dt.date(2022, 7, 15))}
    assert "income_drop" in cases[village["dropped"].pk].reasons and "department_alert" in cases[village["ill"].pk].reasons
    assert CaseStep.objects.filter(action="open").count() == 3
    # a later alert adds a reason to the open case; nothing is opened twice
    DepartmentAlert.objects.create(id_number=village["low"].head.id_number, alert_type="disaster", alert_date=dt.date(2022, 6, 1),
                                   amount=Decimal("90000"), source="应急局")
    again = monitoring_scan_apply(actor=users["county"], area_code="522633000000", as_of=AS_OF)
    assert again == {"flagged": 3, "opened": 0, "updated": 3, "already_monitored": 0}
    assert Case.objects.filter(procedure="monitoring").count() == 3
    assert set(Case.objects.get(household=village["low"]).reasons) >= {"income_below_monitoring_line", "department_alert", "rigid_spending"}
    assert AuditEvent.objects.filter(action="monitoring.scan").count() == 2


def test_monitoring_targets_are_left_alone_and_the_command_runs(village, users, capsys):
    case = Case.objects.create(procedure="monitoring", household=village["dropped"], area=V, year=2021, state="recorded",
                               category="unstable", closed_at=dt.datetime(2021, 9, 1, tzinfo=dt.UTC), outcome="completed")
    MonitoringRecord.objects.create(household=village["dropped"], area=V, category="unstable", identified_on=dt.date(2021, 9, 1), identification=case)
    call_command("monitoring_scan", "--area", "522633", "--as-of", "2022-06-30")
    assert capsys.readouterr().out.strip() == "flagged 3, opened 2, updated 0, already_monitored 1"
    assert Case.objects.filter(procedure="monitoring", closed_at__isnull=True).count() == 2
