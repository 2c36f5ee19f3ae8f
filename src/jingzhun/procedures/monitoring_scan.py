"""The dynamic-monitoring scan (issue 5, DOMAIN.md section 8): which households of an area show a risk of
(returning to) poverty on a date, and in which monitoring category.

A selector: it proposes households for the monitoring identification procedure and never changes anything.

    for flag in scan_monitoring(area_code="522633000000", as_of=dt.date(2022, 6, 30)):
        flag.household_id, flag.number, flag.village, flag.status, flag.category, flag.flags, flag.details

How it runs
-----------
``scan_monitoring`` resolves the area and the monitoring lines at once and returns an iterator; the one SQL
statement (``scan_statement``, the same text on SQLite and PostgreSQL) runs on the first ``next()`` and is
streamed (``eligibility.stream``: a server-side cursor on PostgreSQL, ``eligibility.CHUNK`` rows per fetch,
planned as ``eligibility.planner_settings`` says), ordered by village and household number.  Every
household of the area with status ``none`` or ``exited`` is read once with its income records of the last
three years and its alerts of the window; the member look-up (working-age labour), one correlated
sub-query per household in a ``MATERIALIZED`` CTE, runs only for the exited households and the households
with another flag.

Households scanned: status in ``MONITORED_STATUSES`` (``none``, ``exited``).  Registered poor households
(``poor``, ``returned``) are not monitoring targets: they are already under assistance.  Households without
a current member (open membership, living person) are skipped.

Flags (stable codes)
--------------------
``income_below_monitoring_line``
    The **income year** is the latest year with an income record among the calendar years that overlap the
    12 months before ``as_of`` (``as_of - 1 year`` exclusive to ``as_of`` inclusive: this year and last
    year, or this year only on 31 December).  Its per-capita net income is strictly below the
    ``MonitoringLine`` of that year for the household's area (most specific area wins, as in
    ``policy.selectors``); when no line of that year applies, the line of ``as_of``'s year (the line in
    force on the day).  No income record in the window, or no line: no flag.
``income_drop``
    Per-capita income of the income year below the previous year's by more than ``drop_share`` (default
    30%): ``(previous - current) / previous > drop_share``, previous > 0.  Compared in exact integer cents.
``rigid_spending``
    The registry has no medical, disaster or accident expense field: rigid spending comes from department
    alerts only.  The amounts of the household's alerts dated in the window (alert types in
    ``rigid_alert_types``; default None: every alert that carries an amount) are summed per household and
    compared with ``rigid_spending_threshold``: default None, the household's annual net income
    (``IncomeRecord.net`` of the income year; 0 without a record), "clearly above income" (DOMAIN.md
    section 8); a Decimal is an absolute amount in yuan.  Flag when the sum is strictly above.
``no_working_age_labour``
    No current member aged ``WORKING_AGES`` (16 to 59 on ``as_of``) whose ``labour_ability`` is ``normal`` or
    ``skilled`` (``lost`` and ``none`` are no labour).
``department_alert``
    At least one department alert dated in the window on a current member (alerts are matched by identity
    number to a living person with an open membership; alerts about other persons are ignored).

Department alerts are read from the table ``procedures_departmentalert`` (columns id, id_number,
alert_type, alert_date, amount, source, imported_at) when it exists
(``connection.introspection.table_names()``); without it, ``rigid_spending`` and ``department_alert``
never fire.

Categories (codes of ``procedures.models.MonitoringCategory``)
--------------------------------------------------------------
``unstable``  (脱贫不稳定户) status ``exited`` and any flag.
``hardship``  (突发严重困难户) status ``none`` and rigid spending above the threshold or a sharp income drop
              (the official definition: rigid spending from illness, disaster or accident, or income
              sharply reduced).
``marginal``  (边缘易致贫户) status ``none``, income below the monitoring line, no hardship flag.
None          status ``none`` with a department alert and no other trigger: listed for verification.

A household not registered is listed only for ``income_below_monitoring_line``, ``income_drop``,
``rigid_spending`` or ``department_alert``; ``no_working_age_labour`` alone lists only exited households.

Details (numbers, Decimal to the cent unless said): ``income_year`` (int or None), ``per_capita``,
``previous_per_capita``, ``drop`` (share, 4 places, None unless previous > 0), ``monitoring_line``,
``net_income``, ``rigid_spending`` (sum of counted alert amounts), ``rigid_spending_threshold``, ``alerts``
(int), ``alert_amount`` (sum of all alert amounts), ``members`` and ``working_age_labourers`` (ints).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from jingzhun.policy.models import MonitoringLine

from .eligibility import Sql, area_prefix, line_branches, money, stream

#: A drop of per-capita income by more than this share from the previous year is flagged.
DROP_SHARE = Decimal("0.3")
#: None: rigid spending is flagged above the household's annual net income; a Decimal: above that many yuan.
RIGID_SPENDING_THRESHOLD: Decimal | None = None
#: Alert types whose amounts count as rigid spending (None: every alert with an amount).
RIGID_SPENDING_ALERT_TYPES: tuple[str, ...] | None = None
#: Working ages, inclusive, on the scan date.
WORKING_AGES = (16, 59)
#: Labour abilities (registry.choices.LabourAbility) that count as labour.
LABOUR_ABILITIES = ("normal", "skilled")
#: Statuses scanned (registry.choices.PovertyStatus).
MONITORED_STATUSES = ("none", "exited")
EXITED = "exited"
ALERTS_TABLE = "procedures_departmentalert"

FLAGS = ("income_below_monitoring_line", "income_drop", "rigid_spending", "no_working_age_labour", "department_alert")
UNSTABLE, MARGINAL, HARDSHIP = "unstable", "marginal", "hardship"


@dataclass(frozen=True)
class MonitoringFlag:
    household_id: int
    number: str
    village: str
    status: str
    category: str | None
    flags: tuple[str, ...]
    details: dict


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def category_of(status: str, flags: Sequence[str]) -> str | None:
    if status == EXITED:
        return UNSTABLE if flags else None
    if "rigid_spending" in flags or "income_drop" in flags:
        return HARDSHIP
    if "income_below_monitoring_line" in flags:
        return MARGINAL
    return None


def alerts_available() -> bool:
    return ALERTS_TABLE in connection.introspection.table_names()


def scan_monitoring(*, area_code: str, as_of: dt.date, drop_share: Decimal = DROP_SHARE,
                    rigid_spending_threshold: Decimal | None = RIGID_SPENDING_THRESHOLD,
                    rigid_alert_types: Sequence[str] | None = RIGID_SPENDING_ALERT_TYPES,
                    working_ages: tuple[int, int] = WORKING_AGES) -> Iterator[MonitoringFlag]:
    """Flagged households of the area on `as_of`, streamed (see the module doc for every rule)."""
    sql, params = scan_statement(area_code=area_code, as_of=as_of, drop_share=drop_share, rigid_spending_threshold=rigid_spending_threshold,
                                 rigid_alert_types=rigid_alert_types, working_ages=working_ages)
    return stream(sql, params, _flag_of_row)


def scan_statement(*, area_code: str, as_of: dt.date, drop_share: Decimal = DROP_SHARE,
                   rigid_spending_threshold: Decimal | None = RIGID_SPENDING_THRESHOLD,
                   rigid_alert_types: Sequence[str] | None = RIGID_SPENDING_ALERT_TYPES,
                   working_ages: tuple[int, int] = WORKING_AGES) -> tuple[str, dict]:
    """The scan's SQL and parameters (for EXPLAIN and for the benchmark)."""
    drop_share = Decimal(drop_share)
    if not 0 <= drop_share < 1:
        raise ValueError("drop_share must be at least 0 and below 1")
    prefix = area_prefix(area_code)
    start = _years_before(as_of, 1) + dt.timedelta(days=1)
    year = as_of.year
    two_years = start.year < year
    q = Sql()
    pg = connection.vendor == "postgresql"

    def cents(expr: str) -> str:
        return f"CAST(ROUND({expr} * 100) AS {'NUMERIC' if pg else 'INTEGER'})"

    lines = {y: line_branches(MonitoringLine, y, prefix) for y in (year, year - 1)}

    def mline(y: int) -> str:
        own = q.case_line("h.area_id", *lines[y])
        return own if y == year else f"COALESCE({own}, {q.case_line('h.area_id', *lines[year])})"

    num, den = drop_share.as_integer_ratio()
    youngest, oldest = working_ages
    born_to, born_after = _years_before(as_of, youngest), _years_before(as_of, oldest + 1)
    threshold = None if rigid_spending_threshold is None else int(Decimal(rigid_spending_threshold) * 100)
    Y, Y1, Y2, TWO = q.p(year), q.p(year - 1), q.p(year - 2), q.p(1 if two_years else 0)

    if alerts_available():
        rigid_type = "1 = 1" if rigid_alert_types is None else f"a.alert_type IN {q.in_(tuple(rigid_alert_types) or ('',))}"
        alerts = f"""
al AS (
  SELECT m.household_id, COUNT(*) AS n_alerts,
         SUM(CASE WHEN a.amount IS NULL THEN 0 ELSE {cents('a.amount')} END) AS alert_cents,
         SUM(CASE WHEN a.amount IS NOT NULL AND {rigid_type} THEN {cents('a.amount')} ELSE 0 END) AS rigid_cents
  FROM {ALERTS_TABLE} a
  JOIN registry_person p ON p.id_number = a.id_number AND p.death_date IS NULL
  JOIN registry_membership m ON m.person_id = p.id AND m.end_date IS NULL
  WHERE a.alert_date >= {q.p(start)} AND a.alert_date <= {q.p(as_of)} AND {q.scope('p.area_id', prefix)}
  GROUP BY m.household_id
),"""
    else:
        alerts = "al AS (SELECT 0 AS household_id, 0 AS n_alerts, 0 AS alert_cents, 0 AS rigid_cents WHERE 1 = 0),"

    sql = f"""
WITH base AS (
  SELECT h.id, h.number, h.area_id, h.status,
         ia.per_capita AS pc_a, ia.net AS net_a, ib.per_capita AS pc_b, ib.net AS net_b, ic.per_capita AS pc_c,
         {mline(year)} AS ml_a, {mline(year - 1)} AS ml_b
  FROM registry_household h
  LEFT JOIN registry_incomerecord ia ON ia.household_id = h.id AND ia.year = {Y}
  LEFT JOIN registry_incomerecord ib ON ib.household_id = h.id AND ib.year = {Y1}
  LEFT JOIN registry_incomerecord ic ON ic.household_id = h.id AND ic.year = {Y2}
  WHERE {q.scope('h.area_id', prefix)} AND h.status IN {q.in_(MONITORED_STATUSES)}
),
inc AS (
  SELECT id, number, area_id, status,
         CASE WHEN pc_a IS NOT NULL THEN {Y} WHEN {TWO} = 1 AND pc_b IS NOT NULL THEN {Y1} END AS income_year,
         CASE WHEN pc_a IS NOT NULL THEN pc_a WHEN {TWO} = 1 THEN pc_b END AS pc,
         CASE WHEN pc_a IS NOT NULL THEN net_a WHEN {TWO} = 1 THEN net_b END AS net,
         CASE WHEN pc_a IS NOT NULL THEN pc_b WHEN {TWO} = 1 AND pc_b IS NOT NULL THEN pc_c END AS prev,
         CASE WHEN pc_a IS NOT NULL THEN ml_a WHEN {TWO} = 1 AND pc_b IS NOT NULL THEN ml_b END AS mline
  FROM base
),
{alerts}
flagged AS (
  SELECT inc.*, COALESCE(al.n_alerts, 0) AS n_alerts, COALESCE(al.alert_cents, 0) AS alert_cents,
         COALESCE(al.rigid_cents, 0) AS rigid_cents,
         COALESCE({q.p(threshold)}, {cents('inc.net')}, 0) AS threshold_cents,
         CASE WHEN inc.pc < inc.mline THEN 1 ELSE 0 END AS below,
         CASE WHEN inc.prev > 0 AND inc.pc IS NOT NULL
                   AND ({cents('inc.prev')} - {cents('inc.pc')}) * {q.p(den)} > {cents('inc.prev')} * {q.p(num)}
              THEN 1 ELSE 0 END AS dropped
  FROM inc LEFT JOIN al ON al.household_id = inc.id
),
judged AS (
  SELECT flagged.*,
         CASE WHEN rigid_cents > threshold_cents THEN 1 ELSE 0 END AS rigid,
         CASE WHEN n_alerts > 0 THEN 1 ELSE 0 END AS alerted
  FROM flagged
),
pool AS {q.materialized()}(
  SELECT id, number, area_id, status, income_year, pc, prev, mline, net, rigid_cents, threshold_cents, n_alerts, alert_cents,
         below, dropped, rigid, alerted
  FROM judged WHERE status = {q.p(EXITED)} OR below = 1 OR dropped = 1 OR rigid = 1 OR alerted = 1
),
mem AS {q.materialized()}(
  -- one correlated look-up per pooled household (index on membership.household_id, then the person's key):
  -- NULL without a current member, else members x 1000 + working-age labourers
  SELECT pool.*, (
    SELECT COUNT(*) * 1000 + SUM(CASE WHEN p.birth_date <= {q.p(born_to)} AND p.birth_date > {q.p(born_after)}
                                       AND p.labour_ability IN {q.in_(LABOUR_ABILITIES)} THEN 1 ELSE 0 END)
    FROM registry_membership m JOIN registry_person p ON p.id = m.person_id AND p.death_date IS NULL
    WHERE m.household_id = pool.id AND m.end_date IS NULL
  ) AS mcode
  FROM pool
)
SELECT id, number, area_id, status, income_year, pc, prev, mline, net, rigid_cents, threshold_cents, n_alerts, alert_cents,
       mcode / 1000, mcode %% 1000, below, dropped, rigid, alerted
FROM mem
WHERE mcode IS NOT NULL AND (below + dropped + rigid + alerted > 0 OR mcode %% 1000 = 0)
ORDER BY area_id, number"""

    return sql, q.params


def _flag_of_row(row) -> MonitoringFlag:
    (hid, number, village, status, income_year, pc, prev, mline_, net, rigid_c, threshold_c, n_alerts, alert_c,
     members, labourers, below, dropped, rigid, alerted) = row
    on = {"income_below_monitoring_line": below, "income_drop": dropped, "rigid_spending": rigid,
          "no_working_age_labour": int(labourers or 0) == 0, "department_alert": alerted}
    flags = tuple(code for code in FLAGS if on[code])
    pc, prev = money(pc), money(prev)
    details = {
        "income_year": None if income_year is None else int(income_year),
        "per_capita": pc, "previous_per_capita": prev,
        "drop": ((prev - pc) / prev).quantize(Decimal("0.0001")) if prev and prev > 0 and pc is not None else None,
        "monitoring_line": money(mline_), "net_income": money(net),
        "rigid_spending": money(Decimal(int(rigid_c or 0)) / 100), "rigid_spending_threshold": money(Decimal(int(threshold_c or 0)) / 100),
        "alerts": int(n_alerts or 0), "alert_amount": money(Decimal(int(alert_c or 0)) / 100),
        "members": int(members), "working_age_labourers": int(labourers or 0),
    }
    return MonitoringFlag(hid, number, village, status, category_of(status, flags), flags, details)
