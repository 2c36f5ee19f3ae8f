"""API fixtures: signed-in clients per role, quick password hashing, URL helpers."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from jingzhun.accounts.models import Role
from jingzhun.accounts.services import user_create


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_for(users):
    """client_for("township") -> an APIClient signed in (session) as that user; also accepts a User."""

    def make(user, language: str = "en") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(users[user] if isinstance(user, str) else user)
        return client

    return make


@pytest.fixture
def national(areas):
    return user_create(actor=None, username="national", password="pw-national-2026", role=Role.NATIONAL,
                       area=areas["520000000000"])[0]


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-2026")
