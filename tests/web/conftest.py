"""Fixtures of the web tests: logged-in clients, poverty lines, and compiled translations.

The compiled catalogue (*.mo) is not committed (.gitignore), so it is built here from the .po when it is
missing or older, before any test activates a language.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import jingzhun

LOCALE = Path(jingzhun.__file__).parent / "locale"


def _compile_messages() -> None:
    msgfmt = shutil.which("msgfmt")
    for po in LOCALE.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if msgfmt and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
            subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)


_compile_messages()


@pytest.fixture
def lines(db):
    """The published national poverty lines (DOMAIN.md section 6)."""
    from jingzhun.policy.services import lines_seed

    lines_seed()


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user, in the given language (default zh-hans)."""

    def _login(user, language: str = "zh-hans"):
        client.force_login(user)
        client.cookies["django_language"] = language
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The `users` fixture creates seven users; the default PBKDF2 rounds would cost seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
