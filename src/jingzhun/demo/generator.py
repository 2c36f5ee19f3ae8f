"""Deterministic, realistic demo data for one county: households, persons, memberships, incomes, status history.

``generate_county(county_code=..., households=..., seed=...)`` fills the registry tables for the villages of
a county already loaded into ``areas_area`` (``jingzhun load_areas``).  Same seed, same county, same
villages, same number of households, same years and an empty county give byte-identical data (primary keys
aside, which continue the tables' sequences); neither the batch size nor the bulk mode changes the data.

How it is built
---------------
Villages are taken in code order and grouped into blocks of about 8,000 households; each block has its own
random stream (``SeedSequence([seed, county, block, first village])``) and is simulated with numpy, whole
(calibration to the incidence targets is done per village inside the block).  Rows are written in batches
(``batch_size`` households) set-based: PostgreSQL ``COPY ... FROM STDIN (FORMAT BINARY)`` (rows encoded by
numpy, see :mod:`jingzhun.demo.writer`), SQLite ``executemany``.  Primary keys are assigned before anything
is inserted, so heads, members and memberships are linked in memory: in normal mode they are reserved per
batch from the table's sequence (PostgreSQL) or above ``max(id)`` inside the write transaction (SQLite), one
transaction per batch; in bulk mode (large loads, see :func:`generate_county`) the whole load is one
transaction with the tables locked, their keys, secondary indexes and foreign keys dropped and rebuilt at the end,
ids counted on from ``max(id)`` and the sequences moved past them, and batches sent to PostgreSQL by a
background thread while the next block is simulated.

Calibration (sources and assumptions; the numbers live in :mod:`jingzhun.demo.calibration`)
-------------------------------------------------------------------------------------------
* **Households and ages.**  31 household templates (elderly alone, elderly couple, couple with children,
  three generations, grandparents with left-behind grandchildren, ...) with ages drawn relative to the head.
  Sizes run 1 to 9; mean about 3.55 for all rural households and 2.9-3.2 for the registered poor (the 2014
  register held 89.62 million persons in 29.48 million households: 3.04).  Migrant workers stay members (work
  status "away", months away), so the pyramid is a rural register's: many elderly and children, working-age
  people counted but working away (2014: about 20% under 16, 20% aged 60 and over).  A first child in
  2015-2020 for 45% of households with a woman aged 20-30 in 2014 (27% if 31-38), a second one for 35% of
  those (membership joined by birth).  No deaths, marriages or splits are generated, so the population ages
  from 2014 to 2020 (75 and over: about 4.5% to 10%).
* **Ethnicity** by county: Congjiang (522633) Miao 45%, Dong 38%, Han 7%, Zhuang, Shui, Yao; Rongjiang (522632)
  Miao 40%, Dong 30%, Han 15%, Shui 11%; Jiangyong (431125) Yao 50%, Han 49%; Qingchuan (510822) Han 97.5%,
  Hui, Qiang; rest of Qiandongnan the prefecture's mix; elsewhere Han.  Villages cluster (Dirichlet around
  the county mix, then raked so the county totals hold); spouses marry within the group 85% of the time;
  children take the head's group.
* **Names**: surname lists by group and region (Miao and Dong in Qiandongnan carry Han-style names),
  given names by sex and birth cohort (:mod:`jingzhun.demo.names`); pinyin exactly as ``registry.names``.
* **Identity numbers**: ``make_resident_id`` with the county code, or its historical code for older people
  (Jiangyong 432925 until 1995, Qingchuan 512829 until 1985: 75% of those aged 16+ at the change, 40% of those
  born before it); birth date and sex agree with the person.  The order code is a per-(code, date, sex)
  permutation of 00-99, so numbers are unique within a run, and numbers already in the database under the
  same area codes are skipped (appending, or a second county sharing a code).
* **Education** by cohort and sex (older rural women mostly unschooled), **students**: preschool 70% of
  3-5 year olds, children 6-15 in primary or junior school with 1.5% (2014) falling to 0.2% (2020) out of
  school and 0.3% taught at home; 16-18 senior or vocational 70%; some college students 19-22.
* **Health** by age band (chronic 1-28%, serious 0.2-4.5%, disability 1-13%), clustered by household;
  **labour**: children, students and most over 65 have none; the disabled and seriously ill mostly lost;
  12% of working-age adults skilled.  **Work**: away out of the province 42% at 16-44, farming most at 60+.
  **Insurance**: basic medical and serious-illness insurance 96-99.5%, pension 78-95% of adults.
* **Who is registered, who exits.**  A poverty score per household (dependency, illness, disability, no
  labour, few migrants, an unschooled head, elderly alone, a village effect, noise) ranks households; the
  top of the ranking is registered in 2014 until the registered persons reach the county's incidence for
  2014; 2015 and 2016 adjustments add 5% and 3% more (registered_year 2015/2016).  Each later year, the
  registered poor with the lowest scores exit until the incidence (registered poor persons / rural
  population at year end) reaches the year's target; a household never exits in its registration year.
  Targets: Jiangyong 41.0% (2014), 36.94% (2015), 12.88% (2016) -- the seed article -- then 6.5%, 2.5%,
  0.8%, 0; deep-poverty counties (Congjiang, Rongjiang) 30% to 2.5% (2019) to 0; others 25% to 1.8% to 0.
  Village targets vary around the county's (log-normal factor, weighted mean 1).  0.5% of exited households
  a year fall back (返贫, 2016-2019) and exit again the next year.
* **Incomes** (per household and year, by component) follow the status: while poor the per-capita net
  income is 35-97% of the year's poverty line (``policy/data/lines.csv``; ``lines_seed()`` is called),
  rising each year; from the exit year on it is at least 1.03 times the line and grows 5-16% a year;
  12% of exits come one year after income crossed the line because the house was not yet safe (the house
  is rebuilt in the exit year).  Non-registered households: log-normal around 2.5-2.9 times the 2014 line
  (2.8-3.2 times, province-dependent; poor-area mean 6,852 yuan in 2014 per NBS), +5-14% a year; 0.3% of them fall under
  the line for one year (missed).  Transfers use the published rural dibao standards (x 0.85), tekun
  support (1.3 x dibao), the basic pension (55/70/88/93 yuan a month + 10 local); eco-compensation, land
  rent and (from 2017) dividends to the registered poor in assisted industries.  The rest is market income,
  split between wages (migrants; +10% a year) and household business (farming; +3%; production costs 25-45%
  of gross).  Gross, net and per capita are computed exactly as ``registry.income.compute_income`` (integer
  cents, half-up), counting only the components the county's income rules count, and the poor/non-poor side
  of the line is enforced after rounding.
* **Causes of poverty** (registered households): main cause illness 42% (NHFPC 2016), the rest in proportion
  to the 2014 register's multi-cause shares (funds 35.4%, skills 22.3%, labour 16.8%, schooling ~10%,
  disaster 7.8%, ...): funds 17.6%, skills 11.1%, labour 8.4%, schooling 5%, ...; the draw favours causes the
  household shows (an ill or disabled member, students, no labour) and is raked to the target shares; 0-2
  distinct secondary causes.  **Type**: tekun for lone elderly or disabled without labour, dibao more likely
  with illness, disability or no labour (about 5-7% and 25% of registered households).  **Standard**: national
  94%, provincial 5%, municipal 1%.
* **Housing** structure by region (wood in Qiandongnan, brick and earth in Hunan, brick-concrete in northern
  Sichuan), year built by structure, grades A-D with C/D common among the poor in 2014 (50%) and all rebuilt,
  reinforced or relocated (15% of registered households in Guizhou, 6% elsewhere, 2016-2019) before exit.
  Water, cooking fuel, electricity, cooperative / mutual-aid fund / industry participation move from 2014
  to 2020 shares; the state stored is the one at the end of the last generated year.
* **Contact**: address "<village>X组Y号" (groups of about 35 households), 11-digit mobile numbers
  (13x/15x/18x, China Mobile-heavy), 19-digit debit card numbers (ABC 622848, PSBC 621799 / 621098 BINs)
  with a Luhn check digit.
* **Status history**: one StatusChange per registration, exit, return and re-exit, effective on village-
  level dates (registration April-October 2014, adjustments September-December, exits November-December).
  Timestamps (created/updated/recorded) are derived from those dates, not from the clock.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

from jingzhun.areas.models import Area, Level
from jingzhun.registry.income import COMPONENTS
from jingzhun.registry.models import Household, IncomeRecord, Membership, Person, StatusChange

from . import calibration as cal
from . import writer as writer_module
from .simulation import (  # noqa: F401  (the errors are part of this module's API)
    CountyNotEmpty,
    CountyNotLoaded,
    GenerateError,
    _county_bounds,
    _IdAllocator,
    _plan_villages,
    _setup,
    _simulate,
    _Village,
    _year_start,
)
from .writer import IndexRebuild, Writer

__all__ = ["GenerateError", "CountyNotLoaded", "CountyNotEmpty", "GenerateResult", "generate_county",
           "delete_county_data", "MEAN_HOUSEHOLD_SIZE"]

#: Approximate mean household size (for sizing a run to a number of persons).
MEAN_HOUSEHOLD_SIZE = 3.55
#: Households simulated together (vectorised over a block of villages; the data do not depend on batch_size).
BLOCK_HOUSEHOLDS = 8192
#: Default bulk mode from this many households (see generate_county).
BULK_MIN_HOUSEHOLDS = 50_000
#: Times of day (seconds, UTC) of the derived timestamps: entries at 09:30, incomes at 10:00, status at 11:00 Beijing.
CREATED_AT, INCOME_AT, RECORDED_AT = 5400, 7200, 10800

NONE_, POOR, EXITED, RETURNED = 0, 1, 2, 3



@dataclass
class GenerateResult:
    county_code: str
    seed: int
    years: tuple[int, ...]
    households: int = 0
    persons: int = 0
    memberships: int = 0
    income_records: int = 0
    status_changes: int = 0
    registered_households: int = 0
    villages: int = 0
    deleted_households: int = 0
    bulk: bool = False
    seconds: float = 0.0
    #: registered poor persons / population at the end of each simulated year (2014 .. last year)
    incidence: dict[int, float] = field(default_factory=dict)
    #: seconds spent per phase: simulate, encode, send (waiting for the database), indexes (bulk rebuild)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds else 0.0


# ==========================================================================================================
# helpers
# ==========================================================================================================



# ==========================================================================================================
# writing
# ==========================================================================================================


def _blocks(villages: list[_Village]) -> list[list[_Village]]:
    """Consecutive villages grouped into blocks of at least BLOCK_HOUSEHOLDS households (the unit of simulation;
    fixed by the plan, so the data do not depend on the batch size)."""
    blocks, current, size = [], [], 0
    for v in villages:
        if v.households == 0:
            continue
        current.append(v)
        size += v.households
        if size >= BLOCK_HOUSEHOLDS:
            blocks.append(current)
            current, size = [], 0
    if current:
        blocks.append(current)
    return blocks


def _slices(part: dict, first: int, size: int):
    """Split a block's rows into pieces of `first`, then `size` households (rows are sorted by household)."""
    n = part["n"]
    cuts = [0]
    step = max(first, 1)
    while cuts[-1] < n:
        cuts.append(min(cuts[-1] + step, n))
        step = size
    if len(cuts) == 2:
        yield part
        return
    p_hh = np.asarray(part["p"]["hh"])
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        piece = {"n": hi - lo}
        piece["hh"] = {k: _cut(v, lo, hi) for k, v in part["hh"].items()}
        p_lo, p_hi = np.searchsorted(p_hh, [lo, hi])
        piece["np"] = int(p_hi - p_lo)
        piece["hh"]["head_local"] = piece["hh"]["head_local"] - p_lo
        for key in ("p", "inc", "sc"):
            rows = np.asarray(part[key]["hh"])
            r_lo, r_hi = np.searchsorted(rows, [lo, hi])
            piece[key] = {k: _cut(v, r_lo, r_hi) for k, v in part[key].items()}
            piece[key]["hh"] = piece[key]["hh"] - lo
        yield piece


def _cut(values, lo, hi):
    return values[lo:hi]


def _concat(parts: list[dict], key: str, offsets: dict[str, np.ndarray]) -> dict:
    out = {}
    for name in parts[0][key]:
        arrays = [p[key][name] for p in parts]
        if name in offsets:
            arrays = [np.asarray(a) + off for a, off in zip(arrays, offsets[name])]
        if isinstance(arrays[0], list):
            out[name] = [x for a in arrays for x in a]
        else:
            out[name] = np.concatenate(arrays)
    return out


class _Ids:
    """Primary keys: reserved per chunk from the sequences (normal mode) or counted on locally (bulk mode,
    tables locked; the sequences are moved past the ids at the end)."""

    def __init__(self, writer: Writer, local: bool):
        self.writer, self.local = writer, local
        self.next = {m: writer.max_id(m) + 1 for m in _OWN} if local else {}

    def take(self, model, n: int) -> np.ndarray:
        if not self.local:
            return self.writer.reserve_ids(model, n)
        start = self.next[model]
        self.next[model] = start + n
        return np.arange(start, start + n, dtype=np.int64)


def _prepare_chunk(writer: Writer, ids: _Ids, parts: list[dict]) -> tuple[list[tuple[str, object]], tuple[int, ...]]:
    """The COPY/INSERT statements and payloads of one chunk, with primary keys assigned and links resolved."""
    hh_off = np.cumsum([0] + [p["n"] for p in parts[:-1]])
    p_off = np.cumsum([0] + [p["np"] for p in parts[:-1]])
    hh = _concat(parts, "hh", {"head_local": p_off})
    ps = _concat(parts, "p", {"hh": hh_off})
    inc = _concat(parts, "inc", {"hh": hh_off})
    sc = _concat(parts, "sc", {"hh": hh_off})
    nh, npp, ni, ns = len(hh["number"]), len(ps["hh"]), len(inc["hh"]), len(sc["hh"])
    hh_ids = ids.take(Household, nh)
    p_ids = ids.take(Person, npp)
    m_ids = ids.take(Membership, npp)
    i_ids = ids.take(IncomeRecord, ni)
    s_ids = ids.take(StatusChange, ns)
    w = writer_module
    reg, ext = hh["registered_year"], hh["exited_year"]
    out = []
    if nh:
        out.append(writer.prepare(Household, {
            "id": w.ints(hh_ids), "number": w.text(hh["number"]), "area_id": w.cat(hh["area"]),
            "head_id": w.ints(p_ids[hh["head_local"]]), "head_name": w.text(hh["head_name"]), "size": w.ints(hh["size"]),
            "status": w.cat(hh["status"]), "registered_year": w.ints(reg, reg > 0), "exited_year": w.ints(ext, ext > 0),
            "identification_standard": w.cat(hh["identification_standard"]),
            "household_type": w.cat(hh["household_type"]), "main_cause": w.cat(hh["main_cause"]),
            "secondary_cause_1": w.cat(hh["secondary_cause_1"]), "secondary_cause_2": w.cat(hh["secondary_cause_2"]),
            "address": w.text(hh["address"]), "phone": w.text(hh["phone"]), "bank_account": w.text(hh["bank_account"]),
            "housing_area": w.decimal(hh["housing_area"], 1), "housing_structure": w.cat(hh["housing_structure"]),
            "housing_year_built": w.ints(hh["housing_year_built"]), "housing_grade": w.cat(hh["housing_grade"]),
            "relocated": w.bools(hh["relocated"]), "has_electricity": w.bools(hh["has_electricity"]),
            "cooking_fuel": w.cat(hh["cooking_fuel"]), "water_source": w.cat(hh["water_source"]),
            "water_safe": w.bools(hh["water_safe"]),
            "food_secure": w.bools(hh["food_secure"]), "clothing_secure": w.bools(hh["clothing_secure"]), "in_cooperative": w.bools(hh["in_cooperative"]),
            "in_mutual_aid_fund": w.bools(hh["in_mutual_aid_fund"]), "in_industry": w.bools(hh["in_industry"]),
            "created_at": w.timestamps(hh["created"], CREATED_AT), "updated_at": w.timestamps(hh["updated"], CREATED_AT),
        }, nh))
    if npp:
        person_hh = hh_ids[ps["hh"]]
        out.append(writer.prepare(Person, {
            "id": w.ints(p_ids), "household_id": w.ints(person_hh), "area_id": w.cat(ps["area"]),
            "relation": w.cat(ps["relation"]), "name": w.text(ps["name"]), "name_pinyin": w.text(ps["pinyin"]),
            "name_initials": w.cat(ps["initials"]), "id_number": w.text(ps["id_number"]), "sex": w.cat(ps["sex"]),
            "birth_date": w.dates(ps["birth"]), "ethnicity": w.cat(ps["ethnicity"]), "education": w.cat(ps["education"]),
            "student_status": w.cat(ps["student_status"]), "health": w.cat(ps["health"]),
            "labour_ability": w.cat(ps["labour_ability"]), "work_status": w.cat(ps["work_status"]),
            "months_away": w.ints(ps["months_away"]), "medical_insurance": w.bools(ps["medical_insurance"]),
            "serious_illness_insurance": w.bools(ps["serious_illness_insurance"]),
            "pension_insurance": w.bools(ps["pension_insurance"]), "dibao": w.bools(ps["dibao"]),
            "tekun": w.bools(ps["tekun"]), "death_date": w.const(None),
            "created_at": w.timestamps(ps["created"], CREATED_AT), "updated_at": w.timestamps(ps["created"], CREATED_AT),
        }, npp))
        out.append(writer.prepare(Membership, {
            "id": w.ints(m_ids), "person_id": w.ints(p_ids), "household_id": w.ints(person_hh),
            "relation": w.cat(ps["relation"]), "start_date": w.dates(ps["start_date"]),
            "start_reason": w.cat(ps["start_reason"]), "end_date": w.const(None), "end_reason": w.const(""),
        }, npp))
    if ni:
        inc_days = _year_start(inc["year"]) + np.timedelta64(349, "D") + (np.asarray(inc["hh"]) % 12).astype("timedelta64[D]")
        values = {"id": w.ints(i_ids), "household_id": w.ints(hh_ids[inc["hh"]]), "year": w.ints(inc["year"]),
                  "members": w.ints(inc["members"]), "updated_at": w.timestamps(inc_days, INCOME_AT)}
        for k in (*COMPONENTS, "production_costs", "gross", "net", "per_capita"):
            values[k] = w.money(inc[k])
        out.append(writer.prepare(IncomeRecord, values, ni))
    if ns:
        out.append(writer.prepare(StatusChange, {
            "id": w.ints(s_ids), "household_id": w.ints(hh_ids[sc["hh"]]), "from_status": w.cat(sc["from_status"]),
            "to_status": w.cat(sc["to_status"]), "effective_date": w.dates(sc["date"]),
            "procedure": w.cat(sc["procedure"]), "actor_id": w.const(None),
            "recorded_at": w.timestamps(sc["date"] + np.timedelta64(1, "D"), RECORDED_AT),
        }, ns))
    return out, (nh, npp, ni, ns)


class _Sender:
    """Bulk mode on PostgreSQL: a pipeline of two threads beside the simulation, so that the database stores one
    chunk while the next chunk's rows are assembled and the one after it simulated.  The assembler turns each
    prepared payload into its buffers (numpy copies that mostly release the GIL); the copier sends them (waiting
    on the database).  Queues of one chunk bound the memory; the first error is re-raised in the caller."""

    def __init__(self, writer: Writer, threaded: bool):
        self.writer = writer
        self.error: BaseException | None = None
        self.busy: dict[str, float] = {}  # seconds the database spent on each table's COPY (threaded mode)
        self.threads: list[threading.Thread] = []
        if threaded:
            writer.connection.ensure_connection()
            self.raw = writer.connection.connection
            self.inbox: queue.Queue = queue.Queue(maxsize=1)
            self.ready: queue.Queue = queue.Queue(maxsize=1)
            self.threads = [threading.Thread(target=self._assemble, name="demo-generate-assembler", daemon=True),
                            threading.Thread(target=self._copy, name="demo-generate-copier", daemon=True)]
            for thread in self.threads:
                thread.start()

    def _assemble(self):
        while (item := self.inbox.get()) is not None:
            if self.error is None:
                try:
                    item = [(statement, payload() if callable(payload) else payload) for statement, payload in item]
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                    self.error = exc
            self.ready.put(item)
        self.ready.put(None)

    def _copy(self):
        while (item := self.ready.get()) is not None:
            if self.error is None:
                try:
                    for statement, payload in item:
                        started = time.perf_counter()
                        self.writer.send(statement, payload, self.raw)
                        table = statement.split()[1].strip('"')  # COPY "table" (...) FROM STDIN
                        self.busy[table] = self.busy.get(table, 0.0) + time.perf_counter() - started
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                    self.error = exc

    def send(self, statements) -> None:
        if not self.threads:
            for statement, payload in statements:
                self.writer.send(statement, payload)
            return
        if self.error is not None:
            raise self.error
        self.inbox.put(statements)

    def close(self) -> None:
        if self.threads:
            self.inbox.put(None)
            for thread in self.threads:
                thread.join()
            self.threads = []
        if self.error is not None:
            raise self.error


# ==========================================================================================================
# deleting a county's data
# ==========================================================================================================

_OWN = (Household, Person, Membership, IncomeRecord, StatusChange)
#: Bulk loads on PostgreSQL keep the indexes of the tables with a row per household or fewer and maintain them
#: row by row: their keys arrive mostly in order, the cost lands in the COPY phase, where the backend waits on
#: Python anyway, and the rebuild (Python idle) is 1.2 s shorter; 1M persons: 18.9 s against 19.3 s (medians
#: of three interleaved runs).  Their foreign keys are still dropped and validated once at the end.
KEEP_INDEXES = (Household, StatusChange)


def delete_county_data(county_code: str, *, using: str = "default") -> int:
    """Delete every household of the county with its persons, memberships, incomes and status history.

    Set-based SQL for the registry tables; rows of other models that point at these households or persons
    are deleted through the ORM (CASCADE), set to NULL (SET_NULL), or block the deletion (PROTECT).
    Returns the number of households deleted.
    """
    code6 = county_code[:6]
    lo, hi = _county_bounds(code6)
    hh_qs = Household._base_manager.using(using).filter(area_id__gte=lo, area_id__lt=hi)
    person_qs = Person._base_manager.using(using).filter(models.Q(area_id__gte=lo, area_id__lt=hi) | models.Q(household__in=hh_qs))
    with transaction.atomic(using=using):
        for model, qs in ((Household, hh_qs), (Person, person_qs), (IncomeRecord, None), (StatusChange, None), (Membership, None)):
            for rel in model._meta.related_objects:
                if rel.related_model in _OWN:
                    continue
                if qs is None:
                    qs_here = model._base_manager.using(using).filter(household__in=hh_qs)
                else:
                    qs_here = qs
                rel_qs = rel.related_model._base_manager.using(using).filter(**{f"{rel.field.name}__in": qs_here.values("pk")})
                on_delete = rel.on_delete
                if on_delete in (models.PROTECT, models.RESTRICT):
                    count = rel_qs.count()
                    if count:
                        raise CountyNotEmpty(f"{count} {rel.related_model._meta.verbose_name_plural} refer to the county's "
                                             f"{model._meta.verbose_name_plural}; delete them first")
                elif on_delete is models.SET_NULL:
                    rel_qs.update(**{rel.field.name: None})
                else:
                    rel_qs.delete()
        hh_sub = f"SELECT id FROM {Household._meta.db_table} WHERE area_id >= %s AND area_id < %s"
        with connections[using].cursor() as cur:
            for model in (IncomeRecord, StatusChange):
                cur.execute(f"DELETE FROM {model._meta.db_table} WHERE household_id IN ({hh_sub})", [lo, hi])
            person_sub = (f"SELECT id FROM {Person._meta.db_table} WHERE (area_id >= %s AND area_id < %s) "
                          f"OR household_id IN ({hh_sub})")
            cur.execute(f"DELETE FROM {Membership._meta.db_table} WHERE household_id IN ({hh_sub}) "
                        f"OR person_id IN ({person_sub})", [lo, hi, lo, hi, lo, hi])
            cur.execute(f"UPDATE {Household._meta.db_table} SET head_id = NULL WHERE area_id >= %s AND area_id < %s "
                        "AND head_id IS NOT NULL", [lo, hi])
            cur.execute(f"DELETE FROM {Person._meta.db_table} WHERE (area_id >= %s AND area_id < %s) "
                        f"OR household_id IN ({hh_sub})", [lo, hi, lo, hi])
            cur.execute(f"DELETE FROM {Household._meta.db_table} WHERE area_id >= %s AND area_id < %s", [lo, hi])
            return cur.rowcount


# ==========================================================================================================
# entry point
# ==========================================================================================================


def _existing_ids(codes: list[str], using: str) -> list[str]:
    out: list[str] = []
    with connections[using].cursor() as cur:
        for code in codes:
            cur.execute(f"SELECT id_number FROM {Person._meta.db_table} WHERE id_number >= %s AND id_number < %s",
                        [code, f"{int(code) + 1:06d}"])
            out.extend(r[0] for r in cur.fetchall())
    return out


def _normalise_code(county_code: str) -> str:
    code = str(county_code).strip()
    if not code.isdigit() or len(code) not in (6, 12) or (len(code) == 12 and code[6:] != "000000"):
        raise GenerateError(f"give a county code of 6 digits (or 12 ending in 000000), not {county_code!r}")
    code6 = code[:6]
    if code6[4:] == "00":
        raise GenerateError(f"{code6} is not a county code")
    return code6


def _use_bulk(bulk: bool | None, writer: Writer, households: int, using: str) -> bool:
    """Bulk mode (indexes rebuilt after the load, one transaction) when asked, or by default when the load
    is large and at least as big as what the registry already holds."""
    if bulk is not None:
        return bulk
    if households < BULK_MIN_HOUSEHOLDS:
        return False
    return Household._base_manager.using(using).count() <= households


def generate_county(
    *,
    county_code: str,
    households: int,
    seed: int,
    years: Iterable[int] = range(2014, 2021),
    batch_size: int = 10_000,
    replace: bool = False,
    append: bool = False,
    bulk: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateResult:
    """Generate `households` rural households (poor or not) into the villages of a loaded county.

    ``years``: the income years (consecutive, within 2014-2020); statuses are simulated from 2014 to the last.
    ``replace``: delete the county's registry data first.  ``append``: add to a county that already has
    households (serial numbers continue, identity numbers avoid those present).  Without either, a county
    with households is refused (:class:`CountyNotEmpty`).
    ``batch_size``: households per transaction (normal mode) or per COPY round (bulk mode).
    ``bulk``: load in one transaction with the registry tables' secondary indexes (PostgreSQL: also unique and
    foreign-key constraints) dropped and rebuilt at the end; the tables are locked meanwhile.  Default: bulk
    when at least 50,000 households are generated and the registry holds no more households than that.
    ``progress(done, total)`` is called after each chunk.  Writes to the default database.
    """
    started = time.perf_counter()
    using = DEFAULT_DB_ALIAS
    code6 = _normalise_code(county_code)
    years = tuple(sorted(set(int(y) for y in years)))
    if not years or years[0] < cal.FIRST_YEAR or years[-1] > cal.LAST_YEAR or years != tuple(range(years[0], years[-1] + 1)):
        raise GenerateError(f"years must be consecutive within {cal.FIRST_YEAR}-{cal.LAST_YEAR}")
    if households < 1:
        raise GenerateError("households must be at least 1")
    if batch_size < 1:
        raise GenerateError("batch_size must be at least 1")
    code12 = code6 + "000000"
    if not Area.objects.using(using).filter(code=code12, level=Level.COUNTY).exists():
        raise CountyNotLoaded(f"county {code6} is not in the area table: run "
                              f"`jingzhun load_areas --provinces {code6[:2]}` first")
    result = GenerateResult(county_code=code6, seed=seed, years=years)
    lo, hi = _county_bounds(code6)
    existing = Household._base_manager.using(using).filter(area_id__gte=lo, area_id__lt=hi).count()
    if existing and not replace and not append:
        raise CountyNotEmpty(f"county {code6} already has {existing} households; use --replace "
                             "(delete them first) or --append")
    county = _setup(code6, seed, years)
    writer = Writer(using)
    result.bulk = _use_bulk(bulk, writer, households, using)
    villages: list[_Village] = []
    alloc: _IdAllocator | None = None

    def prepare():  # after any deletion: serial numbers and identity numbers continue from what is left
        nonlocal villages, alloc
        if existing and replace:
            with clock("delete"):
                result.deleted_households = delete_county_data(code6, using=using)
        villages = _plan_villages(county, households, using)
        alloc = _IdAllocator(county.id_codes, _existing_ids(county.id_codes, using))

    poor = np.zeros(len(county.years_all))
    pop = np.zeros(len(county.years_all))

    @contextlib.contextmanager
    def clock(phase: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            result.timings[phase] = result.timings.get(phase, 0.0) + time.perf_counter() - t0

    def run(ids: _Ids, sender: _Sender, per_chunk_transaction: bool):
        pending: list[dict] = []
        pending_n = 0

        def flush():
            nonlocal pending, pending_n
            if not pending:
                return
            if per_chunk_transaction:
                with transaction.atomic(using=using):
                    with clock("encode"):
                        statements, counts = _prepare_chunk(writer, ids, pending)
                    with clock("send"):
                        sender.send(statements)
            else:
                with clock("encode"):
                    statements, counts = _prepare_chunk(writer, ids, pending)
                with clock("send"):
                    sender.send(statements)
            nh, npp, ni, ns = counts
            result.households += nh
            result.persons += npp
            result.memberships += npp
            result.income_records += ni
            result.status_changes += ns
            pending, pending_n = [], 0
            if progress:
                progress(result.households, households)

        nonlocal poor, pop
        for block_no, block in enumerate(_blocks(villages)):
            with clock("simulate"):
                part = _simulate(county, block, block_no, alloc)
            poor += part["stats"]["poor_persons"]
            pop += part["stats"]["persons"]
            result.registered_households += part["stats"]["registered"]
            result.villages += len(block)
            for piece in _slices(part, batch_size - pending_n, batch_size):
                pending.append(piece)
                pending_n += piece["n"]
                if pending_n >= batch_size:
                    flush()
        flush()

    if result.bulk:
        with transaction.atomic(using=using):
            rebuild = IndexRebuild(_OWN, using, keep=KEEP_INDEXES)
            rebuild.drop()  # before deleting too: no per-row foreign-key checks
            prepare()
            sender = _Sender(writer, threaded=writer.pg)  # SQLite binds rows under the GIL: no gain
            try:
                run(_Ids(writer, local=True), sender, per_chunk_transaction=False)
            finally:
                with clock("send"):
                    sender.close()
                for table, seconds in sender.busy.items():  # overlapped with simulate/encode: not in the total
                    result.timings[f"copy {table}"] = seconds
            with clock("indexes"):
                rebuild.restore()
                for model in _OWN:  # MAX(id) by the primary keys, rebuilt just now
                    writer.sync_sequence(model)
    else:
        prepare()
        run(_Ids(writer, local=False), _Sender(writer, threaded=False), per_chunk_transaction=True)
    result.incidence = {int(y): float(p / q) if q else 0.0 for y, p, q in zip(county.years_all, poor, pop)}
    from jingzhun.core.audit import audit

    with transaction.atomic(using=using):
        audit(actor=None, action="demo.generate", object_type="areas.area", object_id=code12, area_code=code12,
              changes={"households": [None, result.households], "persons": [None, result.persons],
                       "seed": [None, seed], "years": [None, f"{years[0]}-{years[-1]}"], "bulk": [None, result.bulk]})
    result.seconds = time.perf_counter() - started
    return result
