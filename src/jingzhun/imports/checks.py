"""Checks across rows and against the register, set-based on the staging tables (one SQL statement each).

Each check inserts its issues straight into ``imports_importissue`` (row, column, code, value, params).
"""

from __future__ import annotations

from django.db import connection

from jingzhun.core.scoping import CHANGE, user_prefixes

from .codes import severity


def _json(*pairs: tuple[str, str]) -> str:
    """SQL building a JSON object from (key, SQL text expression) pairs, on PostgreSQL and SQLite."""
    if connection.vendor == "postgresql":
        return "CAST(json_build_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ") AS text)"
    return "json_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"


def _insert(batch_id: int, code: str, select_sql: str, params: list) -> int:
    """`select_sql` yields (sheet, row, column, value, params)."""
    params_sql = "CAST(q.params AS jsonb)" if connection.vendor == "postgresql" else "q.params"
    sql = (f'INSERT INTO imports_importissue (batch_id, sheet, "row", "column", code, severity, value, params) '
           f"SELECT %s, q.sheet, q.r, q.col, %s, %s, COALESCE(q.val, ''), {params_sql} FROM ({select_sql}) q")
    with connection.cursor() as cur:
        cur.execute(sql, [batch_id, code, severity(code), *params])
        return cur.rowcount


def check_members(batch_id: int, *, actor, two_sheets: bool) -> int:
    n = 0
    # the same identity number twice in the file: every row after the first
    n += _insert(batch_id, "duplicate_id", f"""
        SELECT p.sheet, p."row" AS r, 'id_number' AS col, p.id_number AS val, {_json(("other", "f.first_row"))} AS params
        FROM imports_stagedperson p JOIN (
            SELECT id_number, MIN("row") AS first_row FROM imports_stagedperson WHERE batch_id = %s GROUP BY id_number HAVING COUNT(*) > 1
        ) f ON f.id_number = p.id_number
        WHERE p.batch_id = %s AND p."row" > f.first_row""", [batch_id, batch_id])
    # exactly one head per household
    n += _insert(batch_id, "no_head", f"""
        SELECT MIN(p.sheet) AS sheet, MIN(p."row") AS r, 'relation' AS col, '' AS val, {_json(("household", "p.household_number"))} AS params
        FROM imports_stagedperson p WHERE p.batch_id = %s GROUP BY p.household_number
        HAVING SUM(CASE WHEN p.relation = 'head' THEN 1 ELSE 0 END) = 0""", [batch_id])
    n += _insert(batch_id, "several_heads", f"""
        SELECT p.sheet, p."row" AS r, 'relation' AS col, p.relation AS val,
               {_json(("household", "p.household_number"), ("count", "h.heads"))} AS params
        FROM imports_stagedperson p JOIN (
            SELECT household_number, COUNT(*) AS heads, MIN("row") AS first_row FROM imports_stagedperson
            WHERE batch_id = %s AND relation = 'head' GROUP BY household_number HAVING COUNT(*) > 1
        ) h ON h.household_number = p.household_number
        WHERE p.batch_id = %s AND p.relation = 'head' AND p."row" > h.first_row""", [batch_id, batch_id])
    # declared household size against the members in the file
    n += _insert(batch_id, "household_size_mismatch", f"""
        SELECT h.sheet, h."row" AS r, 'household_size' AS col, CAST(h.household_size AS TEXT) AS val,
               {_json(("count", "m.members"))} AS params
        FROM imports_stagedhousehold h JOIN (
            SELECT household_number, COUNT(*) AS members FROM imports_stagedperson WHERE batch_id = %s GROUP BY household_number
        ) m ON m.household_number = h.number
        WHERE h.batch_id = %s AND h.household_size IS NOT NULL AND h.household_size <> m.members""", [batch_id, batch_id])
    if two_sheets:  # in the flat layout a household's second head row is already "several_heads"
        n += _duplicate_households(batch_id)
    if two_sheets:
        n += _insert(batch_id, "household_not_in_sheet", """
            SELECT p.sheet, p."row" AS r, 'household_number' AS col, p.household_number AS val, '{}' AS params
            FROM imports_stagedperson p WHERE p.batch_id = %s AND NOT EXISTS (
                SELECT 1 FROM imports_stagedhousehold h WHERE h.batch_id = p.batch_id AND h.number = p.household_number)""", [batch_id])
    n += _areas(batch_id, actor, "imports_stagedhousehold", "village", "village_code")
    # against the register
    n += _insert(batch_id, "household_in_other_village", f"""
        SELECT s.sheet, s."row" AS r, 'village_code' AS col, s.village AS val,
               {_json(("household", "s.number"), ("village", "h.area_id"))} AS params
        FROM imports_stagedhousehold s JOIN registry_household h ON h.number = s.number
        WHERE s.batch_id = %s AND h.area_id <> s.village""", [batch_id])
    n += _insert(batch_id, "id_in_other_household", f"""
        SELECT p.sheet, p."row" AS r, 'id_number' AS col, p.id_number AS val, {_json(("household", "h.number"))} AS params
        FROM imports_stagedperson p
        JOIN registry_person rp ON rp.id_number = p.id_number AND rp.death_date IS NULL
        JOIN registry_household h ON h.id = rp.household_id
        WHERE p.batch_id = %s AND h.number <> p.household_number""", [batch_id])
    n += _insert(batch_id, "id_deceased", """
        SELECT p.sheet, p."row" AS r, 'id_number' AS col, p.id_number AS val, '{}' AS params
        FROM imports_stagedperson p WHERE p.batch_id = %s
          AND EXISTS (SELECT 1 FROM registry_person d WHERE d.id_number = p.id_number AND d.death_date IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM registry_person a WHERE a.id_number = p.id_number AND a.death_date IS NULL)""", [batch_id])
    return n


def _duplicate_households(batch_id: int) -> int:
    return _insert(batch_id, "duplicate_household", f"""
        SELECT h.sheet, h."row" AS r, 'household_number' AS col, h.number AS val, {_json(("other", "f.first_row"))} AS params
        FROM imports_stagedhousehold h JOIN (
            SELECT number, MIN("row") AS first_row FROM imports_stagedhousehold WHERE batch_id = %s GROUP BY number HAVING COUNT(*) > 1
        ) f ON f.number = h.number
        WHERE h.batch_id = %s AND h."row" > f.first_row""", [batch_id, batch_id])


def _areas(batch_id: int, actor, table: str, column: str, report_column: str) -> int:
    n = _insert(batch_id, "area_unknown", f"""
        SELECT s.sheet, s."row" AS r, '{report_column}' AS col, s.{column} AS val, '{{}}' AS params
        FROM {table} s WHERE s.batch_id = %s AND NOT EXISTS (SELECT 1 FROM areas_area a WHERE a.code = s.{column})""", [batch_id])
    n += _insert(batch_id, "area_not_village", f"""
        SELECT s.sheet, s."row" AS r, '{report_column}' AS col, s.{column} AS val, '{{}}' AS params
        FROM {table} s JOIN areas_area a ON a.code = s.{column} WHERE s.batch_id = %s AND a.level <> 5""", [batch_id])
    prefixes = None if actor is None else user_prefixes(actor, CHANGE)  # None: everywhere
    if prefixes is not None and "" not in prefixes:
        inside = " OR ".join(f"s.{column} LIKE %s" for _ in prefixes) or "1 = 0"
        n += _insert(batch_id, "area_out_of_scope", f"""
            SELECT s.sheet, s."row" AS r, '{report_column}' AS col, s.{column} AS val, '{{}}' AS params
            FROM {table} s WHERE s.batch_id = %s AND EXISTS (SELECT 1 FROM areas_area a WHERE a.code = s.{column})
              AND NOT ({inside})""", [batch_id, *[p + "%" for p in prefixes]])
    return n


def check_incomes(batch_id: int, *, actor, year: int | None) -> int:
    n = 0
    if year is not None:
        n += _insert(batch_id, "year_mismatch", f"""
            SELECT s.sheet, s."row" AS r, 'year' AS col, CAST(s.year AS TEXT) AS val, {_json(("year", "%s"))} AS params
            FROM imports_stagedincome s WHERE s.batch_id = %s AND s.year <> %s""", [year, batch_id, year])
    n += _insert(batch_id, "duplicate_income", f"""
        SELECT s.sheet, s."row" AS r, 'year' AS col, CAST(s.year AS TEXT) AS val,
               {_json(("household", "s.household_number"), ("year", "s.year"), ("other", "f.first_row"))} AS params
        FROM imports_stagedincome s JOIN (
            SELECT household_number, year, MIN("row") AS first_row FROM imports_stagedincome WHERE batch_id = %s
            GROUP BY household_number, year HAVING COUNT(*) > 1
        ) f ON f.household_number = s.household_number AND f.year = s.year
        WHERE s.batch_id = %s AND s."row" > f.first_row""", [batch_id, batch_id])
    n += _insert(batch_id, "household_unknown", """
        SELECT s.sheet, s."row" AS r, 'household_number' AS col, s.household_number AS val, '{}' AS params
        FROM imports_stagedincome s WHERE s.batch_id = %s
          AND NOT EXISTS (SELECT 1 FROM registry_household h WHERE h.number = s.household_number)""", [batch_id])
    prefixes = None if actor is None else user_prefixes(actor, CHANGE)
    if prefixes is not None and "" not in prefixes:
        inside = " OR ".join("h.area_id LIKE %s" for _ in prefixes) or "1 = 0"
        n += _insert(batch_id, "area_out_of_scope", f"""
            SELECT s.sheet, s."row" AS r, 'household_number' AS col, h.area_id AS val, '{{}}' AS params
            FROM imports_stagedincome s JOIN registry_household h ON h.number = s.household_number
            WHERE s.batch_id = %s AND NOT ({inside})""", [batch_id, *[p + "%" for p in prefixes]])
    return n
