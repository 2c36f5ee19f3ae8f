"""Set-based eligibility evaluation (issue 5): who could be identified, who could exit, in one area and one year.

A selector: it reads the register and proposes, it never changes a status (the identification and exit
procedures do that, one household at a time, with their notices and approvals).

    result = evaluate_eligibility(area_code="522633000000", year=2019)
    result.counts            # {"households": ..., "candidates": ..., "exits": ..., "blocked": ...}
    result.reason_counts     # {"candidates": {code: n}, "exits": {code: n}, "blocked": {code: n}}
    for p in result.candidates: p.household_id, p.number, p.village, p.per_capita, p.line, p.reasons
    for p in result.exits: ...
    for p in result.blocked: ...   # registered poor households that do not qualify, with the blocking reasons

How it runs
-----------
One SQL statement (a few CTEs, the same text on SQLite and PostgreSQL) computes one row per listable
household of the area: its income record of the year, its poverty line, the guarantees from its current
members, its kind.  ``evaluate_eligibility`` runs it once, aggregated (the counts, plus one ``COUNT(*)`` of
the area's households); each list runs it again when iterated, restricted to the statuses it can hold
(candidates: ``none``; exits and blocked: the registered statuses, a few percent of the households, read
through the indexes), filtered to its kind and ordered by village and household number.  The lists are
streamed: PostgreSQL through a server-side cursor (``connection.chunked_cursor()``), SQLite by stepping its
cursor, ``CHUNK`` rows per fetch, so iterating a national result never holds more than a chunk in Python.
Each list can be iterated again (the statement runs again); ``len()`` is the count taken when the result
was made.  Counts and lists are separate statements: in one ``transaction.atomic()`` with REPEATABLE READ
(PostgreSQL), or on a register that does not change meanwhile, they agree; otherwise a list reflects the
register when it is iterated.

Pruning: the member look-up (school, insurance), which reads memberships and persons, runs only for the
households that can be listed: registered poor households, and households not registered whose income is
below the guarantee threshold (``CANDIDATE_GUARANTEE_INCOME_FACTOR`` x line) or missing.  It is one
correlated sub-query per such household in a ``MATERIALIZED`` CTE (a fence: PostgreSQL would otherwise
inline the CTE and run the sub-query for every household of the area, once per reference).  The rest of
the area is read once from the household table and the income records of the year.  On PostgreSQL the
statements are planned with JIT off and ``cursor_tuple_fraction`` 1 (``planner_settings``), the session's
values restored right after planning.

Definitions (pinned; the same as ``analytics.flatten`` where they overlap)
------------------------------------------------------------------------
* **Area**: a 12-digit code of any level (its villages are ``area_id LIKE prefix%``), a significant prefix
  (2, 4, 6 or 9 digits), or ``""`` / ``"000000000000"`` for the whole country.
* **Status** is the household's current status (``Household.status``); ``year`` selects the income record,
  the poverty line and the date ages are taken on.
* **Current members**: open memberships (``end_date`` null) of living persons (``death_date`` null).
  Households without a current member are not evaluated (nothing to identify or exit).
* **Age** on 31 December of ``year`` (``year - birth year``).
* **Income**: ``IncomeRecord.per_capita`` of ``year`` (computed by ``registry.income.compute_income`` with the
  area's income component rules).  Poor means strictly below the line (y < z, DOMAIN.md section 12), so
  "above the line" for an exit means y >= z.
* **Line**: the ``PovertyLine`` of ``year`` of the most specific area enclosing the household's village, else
  the national line (``policy.selectors``), as one ``CASE`` over the village code.  Without a line that
  encloses the whole area (national, or of an enclosing area) ``NoPovertyLine`` is raised.
* **Guarantees** (DOMAIN.md section 7), one reason code each when failing:

  ==========================  ===================================================================
  ``food_insecure``           ``Household.food_secure`` false
  ``clothing_insecure``       ``Household.clothing_secure`` false
  ``child_out_of_school``     a current member aged 6 to 15 whose ``student_status`` is
                              ``none`` or ``dropped_out``, unless medically unable (see below)
  ``no_medical_insurance``    a current member with ``Person.medical_insurance`` false
  ``unsafe_housing``          ``Household.housing_grade`` C or D (blank, not assessed: not failing)
  ``unsafe_water``            ``Household.water_safe`` false
  ==========================  ===================================================================

  Student statuses: in school are ``preschool``, ``primary``, ``junior``, ``senior``, ``vocational``,
  ``college`` and ``home_taught`` (home teaching counts, DOMAIN.md section 7); not in school are ``none``
  and ``dropped_out``.  The register has no "medically unable" student status: a child whose ``health`` is
  ``serious`` or ``disabled`` is taken as excepted (as ``analytics.flatten`` does).  Serious-illness
  insurance is not part of this check (basic medical insurance only).
* Other reason codes: ``income_below_line`` (per_capita < line), ``no_income_record`` (no record for the
  year), ``identified_this_year`` (exit blocker, see below); exits carry ``income_above_line`` and
  ``guarantees_met``.

Rules (data-like constants below, overridable by arguments)
----------------------------------------------------------
* **Candidate for identification**: status ``none`` and either income below the line, or a failing guarantee
  together with income below ``CANDIDATE_GUARANTEE_INCOME_FACTOR`` (1.5) times the line (1.5 times the old
  line is where the 2021 monitoring line was set: the band of households close to poverty, DOMAIN.md
  section 6), or, when ``CANDIDATE_GUARANTEE_WITHOUT_INCOME``, a failing guarantee and no income record for
  the year (to be verified: income unknown).  A household with neither an income record nor a failing
  guarantee is not listed.  Reasons: every failing code, ``income_below_line`` and ``no_income_record``.
  Exited households are not candidates (they are the monitoring scan's unstable exited households).
* **Exit**: status in ``EXIT_FROM_STATUSES`` (``poor``, and ``returned``, the returned-to-poverty household
  that is registered poor again), an income record with per_capita >= line, every guarantee met, and
  -- unless ``same_year_exit`` -- not identified in ``year`` (``registered_year == year`` or a status change
  to poor/returned effective in ``year``: DOMAIN.md section 8, a household identified in a year does not
  exit in the same year).  Reasons: ``income_above_line``, ``guarantees_met``.
* **Blocked**: the other households of those statuses, with every blocking code (income below the line or no
  record, failing guarantees, ``identified_this_year``).

Indexes used (see the final report of issue 5): ``household_area_prefix`` (scope), the unique
(household, year) on income records, ``registry_membership.household_id``, the person primary key, and
``registry_statuschange.household_id`` for the same-year check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import DatabaseError, connection

from jingzhun.areas.models import Area
from jingzhun.core.scoping import SIGNIFICANT_DIGITS
from jingzhun.policy.models import PovertyLine

# ---------------------------------------------------------------------------------------------------------
# rules as data
# ---------------------------------------------------------------------------------------------------------

#: Statuses (registry.choices.PovertyStatus) evaluated for identification and for exit.
CANDIDATE_FROM_STATUSES = ("none",)
EXIT_FROM_STATUSES = ("poor", "returned")
#: A failing guarantee makes a non-registered household a candidate when its income is below this factor
#: times the line (None: income below the line only).
CANDIDATE_GUARANTEE_INCOME_FACTOR: Decimal | None = Decimal("1.5")
#: ... or when it has no income record for the year.
CANDIDATE_GUARANTEE_WITHOUT_INCOME = True
#: Whether a household identified in a year may exit in the same year (DOMAIN.md section 8: local rule).
SAME_YEAR_EXIT = False
#: Compulsory-education ages (on 31 December of the year).
SCHOOL_AGES = (6, 15)
#: Student statuses (registry.choices.StudentStatus) that mean "not in school"; every other status counts as
#: schooling, home teaching included.
NOT_IN_SCHOOL = ("none", "dropped_out")
#: Health states (registry.choices.Health) taken as "medically unable to attend school".
MEDICALLY_UNABLE = ("serious", "disabled")
#: Housing grades (registry.choices.HousingGrade) that fail the safe-housing guarantee.
UNSAFE_HOUSING_GRADES = ("C", "D")
#: Statuses whose change (StatusChange.to_status) counts as an identification for the same-year rule.
IDENTIFYING_STATUSES = ("poor", "returned")
#: Rows per fetch when a list is streamed.
CHUNK = 2000
#: PostgreSQL's JIT compiles the many CASE expressions of these statements for seconds (4.3 s of JIT for a
#: 1.8 s statement at 1 million persons, in every parallel worker): off while they are planned.
POSTGRES_JIT = False

GUARANTEE_REASONS = ("food_insecure", "clothing_insecure", "child_out_of_school", "no_medical_insurance",
                     "unsafe_housing", "unsafe_water")
#: Every code a candidate or a blocked household may carry, in the order they are listed.
REASONS = ("income_below_line", "no_income_record", *GUARANTEE_REASONS, "identified_this_year")
EXIT_REASONS = ("income_above_line", "guarantees_met")

CENT = Decimal("0.01")


class NoPovertyLine(LookupError):
    """No poverty line of the year encloses the whole area (neither national nor of an enclosing area)."""


# ---------------------------------------------------------------------------------------------------------
# shared helpers (also used by monitoring_scan)
# ---------------------------------------------------------------------------------------------------------


def area_prefix(area_code: str) -> str:
    """The significant prefix of an area: '' for the country, else the code cut at its level's digits."""
    code = (area_code or "").strip()
    if not code or code == "0" * 12:
        return ""
    if not code.isdigit():
        raise ValueError(f"not an area code: {area_code!r}")
    if len(code) in (2, 4, 6, 9):
        return code
    if len(code) != 12:
        raise ValueError(f"not an area code: {area_code!r}")
    level = Area.objects.filter(code=code).values_list("level", flat=True).first()
    if level is None:
        raise LookupError(f"unknown area: {area_code}")
    return code[: SIGNIFICANT_DIGITS[level]]


def line_branches(model, year: int, prefix: str) -> tuple[list[tuple[str, Decimal]], Decimal | None]:
    """Lines of `model` for `year` that matter under `prefix`: (code prefix, amount) of the areas inside the
    scope, most specific first, and the default (the most specific line enclosing the whole scope, else the
    national line, else None).  Same precedence as ``policy.selectors`` (most specific area, then national)."""
    default, default_len = None, -1
    branches: list[tuple[str, Decimal]] = []
    for code, level, amount in model.objects.filter(year=year).values_list("area_id", "area__level", "amount"):
        if code is None:
            if default_len < 0:
                default, default_len = amount, 0
            continue
        p = code[: SIGNIFICANT_DIGITS[level]]
        if prefix.startswith(p):  # encloses the whole scope
            if len(p) > default_len:
                default, default_len = amount, len(p)
        elif p.startswith(prefix):
            branches.append((p, amount))
    branches.sort(key=lambda b: len(b[0]), reverse=True)
    return branches, default


class Sql:
    """A statement under construction with named parameters (pyformat: the same text on both databases)."""

    def __init__(self):
        self.params: dict[str, object] = {}

    def p(self, value, name: str = "p") -> str:
        key = f"{name}{len(self.params)}"
        self.params[key] = value
        return f"%({key})s"

    @staticmethod
    def materialized() -> str:
        """A CTE computed once, as a fence: PostgreSQL would inline it and push filters below its correlated
        subqueries, or repeat them for every reference (SQLite >= 3.35 knows the keyword too)."""
        if connection.vendor == "postgresql" or connection.Database.sqlite_version_info >= (3, 35):
            return "MATERIALIZED "
        return ""

    def money(self, value) -> str:
        return f"CAST({self.p(value)} AS NUMERIC)"

    def in_(self, values: Sequence) -> str:
        return "(" + ", ".join(self.p(v) for v in values) + ")"

    def scope(self, column: str, prefix: str) -> str:
        """An index-friendly prefix match: LIKE on PostgreSQL (pattern_ops index), a range on SQLite."""
        if not prefix:
            return "1 = 1"
        if connection.vendor == "postgresql":
            return f"{column} LIKE {self.p(prefix + '%')}"
        return f"{column} >= {self.p(prefix)} AND {column} < {self.p(prefix + chr(0x10FFFF))}"

    def case_line(self, column: str, branches: Sequence[tuple[str, Decimal]], default: Decimal | None) -> str:
        """The line of each row: the first (most specific) branch whose prefix matches, else the default."""
        other = self.money(default) if default is not None else "NULL"
        if not branches:
            return other
        whens = " ".join(f"WHEN {column} LIKE {self.p(prefix + '%')} THEN {self.money(amount)}" for prefix, amount in branches)
        return f"CASE {whens} ELSE {other} END"


def money(value) -> Decimal | None:
    """A database number as Decimal to the cent (SQLite returns int or float for numeric columns)."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT)


@contextlib.contextmanager
def planner_settings() -> Iterator[None]:
    """Plan the statements of this module on PostgreSQL with JIT off (unless POSTGRES_JIT) and for all their
    rows (``cursor_tuple_fraction`` 1: a server-side cursor is otherwise planned for its first 10%, nested
    loops that made the monitoring scan twice as slow), then restore the session's settings.  Both are
    planning settings, so they can be restored before the rows are fetched.  On an error the transaction
    is aborted and its SETs are undone with it."""
    if connection.vendor != "postgresql":
        yield
        return
    settings = {"cursor_tuple_fraction": "1"} | ({} if POSTGRES_JIT else {"jit": "off"})
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in settings))
        old = dict(zip(settings, cur.fetchone()))
        cur.execute("SELECT " + ", ".join(f"set_config('{name}', %s, false)" for name in settings), list(settings.values()))

    def restore():
        with connection.cursor() as cur:
            cur.execute("SELECT " + ", ".join(f"set_config('{name}', %s, false)" for name in old), list(old.values()))

    try:
        yield
    except BaseException:
        with contextlib.suppress(DatabaseError):
            restore()
        raise
    restore()


def stream(sql: str, params: dict, make) -> Iterator:
    """Rows of `sql`, CHUNK at a time, through a server-side cursor on PostgreSQL."""
    with connection.chunked_cursor() as cur:
        with planner_settings():
            cur.execute(sql, params)
        while rows := cur.fetchmany(CHUNK):
            for row in rows:
                yield make(row)


# ---------------------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    household_id: int
    number: str
    village: str
    status: str
    per_capita: Decimal | None
    line: Decimal | None
    reasons: tuple[str, ...]


class ProposalList:
    """A lazily streamed list of proposals: each iteration runs its statement again; len() is the count."""

    def __init__(self, kind: str, sql: str, params: dict, count: int, codes: tuple[str, ...]):
        self.kind, self._sql, self._params, self._count, self._codes = kind, sql, params, count, codes

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator[Proposal]:
        codes = self._codes

        def make(row) -> Proposal:
            hid, number, village, status, per_capita, line, *flags = row
            return Proposal(hid, number, village, status, money(per_capita), money(line),
                            tuple(code for code, flag in zip(codes, flags) if flag))

        return stream(self._sql, self._params, make)

    def __repr__(self) -> str:
        return f"<ProposalList {self.kind}: {self._count}>"


@dataclass
class EligibilityResult:
    """``counts``: households (every household of the area, any status, with or without members), candidates,
    exits, blocked.  ``reason_counts``: per list, households carrying each code (every code present, 0 when
    none).  ``candidates``, ``exits``, ``blocked``: streamed ``ProposalList``s ordered by village and number."""

    area_code: str
    prefix: str
    year: int
    same_year_exit: bool
    counts: dict[str, int]
    reason_counts: dict[str, dict[str, int]]
    candidates: ProposalList = field(repr=False)
    exits: ProposalList = field(repr=False)
    blocked: ProposalList = field(repr=False)


# ---------------------------------------------------------------------------------------------------------
# the statement
# ---------------------------------------------------------------------------------------------------------


def _judged_cte(prefix: str, year: int, lines: tuple[list[tuple[str, Decimal]], Decimal], *, same_year_exit: bool, guarantee_income_factor: Decimal | None,
                guarantee_without_income: bool, statuses: Sequence[str] = (*CANDIDATE_FROM_STATUSES, *EXIT_FROM_STATUSES)) -> tuple[str, dict]:
    """WITH ... kinds: one row per listable household of `statuses` with its 0/1 flags and its kind
    ('candidate', 'exit', 'blocked' or NULL)."""
    branches, default = lines
    factor = guarantee_income_factor if guarantee_income_factor is not None else Decimal(1)
    q = Sql()
    line = q.case_line("h.area_id", branches, default)
    gline = q.case_line("h.area_id", [(p, a * factor) for p, a in branches], default * factor)
    candidate_statuses, exit_statuses = q.in_(CANDIDATE_FROM_STATUSES), q.in_(EXIT_FROM_STATUSES)
    child_from, child_to = dt.date(year - SCHOOL_AGES[1], 1, 1), dt.date(year - SCHOOL_AGES[0], 12, 31)
    materialized = q.materialized()
    sql = f"""
WITH base AS (
  SELECT h.id, h.number, h.area_id, h.status, h.registered_year, h.housing_grade, h.water_safe, h.food_secure,
         h.clothing_secure, i.per_capita, {line} AS line, {gline} AS gline
  FROM registry_household h
  LEFT JOIN registry_incomerecord i ON i.household_id = h.id AND i.year = {q.p(year)}
  WHERE {q.scope("h.area_id", prefix)} AND h.status IN {q.in_(statuses)}
),
pool AS (
  SELECT * FROM base
  WHERE status IN {exit_statuses} OR per_capita IS NULL OR per_capita < gline
),
mem AS {materialized}(
  -- one correlated look-up per pooled household (index on membership.household_id, then the person's key):
  -- NULL without a current member, else 4 + 2 x (a child out of school) + (a member without insurance)
  SELECT pool.*, (
    SELECT 4 + 2 * MAX(CASE WHEN p.birth_date >= {q.p(child_from)} AND p.birth_date <= {q.p(child_to)}
                             AND p.student_status IN {q.in_(NOT_IN_SCHOOL)} AND p.health NOT IN {q.in_(MEDICALLY_UNABLE)}
                            THEN 1 ELSE 0 END)
             + MAX(CASE WHEN p.medical_insurance THEN 0 ELSE 1 END)
    FROM registry_membership m JOIN registry_person p ON p.id = m.person_id AND p.death_date IS NULL
    WHERE m.household_id = pool.id AND m.end_date IS NULL
  ) AS mbits
  FROM pool
),
flags AS (
  SELECT mem.id, mem.number, mem.area_id, mem.status, mem.per_capita, mem.line, mem.gline,
         CASE WHEN mem.per_capita < mem.line THEN 1 ELSE 0 END AS income_below_line,
         CASE WHEN mem.per_capita IS NULL THEN 1 ELSE 0 END AS no_income_record,
         CASE WHEN mem.food_secure THEN 0 ELSE 1 END AS food_insecure,
         CASE WHEN mem.clothing_secure THEN 0 ELSE 1 END AS clothing_insecure,
         (mem.mbits - 4) / 2 AS child_out_of_school, (mem.mbits - 4) %% 2 AS no_medical_insurance,
         CASE WHEN mem.housing_grade IN {q.in_(UNSAFE_HOUSING_GRADES)} THEN 1 ELSE 0 END AS unsafe_housing,
         CASE WHEN mem.water_safe THEN 0 ELSE 1 END AS unsafe_water,
         CASE WHEN mem.status IN {exit_statuses} AND (mem.registered_year = {q.p(year)} OR EXISTS (
                SELECT 1 FROM registry_statuschange s
                WHERE s.household_id = mem.id AND s.to_status IN {q.in_(IDENTIFYING_STATUSES)}
                  AND s.effective_date >= {q.p(dt.date(year, 1, 1))} AND s.effective_date <= {q.p(dt.date(year, 12, 31))}))
              THEN 1 ELSE 0 END AS identified_this_year
  FROM mem WHERE mem.mbits IS NOT NULL
),
judged AS (
  SELECT flags.*,
         CASE WHEN food_insecure + clothing_insecure + child_out_of_school + no_medical_insurance + unsafe_housing
                   + unsafe_water > 0 THEN 1 ELSE 0 END AS guarantee_failing
  FROM flags
),
kinds AS (
  SELECT judged.*,
         CASE WHEN status IN {candidate_statuses} THEN
                CASE WHEN income_below_line = 1
                       OR (guarantee_failing = 1 AND (per_capita < gline OR (no_income_record = 1 AND {q.p(1 if guarantee_without_income else 0)} = 1)))
                     THEN 'candidate' END
              WHEN no_income_record = 0 AND income_below_line = 0 AND guarantee_failing = 0
                   AND (identified_this_year = 0 OR {q.p(1 if same_year_exit else 0)} = 1) THEN 'exit'
              ELSE 'blocked' END AS kind
  FROM judged
)"""
    return sql, q.params


def evaluate_eligibility(*, area_code: str, year: int, same_year_exit: bool = SAME_YEAR_EXIT,
                         guarantee_income_factor: Decimal | None = CANDIDATE_GUARANTEE_INCOME_FACTOR,
                         guarantee_without_income: bool = CANDIDATE_GUARANTEE_WITHOUT_INCOME) -> EligibilityResult:
    """Candidates for identification, exits and blocked exits of one area and one year (see the module doc).

    Runs the counts at once (two statements); the three lists are streamed when iterated."""
    prefix = area_prefix(area_code)
    lines = line_branches(PovertyLine, year, prefix)
    if lines[1] is None:
        raise NoPovertyLine(f"no poverty line for {year} applies to every village under {prefix or 'the country'}")
    options = dict(lines=lines, same_year_exit=same_year_exit, guarantee_income_factor=guarantee_income_factor, guarantee_without_income=guarantee_without_income)
    cte, params = _judged_cte(prefix, year, **options)
    # the lists read only the statuses they can hold (the registered households are few: index look-ups)
    candidates_cte, candidates_params = _judged_cte(prefix, year, statuses=CANDIDATE_FROM_STATUSES, **options)
    registered_cte, registered_params = _judged_cte(prefix, year, statuses=EXIT_FROM_STATUSES, **options)
    blocked_exprs = {code: code for code in REASONS}
    if same_year_exit:
        blocked_exprs["identified_this_year"] = "0"
    candidate_codes = tuple(c for c in REASONS if c != "identified_this_year")
    sums = ", ".join(f"SUM({expr})" for expr in blocked_exprs.values())
    counts_sql = f"{cte}\nSELECT kind, COUNT(*), {sums} FROM kinds WHERE kind IS NOT NULL GROUP BY kind"
    counts = {"households": 0, "candidates": 0, "exits": 0, "blocked": 0}
    reason_counts = {"candidates": dict.fromkeys(candidate_codes, 0), "exits": dict.fromkeys(EXIT_REASONS, 0),
                     "blocked": dict.fromkeys(REASONS, 0)}
    q = Sql()
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM registry_household h WHERE {q.scope('h.area_id', prefix)}", q.params)
        counts["households"] = cur.fetchone()[0]
        with planner_settings():
            cur.execute(counts_sql, params)
        for kind, n, *by_reason in cur.fetchall():
            name = {"candidate": "candidates", "exit": "exits", "blocked": "blocked"}[kind]
            counts[name] = n
            for code, total in zip(REASONS, by_reason):
                if code in reason_counts[name]:
                    reason_counts[name][code] = int(total or 0)
            if name == "exits":
                reason_counts[name] = dict.fromkeys(EXIT_REASONS, n)

    head = "SELECT id, number, area_id, status, per_capita, line"
    order = "ORDER BY area_id, number"
    candidates_sql = f"{candidates_cte}\n{head}, {', '.join(candidate_codes)} FROM kinds WHERE kind = 'candidate' {order}"
    exits_sql = f"{registered_cte}\n{head}, 1, 1 FROM kinds WHERE kind = 'exit' {order}"
    blocked_sql = f"{registered_cte}\n{head}, {', '.join(blocked_exprs.values())} FROM kinds WHERE kind = 'blocked' {order}"
    return EligibilityResult(
        area_code=area_code, prefix=prefix, year=year, same_year_exit=same_year_exit, counts=counts, reason_counts=reason_counts,
        candidates=ProposalList("candidates", candidates_sql, candidates_params, counts["candidates"], candidate_codes),
        exits=ProposalList("exits", exits_sql, registered_params, counts["exits"], EXIT_REASONS),
        blocked=ProposalList("blocked", blocked_sql, registered_params, counts["blocked"], REASONS),
    )
