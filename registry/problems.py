"""The vocabulary of data problems: rules, file-level errors and quarantine rows.

Two kinds of problem:

* **File-level** (:class:`FileLevelError`): the file cannot be trusted as a whole — a required
  column is missing, a code was stored as a number, an id is duplicated. The file is refused and
  must be repaired and re-exported.
* **Row-level**: a single row breaks a rule. :func:`flag` turns the offending rows into
  quarantine rows (one row per problem: ``table, file, row, column, rule, value, message_zh,
  message_en``).

Every rule has a code in :data:`RULES` with a Chinese and an English message; messages always
name the file, the row as a clerk sees it in Excel (header = row 1) and the column. Personal data
(names, ID numbers, phones) is masked in quarantine values. The rules themselves are run by
:mod:`registry.validation`; :mod:`registry.headers` uses this vocabulary while parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from registry.contract import TABLES, TableName
from registry.errors import ExitcheckError
from registry.masking import mask_id, mask_name, mask_phone

QUARANTINE_COLUMNS = (
    "table", "file", "row", "column", "rule", "value", "message_zh", "message_en",
)
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"
#: Characters of a value shown in a message or the quarantine file; longer values are cut.
SHOWN_MAX = 80


class DataError(ExitcheckError):
    """Bad input data. ``str(error)`` gives the Chinese then the English message."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh}\n{message_en}")


class FileLevelError(DataError):
    """A file refused as a whole. ``row`` is the Excel row (or rows) concerned, when relevant."""

    def __init__(
        self,
        *,
        file: str,
        column: str | None,
        rule: str,
        message_zh: str,
        message_en: str,
        row: int | tuple[int, ...] | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.rule = rule
        self.row = row
        super().__init__(message_zh, message_en)


@dataclass(frozen=True)
class Rule:
    """A validation rule: code, level and message templates (``{value}`` and rule fields)."""

    code: str
    level: Literal["row", "file"]
    zh: str
    en: str


def _r(code: str, level: Literal["row", "file"], zh: str, en: str) -> tuple[str, Rule]:
    return code, Rule(code, level, zh, en)


RULES: dict[str, Rule] = dict(
    [
        # --- file level: {file}, {column}, {row} and rule fields are available --------------
        _r("unreadable_file", "file",
           "{file}：无法读取文件（{reason}）。请确认文件完整、格式正确。",
           "{file}: the file cannot be read ({reason}). Check that it is complete and in the "
           "right format."),
        _r("wrong_format", "file", "{file}：不支持的文件格式，只接受 .csv、.parquet、.xlsx。",
           "{file}: unsupported file format; only .csv, .parquet and .xlsx are accepted."),
        _r("missing_table", "file", "{file}：找不到表“{column}”（应为单个文件或同名文件夹）。",
           "{file}: table '{column}' not found (expected one file or a folder of that name)."),
        _r("both_forms", "file", "{file}：表“{column}”同时存在单个文件和文件夹，请只保留一种。",
           "{file}: table '{column}' exists both as a single file and as a folder; keep one."),
        _r("missing_column", "file", "{file}：缺少必需的列 {column}（中文表头：{zh}）。",
           "{file}: required column(s) {column} missing (Chinese header: {zh})."),
        _r("duplicate_column", "file",
           "{file}：列 {column} 出现了不止一次（表头重复，或中英文表头同时存在）。请只保留一列。",
           "{file}: column {column} appears more than once (a repeated header, or both its "
           "Chinese and English header). Keep one."),
        _r("code_as_number", "file",
           "{file} 第{row}行，列 {column}：代码“{value}”被存成了数字。"
           "请把该列设为“文本”格式后重新导出。",
           "{file} row {row}, column {column}: the code '{value}' was stored as a number. "
           "Re-export the column as text."),
        _r("code_format", "file",
           "{file} 第{row}行，列 {column}：代码“{value}”应为{length}位数字"
           "（可能丢失了开头的数字）。"
           "请把该列设为“文本”格式后重新导出，不要手工补位。",
           "{file} row {row}, column {column}: the code '{value}' must be {length} digits (leading "
           "digits may have been lost). Re-export the column as text; do not pad by hand."),
        _r("code_not_digits", "file",
           "{file} 第{row}行，列 {column}：代码“{value}”应为{length}位数字，"
           "不能含有字母、空格或其他符号。请改正后重新导出。",
           "{file} row {row}, column {column}: the code '{value}' must be {length} digits, "
           "without letters, spaces or other signs. Correct it and export again."),
        _r("duplicate_id", "file",
           "{file} 第{row}行，列 {column}：编号“{value}”重复出现（第{rows}行）。编号必须唯一。",
           "{file} row {row}, column {column}: the id '{value}' appears more than once "
           "(rows {rows}). Ids must be unique."),
        _r("empty_file", "file",
           "{file}：文件是空的（没有表头，也没有数据）。请重新导出。",
           "{file}: the file is empty (no header, no data). Export it again."),
        _r("no_rows", "file",
           "{file}：只有表头，没有{county}县的数据行。请确认导出时选中了数据。",
           "{file}: the file has a header but no data rows for county {county}. Check that the "
           "export included the data."),
        _r("repeated_header", "file",
           "{file} 第{row}行：表头在数据中又出现了一次（第{rows}行），可能是两张表拼在了一起。"
           "请删除多余的表头行后重新导出。",
           "{file} row {row}: the header row appears again inside the data (rows {rows}); two "
           "tables may have been pasted together. Delete the extra header row(s) and export "
           "again."),
        _r("bad_file_name", "file",
           "{file}：按县分文件的文件夹中，文件名应为6位县代码（如 520324.parquet），"
           "“{value}”不是县代码。请改名或移走该文件。",
           "{file}: files in a per-county folder must be named by the 6-digit county code "
           "(e.g. 520324.parquet); '{value}' is not a county code. Rename or remove the file."),
        _r("unknown_county_file", "file",
           "{file}：文件名中的县代码 {value} 不在县域表中。请核对文件名或县域表。",
           "{file}: the county code {value} in the file name is not in the county table. Check "
           "the file name or the county table."),
        # --- row level: {value} and rule fields ---------------------------------------------
        _r("missing_value", "row", "必填项为空。", "a required value is empty."),
        _r("bad_int", "row", "“{value}”不是整数。", "'{value}' is not a whole number."),
        _r("bad_float", "row", "“{value}”不是数字。", "'{value}' is not a number."),
        _r("bad_bool", "row", "“{value}”不是是/否（可填 是/否、1/0、true/false、yes/no、Y/N）。",
           "'{value}' is not yes/no (accepted: 是/否, 1/0, true/false, yes/no, Y/N)."),
        _r("bad_date", "row", "“{value}”不是日期（应写作 2020-05-01）。",
           "'{value}' is not a date (write it as 2020-05-01)."),
        _r("unknown_category", "row", "“{value}”不在代码表中（可选值：{choices}）。",
           "'{value}' is not in the code list (allowed: {choices})."),
        _r("unknown_county", "row", "村代码前6位“{value}”不是县表中的县。",
           "the first 6 digits '{value}' of the village code are not a county of the county "
           "table."),
        _r("wrong_county", "row", "“{value}”不属于本县 {county}。",
           "'{value}' does not belong to county {county}."),
        _r("province_mismatch", "row", "省代码与行政区划代码前2位不一致（{value}）。",
           "the province code does not match the first 2 digits of the county code ({value})."),
        _r("township_mismatch", "row", "乡镇代码应为村代码的前9位（{value}）。",
           "the township code must be the first 9 digits of the village code ({value})."),
        _r("unknown_village", "row", "村代码“{value}”不在村表中。",
           "the village code '{value}' is not in the villages table."),
        _r("village_quarantined", "row", "所属村“{value}”的数据有问题已被隔离，本户一并隔离。",
           "the village '{value}' was quarantined, so this household is quarantined too."),
        _r("registration_year_required", "row", "户状态为“{value}”时必须填写识别年度。",
           "registration_year is required when status is '{value}'."),
        _r("exit_year_required", "row", "户状态为已脱贫（exited）时必须填写脱贫年度。",
           "exit_year is required when status is 'exited'."),
        _r("exit_year_unexpected", "row", "只有已脱贫（exited）户才能填写脱贫年度（{value}）。",
           "only exited households may have an exit_year ({value})."),
        _r("exit_before_registration", "row", "脱贫年度早于识别年度（{value}）。",
           "exit_year is earlier than registration_year ({value})."),
        _r("year_out_of_range", "row", "年度 {value} 不合理（应在 {low}–{high} 之间）。",
           "the year {value} is implausible (expected {low}–{high})."),
        _r("id_format", "row", "证件号码“{value}”不是18位（17位数字加校验位）。",
           "the ID number '{value}' is not 18 characters (17 digits and a check character)."),
        _r("id_check_digit", "row", "证件号码“{value}”的校验位不对（GB 11643），可能抄错了一位。",
           "the check character of the ID number '{value}' is wrong (GB 11643); a digit may "
           "have been mistyped."),
        _r("negative_value", "row", "“{value}”不能为负数。", "'{value}' must not be negative."),
        _r("household_size_min", "row", "家庭人口“{value}”至少应为1。",
           "household_size '{value}' must be at least 1."),
        _r("labor_exceeds_size", "row", "劳动力人数多于家庭人口（{value}）。",
           "labor_count exceeds household_size ({value})."),
        _r("member_count", "row", "家庭人口与成员表人数不符（{value}）。",
           "household_size does not match the rows in members ({value})."),
        _r("single_head", "row", "每户必须恰有一名户主，本户有 {value} 名。",
           "a household must have exactly one head; this one has {value}."),
        _r("member_quarantined", "row", "本户成员（人编号 {value}）有问题已被隔离，本户一并隔离。",
           "a member of this household (member_no {value}) was quarantined, so the household is "
           "quarantined too."),
        _r("unknown_household", "row", "户编号“{value}”不在农户表中。",
           "the household '{value}' is not in the households table."),
        _r("household_quarantined", "row", "所属户“{value}”的数据有问题已被隔离，本行一并隔离。",
           "the household '{value}' was quarantined, so this row is quarantined too."),
        _r("disability_grade", "row", "残疾等级“{value}”应为0–4（0表示无残疾）。",
           "disability_grade '{value}' must be 0–4 (0 = none)."),
        _r("birth_year_range", "row", "出生年份“{value}”不合理（应在 {low}–{high} 之间）。",
           "birth_year '{value}' is implausible (expected {low}–{high})."),
        _r("school_status_age", "row", "在校生状况与年龄不符（{value}）。",
           "school_status does not fit the age ({value})."),
        _r("out_of_school_exceeds", "row", "失学辍学人数多于适龄儿童人数（{value}）。",
           "children_out_of_school exceeds school_age_children ({value})."),
        _r("water_cut_days_range", "row", "年断水天数“{value}”应在 0–366 之间。",
           "water_cut_days '{value}' must be 0–366."),
        _r("out_of_range", "row", "“{value}”应在 {low}–{high} 之间。",
           "'{value}' must lie in {low}–{high}."),
        _r("exceeds_column", "row", "{name} 不能大于 {other}（{value}）。",
           "{name} exceeds {other} ({value})."),
        _r("text_too_long", "row", "内容过长（{value}个字符），该列最多{max}个字符。",
           "the text is too long ({value} characters; at most {max} are accepted)."),
        _r("visit_date_range", "row",
           "走访日期 {value} 不在本次评估的走访期（{low} 至 {high}）内，可能填错了年份。",
           "the visit date {value} lies outside the campaign's fieldwork period ({low} to "
           "{high}); is the year wrong?"),
        _r("not_in_sample", "row",
           "户编号“{value}”在农户表中，但不是本县抽中的样本户（主样本或备用样本），这条走访记录"
           "不能计分。请核对户编号。",
           "the household '{value}' is in the households table but not in the drawn sample "
           "(main or reserve), so this visit cannot be scored. Check the household id."),
        _r("duplicate_visit", "row",
           "同一户、同一日期、同一调查员的走访记录完全重复（{value}），保留第一行。",
           "an exact repeat of a visit row (same household, date, enumerator and answers: "
           "{value}); the first row is kept."),
    ]
)


def file_error(
    rule: str,
    *,
    file: str,
    column: str | None = None,
    row: int | tuple[int, ...] | None = None,
    **fields: object,
) -> FileLevelError:
    """Build a :class:`FileLevelError` from a rule's templates."""
    spec = RULES[rule]
    first_row = row[0] if isinstance(row, tuple) else row
    values = {"file": file, "column": column, "row": first_row, **fields}
    return FileLevelError(
        file=file,
        column=column,
        rule=rule,
        row=row,
        message_zh=f"{spec.zh.format(**values)}（规则 {rule}）",
        message_en=f"{spec.en.format(**values)} (rule {rule})",
    )


def zh_header(table: str, column: str) -> str:
    """The Chinese header of a column, or the column name itself when it has none."""
    try:
        return TABLES[TableName(table)].column(column).zh
    except (KeyError, ValueError):
        return column


def _display(values: pd.Series, column: str) -> pd.Series:
    """Values as text for messages; personal data masked."""
    if column == "head_id_number":
        out = mask_id(values)
    elif column == "head_name":
        out = mask_name(values)
    elif column == "phone":
        out = mask_phone(values)
    else:
        out = values.astype("string")
    out = out.fillna("")
    # A huge cell (a paste accident, or an attack) must not be copied into every message.
    long = (out.str.len() > SHOWN_MAX).to_numpy(dtype=bool)
    if long.any():
        out = out.where(~long, out.str.slice(0, SHOWN_MAX) + "…")
    return out


ValueOf = pd.Series | Callable[[pd.DataFrame], pd.Series] | None


def flag(
    table: str,
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    column: str,
    rule: str,
    value: ValueOf = None,
    **fields: object,
) -> pd.DataFrame:
    """Quarantine rows of ``frame`` where ``mask`` is true, with messages for ``rule``.

    ``frame`` must carry ``source_file`` and ``source_row``. ``value`` is what the message
    shows: by default the ``column``'s value (masked for personal data), else a Series aligned
    with ``frame`` or a function of the flagged rows (evaluated only when a row is flagged).
    ``fields`` fill the rule template (e.g. ``choices``). The result has
    :data:`QUARANTINE_COLUMNS` plus ``_pos`` (the row's position in ``frame``).
    """
    m = true_mask(mask)
    if not m.any():
        return _no_flags()
    pos = np.flatnonzero(m)
    rows = frame.iloc[pos]
    if value is None:
        shown = _display(rows[column], column)
    elif callable(value):
        shown = _display(value(rows), "")
    else:
        shown = _display(value.iloc[pos], "")
    shown_values = shown.to_numpy(dtype=object)
    files = rows[SOURCE_FILE].astype("string").fillna("").to_numpy(dtype=object)
    excel_rows = rows[SOURCE_ROW].to_numpy(dtype=np.int64)
    spec = RULES[rule]
    header = zh_header(table, column)
    head_zh = f"列 {column}（{header}）" if header != column else f"列 {column}"
    zh = [
        f"{f} 第{r}行，{head_zh}：{spec.zh.format(value=v, **fields)}（规则 {rule}）"
        for f, r, v in zip(files, excel_rows, shown_values, strict=True)
    ]
    en = [
        f"{f} row {r}, column {column}: {spec.en.format(value=v, **fields)} (rule {rule})"
        for f, r, v in zip(files, excel_rows, shown_values, strict=True)
    ]
    return pd.DataFrame(
        {
            "table": str(table),
            "file": files,
            "row": excel_rows,
            "column": column,
            "rule": rule,
            "value": shown_values,
            "message_zh": zh,
            "message_en": en,
            "_pos": pos,
        }
    )


_EMPTY: pd.DataFrame | None = None


def _no_flags() -> pd.DataFrame:
    """The shared empty problem frame (never mutated: callers only test ``len``/concat)."""
    global _EMPTY
    if _EMPTY is None:
        frame = pd.DataFrame({c: np.array([], dtype=object) for c in QUARANTINE_COLUMNS})
        frame["row"] = frame["row"].astype(np.int64)
        frame["_pos"] = np.array([], dtype=np.int64)
        _EMPTY = frame
    return _EMPTY


def empty_flags() -> pd.DataFrame:
    """No problems: the quarantine columns plus ``_pos``, zero rows."""
    return _no_flags().copy()


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows and the right columns."""
    return empty_flags().drop(columns="_pos")


def concat_flags(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate problem frames (empty ones dropped)."""
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else empty_flags()


def with_source(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Ensure ``source_file``/``source_row`` exist (in-memory frames get ``<table>`` and 2, 3…)."""
    out = frame.reset_index(drop=True)
    if SOURCE_FILE not in out.columns:
        out[SOURCE_FILE] = f"<{table}>"
    if SOURCE_ROW not in out.columns:
        out[SOURCE_ROW] = np.arange(2, len(out) + 2, dtype=np.int64)
    return out


def true_mask(mask: pd.Series | np.ndarray) -> np.ndarray:
    """A (possibly nullable) boolean mask as a NumPy bool array, NA → False."""
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)
