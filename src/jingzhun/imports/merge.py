"""Merging a validated batch into the registry: set-based upserts by natural keys, in resumable chunks.

Members: households by number, persons by identity number (living persons), an open membership for every
person, then each household's head and size from its open memberships.  New households get their status
history (registered on 31 December of ``registered_year``, exited on 31 December of ``exited_year``).
Existing households and persons are updated with the file's non-empty cells; their status is not touched
(statuses change through the procedures).  Incomes: one record per household and year, totals computed by
``registry.income.compute_income`` under the year's component rules.

A chunk is a range of household numbers (so a household's members, wherever they stand in the file, are
merged with it) or of staged income ids; each chunk is one transaction that also advances the batch's cursor
(``result["after"]`` and ``merge_cursor``): a killed merge resumes after the last committed chunk, and every
statement skips rows already present, so even a rerun from the start ends with exactly the file's rows.

On PostgreSQL a chunk of new households costs three statements: the households (with their size and head's
name from the staged rows), their status history, and one data-modifying WITH that inserts the persons,
their memberships and sets the heads from the ids just returned.  The update passes (persons and households
already in the register, relations, sizes recounted from the register) run only for chunks that touch the
register.  The chunks commit without waiting for the WAL flush (``synchronous_commit off``): the final
status commit flushes everything before it, and a crash before that loses at most chunks whose cursor was
lost with them.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from jingzhun.policy.models import IncomeComponentRule
from jingzhun.policy.selectors import excluded_income_components
from jingzhun.registry.income import COMPONENTS, compute_income
from jingzhun.registry.models import Household, IncomeRecord, Person

from .models import ImportBatch, MergedChunk, StagedHousehold, StagedIncome

HOUSEHOLD_COLUMNS = [f.name for f in StagedHousehold._meta.concrete_fields
                     if f.name not in ("id", "batch", "sheet", "row", "number", "village", "household_size", "status",
                                       "registered_year", "exited_year")]
PERSON_COLUMNS = ["relation", "name", "name_pinyin", "name_initials", "sex", "birth_date", "ethnicity", "education",
                  "student_status", "health", "labour_ability", "work_status", "months_away", "medical_insurance",
                  "serious_illness_insurance", "pension_insurance", "tekun"]


def _default(model, name):
    """The registry's value for an empty cell: the field's default, '' for text, else None (no default)."""
    f = model._meta.get_field(name)
    if f.has_default():
        return f.get_default()
    return "" if f.empty_strings_allowed and not f.null and f.get_internal_type() in ("CharField", "TextField") else None


def _coalesce(alias: str, cols: list[str], model) -> tuple[str, list]:
    parts, params = [], []
    for c in cols:
        d = _default(model, c)
        if d is None:
            parts.append(f"{alias}.{_q(c)}")
        else:
            parts.append(f"COALESCE({alias}.{_q(c)}, %s)")
            params.append(d)
    return ", ".join(parts), params


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# A household created by the merge has exactly the file's members (a member already in the register elsewhere is
# an error that blocks the merge): its size and head's name come from the staged rows.
NEW_SIZE = ("(SELECT COUNT(*) FROM imports_stagedperson sp WHERE sp.batch_id = s.batch_id AND sp.household_number = s.number)")
NEW_HEAD_NAME = ("COALESCE((SELECT MIN(sp.name) FROM imports_stagedperson sp WHERE sp.batch_id = s.batch_id "
                 "AND sp.household_number = s.number AND sp.relation = 'head'), '')")


def _merge_households(cur, batch: ImportBatch, lo: str, hi: str, now, today) -> dict:
    b = [batch.pk, lo, hi]
    in_chunk = "s.batch_id = %s AND s.number > %s AND s.number <= %s"
    cols = HOUSEHOLD_COLUMNS
    select, defaults = _coalesce("s", cols, Household)
    cur.execute(
        f"INSERT INTO registry_household (number, area_id, head_name, size, status, registered_year, exited_year, "
        f"{', '.join(_q(c) for c in cols)}, created_at, updated_at) "
        f"SELECT s.number, s.village, {NEW_HEAD_NAME}, {NEW_SIZE}, COALESCE(s.status, 'none'), s.registered_year, s.exited_year, {select}, %s, %s "
        f"FROM imports_stagedhousehold s WHERE {in_chunk} "
        f"AND NOT EXISTS (SELECT 1 FROM registry_household h WHERE h.number = s.number)",
        [*defaults, now, now, *b])
    inserted = cur.rowcount
    sets = ", ".join(f"{_q(c)} = COALESCE(s.{_q(c)}, registry_household.{_q(c)})" for c in cols)
    cur.execute(f"UPDATE registry_household SET {sets}, updated_at = %s FROM imports_stagedhousehold s "
                f"WHERE registry_household.number = s.number AND {in_chunk} AND registry_household.created_at < %s",
                [now, *b, now])
    updated = cur.rowcount
    # status history of the households created here: registered (poor), exited, returned
    for frm, to_status, year_col, statuses in (("none", "poor", "registered_year", ("poor", "exited", "returned")),
                                                ("poor", "exited", "exited_year", ("exited", "returned")),
                                                ("exited", "returned", None, ("returned",))):
        if year_col is None:
            when = "%s"
            when_params = [today]
        elif connection.vendor == "postgresql":
            when = f"COALESCE(make_date(s.{year_col}, 12, 31), %s)"
            when_params = [today]
        else:
            when = f"COALESCE(s.{year_col} || '-12-31', %s)"
            when_params = [today.isoformat()]
        marks = ", ".join("%s" for _ in statuses)
        cur.execute(
            "INSERT INTO registry_statuschange (household_id, from_status, to_status, effective_date, procedure, recorded_at) "
            f"SELECT h.id, %s, %s, {when}, 'import', %s FROM imports_stagedhousehold s JOIN registry_household h ON h.number = s.number "
            f"WHERE {in_chunk} AND h.created_at = %s AND s.status IN ({marks})",  # created in this transaction: no history yet
            [frm, to_status, *when_params, now, *b, now, *statuses])
    return {"households_created": inserted, "households_updated": updated}


def _merge_persons(cur, batch: ImportBatch, lo: str, hi: str, now, today, households_updated: int) -> dict:
    b = [batch.pk, lo, hi]
    in_chunk = "p.batch_id = %s AND p.household_number > %s AND p.household_number <= %s"
    cols = PERSON_COLUMNS
    select, defaults = _coalesce("p", cols, Person)
    insert_persons = (
        f"INSERT INTO registry_person (household_id, area_id, id_number, dibao, {', '.join(_q(c) for c in cols)}, created_at, updated_at) "
        f"SELECT h.id, h.area_id, p.id_number, COALESCE(p.person_dibao, %s), {select}, %s, %s "
        f"FROM imports_stagedperson p JOIN registry_household h ON h.number = p.household_number WHERE {in_chunk} "
        f"AND NOT EXISTS (SELECT 1 FROM registry_person x WHERE x.id_number = p.id_number AND x.death_date IS NULL) "
        'ORDER BY p."row"')  # ids in the file's order
    params = [_default(Person, "dibao"), *defaults, now, now, *b]
    if connection.vendor == "postgresql":  # the new persons' memberships, and the heads of new households, from the rows inserted
        cur.execute(f"WITH new AS ({insert_persons} RETURNING id, household_id, relation), "
                    "m AS (INSERT INTO registry_membership (person_id, household_id, relation, start_date, start_reason, end_reason) "
                    "SELECT id, household_id, relation, %s, 'registration', '' FROM new), "
                    "heads AS (UPDATE registry_household SET head_id = new.id FROM new WHERE new.relation = 'head' "
                    "AND registry_household.id = new.household_id AND registry_household.created_at = %s) "
                    "SELECT COUNT(*) FROM new", [*params, today, now])
        inserted = cur.fetchone()[0]
    else:
        cur.execute(insert_persons, params)
        inserted = cur.rowcount
    cur.execute(f"SELECT COUNT(*) FROM imports_stagedperson p WHERE {in_chunk}", b)
    updated = 0
    existing = cur.fetchone()[0] > inserted or households_updated > 0
    if existing or connection.vendor != "postgresql":  # persons or households already in the register
        sets = ", ".join(f"{_q(c)} = COALESCE(p.{_q(c)}, registry_person.{_q(c)})" for c in cols)
        cur.execute(
            f"UPDATE registry_person SET {sets}, dibao = COALESCE(p.person_dibao, registry_person.dibao), updated_at = %s "
            f"FROM imports_stagedperson p WHERE registry_person.id_number = p.id_number AND registry_person.death_date IS NULL "
            f"AND {in_chunk} AND registry_person.created_at < %s", [now, *b, now])
        updated = cur.rowcount
        cur.execute(
            "INSERT INTO registry_membership (person_id, household_id, relation, start_date, start_reason, end_reason) "
            "SELECT rp.id, rp.household_id, rp.relation, %s, 'registration', '' FROM imports_stagedperson p "
            f"JOIN registry_person rp ON rp.id_number = p.id_number AND rp.death_date IS NULL WHERE {in_chunk} "
            "AND NOT EXISTS (SELECT 1 FROM registry_membership m WHERE m.person_id = rp.id AND m.end_date IS NULL) "
            'ORDER BY p."row"', [today, *b])
        cur.execute(
            "UPDATE registry_membership SET relation = rp.relation FROM registry_person rp, imports_stagedperson p "
            "WHERE p.id_number = rp.id_number AND rp.death_date IS NULL AND registry_membership.person_id = rp.id "
            f"AND registry_membership.end_date IS NULL AND registry_membership.relation <> rp.relation AND {in_chunk}", b)
    if not existing and connection.vendor == "postgresql":  # all new: sizes, heads and names are already right
        return {"persons_created": inserted, "persons_updated": updated}
    # head, head's name and size of every household of the chunk, from the register as it now stands
    cur.execute(
        "UPDATE registry_household SET head_id = agg.head_id, size = agg.members, head_name = COALESCE(agg.head_name, '') FROM ("
        "SELECT m.household_id AS hid, COUNT(*) AS members, MIN(CASE WHEN p.relation = 'head' THEN p.id END) AS head_id, "
        "MIN(CASE WHEN p.relation = 'head' THEN p.name END) AS head_name "
        "FROM imports_stagedhousehold s JOIN registry_household hh ON hh.number = s.number "
        "JOIN registry_membership m ON m.household_id = hh.id AND m.end_date IS NULL "
        "JOIN registry_person p ON p.id = m.person_id AND p.death_date IS NULL "
        "WHERE s.batch_id = %s AND s.number > %s AND s.number <= %s GROUP BY m.household_id) agg "
        "WHERE registry_household.id = agg.hid", b)
    return {"persons_created": inserted, "persons_updated": updated}


def _add(total: dict, part: dict) -> None:
    for k, v in part.items():
        total[k] = total.get(k, 0) + max(v, 0)


def _analyze(registry_only: bool = False) -> None:
    """Fresh planner statistics on PostgreSQL: the registry may have grown from nothing within this merge, and
    plans made for empty tables (sequential scans under each joined row) turn quadratic."""
    if connection.vendor != "postgresql":
        return
    staging = () if registry_only else ("imports_stagedhousehold", "imports_stagedperson")
    with connection.cursor() as cur:
        for table in (*staging, "registry_household", "registry_person", "registry_membership"):
            cur.execute(f"ANALYZE {table}")


def _plan(batch: ImportBatch) -> list[tuple[str, str, int]]:
    """The chunks, (after, last, households): ranges of household numbers, so that a household's members,
    wherever they stand in the file, are merged with it.  Planned once and kept in ``result["chunks"]`` (a
    resumed merge works through the same chunks)."""
    if "chunks" in batch.result:
        return [tuple(c) for c in batch.result["chunks"]]
    numbers = (StagedHousehold.objects.filter(batch=batch).order_by("number").values_list("number", flat=True).distinct())
    size = settings.IMPORT_MERGE_CHUNK
    plan, after, n, last = [], "", 0, None
    for number in numbers.iterator(chunk_size=20_000):
        n += 1
        last = number
        if n == size:
            plan.append((after, number, n))
            after, n = number, 0
    if n:
        plan.append((after, last, n))
    batch.result = {**batch.result, "chunks": plan}
    ImportBatch.objects.filter(pk=batch.pk).update(result=batch.result)
    return plan


def _merge_chunk(batch: ImportBatch, index: int, chunk: tuple[str, str, int], today) -> dict:
    """One chunk in one transaction, which also records the chunk as merged and advances ``merge_cursor``."""
    lo, hi, households = chunk
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # the batch's final status commit flushes the WAL of every chunk before it; foreign keys checked as
            # the rows go in, so that the lock on the batch row below is held only for the commit
            cur.execute("SET LOCAL synchronous_commit TO OFF")
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # a chunk is small against the register: look its rows up by index, never scan or hash the register
            # (the planner's hash joins read the whole of registry_person for every chunk: quadratic)
            cur.execute("SET LOCAL enable_hashjoin TO off")
            cur.execute("SET LOCAL enable_mergejoin TO off")
        counts = _merge_households(cur, batch, lo, hi, now, today)
        counts.update(_merge_persons(cur, batch, lo, hi, now, today, counts["households_updated"]))
        MergedChunk.objects.create(batch=batch, index=index, counts=counts)
        ImportBatch.objects.filter(pk=batch.pk).update(merge_cursor=F("merge_cursor") + households)
    return counts


def merge_members(batch: ImportBatch, progress=None) -> dict:
    """Merge in chunks of ``IMPORT_MERGE_CHUNK`` households, the chunks not yet merged, on
    ``IMPORT_MERGE_WORKERS`` connections at once (PostgreSQL, outside a transaction: the worker and the CLI;
    each chunk's households, persons and identity numbers are its own, so chunks never wait for each other)."""
    _analyze()
    plan = _plan(batch)
    done = set(MergedChunk.objects.filter(batch=batch).values_list("index", flat=True))
    todo = [i for i in range(len(plan)) if i not in done]
    today = timezone.localdate()
    lock = threading.Lock()
    state = {"merged": sum(plan[i][2] for i in done), "chunks": 0}

    def run(index: int) -> None:
        _merge_chunk(batch, index, plan[index], today)
        with lock:
            state["merged"] += plan[index][2]
            state["chunks"] += 1
            analyze = state["chunks"] in (4, 16)  # the register grows: plan the next chunks with its size
            merged = state["merged"]
        if analyze:
            _analyze(registry_only=True)
        if progress:
            progress(merged, batch.households)

    workers = settings.IMPORT_MERGE_WORKERS if connection.vendor == "postgresql" and not connection.in_atomic_block else 1
    if todo:
        run(todo[0])  # the first chunk alone, then planner statistics for an empty register that has begun to fill
        _analyze(registry_only=True)
    if workers > 1 and len(todo) > 2:
        pending = iter(todo[1:])

        def work() -> None:
            try:
                while True:
                    with lock:
                        index = next(pending, None)
                    if index is None:
                        return
                    run(index)
            finally:
                connection.close()  # this thread's own connection

        with ThreadPoolExecutor(workers) as pool:
            for future in [pool.submit(work) for _ in range(workers)]:
                future.result()
    else:
        for index in todo[1:]:
            run(index)
    total: dict = {}
    for counts in MergedChunk.objects.filter(batch=batch).values_list("counts", flat=True):
        _add(total, counts)
    return total


def _excluded_by_village(batch: ImportBatch) -> list[tuple[int, str, list[str]]]:
    """(year, village, components not counted) for the batch's villages whose rules exclude a component."""
    years = list(StagedIncome.objects.filter(batch=batch).values_list("year", flat=True).distinct())
    years = [y for y in years if IncomeComponentRule.objects.filter(year=y).exists()]
    if not years:
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT s.year, h.area_id FROM imports_stagedincome s JOIN registry_household h ON h.number = s.household_number "
                    "WHERE s.batch_id = %s AND s.year = ANY(%s)", [batch.pk, years])
        pairs = cur.fetchall()
    out = []
    for year, village in pairs:
        excluded = excluded_income_components(year, village)
        if excluded:
            out.append((year, village, sorted(excluded)))
    return out


def _merge_incomes_postgresql(batch: ImportBatch, progress=None) -> dict:
    """Set-based: one INSERT ... ON CONFLICT per chunk, the totals computed in exact numeric arithmetic as
    ``registry.income.compute_income`` does (components not counted under the year's rules for the village,
    gross and net to the cent, per capita rounded half away from zero, like ROUND_HALF_UP)."""
    excluded = _excluded_by_village(batch)
    values = ", ".join("(CAST(%s AS int), CAST(%s AS text), CAST(%s AS text[]))" for _ in excluded) or "(NULL::int, NULL::text, NULL::text[])"
    ex_params = [v for year, village, comps in excluded for v in (year, village, comps)]
    counted = " + ".join(f"CASE WHEN %s = ANY(COALESCE(ex.comps, CAST('{{}}' AS text[]))) THEN 0 ELSE COALESCE(s.{_q(c)}, 0) END" for c in COMPONENTS)
    cols = ", ".join(_q(c) for c in COMPONENTS)
    sql = (
        f"WITH ex(year, village, comps) AS (VALUES {values}) "
        f"INSERT INTO registry_incomerecord (household_id, year, members, {cols}, production_costs, gross, net, per_capita, updated_at) "
        f"SELECT g.hid, g.year, g.members, {', '.join('g.' + _q(c) for c in COMPONENTS)}, g.pc, g.gross, g.gross - g.pc, "
        "ROUND((g.gross - g.pc) / g.members, 2), %s FROM ("
        f"SELECT h.id AS hid, s.year, s.members, {', '.join(f'COALESCE(s.{_q(c)}, 0) AS {_q(c)}' for c in COMPONENTS)}, "
        f"COALESCE(s.production_costs, 0) AS pc, ({counted}) AS gross "
        "FROM imports_stagedincome s JOIN registry_household h ON h.number = s.household_number "
        "LEFT JOIN ex ON ex.year = s.year AND ex.village = h.area_id "
        "WHERE s.batch_id = %s AND s.id > %s AND s.id <= %s) g "
        f"ON CONFLICT (household_id, year) DO UPDATE SET members = EXCLUDED.members, "
        f"{', '.join(f'{_q(c)} = EXCLUDED.{_q(c)}' for c in COMPONENTS)}, production_costs = EXCLUDED.production_costs, "
        "gross = EXCLUDED.gross, net = EXCLUDED.net, per_capita = EXCLUDED.per_capita, updated_at = EXCLUDED.updated_at")
    ids = list(StagedIncome.objects.filter(batch=batch, id__gt=batch.merge_cursor).order_by("id").values_list("id", flat=True))
    total = dict(batch.result.get("counts", {}))
    size = settings.IMPORT_MERGE_CHUNK * 4  # an income row is one narrow row: chunks of 20,000 by default
    for start in range(0, len(ids), size):
        lo, hi = ids[start] - 1, ids[min(start + size, len(ids)) - 1]
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit TO OFF")
            cur.execute(sql, [*ex_params, timezone.now(), *COMPONENTS, batch.pk, lo, hi])
            _add(total, {"income_records": cur.rowcount})
            batch.merge_cursor = hi
            batch.result = {**batch.result, "counts": total}
            batch.save(update_fields=["merge_cursor", "result"])
        if progress:
            progress(min(start + size, len(ids)), len(ids))
    return total


def merge_incomes(batch: ImportBatch, progress=None) -> dict:
    if connection.vendor == "postgresql":
        return _merge_incomes_postgresql(batch, progress)
    qs = StagedIncome.objects.filter(batch=batch, id__gt=batch.merge_cursor).order_by("id")
    total = dict(batch.result.get("counts", {}))
    todo = qs.count()
    done = 0
    excluded_cache: dict[tuple[int, str], frozenset] = {}
    while True:
        rows = list(qs.filter(id__gt=batch.merge_cursor)[: settings.IMPORT_MERGE_CHUNK])
        if not rows:
            break
        households = dict(Household.objects.filter(number__in={r.household_number for r in rows}).values_list("number", "id"))
        areas = dict(Household.objects.filter(id__in=households.values()).values_list("id", "area_id"))
        records = []
        for r in rows:
            hid = households[r.household_number]
            key = (r.year, areas[hid])
            if key not in excluded_cache:
                excluded_cache[key] = excluded_income_components(r.year, areas[hid])
            parts = {k: getattr(r, k) or Decimal(0) for k in COMPONENTS}
            t = compute_income(parts, production_costs=r.production_costs or Decimal(0), members=r.members, excluded=excluded_cache[key])
            records.append(IncomeRecord(household_id=hid, year=r.year, members=r.members, production_costs=r.production_costs or Decimal(0),
                                        gross=t.gross, net=t.net, per_capita=t.per_capita, **parts))
        with transaction.atomic():
            IncomeRecord.objects.bulk_create(records, update_conflicts=True, unique_fields=["household", "year"],
                                             update_fields=["members", *COMPONENTS, "production_costs", "gross", "net", "per_capita", "updated_at"])
            _add(total, {"income_records": len(records)})
            batch.merge_cursor = rows[-1].id
            batch.result = {**batch.result, "counts": total}
            batch.save(update_fields=["merge_cursor", "result"])
        done += len(rows)
        if progress:
            progress(done, todo)
    return total


