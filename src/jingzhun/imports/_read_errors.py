"""The reader's error: a file that cannot be read at all, with a stable code and a message in both languages.

Re-exported by :mod:`jingzhun.imports.readers`; import it from there.
"""

from __future__ import annotations

MB = 1024 * 1024


def mb(n: int | float) -> str:
    """A byte count in megabytes (MiB, which is what Windows shows as MB): two decimals below 10 MB, else one."""
    return f"{n / MB:.2f}" if n < 10 * MB else f"{n / MB:.1f}"


class UnreadableFile(Exception):
    """The file cannot be read at all (exit status 2 of the CLI).

    ``code`` is a stable snake_case identifier (see ``MESSAGES``), ``message_en`` / ``message_zh`` are
    complete sentences for the user, ``details`` holds the values the messages were built from (row
    numbers, byte offsets, cell references, sheet names, sizes in bytes) for logs and the API.
    """

    def __init__(self, code: str, message_en: str, message_zh: str, details: dict | None = None):
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh
        self.details = dict(details or {})

    def __reduce__(self):  # picklable, for task queues
        return (type(self), (self.code, self.message_en, self.message_zh, self.details))


# code -> (English, Chinese); str.format fields come from ``fail(code, **fields)``.
MESSAGES: dict[str, tuple[str, str]] = {
    "empty_file": (
        "The file is empty: it has neither a header row nor data.",
        "文件为空：既没有表头，也没有数据。",
    ),
    "too_large": (
        "The file is {size_mb} MB; the largest file accepted is {limit_mb} MB. Split it (for example by township) and import the parts.",
        "文件大小为 {size_mb} MB，超过了允许的上限 {limit_mb} MB。请拆分（例如按乡镇）后分别导入。",
    ),
    "not_xlsx": (
        "The file is a ZIP archive but not an Excel workbook (.xlsx){kind_en}. Save the data as an .xlsx workbook or a CSV file.",
        "该文件是 ZIP 压缩包，但不是 Excel 工作簿（.xlsx）{kind_zh}。请将数据另存为 .xlsx 工作簿或 CSV 文件。",
    ),
    "encrypted_or_xls": (
        "The file is an old-format Excel workbook (.xls) or a password-protected workbook. Open it in Excel and save it as an .xlsx workbook without a password.",
        "该文件是旧版 Excel 工作簿（.xls）或设置了打开密码的工作簿。请在 Excel 中打开，另存为不带密码的 .xlsx 工作簿。",
    ),
    "corrupt_xlsx": (
        "The workbook is damaged and cannot be read ({detail}). Open it in Excel, save it again as .xlsx and retry.",
        "工作簿已损坏，无法读取（{detail}）。请在 Excel 中打开，重新另存为 .xlsx 后再试。",
    ),
    "zip_bomb": (
        "The workbook expands from {compressed_mb} MB to {uncompressed_mb} MB (ratio {ratio}:1); the limits are {limit_mb} MB and 200:1. "
        "It is refused as a possible decompression bomb.",
        "该工作簿从 {compressed_mb} MB 解压后为 {uncompressed_mb} MB（压缩比 {ratio}:1），超过上限 {limit_mb} MB 或 200:1 的压缩比，疑为压缩炸弹，已拒绝读取。",
    ),
    "wrong_sheets": (
        "The workbook's sheets are {found}; {problem_en}. Use a single sheet, or sheets named “members” (成员), “households” (户) and “members” (成员), "
        "or “incomes” (收入).",
        "工作簿中的工作表为 {found}；{problem_zh}。请只保留一个工作表，或将工作表命名为“成员”（members）、“户”（households）和“成员”（members），或“收入”（incomes）。",
    ),
    "formulas": (
        "{count} cell(s) contain formulas, for example {cells}. Replace the formulas by their values (copy, then paste as values) and upload again.",
        "有 {count} 个单元格含有公式，例如 {cells}。请将公式替换为数值（复制后“选择性粘贴 → 数值”）后重新上传。",
    ),
    "merged_header": (
        "The header row (row {row} of sheet “{sheet}”) contains merged cells: {ranges}. The first row must be the header, one column name per cell: "
        "remove any title row above it and unmerge the cells.",
        "表头行（工作表“{sheet}”第 {row} 行）含有合并单元格：{ranges}。第一行必须是表头，每个单元格一个列名：请删除表头上方的标题行并取消合并。",
    ),
    "no_header": (
        "{where_en}The first row has no recognisable column name (found: {found}). It must be the header row of the template, "
        "for example “户编号 / Household number”, “姓名 / Name”.",
        "{where_zh}第一行没有可识别的列名（实际为：{found}）。第一行应为模板的表头，例如“户编号 / Household number”“姓名 / Name”。",
    ),
    "duplicate_header": (
        "{where_en}These columns appear more than once in the header: {names}. Keep one column of each.",
        "{where_zh}表头中以下列重复出现：{names}。每一列只能保留一个。",
    ),
    "corrupt_parquet": (
        "The Parquet file is damaged or incomplete ({detail}).",
        "Parquet 文件已损坏或不完整（{detail}）。",
    ),
    "unsupported_column_type": (
        "Column “{column}” of the Parquet file has the type {type}, which cannot be imported; use text, number, date or boolean columns.",
        "Parquet 文件的“{column}”列的类型为 {type}，无法导入；请使用文本、数值、日期或布尔类型的列。",
    ),
    "unknown_encoding": (
        "The file is not text in UTF-8 or GB18030/GBK{utf16_en}: the first invalid byte is at offset {offset} (counting from 0, as {encoding}). "
        "Save it from Excel as “CSV UTF-8 (Comma delimited)”.",
        "文件不是 UTF-8 或 GB18030/GBK 编码的文本{utf16_zh}：第一个无效字节位于第 {offset} 字节（从 0 开始计数，按 {encoding} 解码）。"
        "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”。",
    ),
    "ragged_rows": (
        "Row {row} has {fields} fields but the header has {header_fields}; a value probably contains an unquoted “{delimiter_en}”. "
        "Put such values in double quotes or save the file again from Excel.",
        "第 {row} 行有 {fields} 个字段，而表头只有 {header_fields} 个；可能某个值中含有未加引号的“{delimiter_zh}”。请给这样的值加上英文双引号，或从 Excel 重新保存该文件。",
    ),
    "malformed_csv": (
        "The CSV file is malformed{near_en}: {detail}. Check the double quotes, or save the file again from Excel.",
        "CSV 文件格式错误{near_zh}：{detail}。请检查英文双引号是否成对，或从 Excel 重新保存该文件。",
    ),
    # Not raised by the reader (a header without data is read as a part with no batches); here so that the
    # validator can word it the same way.
    "no_rows": (
        "{where_en}The file has a header row but no data rows.",
        "{where_zh}文件只有表头，没有数据行。",
    ),
}


def where(sheet: str | None) -> dict[str, str]:
    """The ``where_en`` / ``where_zh`` prefix naming a sheet ('' for csv and parquet)."""
    if not sheet:
        return {"where_en": "", "where_zh": ""}
    return {"where_en": f"Sheet “{sheet}”: ", "where_zh": f"工作表“{sheet}”："}


def message(code: str, **fields) -> tuple[str, str]:
    en, zh = MESSAGES[code]
    return en.format(**fields), zh.format(**fields)


def fail(code: str, **fields) -> UnreadableFile:
    """The UnreadableFile for ``code``; ``fields`` fill the messages and become ``details``
    (fields ending in ``_en`` / ``_zh`` are wording only and are left out of the details)."""
    en, zh = message(code, **fields)
    details = {k: v for k, v in fields.items() if not k.endswith(("_en", "_zh"))}
    return UnreadableFile(code, en, zh, details)
