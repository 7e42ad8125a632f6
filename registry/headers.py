"""Header normalisation and type coercion of loaded tables (pure: DataFrame in, DataFrame out).

* Headers: a byte-order mark and surrounding (also full-width) spaces are stripped, Chinese
  headers are mapped to the English column names of the contract, English names are matched
  case-insensitively. A missing required column is a file-level error; a missing *nullable*
  column is added empty. Unknown extra columns are kept, after the contract's columns.
* Codes (kind ``code``) stay strings. ``520324.0``, ``5.20324E+11`` or a numeric column are a
  code stored as a number, and a wrong length means leading digits were lost: both refuse the
  file (:class:`~registry.problems.FileLevelError`); codes are never repaired by guessing.
* Ids: codes and the id columns (:data:`NORMALISED_TEXT`) are read with Unicode NFKC (full-width
  ``５２０３２４`` is ``520324``) and without invisible characters; ``household_id``,
  ``head_id_number`` and ``phone`` stored as numbers refuse the file like codes, except that a
  ``phone`` that is a whole number (``18580555019.0``) is its exact digit string.
* A header row repeated inside the data refuses the file (``repeated_header``);
  :func:`header_row` finds the header below title rows.
* Values: ints, floats, bools, dates and categories are parsed (an Excel day number such as
  ``43952`` in a date column is that date); a text longer than its column's limit
  (:attr:`~registry.columns.Column.text_limit`) is a row problem ``text_too_long``; an
  unparseable value or an empty required value is a row-level problem for the quarantine.
  Bools accept true/false, 1/0, 是/否, yes/no, Y/N (any case); dates accept 2020-05-01,
  2020/5/1, 2020年5月1日 and 20200501; category values are matched case-insensitively against
  the code list.

Typed columns: code/str/category → ``str``; int → ``int64`` (``Int64`` when nullable);
float → ``float64``; bool → ``bool`` (``boolean`` when nullable); date → ``datetime64[us]``.
:func:`coerce_table` returns nullable dtypes everywhere (bad cells are NA);
:func:`finalise_dtypes` narrows them once quarantined rows are gone.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from registry.contract import TABLES, Column, TableName, TableSpec
from registry.problems import (
    SHOWN_MAX,
    SOURCE_FILE,
    SOURCE_ROW,
    concat_flags,
    file_error,
    flag,
)

TRUE_WORDS = frozenset({"true", "t", "1", "1.0", "yes", "y", "是"})
FALSE_WORDS = frozenset({"false", "f", "0", "0.0", "no", "n", "否"})
MISSING_WORDS = frozenset({"", "nan", "none", "null", "na", "n/a", "<na>", "nat"})
# "520324.0", "5.20324E+11": what a spreadsheet makes of a code it took for a number.
_FLOATY = r"[0-9]+(\.[0-9]*|[eE][+-]?[0-9]+|\.[0-9]*[eE][+-]?[0-9]+)"
# Text columns that are digit strings and break the same way codes do when Excel sees numbers.
# A numeric dtype or ``130631.0`` in them refuses the file (rule ``code_as_number``).
NUMBER_LIKE_TEXT = ("head_id_number", "household_id", "phone")
# Columns compared as identifiers: full-width characters are normalised (see normalise_ids).
NORMALISED_TEXT = ("household_id", "head_id_number", "phone", "enumerator_id")
# Digit strings that a spreadsheet stored as whole numbers, repaired exactly (no guess): a
# mobile number has no leading zero, and an 11-digit whole number is exact in float64.
REPAIRED_NUMBERS = ("phone",)


def spec_for(table: str | TableSpec) -> TableSpec:
    """The spec of a contract table, by name (a spec is returned as is)."""
    if isinstance(table, TableSpec):
        return table
    return TABLES[TableName(table)]


def _clean_header(name: object) -> str:
    return str(name).replace("\ufeff", "").strip().strip("\u3000").strip()


def _file_of(frame: pd.DataFrame, file: str | None) -> str:
    if file is not None:
        return file
    if SOURCE_FILE in frame.columns and len(frame):
        return str(frame[SOURCE_FILE].iloc[0])
    return "<input>"


def normalise_headers(
    frame: pd.DataFrame, spec: TableSpec, *, file: str | None = None
) -> pd.DataFrame:
    """Rename headers to the contract's English names; add missing nullable columns.

    Args:
        frame: a loaded table (any dtypes).
        spec: its table spec.
        file: the file name used in messages (default: ``source_file`` of the first row).

    Returns:
        A new frame: contract columns first (in contract order), then extra columns.

    Raises:
        FileLevelError: ``missing_column`` or ``duplicate_column``.
    """
    where = _file_of(frame, file)
    by_lower = {n.lower(): n for n in spec.names}
    aliases = spec.aliases
    renamed = []
    for col in frame.columns:
        name = _clean_header(col)
        renamed.append(aliases.get(name) or by_lower.get(name.lower(), name))
    seen: set[str] = set()
    for name in renamed:
        if name in seen:
            raise file_error("duplicate_column", file=where, column=name)
        seen.add(name)
    out = frame.copy(deep=False)
    out.columns = renamed
    missing = [c for c in spec.columns if c.name not in seen]
    required = [c for c in missing if not c.nullable]
    if required:
        raise file_error(
            "missing_column",
            file=where,
            column=", ".join(c.name for c in required),
            zh="、".join(c.zh for c in required),
        )
    for c in missing:
        out[c.name] = pd.Series(pd.NA, index=out.index, dtype=object)
    extras = [c for c in out.columns if c not in spec.names]
    return out[[*spec.names, *extras]]


def check_codes(frame: pd.DataFrame, spec: TableSpec, *, file: str | None = None) -> None:
    """Refuse a file whose code columns hold numbers or codes of the wrong length.

    Raises:
        FileLevelError: ``code_as_number`` or ``code_format``, naming the first bad row.
    """
    _checked_codes(frame, spec, file)


def _checked_codes(frame: pd.DataFrame, spec: TableSpec, file: str | None) -> dict[str, pa.Array]:
    """:func:`check_codes`; returns the checked columns as :func:`_text` gives them (Arrow),
    normalised (:func:`normalise_ids`) and, for ``phone``, repaired (:func:`_repair_phone`)."""
    check_repeated_header(frame, spec, file=file)
    texts: dict[str, pa.Array] = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        is_code = col.kind == "code"
        number_like = col.name in NUMBER_LIKE_TEXT
        if not (is_code or number_like or col.name in NORMALISED_TEXT):
            continue
        s = frame[col.name]
        if len(s) == 0:
            continue
        numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(
            s.dtype)
        if numeric and col.name in REPAIRED_NUMBERS:
            text = _integral_text(s, frame, col, file)
        elif numeric and (is_code or number_like):
            first = int(np.flatnonzero(s.notna().to_numpy())[0]) if s.notna().any() else 0
            raise _code_error("code_as_number", frame, first, col, file, s.iloc[first])
        else:
            text = normalise_ids(_text_arrow(s))
        if col.name in REPAIRED_NUMBERS:
            text = _repair_phone(text)
        texts[col.name] = text
        if not (is_code or number_like):
            continue
        # Only a value with a character other than 0-9 can be floaty or of the wrong form, so
        # the regular expression runs on those few (missing values pass both tests).
        digits = pc.ascii_is_decimal(text).fill_null(True).to_numpy(zero_copy_only=False)
        other = np.flatnonzero(~digits)
        if len(other):
            floaty = _full_match(text.take(pa.array(other)), _FLOATY)
            if floaty.any():
                first = int(other[floaty][0])
                raise _code_error("code_as_number", frame, first, col, file, text[first].as_py())
        if is_code:
            length = pc.binary_length(text).fill_null(col.length).to_numpy(zero_copy_only=False)
            ok = digits & (length == col.length)
            if not ok.all():
                first = int(np.flatnonzero(~ok)[0])
                # "Leading digits lost" only fits a digit string that is too short.
                rule = "code_format" if digits[first] else "code_not_digits"
                raise _code_error(rule, frame, first, col, file, text[first].as_py())
    return texts


_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff]"


def normalise_ids(text: pa.Array) -> pa.Array:
    """Full-width digits and letters (``１２３``, ``Ｈ``) as ASCII (Unicode NFKC), invisible
    characters (zero-width space, BOM) removed, then trimmed; only non-ASCII values are touched.

    A clerk's ``５２０３２４`` is the same code as ``520324``: codes and ids are compared after
    this, so the two spellings can never be two different households.
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    ascii_ = pc.string_is_ascii(text).fill_null(True)
    if pc.all(ascii_).as_py():
        return text
    at = pc.invert(ascii_)
    sub = pc.utf8_normalize(text.filter(at), form="NFKC")
    sub = pc.utf8_trim_whitespace(pc.replace_substring_regex(sub, _INVISIBLE, ""))
    sub = pc.if_else(pc.equal(sub, ""), pa.scalar(None, sub.type), sub)
    return pc.replace_with_mask(text, at, sub)


def _integral_text(s: pd.Series, frame: pd.DataFrame, col: Column, file: str | None
                   ) -> pa.Array:
    """A number column holding digit strings (a phone saved as a number) as exact digit text.

    Whole numbers below 2**53 are exact in float64, so ``18580555019.0`` is ``18580555019``
    without a guess; anything else (a fraction) is a code stored as a number.
    """
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    ok = num.isna() | ((num == np.floor(num)) & (num.abs() < 2**53))
    if not ok.all():
        first = int(np.flatnonzero(~ok.to_numpy())[0])
        raise _code_error("code_as_number", frame, first, col, file, s.iloc[first])
    return _arrow(num.astype("Int64").astype("str"))


def _repair_phone(text: pa.Array) -> pa.Array:
    """``18580555019.0`` (a number column saved as text) as ``18580555019``."""
    dotted = pc.match_substring(text, ".").fill_null(False)
    if not pc.any(dotted).as_py():  # the usual case: one cheap pass, no regex
        return text
    return pc.replace_substring_regex(text, r"^([0-9]+)\.0+$", r"\1")


def check_repeated_header(frame: pd.DataFrame, spec: TableSpec, *, file: str | None = None
                          ) -> None:
    """Refuse a file whose header row appears again among its rows (two exports pasted
    together, or a second header row in a sheet).

    A row is a header when at least two of its contract text cells hold their own column's
    English or Chinese header (one cell could be a coincidence). Only the first text column is
    scanned in full; the others are looked at on its hits.
    """
    text_cols = [c for c in spec.columns if c.name in frame.columns and c.kind != "bool"
                 and not pd.api.types.is_numeric_dtype(frame[c.name].dtype)
                 and not pd.api.types.is_datetime64_any_dtype(frame[c.name].dtype)]
    if len(text_cols) < 2 or len(frame) == 0:
        return
    first = text_cols[0]
    hit = _is_header_cell(frame[first.name], first)
    if not hit.any():
        return
    at = np.flatnonzero(hit)
    votes = np.ones(len(at), dtype=np.int64)
    for col in text_cols[1:]:
        votes += _is_header_cell(frame[col.name].iloc[at], col)
    rows = at[votes >= 2]
    if not len(rows):
        return
    excel = (frame[SOURCE_ROW].to_numpy()[rows] if SOURCE_ROW in frame.columns else rows + 2)
    shown = tuple(int(r) for r in excel[:10])
    raise file_error("repeated_header", file=_file_of(frame, file), column=first.name,
                     row=shown, rows=", ".join(str(r) for r in shown))


def _is_header_cell(values: pd.Series, col: Column) -> np.ndarray:
    """True where a cell holds the column's own header. Only short non-numeric cells can:
    those few are trimmed and lower-cased, so a column of digit codes costs two Arrow passes."""
    text = _arrow(values.astype("str"))
    longest = max(len(col.name), len(col.zh)) + 8  # room for surrounding spaces
    maybe = pc.and_(pc.invert(pc.ascii_is_decimal(text)),
                    pc.less_equal(pc.utf8_length(text), longest)).fill_null(False)
    out = np.zeros(len(text), dtype=bool)
    at = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
    if len(at):
        low = pc.utf8_lower(pc.utf8_trim_whitespace(text.take(pa.array(at))))
        hit = pc.is_in(low, value_set=_words([col.name.lower(), col.zh.lower()]),
                       skip_nulls=True)
        out[at] = hit.fill_null(False).to_numpy(zero_copy_only=False)
    return out


def header_row(rows: list[list[object]], spec: TableSpec) -> int:
    """Which of a sheet's first rows is the header (0-based): the first row that names the
    most contract columns, so title rows above the header (a merged ``XX县建档立卡户信息表``)
    are skipped. 0 when no row names more columns than the first.
    """
    best, best_hits = 0, -1
    known = {n.lower() for n in spec.names} | set(spec.aliases)
    for i, row in enumerate(rows):
        hits = sum(1 for cell in row if cell is not None and _header_word(cell) in known)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _header_word(cell: object) -> str:
    return _clean_header(cell).lower()


def _full_match(values: pa.Array, pattern: str) -> np.ndarray:
    """True where the whole string matches the RE2 ``pattern`` (as ``validation.matches``)."""
    found = pc.match_substring_regex(values, f"^(?:{pattern})$")
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _code_error(
    rule: str, frame: pd.DataFrame, pos: int, col: Column, file: str | None, value: object
) -> Exception:
    row = int(frame[SOURCE_ROW].iloc[pos]) if SOURCE_ROW in frame.columns else pos + 2
    where = file or (str(frame[SOURCE_FILE].iloc[pos]) if SOURCE_FILE in frame.columns else None)
    shown = str(value)
    if col.personal:
        shown = shown[:6] + "…"
    elif len(shown) > SHOWN_MAX:
        shown = shown[:SHOWN_MAX] + "…"
    return file_error(
        rule, file=where or "<input>", column=col.name, row=row, value=shown,
        length=col.length or 18,
    )


def _text(s: pd.Series, keep: frozenset[str] = frozenset()) -> pd.Series:
    """Values as stripped ``str``, with the usual spellings of "missing" as NaN.

    ``keep``: words that are real values here (``none`` is a medical_insurance code).
    """
    return _str_series(_text_arrow(s, keep), s.index, s.name)


_STR = pd.api.types.pandas_dtype("str")
_MISSING_LEN = max(len(w) for w in MISSING_WORDS)


def _words(words: frozenset[str] | list[str]) -> pa.Array:
    return pa.array(sorted(words) if isinstance(words, frozenset) else words, pa.large_string())


def _str_series(values: pa.Array, index: pd.Index, name: Hashable = None) -> pd.Series:
    """An Arrow string array (nulls = missing) as a ``str`` Series, without a Python round trip."""
    if getattr(_STR, "storage", None) == "pyarrow":
        return pd.Series(pd.arrays.ArrowStringArray(values, dtype=_STR), index=index, name=name)
    return pd.Series(values.to_numpy(zero_copy_only=False), index=index, dtype="str", name=name)


def _arrow(values: pd.Series) -> pa.Array:
    """A ``str`` Series as one ``large_string`` Arrow array (missing values null)."""
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if pa.types.is_large_string(arr.type) else arr.cast(pa.large_string())


def _strip_missing(text: pa.Array, keep: frozenset[str]) -> pa.Array:
    """Trim whitespace and null the spellings of "missing" (what ``_text`` does, on Arrow).

    Only strings as short as the longest missing word can be one (lower-casing maps code point
    to code point), so only those are lower-cased and looked up.
    """
    text = pc.utf8_trim_whitespace(text)
    short = pc.less_equal(pc.utf8_length(text), _MISSING_LEN).fill_null(False)
    if not pc.any(short).as_py():
        return text
    at = np.flatnonzero(short.to_numpy(zero_copy_only=False))
    candidates = pc.utf8_lower(text.take(pa.array(at)))
    hit = pc.is_in(candidates, value_set=_words(MISSING_WORDS - keep), skip_nulls=True)
    hit = hit.fill_null(False).to_numpy(zero_copy_only=False)
    if not hit.any():
        return text
    missing = np.zeros(len(text), dtype=bool)
    missing[at[hit]] = True
    return pc.if_else(pa.array(missing), pa.scalar(None, text.type), text)


def _text_arrow(s: pd.Series, keep: frozenset[str] = frozenset()) -> pa.Array:
    """:func:`_text` as a ``large_string`` Arrow array (missing values are null)."""
    return _strip_missing(_arrow(s.astype("str")), keep)


def _coded(s: pd.Series, keep: frozenset[str] = frozenset()) -> tuple[np.ndarray, pa.Array]:
    """Few-valued text: (per-row index into the distinct values, -1 when missing; the distinct
    values as :func:`_text` gives them). Cleaning and lookups then run on the distinct values.
    """
    encoded = _arrow(s.astype("str")).dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
    uniques = _strip_missing(encoded.dictionary, keep)
    return codes, uniques


def _per_row(codes: np.ndarray, per_unique: np.ndarray, fill: object) -> np.ndarray:
    """Spread per-distinct-value results to rows (``fill`` where the row is missing)."""
    return np.append(per_unique, np.asarray([fill], dtype=per_unique.dtype))[codes]


def _no(s: pd.Series) -> pd.Series:
    return pd.Series(False, index=s.index)


def _already(s: pd.Series, dtype: str) -> pd.Series:
    """``s`` when it already has ``dtype``, else ``s.astype(dtype)``."""
    return s if str(s.dtype) == dtype else s.astype(dtype)


def _parse_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers as float64, missing mask) — unparseable values are NaN but not missing."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        if s.dtype == np.float64:
            return s, s.isna()
        num = pd.to_numeric(s, errors="coerce").astype("float64")
        return num, num.isna()
    values = _text_arrow(s)
    missing = pd.Series(values.is_null().to_numpy(zero_copy_only=False), index=s.index)
    try:  # fast path: Arrow parses plain numbers
        num = pd.Series(values.cast(pa.float64()).to_numpy(zero_copy_only=False),
                        index=s.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        plain = _str_series(values, s.index).str.replace(",", "", regex=False)
        num = pd.Series(pd.to_numeric(plain, errors="coerce"), index=s.index, dtype="float64")
    return num, missing


def _coerce_column(
    s: pd.Series, col: Column, text: pa.Array | None = None
) -> tuple[pd.Series, pd.Series, pd.Series, str]:
    """(typed values, missing mask, unparseable mask, rule for unparseable).

    ``text``: the column as :func:`_text_arrow` gives it, when already computed.
    """
    kind = col.kind
    if kind in ("code", "str"):
        typed = _str_series(text if text is not None else _text_arrow(s), s.index, s.name)
        return typed, typed.isna(), _no(s), ""
    if kind == "int":
        if pd.api.types.is_integer_dtype(s.dtype):
            typed = _already(s, "Int64")
            return typed, typed.isna(), _no(s), "bad_int"
        num, missing = _parse_number(s)
        integral = num.notna() & (num == np.floor(num)) & (num.abs() < 2**53)
        typed = num.where(integral).astype("Int64")
        return typed, missing, ~missing & ~integral, "bad_int"
    if kind == "float":
        num, missing = _parse_number(s)
        return num, missing, ~missing & num.isna(), "bad_float"
    if kind == "bool":
        if pd.api.types.is_bool_dtype(s.dtype):
            typed = _already(s, "boolean")
            return typed, typed.isna(), _no(s), "bad_bool"
        codes, uniques = _coded(s)
        low = pc.utf8_lower(uniques)
        yes = _per_row(codes, _in(low, TRUE_WORDS), False)
        no = _per_row(codes, _in(low, FALSE_WORDS), False)
        typed = pd.Series(pd.arrays.BooleanArray(yes, ~(yes | no)), index=s.index)
        missing = pd.Series(_per_row(codes, _null(uniques), True), index=s.index)
        return typed, missing, ~missing & ~(yes | no), "bad_bool"
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            typed = _already(s, "datetime64[us]")
            return typed, typed.isna(), _no(s), "bad_date"
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            num = pd.to_numeric(s, errors="coerce").astype("float64")
            typed = _excel_serial(num)
            missing = num.isna()
            return typed, missing, ~missing & typed.isna(), "bad_date"
        text = _text(s)
        iso = text.str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "", regex=False)
        typed = pd.to_datetime(iso, format="ISO8601", errors="coerce").astype("datetime64[us]")
        missing = text.isna()
        unparsed = (~missing & typed.isna()).to_numpy(dtype=bool)
        if unparsed.any():  # an Excel serial day number (45292) typed into a text column
            serial = _excel_serial(pd.to_numeric(text.where(unparsed), errors="coerce"))
            typed = typed.where(serial.isna(), serial)
        return typed, missing, ~missing & typed.isna(), "bad_date"
    # category: matched case-insensitively, returned in the code list's spelling
    choices = list(col.choices or ())
    codes, uniques = _coded(s, keep=frozenset(c.lower() for c in choices))
    lowered = _words([c.lower() for c in choices])
    found = pc.index_in(pc.utf8_lower(uniques), value_set=lowered, skip_nulls=True)
    where = _per_row(codes, found.fill_null(-1).to_numpy(zero_copy_only=False), -1)
    spelled = pa.array([*choices, None], pa.large_string())
    typed = _str_series(spelled.take(pa.array(np.where(where < 0, len(choices), where))),
                        s.index)
    missing = pd.Series(_per_row(codes, _null(uniques), True), index=s.index)
    return typed, missing, ~missing & (where < 0), "unknown_category"


# Excel's day numbers (1900 date system: day 1 = 1900-01-01, with the 1900 leap-year bug, so
# day 0 is 1899-12-30) for 2000-01-01 … 2099-12-31; other numbers are not dates.
EXCEL_EPOCH = np.datetime64("1899-12-30")
EXCEL_SERIAL_RANGE = (36526, 73050)


def _excel_serial(num: pd.Series) -> pd.Series:
    """Whole Excel day numbers in :data:`EXCEL_SERIAL_RANGE` as dates, anything else NaT."""
    low, high = EXCEL_SERIAL_RANGE
    ok = (num == np.floor(num)) & (num >= low) & (num <= high)
    days = num.where(ok).to_numpy(dtype="float64")
    out = np.full(len(num), np.datetime64("NaT"), dtype="datetime64[us]")
    good = ~np.isnan(days)
    out[good] = EXCEL_EPOCH + days[good].astype("int64").astype("timedelta64[D]")
    return pd.Series(out, index=num.index)


def _in(values: pa.Array, words: frozenset[str]) -> np.ndarray:
    found = pc.is_in(values, value_set=_words(words), skip_nulls=True)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def _null(values: pa.Array) -> np.ndarray:
    return values.is_null().to_numpy(zero_copy_only=False)


def coerce_table(frame: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise headers, check codes, and parse every contract column.

    Args:
        frame: a table with ``source_file`` and ``source_row`` columns (raw strings or typed).
        spec: its spec.

    Returns:
        ``(typed, problems)``: the typed frame (same rows, bad cells NA, nullable dtypes) and
        the row-level problems as quarantine rows (see :func:`registry.validation.flag`).

    Raises:
        FileLevelError: header or code problems.
    """
    out = normalise_headers(frame, spec)
    texts = _checked_codes(out, spec, None)
    table = str(spec.name)
    problems = []
    for col in spec.columns:
        raw = out[col.name]
        typed, missing, bad, rule = _coerce_column(raw, col, texts.get(col.name))
        out[col.name] = typed
        if not col.nullable:
            problems.append(flag(table, out, missing.to_numpy(dtype=bool), col.name,
                                 "missing_value", value=raw))
        if bad.any():
            fields = {"choices": "/".join(col.choices)} if col.choices else {}
            problems.append(flag(table, out, bad.to_numpy(dtype=bool), col.name, rule,
                                 value=raw, **fields))
        limit = col.text_limit
        if limit is not None and len(typed):
            lengths = pc.utf8_length(_arrow(typed)).fill_null(0).to_numpy(zero_copy_only=False)
            long = lengths > limit
            if long.any():
                problems.append(flag(table, out, long, col.name, "text_too_long",
                                     value=pd.Series(lengths, index=out.index), max=limit))
                # The row is quarantined: drop the huge value now rather than carry it along.
                out[col.name] = typed.where(~long)
    return out, concat_flags(problems)


def finalise_dtypes(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Narrow non-nullable int and bool columns to ``int64``/``bool`` (no NA left in them)."""
    out = frame.copy()
    for col in spec.columns:
        if col.nullable or col.name not in out.columns:
            continue
        if col.kind == "int":
            out[col.name] = out[col.name].astype(np.int64)
        elif col.kind == "bool":
            out[col.name] = out[col.name].astype(bool)
    if SOURCE_ROW in out.columns:
        out[SOURCE_ROW] = out[SOURCE_ROW].astype(np.int64)
    return out


def prepare_table(
    frame: pd.DataFrame, spec: TableSpec, *, file: str | None = None
) -> pd.DataFrame:
    """Header normalisation plus the code check: what a loader does before returning a frame."""
    out = normalise_headers(frame, spec, file=file)
    check_codes(out, spec, file=file)
    return out
