"""A generated county (Congjiang, 3 villages of the shared tree) and a snapshot of it in a temporary VAR_DIR."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from jingzhun.analytics.seed import dimension_sets_seed
from jingzhun.analytics.snapshots import snapshot_take
from jingzhun.demo.generator import generate_county

COUNTY = "522633000000"


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def county(areas, var_dir):
    """About 1,400 persons in 400 households with incomes 2014-2020, generated deterministically."""
    dimension_sets_seed()  # a transactional test before this one may have flushed the migration's rows
    generate_county(county_code="522633", households=400, seed=7)
    return areas[COUNTY]


@pytest.fixture
def snapshot(county):
    return snapshot_take(actor=None, area=county)


def java_available() -> bool:
    java = shutil.which("java")
    if not java:
        return False
    return subprocess.run([java, "-version"], capture_output=True).returncode == 0


@pytest.fixture
def require_java():
    if not java_available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Java is not installed (apt-get install default-jre-headless); CI requires the Spark tests")
        pytest.skip("Java is not installed: Spark cannot start")
