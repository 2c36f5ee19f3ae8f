"""Household search latency at scale: p50/p95 over 200 queries through the same selector the UI uses.

Usage (after bench_generate.py filled the database named by DATABASE_URL):
    python bench/bench_search.py [--queries 200] [--county 522633]

Queries are drawn (seeded) from real persons of the database: a third by Chinese name prefix
(surname + first given character), a third by pinyin initials, a sixth by full pinyin, a sixth by full
identity number. Each query runs as a county user would run it: scope filter, search, first page
of 50 households and the pager's count (capped at 2,000 as in the web list: core.paging.CappedPaginator).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--county", default="522633")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from jingzhun.accounts.models import Role, RoleAssignment
    from jingzhun.areas.models import Area
    from jingzhun.core.paging import CappedPaginator
    from jingzhun.registry.models import Person
    from jingzhun.registry.selectors import household_list

    user, _ = get_user_model().objects.get_or_create(username="bench-county")
    RoleAssignment.objects.get_or_create(user=user, role=Role.COUNTY, area=Area.objects.get(code=args.county.ljust(12, "0")))
    persons = Person.objects.filter(area__code__startswith=args.county).count()
    rng = random.Random(args.seed)
    max_id = Person.objects.order_by("-id").values_list("id", flat=True).first()
    sample = []
    while len(sample) < args.queries:
        p = Person.objects.filter(id__gte=rng.randint(1, max_id), household__isnull=False).values(
            "name", "name_pinyin", "name_initials", "id_number").order_by("id").first()
        if p:
            sample.append(p)
    queries = []
    for i, p in enumerate(sample):
        kind = ["name", "initials", "name", "initials", "pinyin", "id"][i % 6]
        text = {"name": p["name"][:2], "initials": p["name_initials"], "pinyin": p["name_pinyin"], "id": p["id_number"]}[kind]
        queries.append((kind, text))

    timings: dict[str, list[float]] = {}
    hits = []
    for kind, text in queries:
        user = get_user_model().objects.get(pk=user.pk)  # fresh scope cache, as in a request
        started = time.perf_counter()
        qs = household_list(user, query=text)
        paginator = CappedPaginator(qs, 50)
        page = list(paginator.page(1).object_list)
        total = paginator.count
        elapsed = (time.perf_counter() - started) * 1000
        timings.setdefault(kind, []).append(elapsed)
        hits.append(total)
        assert page, f"no result for {kind} {text!r}"
    every = sorted(t for ts in timings.values() for t in ts)

    def pct(values, q):
        return round(values[min(len(values) - 1, int(q * len(values)))], 2)

    print(json.dumps({
        "bench": "household_search", "database": connection.vendor, "persons_in_county": persons,
        "queries": len(every), "p50_ms": pct(every, 0.50), "p95_ms": pct(every, 0.95), "max_ms": round(every[-1], 2),
        "by_kind_p95_ms": {k: pct(sorted(v), 0.95) for k, v in timings.items()},
        "median_hits": statistics.median(hits), "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()
