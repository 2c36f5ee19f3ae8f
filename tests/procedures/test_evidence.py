"""Evidence of a case (content-checked uploads, audited) and assistance measures (audited, validated)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from jingzhun.core.models import AuditEvent
from jingzhun.procedures.evidence import EVIDENCE_MAX_BYTES, evidence_add, evidence_open, evidence_storage, measure_add, sniff_type
from jingzhun.procedures.models import Evidence, Measure
from jingzhun.procedures.services import case_open

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _english():
    """The services' messages in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def case(users, household):
    return case_open(actor=users["village"], household=household, procedure="monitoring", category="unstable", today=dt.date(2021, 5, 1))


@pytest.mark.parametrize(("content", "expected"), [
    (PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "image/png"),
    (b"GIF89a" + b"\x00" * 10, None), (b"PK\x03\x04", None), (b"<html>%PDF-", None), (b"", None),
])
def test_types_are_recognised_by_their_first_bytes(content, expected):
    assert sniff_type(content) == expected


@pytest.mark.parametrize(("name", "content", "content_type", "ext"), [
    ("consent.pdf", PDF, "application/pdf", "pdf"),
    ("photo.jpeg", JPEG, "image/jpeg", "jpg"),
    ("scan.bin", PNG, "image/png", "png"),  # the content decides, not the name
])
def test_evidence_is_stored_under_a_generated_name_and_audited(users, case, name, content, content_type, ext):
    evidence = evidence_add(actor=users["village"], case=case, kind="consent", upload=SimpleUploadedFile(name, content, "text/plain"))
    assert (evidence.original_name, evidence.content_type, evidence.size, evidence.uploaded_by) == (name, content_type, len(content), users["village"])
    assert evidence.file.name.startswith("evidence/") and evidence.file.name.endswith("." + ext) and name not in evidence.file.name
    with evidence_open(evidence) as handle:
        assert handle.read() == content
    event = AuditEvent.objects.get(action="case.evidence")
    assert (event.object_id, event.area_code, event.actor) == (str(case.pk), case.area, users["village"])
    assert event.changes["evidence"] == [None, evidence.pk] and event.changes["file"] == [None, name]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 20, "Only PDF, JPEG and PNG"),
    ("page.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Only PDF, JPEG and PNG"),
    ("empty.pdf", b"", "empty"),
    ("big.pdf", b"%PDF-" + b"0" * EVIDENCE_MAX_BYTES, r"The file is 10.1 MB; at most 10 MB"),
])
def test_refused_uploads_leave_nothing_behind(users, case, name, content, message):
    with pytest.raises(ValidationError, match=message) as err:
        evidence_add(actor=users["village"], case=case, kind="document", upload=SimpleUploadedFile(name, content))
    assert "file" in err.value.message_dict
    assert not Evidence.objects.exists() and not AuditEvent.objects.filter(action="case.evidence").exists()
    storage = evidence_storage()
    assert not storage.exists("evidence") or not any(storage.listdir("evidence"))


def test_exactly_ten_megabytes_is_accepted(users, case):
    evidence_add(actor=users["village"], case=case, kind="document", upload=SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * (EVIDENCE_MAX_BYTES - 5)))
    assert Evidence.objects.get().size == EVIDENCE_MAX_BYTES


def test_evidence_needs_change_scope_and_a_known_kind(users, case):
    for who in ("analyst", "hunan_county"):
        with pytest.raises(PermissionDenied):
            evidence_add(actor=users[who], case=case, kind="consent", upload=SimpleUploadedFile("a.pdf", PDF))
    with pytest.raises(ValidationError, match="kind"):
        evidence_add(actor=users["village"], case=case, kind="selfie", upload=SimpleUploadedFile("a.pdf", PDF))
    assert not Evidence.objects.exists()


def test_evidence_without_media_root_goes_under_var_dir(users, case, settings, tmp_path):
    settings.MEDIA_ROOT = ""
    settings.VAR_DIR = tmp_path / "var"
    evidence = evidence_add(actor=users["village"], case=case, kind="consent", upload=SimpleUploadedFile("a.pdf", PDF))
    assert (tmp_path / "var" / "media" / evidence.file.name).read_bytes() == PDF


def test_measure_add_records_and_audits(users, household):
    measure = measure_add(actor=users["village"], household=household, category="employment", description=" 公益性岗位 ",
                          start_date=dt.date(2021, 6, 1), amount="6000.5", provider="镇人社所")
    assert (measure.area, measure.description, measure.amount, measure.provider) == (household.area_id, "公益性岗位", Decimal("6000.50"), "镇人社所")
    event = AuditEvent.objects.get(action="measure.add")
    assert (event.object_type, event.object_id, event.area_code) == ("procedures.measure", str(measure.pk), household.area_id)
    assert event.changes["household"] == [None, household.number]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"category": "magic"}, "category"),
    ({"description": "  "}, "description"),
    ({"start_date": None}, "start_date"),
    ({"end_date": dt.date(2021, 5, 1)}, "end_date"),
    ({"amount": "-1"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "1e12"}, "amount"),
])
def test_measure_add_refuses_bad_data(users, household, kwargs, field):
    data = {"category": "education", "description": "助学金", "start_date": dt.date(2021, 6, 1), **kwargs}
    with pytest.raises(ValidationError) as err:
        measure_add(actor=users["village"], household=household, **data)
    assert field in err.value.message_dict
    assert not Measure.objects.exists()


def test_measure_add_needs_change_scope(users, household):
    with pytest.raises(PermissionDenied):
        measure_add(actor=users["analyst"], household=household, category="education", description="助学金", start_date=dt.date(2021, 6, 1))
