"""The demo's cases: identification cases at each stage in the demo village, monitoring cases from a scan."""

from __future__ import annotations

import datetime as dt

from jingzhun.demo.generator import generate_county
from jingzhun.demo.procedures import demo_cases
from jingzhun.policy.services import lines_seed
from jingzhun.procedures.models import Case


def test_demo_cases_fill_every_stage_once(areas):
    lines_seed()
    generate_county(county_code="522633", households=400, seed=7)
    done = demo_cases("522633", areas["522633100201"], today=dt.date(2026, 11, 22))
    states = list(Case.objects.filter(procedure="identification").order_by("id").values_list("state", flat=True))
    assert done["identification"] == len(states) == 5
    assert states == ["applied", "appraised", "first_notice", "township_review", "county_approval"][: len(states)]
    monitoring = Case.objects.filter(procedure="monitoring")
    assert done["monitoring"]["opened"] == monitoring.count() > 0
    assert set(monitoring.values_list("due_date", flat=True)) == {dt.date(2021, 4, 15)}
    assert demo_cases("522633", areas["522633100201"]) == {}  # idempotent
