from decimal import Decimal

import pytest

from jingzhun.core.models import AuditEvent
from jingzhun.policy.models import PovertyLine
from jingzhun.policy.selectors import enclosing_codes, monitoring_line, poverty_line, poverty_line_amount
from jingzhun.policy.services import line_set, lines_seed

pytestmark = pytest.mark.django_db


def test_seed_matches_domain_figures_and_is_idempotent():
    assert lines_seed() == 14
    assert lines_seed() == 0
    assert {y: poverty_line_amount(y) for y in (2010, 2014, 2016, 2020)} == {
        2010: Decimal("2300.00"), 2014: Decimal("2800.00"), 2016: Decimal("2952.00"), 2020: Decimal("4000.00")}
    assert monitoring_line(2021).amount == Decimal("6000.00")
    assert "Statistical Yearbook" in poverty_line(2015).source
    assert poverty_line(2009) is None


def test_enclosing_codes():
    assert enclosing_codes("522633100201") == [
        "522633100201", "522633100000", "522633000000", "522600000000", "520000000000"]


def test_most_specific_area_wins(areas):
    lines_seed()
    line_set(actor=None, kind="poverty", year=2016, amount=Decimal("3100"), area=areas["520000000000"], source="province")
    line_set(actor=None, kind="poverty", year=2016, amount=Decimal("3200"), area=areas["522633000000"], source="county")
    assert poverty_line_amount(2016, "522633100201") == Decimal("3200")
    assert poverty_line_amount(2016, "522633") == Decimal("3200")
    assert poverty_line_amount(2016, "522600000000") == Decimal("3100")
    assert poverty_line_amount(2016, "431125100201") == Decimal("2952.00")
    assert poverty_line_amount(2016) == Decimal("2952.00")


def test_line_set_audits_changes(areas):
    line_set(actor=None, kind="poverty", year=2016, amount=Decimal("3000"), area=areas["520000000000"], source="a")
    line_set(actor=None, kind="poverty", year=2016, amount=Decimal("3050"), area=areas["520000000000"], source="a")
    assert PovertyLine.objects.filter(year=2016).count() == 1
    event = AuditEvent.objects.filter(action="poverty_line.change").get()
    assert event.changes == {"amount": ["3000.00", "3050"]}


def test_only_the_national_office_sets_lines(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        line_set(actor=users["province"], kind="poverty", year=2016, amount=Decimal("1"), source="x")
