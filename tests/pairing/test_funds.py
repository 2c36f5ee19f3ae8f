"""The fund ledger: append-only rows, corrections, the disbursed <= allocated rule, exact totals, scope and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from jingzhun.core.models import AuditEvent
from jingzhun.pairing.models import AppendOnlyError, FundEntry
from jingzhun.pairing.projects import project_create
from jingzhun.pairing.selectors import fund_totals
from jingzhun.pairing.services import fund_correct, fund_record, partnership_create

D = dt.date(2018, 5, 1)


@pytest.fixture
def pair(areas):
    return partnership_create(actor=None, kind="county", name="江永—从江", east_area=areas["431125000000"], west_area=areas["522633000000"],
                              start_date=dt.date(2017, 1, 1), end_date=dt.date(2020, 12, 31))


@pytest.fixture
def projects(pair, areas):
    return {code: project_create(actor=None, partnership=pair, name=f"项目{code}", code=code, budget="5000", village=areas["522633100201"])
            for code in ("P1", "P2")}


def record(pair, kind, amount, source="fiscal", project=None, date=D, actor=None):
    return fund_record(actor=actor, partnership=pair, date=date, kind=kind, source=source, amount=amount, project=project)


def test_entries_are_never_updated_or_deleted(pair):
    e = record(pair, "allocated", "100.00")
    e.amount = Decimal("1.00")
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        FundEntry.objects.filter(pk=e.pk).update(amount=1)
    with pytest.raises(AppendOnlyError):
        FundEntry.objects.filter(pk=e.pk).delete()
    assert FundEntry.objects.get(pk=e.pk).amount == Decimal("100.00")


def test_amount_positive_and_date_in_period(pair):
    for bad in ("0", "-5", "1.005"):
        with pytest.raises(ValidationError) as e:
            record(pair, "pledged", bad)
        assert "amount" in e.value.message_dict
    for date in (dt.date(2016, 12, 31), dt.date(2021, 1, 1)):
        with pytest.raises(ValidationError) as e:
            record(pair, "pledged", "10", date=date)
        assert "date" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        fund_record(actor=None, partnership=pair, date=D, kind="stolen", source="gift", amount="1")
    assert set(e.value.message_dict) == {"kind", "source"}
    assert not FundEntry.objects.exists()


def test_database_refuses_a_non_positive_plain_entry(pair):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundEntry.objects.create(partnership=pair, date=D, kind="pledged", source="fiscal", amount=Decimal("-1"))


def test_correction_nets_and_is_allowed_once(pair):
    e = record(pair, "allocated", "250.50")
    c = fund_correct(actor=None, entry=e, note="entered twice")
    assert c.amount == Decimal("-250.50") and (c.kind, c.source, c.corrects) == (e.kind, e.source, e)
    assert fund_totals(partnership=pair)["fiscal"]["allocated"] == Decimal("0.00")
    with pytest.raises(ValidationError) as err:
        fund_correct(actor=None, entry=e, note="again")
    assert "corrects" in err.value.message_dict
    with pytest.raises(ValidationError):
        fund_correct(actor=None, entry=c, note="undo the undo")
    with pytest.raises(ValidationError) as err:
        fund_correct(actor=None, entry=record(pair, "pledged", "1"), note=" ")
    assert "note" in err.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():  # the database keeps the rule as well
        FundEntry.objects.create(partnership=pair, date=D, kind="allocated", source="fiscal", amount=Decimal("-250.50"), corrects=e)


def test_disbursed_above_allocated_is_refused(pair, projects):
    p1, p2 = projects["P1"], projects["P2"]
    record(pair, "allocated", "1000.00", project=p1)
    record(pair, "disbursed", "600.00", project=p1)
    with pytest.raises(ValidationError) as e:
        record(pair, "disbursed", "400.01", project=p1)
    assert "amount" in e.value.message_dict
    with pytest.raises(ValidationError):  # another project has nothing allocated
        record(pair, "disbursed", "1.00", project=p2)
    with pytest.raises(ValidationError):  # another source neither
        record(pair, "disbursed", "1.00", project=p1, source="donation")
    with pytest.raises(ValidationError):  # nor funds outside any project
        record(pair, "disbursed", "1.00")
    record(pair, "disbursed", "400.00", project=p1)
    assert FundEntry.objects.filter(kind="disbursed").count() == 2


def test_correcting_an_allocation_below_disbursed_is_refused(pair):
    alloc = record(pair, "allocated", "100.00")
    record(pair, "disbursed", "100.00")
    with pytest.raises(ValidationError):
        fund_correct(actor=None, entry=alloc, note="wrong")
    assert not FundEntry.objects.filter(corrects=alloc).exists()


def test_totals_by_source_and_kind_exact(pair):
    for _ in range(10):
        record(pair, "allocated", "0.10")
    record(pair, "allocated", "0.20", source="donation")
    record(pair, "pledged", "1234567890123.45", source="enterprise", date=dt.date(2019, 1, 1))
    record(pair, "disbursed", "0.30")
    wrong = record(pair, "disbursed", "0.70")
    fund_correct(actor=None, entry=wrong, note="typo")
    record(pair, "returned", "0.05")
    totals = fund_totals(partnership=pair)
    assert totals["fiscal"] == {"pledged": Decimal("0.00"), "allocated": Decimal("1.00"), "disbursed": Decimal("0.30"), "returned": Decimal("0.05")}
    assert totals["donation"]["allocated"] == Decimal("0.20")
    assert totals["enterprise"]["pledged"] == Decimal("1234567890123.45")
    assert str(totals["fiscal"]["allocated"]) == "1.00"
    assert fund_totals(partnership=pair, end=dt.date(2018, 12, 31))["enterprise"]["pledged"] == Decimal("0")
    assert fund_totals(partnership=pair, start=dt.date(2019, 1, 1))["fiscal"]["allocated"] == Decimal("0")


def test_scope_pledges_need_the_eastern_side(pair, users):
    with pytest.raises(PermissionDenied):
        record(pair, "pledged", "10", actor=users["county"])  # Congjiang is the western side
    pledge = record(pair, "pledged", "10", actor=users["hunan_county"])
    record(pair, "allocated", "10", actor=users["county"])
    record(pair, "allocated", "10", actor=users["hunan_county"])
    with pytest.raises(PermissionDenied):
        record(pair, "allocated", "10", actor=users["analyst"])
    with pytest.raises(PermissionDenied):
        fund_correct(actor=users["county"], entry=pledge, note="x")


def test_project_of_another_partnership_is_refused(pair, projects, areas):
    other = partnership_create(actor=None, kind="county", name="另一对", east_area=areas["431125000000"], west_area=areas["522633000000"],
                               start_date=dt.date(2017, 1, 1))
    with pytest.raises(ValidationError) as e:
        fund_record(actor=None, partnership=other, date=D, kind="allocated", source="fiscal", amount="1", project=projects["P1"])
    assert set(e.value.message_dict) == {"project"}


def test_audit_rows(pair, users, projects):
    e = record(pair, "allocated", "10.00", actor=users["county"], project=projects["P1"])
    c = fund_correct(actor=users["county"], entry=e, note="typo")
    rec = AuditEvent.objects.get(action="pairing.fund_record", object_id=str(e.pk))
    assert rec.actor == users["county"] and rec.area_code == "522633000000" and rec.object_type == "pairing.fundentry"
    assert rec.changes["amount"] == "10.00" and rec.changes["project"] == projects["P1"].pk
    cor = AuditEvent.objects.get(action="pairing.fund_correct", object_id=str(c.pk))
    assert cor.changes["amount"] == "-10.00" and cor.changes["corrects"] == e.pk
    assert e.recorded_by == users["county"]
