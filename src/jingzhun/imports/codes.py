"""Stable issue codes of the import report, with their messages in both languages.

Messages are ``str.format`` templates over the issue's ``params`` (and ``value``: the cell as read).
"""

from __future__ import annotations

ERROR, WARNING = "error", "warning"

CODES: dict[str, tuple[str, str, str]] = {  # code -> (severity, English, Chinese)
    # the file as a whole
    "missing_columns": (ERROR, "Required columns are missing: {columns}.", "缺少必填列：{columns}。"),
    "unknown_column": (WARNING, "Unknown column \u201c{value}\u201d is ignored.", "无法识别的列\u201c{value}\u201d，已忽略。"),
    "no_rows": (ERROR, "The file has no data rows.", "文件中没有数据行。"),
    # cells
    "required": (ERROR, "This cell is required.", "此项必填。"),
    "too_long": (ERROR, "At most {max} characters.", "最多 {max} 个字符。"),
    "bad_code": (ERROR, "\u201c{value}\u201d is not an allowed value ({allowed}).", "\u201c{value}\u201d不是允许的取值（{allowed}）。"),
    "bad_bool": (ERROR, "\u201c{value}\u201d is not yes or no (是/否).", "\u201c{value}\u201d不是\u201c是/否\u201d。"),
    "bad_number": (ERROR, "\u201c{value}\u201d is not a number.", "\u201c{value}\u201d不是数字。"),
    "not_integer": (ERROR, "\u201c{value}\u201d is not a whole number.", "\u201c{value}\u201d不是整数。"),
    "too_many_decimals": (ERROR, "\u201c{value}\u201d has more than two decimals.", "\u201c{value}\u201d的小数超过两位。"),
    "out_of_range": (ERROR, "{value} is outside {min} to {max}.", "{value} 超出 {min} 至 {max} 的范围。"),
    "bad_date": (ERROR, "\u201c{value}\u201d is not a date (e.g. 2020-01-31).", "\u201c{value}\u201d不是日期（例如 2020-01-31）。"),
    "future_date": (ERROR, "{value} is in the future.", "{value} 是未来的日期。"),
    # identity numbers (DOMAIN.md section 13; the reasons of registry.identity.parse_resident_id)
    "id_length": (ERROR, "An identity number has 18 (or 15) characters; this one has {length}.", "身份证号码应为 18 位（或 15 位），此号码为 {length} 位。"),
    "id_format": (ERROR, "An identity number is 17 digits and a digit or X.", "身份证号码应为 17 位数字加一位数字或 X。"),
    "id_date": (ERROR, "The birth date in the identity number is not a valid date.", "身份证号码中的出生日期无效。"),
    "id_checksum": (ERROR, "The check digit of the identity number is wrong.", "身份证号码校验码错误。"),
    "id_area": (ERROR, "The identity number's area code {area} does not exist.", "身份证号码的地址码 {area} 不存在。"),
    "id_scientific": (ERROR, "Excel turned this identity number into a number ({value}): its digits are lost. Format the column as text and enter it again.",
                      "此身份证号码已被 Excel 转为数字（{value}），后几位已丢失。请将该列设为文本格式后重新录入。"),
    "id_excel_rounded": (ERROR, "This identity number ends in 000 and fails its check digit: Excel probably rounded it. Format the column as text and enter it again.",
                         "此身份证号码以 000 结尾且校验码不符，可能已被 Excel 舍入。请将该列设为文本格式后重新录入。"),
    "id_15_upgraded": (WARNING, "15-digit identity number upgraded to 18 digits: {number}.", "15 位身份证号码已升级为 18 位：{number}。"),
    "sex_mismatch": (ERROR, "Sex {value} does not match the identity number ({expected}).", "性别\u201c{value}\u201d与身份证号码（{expected}）不符。"),
    "birth_date_mismatch": (ERROR, "Birth date {value} does not match the identity number ({expected}).", "出生日期 {value} 与身份证号码（{expected}）不符。"),
    # areas and scope
    "area_unknown": (ERROR, "There is no area with code {value}.", "没有代码为 {value} 的区划。"),
    "area_not_village": (ERROR, "{value} is not a village code (12 digits, level village).", "{value} 不是村级区划代码。"),
    "area_out_of_scope": (ERROR, "Village {value} is outside your responsibility: the whole import is rejected.", "村 {value} 不在您的管辖范围内：整个导入被拒绝。"),
    # across rows and against the register
    "duplicate_id": (ERROR, "Identity number also on row {other}.", "身份证号码与第 {other} 行重复。"),
    "id_in_other_household": (ERROR, "This person is registered in household {household}: move them there first.", "此人已登记在户 {household}，请先办理迁移。"),
    "id_deceased": (ERROR, "This identity number belongs to a person recorded as deceased.", "此身份证号码属于已登记死亡的人员。"),
    "no_head": (ERROR, "Household {household} has no head (与户主关系 = 户主).", "户 {household} 没有户主。"),
    "several_heads": (ERROR, "Household {household} has {count} heads; exactly one is needed.", "户 {household} 有 {count} 个户主，只能有一个。"),
    "household_size_mismatch": (ERROR, "Household size {value} but {count} members in the file.", "家庭人口数为 {value}，文件中有 {count} 名成员。"),
    "household_conflict": (ERROR, "Differs from the head's row ({expected}) for household {household}.", "与户 {household} 户主行的取值（{expected}）不一致。"),
    "household_in_other_village": (ERROR, "Household {household} is registered in village {village}.", "户 {household} 登记在村 {village}。"),
    "household_unknown": (ERROR, "Household {value} is neither in the register nor in this file.", "户 {value} 既不在登记库中，也不在本文件中。"),
    "household_not_in_sheet": (ERROR, "Household {value} is not on the households sheet.", "户 {value} 不在\u201c户\u201d工作表中。"),
    "duplicate_household": (ERROR, "Household {value} also on row {other}.", "户 {value} 与第 {other} 行重复。"),
    "year_mismatch": (ERROR, "Year {value} but the import is for {year}.", "年度为 {value}，但本次导入的年度为 {year}。"),
    "duplicate_income": (ERROR, "Household {household} has another income row for {year} (row {other}).", "户 {household} 在 {year} 年还有另一行收入（第 {other} 行）。"),
}


def severity(code: str) -> str:
    return CODES[code][0]


def message(code: str, params: dict | None = None, value: str | None = None, *, language: str = "en") -> str:
    sev, en, zh = CODES[code]
    template = zh if language.startswith("zh") else en
    values = {"value": value if value is not None else "", **(params or {})}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template
