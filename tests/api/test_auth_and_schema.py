"""Token authentication, the OpenAPI schema, and the locally served Swagger UI."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

TOKEN_URL = "/api/auth/token/"


def test_obtain_token_and_use_it(users, household):
    client = APIClient()
    response = client.post(TOKEN_URL, {"username": "township", "password": "pw-township-2026"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=users["township"]).key == token

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = client.get("/api/households/")
    assert listing.status_code == 200 and listing.json()["count"] == 1
    # token writes need no CSRF token
    response = client.patch(f"/api/households/{household.pk}/", {"housing_grade": "A"}, format="json")
    assert response.status_code == 200


def test_token_keeps_the_users_scope(users, household):
    token = Token.objects.create(user=users["other_township"])
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/households/").json()["count"] == 0
    assert client.get(f"/api/households/{household.pk}/").status_code == 404


def test_wrong_password_gets_no_token(users):
    response = APIClient().post(TOKEN_URL, {"username": "township", "password": "wrong"}, format="json")
    assert response.status_code == 400 and "token" not in response.json()


def test_bad_or_missing_token_is_401(db):
    assert APIClient(HTTP_AUTHORIZATION="Token nope").get("/api/households/").status_code == 401
    response = APIClient().get("/api/persons/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_session_writes_need_csrf(users, household):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["township"])
    assert client.get("/api/households/").status_code == 200
    response = client.patch(f"/api/households/{household.pk}/", {"housing_grade": "A"}, format="json")
    assert response.status_code == 403


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/households/{id}/", "/api/persons/{id}/identity/", "/api/persons/{id}/move/",
                 "/api/incomes/", "/api/poverty-lines/", "/api/monitoring-lines/", "/api/areas/{code}/",
                 "/api/auth/token/"):
        assert f"  {path}:" in text, path
    assert "tokenAuth" in text


@pytest.mark.django_db
def test_schema_endpoint_serves_openapi():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    person = schema["components"]["schemas"]["Person"]["properties"]
    assert "id_number_masked" in person and "id_number" not in person
    assert "phone" not in schema["components"]["schemas"]["HouseholdDetail"]["properties"]


@pytest.mark.django_db
def test_docs_use_the_local_sidecar_not_a_cdn():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    # no CDN host anywhere (not just in src/href); a bare "cdn" can occur by chance in the page's random CSRF token
    assert not re.search(r"(?i)(?:https?:)?//[^\s\"'<>]*(?:cdn|unpkg|jsdelivr)", html)
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset


def test_token_issue_is_audited_and_password_guessing_throttled(users):
    from django.core.cache import cache

    from jingzhun.core.models import AuditEvent

    cache.clear()
    try:
        client = APIClient()
        assert client.post(TOKEN_URL, {"username": "township", "password": "pw-township-2026"}).status_code == 200
        event = AuditEvent.objects.get(action="token.issue")
        assert event.actor == users["township"] and event.changes == {"created": [None, True]}
        statuses = [client.post(TOKEN_URL, {"username": "township", "password": "guess"}).status_code for _ in range(10)]
        assert statuses == [400] * 9 + [429]
    finally:
        cache.clear()
