"""Showing a member's full identity number: POST only, CSRF protected, audited, 404 when not allowed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jingzhun.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_reveal_returns_full_number_and_audits(login, users, household):
    person = household.head
    client = login(users["township"])
    response = client.post(reverse("web:person_reveal_id", args=[person.pk]), HTTP_HX_REQUEST="true",
                           HTTP_HX_TARGET=f"id-{person.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert person.id_number in html and f'id="id-{person.pk}"' in html and "<html" not in html
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="person.reveal_id")
    assert event.object_type == "registry.person" and event.object_id == str(person.pk)
    assert event.actor == users["township"] and event.area_code == "522633100201"


def test_reveal_without_htmx_renders_a_page(login, users, household):
    response = login(users["township"]).post(reverse("web:person_reveal_id", args=[household.head.pk]))
    assert response.status_code == 200 and household.head.id_number in response.content.decode()
    assert "<html" in response.content.decode()


def test_reveal_is_post_only(login, users, household):
    response = login(users["township"]).get(reverse("web:person_reveal_id", args=[household.head.pk]))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


def test_reveal_is_csrf_protected(users, household):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["township"])
    assert client.post(reverse("web:person_reveal_id", args=[household.head.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


@pytest.mark.parametrize("username", ["other_township", "hunan_county", "analyst"])
def test_reveal_out_of_scope_or_without_unmask_is_404(login, users, household, username):
    response = login(users[username]).post(reverse("web:person_reveal_id", args=[household.head.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="person.reveal_id").exists()


def test_reveal_shows_in_audit_trail(login, users, household):
    client = login(users["county"])
    client.post(reverse("web:person_reveal_id", args=[household.head.pk]))
    html = client.get(reverse("web:household", args=[household.pk])).content.decode()
    assert "查看完整身份证号" in html
