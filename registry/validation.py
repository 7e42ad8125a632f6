"""Validation of a county's registry: file-level refusals and a row-level quarantine.

Two kinds of problem:

* **File-level** (:class:`FileLevelError`): the file cannot be trusted as a whole — a required
  column is missing, a code was stored as a number, an id is duplicated. The file is refused and
  must be repaired and re-exported.
* **Row-level**: a single row breaks a rule. The row goes to the quarantine frame (one row per
  problem: ``table, file, row, column, rule, value, message_zh, message_en``) and is left out of
  the clean frames. A household and its members stand or fall together: when a household is
  quarantined its members are quarantined with rule ``household_quarantined``; when one of its
  members is quarantined the household is quarantined with rule ``member_quarantined`` (so the
  clean frames always satisfy ``household_size == number of member rows``). Field checks and
  support history of a quarantined household are quarantined too.

Every rule has a code in :data:`RULES` with a Chinese and an English message; messages always
name the file, the row as a clerk sees it in Excel (header = row 1) and the column. Personal data
(names, ID numbers, phones) is masked in quarantine values.

Bounds chosen for plausibility rules (documented here because they are judgement calls):

* age = campaign year − birth year; ``birth_year`` must lie in 1900 … campaign year;
* ``enrolled``, ``dropout``, ``home_teaching``, ``exempt_physical`` only for ages 3–25;
* ``not_school_age`` is invalid for ages 7–15 (compulsory education is 6–15; age 6 is left
  open because the birth-year arithmetic cannot tell whether a 6-year-old has started school);
* years (registration, exit) may not lie after the campaign year or before 1980;
* incomes must be ≥ 0 except ``income_business``, which is net of costs and may be a loss;
* field checks: counts ≥ 0, ``children_out_of_school`` ≤ ``school_age_children``,
  ``water_cut_days`` in 0–366; an exact repeat of a visit row quarantines the repeat (rule
  ``duplicate_visit``), not the file; two different rows with one household, date and
  enumerator are two visits, and the later approved one supersedes.

Age rules need the campaign ``year``; with ``year=None`` they are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from registry.contract import TABLES, TableName, TableSpec
from registry.idcard import valid_id_numbers
from registry.masking import mask_id, mask_name, mask_phone

QUARANTINE_COLUMNS = (
    "table", "file", "row", "column", "rule", "value", "message_zh", "message_en",
)
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"
SUPPORT_HISTORY = TableName.SUPPORT_HISTORY.value

SCHOOL_AGE_MIN, SCHOOL_AGE_MAX = 3, 25
COMPULSORY_MIN, COMPULSORY_MAX = 7, 15
BIRTH_YEAR_MIN = 1900
YEAR_MIN = 1980
DISABILITY_MAX = 4
WATER_CUT_MAX = 366


class DataError(ValueError):
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
        _r("duplicate_column", "file", "{file}：列 {column} 出现了不止一次（中英文表头可能重复）。",
           "{file}: column {column} appears more than once (Chinese and English header both "
           "present?)."),
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
        _r("duplicate_id", "file",
           "{file} 第{row}行，列 {column}：编号“{value}”重复出现（第{rows}行）。编号必须唯一。",
           "{file} row {row}, column {column}: the id '{value}' appears more than once "
           "(rows {rows}). Ids must be unique."),
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
    return out.fillna("")


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
    m = _true(mask)
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


def _true(mask: pd.Series | np.ndarray) -> np.ndarray:
    """A (possibly nullable) boolean mask as a NumPy bool array, NA → False."""
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def _arrow(values: pd.Series | np.ndarray | Iterable[str]) -> pa.Array:
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_large_string(arr.type) else arr.cast(pa.large_string())


def isin(values: pd.Series, allowed: pd.Series | np.ndarray | Iterable[str]) -> np.ndarray:
    """Fast membership of string values (missing values are never in)."""
    found = pc.is_in(_arrow(values), value_set=_arrow(allowed), skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def positions(values: pd.Series, index: pd.Series) -> np.ndarray:
    """Position of each string value in ``index`` (-1 when absent); ``index`` must be unique."""
    found = pc.index_in(_arrow(values), value_set=_arrow(index), skip_nulls=True)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _text(s: pd.Series) -> pd.Series:
    return s.astype("str")


def matches(values: pd.Series, pattern: str) -> np.ndarray:
    """True where the whole string matches the RE2 ``pattern`` (missing values: False)."""
    found = pc.match_substring_regex(_arrow(values), f"^(?:{pattern})$")
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def check_unique(frame: pd.DataFrame, spec: TableSpec, key: tuple[str, ...] | None = None) -> None:
    """Refuse the file when a key repeats, naming the rows (Excel numbering) that share it.

    Raises:
        FileLevelError: rule ``duplicate_id``.
    """
    key = key or spec.key
    present = frame[list(key)]
    complete = present.notna().all(axis=1).to_numpy()
    dup = complete & present.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    first = int(np.flatnonzero(dup)[0])
    values = present.iloc[first]
    same = (present == values).all(axis=1).to_numpy() & complete
    rows = tuple(int(r) for r in frame[SOURCE_ROW].to_numpy()[same][:10])
    value = "/".join(str(v) for v in values.tolist())
    raise file_error(
        "duplicate_id",
        file=str(frame[SOURCE_FILE].iloc[first]),
        column="+".join(key),
        row=rows,
        value=value,
        rows=", ".join(str(r) for r in rows),
    )


@dataclass(frozen=True)
class TableCount:
    """Rows read and rows quarantined (distinct rows, not problems) for one table."""

    rows_read: int
    rows_quarantined: int

    @property
    def share(self) -> float:
        """Quarantined share of the rows read (0 when nothing was read)."""
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


@dataclass(frozen=True)
class ValidationResult:
    """Clean frames (typed, quarantined rows removed), the quarantine, and counts per table."""

    clean: dict[TableName, pd.DataFrame]
    quarantine: pd.DataFrame
    counts: dict[TableName, TableCount] = field(default_factory=dict)
    #: ``household_id`` of the quarantined household rows: what :func:`validate_dependents`
    #: needs to validate field checks later against this validation's clean households.
    quarantined_household_ids: tuple[str, ...] = ()


@dataclass
class _Run:
    """Mutable state of one validation: typed frames and the problems found so far."""

    frames: dict[str, pd.DataFrame]
    flags: dict[str, list[pd.DataFrame]]

    def add(self, table: str, flags: pd.DataFrame) -> None:
        if len(flags):
            self.flags.setdefault(table, []).append(flags)

    def bad(self, table: str) -> np.ndarray:
        """Boolean mask of rows of ``table`` with any problem so far."""
        mask = np.zeros(len(self.frames[table]), dtype=bool)
        for f in self.flags.get(table, []):
            mask[f["_pos"].to_numpy(dtype=np.int64)] = True
        return mask


def _prepare(tables: Mapping[str, pd.DataFrame], run: _Run) -> None:
    """Normalise headers, check codes, coerce types (row problems are flagged)."""
    from registry.headers import coerce_table, spec_for  # headers imports this module

    for name, frame in tables.items():
        table = str(name)
        spec = spec_for(table)
        typed, problems = coerce_table(with_source(frame, table), spec)
        run.frames[table] = typed
        run.add(table, problems)


def _in(values: pd.Series, allowed: pd.Series | np.ndarray | Iterable[str]) -> np.ndarray:
    return isin(values, allowed)


def _s(values: pd.Series) -> pd.Series:
    """Values as nullable text, for building message values."""
    return values.astype("string").fillna("")


def _counties_rules(run: _Run) -> None:
    t = TableName.COUNTIES.value
    c = run.frames[t]
    check_unique(c, TABLES[TableName.COUNTIES])
    code, prov = _text(c["county_code"]), _text(c["province_code"])
    mismatch = code.notna() & prov.notna() & (code.str.slice(0, 2) != prov)
    run.add(t, flag(t, c, mismatch, "province_code", "province_mismatch",
                    value=lambda r: _s(r["province_code"]) + " ≠ "
                    + _s(r["county_code"]).str.slice(0, 2)))


def _villages_rules(run: _Run, county_code: str | None, known: Iterable[str] | None) -> None:
    t = TableName.VILLAGES.value
    v = run.frames[t]
    check_unique(v, TABLES[TableName.VILLAGES])
    code = _text(v["village_code"])
    present = code.notna().to_numpy()
    if TableName.COUNTIES.value in run.frames:
        counties = run.frames[TableName.COUNTIES.value]
        known = counties["county_code"][~run.bad(TableName.COUNTIES.value)]
    if known is not None:
        unknown = present & ~isin(code.str.slice(0, 6), list(known))
        run.add(t, flag(t, v, unknown, "village_code", "unknown_county",
                        value=lambda r: _s(r["village_code"]).str.slice(0, 6)))
    if county_code is not None:
        wrong = present & (code.str.slice(0, 6) != county_code).to_numpy()
        run.add(t, flag(t, v, wrong, "village_code", "wrong_county", county=county_code))
    town = _text(v["township_code"])
    mism = present & town.notna().to_numpy() & (town != code.str.slice(0, 9)).to_numpy()
    run.add(t, flag(t, v, mism, "township_code", "township_mismatch",
                    value=lambda r: _s(r["township_code"]) + " / " + _s(r["village_code"])))


def _year_range(run: _Run, t: str, frame: pd.DataFrame, column: str, high: int | None) -> None:
    hi = high if high is not None else 2100
    y = frame[column]
    out = _true((y < YEAR_MIN) | (y > hi))
    run.add(t, flag(t, frame, out, column, "year_out_of_range", low=YEAR_MIN, high=hi))


def _households_rules(run: _Run, year: int | None, county_code: str | None) -> None:
    t = TableName.HOUSEHOLDS.value
    h = run.frames[t]
    check_unique(h, TABLES[TableName.HOUSEHOLDS])
    vcode = _text(h["village_code"])
    present = vcode.notna().to_numpy()
    if TableName.VILLAGES.value in run.frames:
        v = run.frames[TableName.VILLAGES.value]
        exists = isin(vcode, v["village_code"])
        in_bad = isin(vcode, v["village_code"][run.bad(TableName.VILLAGES.value)])
        run.add(t, flag(t, h, present & ~exists, "village_code", "unknown_village"))
        run.add(t, flag(t, h, in_bad, "village_code", "village_quarantined"))
    elif county_code is not None:
        wrong = present & (vcode.str.slice(0, 6) != county_code).to_numpy()
        run.add(t, flag(t, h, wrong, "village_code", "wrong_county", county=county_code))

    status = h["status"]
    has_status = status.notna().to_numpy()
    reg, ext = h["registration_year"], h["exit_year"]
    has_reg, has_ext = reg.notna().to_numpy(), ext.notna().to_numpy()
    registered = has_status & (status != "not_registered").to_numpy()
    run.add(t, flag(t, h, registered & ~has_reg, "registration_year",
                    "registration_year_required", value=status))
    exited = has_status & (status == "exited").to_numpy()
    run.add(t, flag(t, h, exited & ~has_ext, "exit_year", "exit_year_required"))
    run.add(t, flag(t, h, has_status & ~exited & has_ext, "exit_year", "exit_year_unexpected",
                    value=lambda r: _s(r["status"]) + ", exit_year=" + _s(r["exit_year"])))
    run.add(t, flag(t, h, _true(ext < reg), "exit_year", "exit_before_registration",
                    value=lambda r: _s(r["exit_year"]) + " < " + _s(r["registration_year"])))
    _year_range(run, t, h, "registration_year", year)
    _year_range(run, t, h, "exit_year", year)

    ids = _text(h["head_id_number"]).str.strip()
    shape_ok = matches(ids, r"[0-9]{17}[0-9Xx]")
    run.add(t, flag(t, h, ids.notna().to_numpy() & ~shape_ok, "head_id_number", "id_format"))
    digit_ok = valid_id_numbers(ids).to_numpy()
    run.add(t, flag(t, h, shape_ok & ~digit_ok, "head_id_number", "id_check_digit"))

    for col in ("income_per_capita", "income_wage", "income_property", "income_transfer",
                "labor_count"):
        run.add(t, flag(t, h, _true(h[col] < 0), col, "negative_value"))
    size = h["household_size"]
    run.add(t, flag(t, h, _true(size < 1), "household_size", "household_size_min"))
    run.add(t, flag(t, h, _true(h["labor_count"] > size), "labor_count", "labor_exceeds_size",
                    value=lambda r: _s(r["labor_count"]) + " > " + _s(r["household_size"])))


def _members_rules(run: _Run, year: int | None) -> None:
    t = TableName.MEMBERS.value
    m = run.frames[t]
    check_unique(m, TABLES[TableName.MEMBERS])
    grade = m["disability_grade"]
    run.add(t, flag(t, m, _true((grade < 0) | (grade > DISABILITY_MAX)), "disability_grade",
                    "disability_grade"))
    if year is None:
        return
    birth = m["birth_year"]
    run.add(t, flag(t, m, _true((birth < BIRTH_YEAR_MIN) | (birth > year)), "birth_year",
                    "birth_year_range", low=BIRTH_YEAR_MIN, high=year))
    age = (year - birth).to_numpy(dtype=float, na_value=np.nan)
    status = m["school_status"]
    in_school = isin(status, ["enrolled", "dropout", "home_teaching", "exempt_physical"])
    outside = (age < SCHOOL_AGE_MIN) | (age > SCHOOL_AGE_MAX)
    compulsory = (age >= COMPULSORY_MIN) & (age <= COMPULSORY_MAX)
    wrong = (in_school & outside) | (isin(status, ["not_school_age"]) & compulsory)
    run.add(t, flag(t, m, wrong, "school_status", "school_status_age",
                    value=lambda r: _s(r["school_status"]) + ", age "
                    + _s(year - r["birth_year"])))


def _household_member_rules(run: _Run) -> None:
    """member_count, single_head, orphans, and the two-way household/member cascade."""
    th, tm = TableName.HOUSEHOLDS.value, TableName.MEMBERS.value
    h, m = run.frames[th], run.frames[tm]
    hid = _text(h["household_id"])
    where = positions(m["household_id"], hid)  # each member's household row, -1 if none
    linked = where >= 0
    n = len(h)
    count = np.bincount(where[linked], minlength=n)
    is_head = isin(m["relation"], ["head"])
    heads = np.bincount(where[linked & is_head], minlength=n)
    size = h["household_size"].to_numpy(dtype=float, na_value=np.nan)
    # Frames carry a RangeIndex (see with_source), so a flagged row's label is its position.
    run.add(th, flag(th, h, ~np.isnan(size) & (count != size), "household_size", "member_count",
                     value=lambda r: "household_size=" + _s(r["household_size"]) + ", members="
                     + pd.Series(count[r.index], index=r.index).astype("string")))
    run.add(th, flag(th, h, heads != 1, "relation", "single_head",
                     value=lambda r: pd.Series(heads[r.index], index=r.index).astype("string")))
    orphan = m["household_id"].notna().to_numpy() & ~linked
    run.add(tm, flag(tm, m, orphan, "household_id", "unknown_household"))

    bad_members = run.bad(tm) & linked
    first_bad = np.full(n, -1, dtype=np.int64)
    pos_bad = np.flatnonzero(bad_members)[::-1]  # reversed so the first member wins
    first_bad[where[pos_bad]] = pos_bad
    up = (first_bad >= 0) & ~run.bad(th)
    run.add(th, flag(th, h, up, "household_id", "member_quarantined",
                     value=lambda r: _s(m["member_no"].iloc[first_bad[r.index]])))
    bad_h = run.bad(th)
    down = linked & bad_h[np.where(linked, where, 0)] & ~run.bad(tm)
    run.add(tm, flag(tm, m, down, "household_id", "household_quarantined"))


def _dependent_rules(run: _Run, t: str) -> None:
    """Rows keyed by household_id (field checks, support history): orphans and the cascade."""
    f = run.frames[t]
    th = TableName.HOUSEHOLDS.value
    if th not in run.frames:
        return
    where = positions(f["household_id"], _text(run.frames[th]["household_id"]))
    linked = where >= 0
    bad_h = run.bad(th)
    _dependent_flags(run, t, linked, linked & bad_h[np.where(linked, where, 0)])


def _dependent_flags(run: _Run, t: str, linked: np.ndarray, to_bad: np.ndarray) -> None:
    """Flag rows whose household does not exist, then rows whose household is quarantined."""
    f = run.frames[t]
    orphan = f["household_id"].notna().to_numpy() & ~linked
    run.add(t, flag(t, f, orphan, "household_id", "unknown_household"))
    run.add(t, flag(t, f, to_bad & ~run.bad(t), "household_id", "household_quarantined"))


def _field_rules(run: _Run) -> None:
    t = TableName.FIELD_CHECKS.value
    f = run.frames[t]
    # Only an exact repeat (every contract column equal, e.g. a row exported twice) is a
    # duplicate. Two different rows of one household, date and enumerator are two visits (a
    # not-home call and a completed call back the same day, or a row re-exported once the
    # supervisor approved it): both are kept, and the later approved row supersedes.
    key = list(TABLES[TableName.FIELD_CHECKS].key)
    cols = [c for c in TABLES[TableName.FIELD_CHECKS].names if c in f.columns]
    repeat = f[key].notna().all(axis=1).to_numpy() & f.duplicated(cols, keep="first").to_numpy()
    run.add(t, flag(t, f, repeat, "household_id", "duplicate_visit",
                    value=lambda r: _s(r["household_id"]) + " " + _s(r["visit_date"]) + " "
                    + _s(r["enumerator_id"])))
    for col in ("school_age_children", "children_out_of_school", "uninsured_members",
                "water_fetch_minutes", "verified_income_per_capita", "income_not_countable"):
        run.add(t, flag(t, f, _true(f[col] < 0), col, "negative_value"))
    kids, out = f["school_age_children"], f["children_out_of_school"]
    run.add(t, flag(t, f, _true(out > kids), "children_out_of_school", "out_of_school_exceeds",
                    value=lambda r: _s(r["children_out_of_school"]) + " > "
                    + _s(r["school_age_children"])))
    cut = f["water_cut_days"]
    run.add(t, flag(t, f, _true((cut < 0) | (cut > WATER_CUT_MAX)), "water_cut_days",
                    "water_cut_days_range"))


def _support_rules(run: _Run, year: int | None) -> None:
    t = SUPPORT_HISTORY
    s = run.frames[t]
    check_unique(s, TABLES[TableName.SUPPORT_HISTORY])
    run.add(t, flag(t, s, _true(s["amount"] < 0), "amount", "negative_value"))
    _year_range(run, t, s, "year", year)


def _finish(run: _Run, read: Mapping[str, int], check_schemas: bool) -> ValidationResult:
    from registry.headers import finalise_dtypes, spec_for  # headers imports this module

    if check_schemas:
        from registry.schemas import schema_for  # pandera: imported only when checking
    clean: dict[str, pd.DataFrame] = {}
    counts: dict[str, TableCount] = {}
    parts = []
    for table, frame in run.frames.items():
        bad = run.bad(table)
        clean[table] = finalise_dtypes(frame.loc[~bad].reset_index(drop=True), spec_for(table))
        if check_schemas:  # guards this module's own logic: a failure here is a bug
            schema_for(table).validate(clean[table])
        counts[table] = TableCount(rows_read=read[table], rows_quarantined=int(bad.sum()))
        parts.extend(run.flags.get(table, []))
    quarantine = concat_flags(parts).drop(columns="_pos")
    quarantine = quarantine.sort_values(["table", "file", "row"], kind="stable")
    dropped: tuple[str, ...] = ()
    th = TableName.HOUSEHOLDS.value
    if th in run.frames:
        ids = _text(run.frames[th]["household_id"][run.bad(th)]).dropna()
        dropped = tuple(sorted(set(ids.astype(str))))
    return ValidationResult(
        clean={_key(k): v for k, v in clean.items()},
        quarantine=quarantine.reset_index(drop=True),
        counts={_key(k): v for k, v in counts.items()},
        quarantined_household_ids=dropped,
    )


def _key(table: str) -> TableName:
    return TableName(table)


def validate_county(
    tables: Mapping[str, pd.DataFrame],
    *,
    year: int | None = None,
    county_code: str | None = None,
    known_counties: Iterable[str] | None = None,
    check_schemas: bool = True,
) -> ValidationResult:
    """Validate one county's tables.

    Args:
        tables: frames keyed by :class:`TableName` (``villages``, ``households``, ``members``;
            optionally ``field_checks``, ``support_history`` and ``counties`` — with the county
            frame, village codes are checked against the known counties). Frames may be raw
            strings (as loaded) or already typed; ``source_file``/``source_row`` are used in
            messages when present.
        year: the campaign (assessment) year, for the age and year-range rules; None skips them.
        known_counties: county codes of the (validated) county frame, when ``counties`` is not
            in ``tables``: villages of other counties are quarantined (``unknown_county``).
        county_code: when given, villages (and households, if no village table is given) that
            do not belong to this county are quarantined (rule ``wrong_county``).
        check_schemas: check the clean frames against :mod:`registry.schemas` (a failure is
            a bug in this module, not in the data).

    Returns:
        A :class:`ValidationResult`: typed clean frames without quarantined rows, the quarantine
        frame (:data:`QUARANTINE_COLUMNS`) and rows read / quarantined per table.

    Raises:
        FileLevelError: a missing column, a code stored as a number or a duplicated id.
    """
    run = _Run(frames={}, flags={})
    _prepare(tables, run)
    read = {t: len(f) for t, f in run.frames.items()}
    names = set(run.frames)
    if TableName.COUNTIES.value in names:
        _counties_rules(run)
    if TableName.VILLAGES.value in names:
        _villages_rules(run, county_code, known_counties)
    if TableName.MEMBERS.value in names:
        _members_rules(run, year)
    if TableName.HOUSEHOLDS.value in names:
        _households_rules(run, year, county_code)
        if TableName.MEMBERS.value in names:
            _household_member_rules(run)
    if TableName.FIELD_CHECKS.value in names:
        _field_rules(run)
        _dependent_rules(run, TableName.FIELD_CHECKS.value)
    if SUPPORT_HISTORY in names:
        _support_rules(run, year)
        _dependent_rules(run, SUPPORT_HISTORY)
    return _finish(run, read, check_schemas)


def validate_dependents(
    tables: Mapping[str, pd.DataFrame],
    *,
    households: ValidationResult,
    year: int | None = None,
    check_schemas: bool = True,
) -> ValidationResult:
    """Validate field checks and/or support history against an earlier validation's households.

    Gives the same clean rows and quarantine as validating them in one
    :func:`validate_county` call with the registry: these tables depend on the households
    (an unknown or quarantined household quarantines the row) and never the other way round.
    So a county's registry is validated once (at sampling) and each night's field rows alone.

    Args:
        tables: ``field_checks`` and/or ``support_history`` frames, raw or typed.
        households: the result of :func:`validate_county` on the county's registry (its clean
            households and ``quarantined_household_ids``).
        year: the campaign year, for the year-range rules.
        check_schemas: as in :func:`validate_county`.
    """
    allowed = {TableName.FIELD_CHECKS.value, SUPPORT_HISTORY}
    unknown = sorted(str(t) for t in tables if str(t) not in allowed)
    if unknown:
        raise ValueError(f"validate_dependents takes field_checks/support_history, not {unknown}")
    run = _Run(frames={}, flags={})
    _prepare(tables, run)
    read = {t: len(f) for t, f in run.frames.items()}
    clean_ids = households.clean[TableName.HOUSEHOLDS]["household_id"]
    dropped = list(households.quarantined_household_ids)
    for t in run.frames:
        if t == TableName.FIELD_CHECKS.value:
            _field_rules(run)
        else:
            _support_rules(run, year)
        ids = run.frames[t]["household_id"]
        to_bad = isin(ids, dropped)
        _dependent_flags(run, t, isin(ids, clean_ids) | to_bad, to_bad)
    return _finish(run, read, check_schemas)


def validate_counties(
    frame: pd.DataFrame, *, year: int | None = None, check_schemas: bool = True
) -> ValidationResult:
    """Validate the county frame alone (unique codes, province code = county_code[:2]).

    ``year`` bounds the county ``exit_year`` column (not after the campaign year).
    """
    run = _Run(frames={}, flags={})
    _prepare({TableName.COUNTIES.value: frame}, run)
    read = {t: len(f) for t, f in run.frames.items()}
    _counties_rules(run)
    _year_range(run, TableName.COUNTIES.value, run.frames[TableName.COUNTIES.value],
                "exit_year", year)
    return _finish(run, read, check_schemas)
