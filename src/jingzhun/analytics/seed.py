"""The seeded dimension sets, on demand (idempotent): the data migration's rows, for a database flushed since."""

from __future__ import annotations

import importlib

from django.apps import apps


def dimension_sets_seed() -> None:
    migration = importlib.import_module("jingzhun.analytics.migrations.0002_seed_dimension_sets")
    migration.seed(apps, None)
