"""Reading the campaign tables in CSV / Parquet / XLSX.

Reading. A table ``T`` of a campaign directory ``DIR`` is either one file ``DIR/T.csv|.parquet|
.xlsx`` (all counties) or a folder ``DIR/T/`` of per-county files ``<county_code>.<ext>``.
Every loaded frame has the contract's English column names (Chinese headers are mapped), plus
``source_file`` (``T.csv`` or ``T/520324.parquet``) and ``source_row`` (the Excel row: header
= 1, first data row = 2). CSV and XLSX cells are read as text so codes keep their leading
digits; Parquet keeps its types. By default loaders return these *raw* frames: run
:func:`registry.validation.validate_county` to get typed clean frames and the quarantine.
``read_table(..., typed=True)`` instead parses the values and refuses the file on the first
bad value (for small frames such as a county frame given on the command line).

A file is refused, naming it, when it is empty, has only a header (required tables), names a
column twice, or repeats its header row inside the data; title rows above the header are
skipped (the header is the first of the first rows that names the most contract columns).

Reading one county never reads another county's rows into memory: per-county files, Parquet
row groups skipped by their statistics and filtered one at a time, CSV read in chunks.

Writing is ``flows.store.files``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from registry.contract import OPTIONAL_TABLES, TABLES, TableName, TableSpec
from registry.headers import (
    check_repeated_header,
    coerce_table,
    finalise_dtypes,
    header_row,
    normalise_ids,
    prepare_table,
    spec_for,
)
from registry.validation import SOURCE_FILE, SOURCE_ROW, FileLevelError, file_error

SUFFIXES = (".csv", ".parquet", ".xlsx")
CSV_CHUNK_ROWS = 200_000
# Title rows above the header that are skipped (a merged "XX县建档立卡户信息表" banner): the
# header is looked for in this many first rows of a CSV or a sheet.
HEADER_SEARCH_ROWS = 10
_HEADER_SEARCH_BYTES = 1 << 16
DEFAULT_TABLES = (
    TableName.VILLAGES, TableName.HOUSEHOLDS, TableName.MEMBERS, TableName.FIELD_CHECKS,
    TableName.SUPPORT_HISTORY,
)
# Tables whose rows belong to a county through village_code[:6] (or county_code).
_BY_VILLAGE = (TableName.VILLAGES, TableName.HOUSEHOLDS)
_BY_HOUSEHOLD = (TableName.MEMBERS, TableName.FIELD_CHECKS, TableName.SUPPORT_HISTORY)


# ------------------------------------------------------------------------------------ finding
def table_files(data_dir: Path, table: TableName | str) -> list[Path]:
    """The files of a table: ``[DIR/T.ext]`` or the sorted per-county files of ``DIR/T/``.

    Optional tables (field checks, support history) give ``[]`` when absent.

    Raises:
        FileLevelError: ``missing_table`` for an absent required table, ``both_forms`` when a
            table exists as a file and a folder (or as two files).
    """
    data_dir = Path(data_dir)
    name = TableName(table)
    singles = [p for ext in SUFFIXES if (p := data_dir / f"{name.value}{ext}").is_file()]
    folder = data_dir / name.value
    has_folder = folder.is_dir()
    if len(singles) > 1 or (singles and has_folder):
        raise file_error("both_forms", file=str(data_dir / name.value), column=name.value)
    if singles:
        return singles
    if has_folder:
        return sorted(
            p for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "~$"))
        )
    if name in OPTIONAL_TABLES:
        return []
    raise file_error("missing_table", file=str(data_dir / name.value), column=name.value)


def misnamed_county_files(data_dir: Path, table: TableName | str,
                          known: Iterable[str] | None = None) -> list[FileLevelError]:
    """Per-county files of ``table`` whose name is not a county code (``households/abc.parquet``)
    or, given the ``known`` county codes, not a known county: one error each, so a stray file
    is named for what it is instead of being read as a county called ``abc``."""
    name = TableName(table)
    files = table_files(Path(data_dir), name)
    if not _is_folder_form(files, name):
        return []
    spec = TABLES[name]
    codes = set(known) if known is not None else None
    out = []
    for f in files:
        if not (len(f.stem) == 6 and f.stem.isascii() and f.stem.isdigit()):
            out.append(file_error("bad_file_name", file=_display_name(f, spec),
                                  column=name.value, value=f.stem))
        elif codes is not None and f.stem not in codes:
            out.append(file_error("unknown_county_file", file=_display_name(f, spec),
                                  column=name.value, value=f.stem))
    return out


def _is_folder_form(files: list[Path], table: TableName) -> bool:
    return bool(files) and files[0].parent.name == table.value and files[0].stem != table.value


def _display_name(path: Path, spec: TableSpec) -> str:
    """``households.csv`` or ``households/520324.parquet``: what messages call the file."""
    return f"{path.parent.name}/{path.name}" if path.parent.name == spec.name else path.name


# ------------------------------------------------------------------------------------ reading
def _narrow(spec: TableSpec, columns: Iterable[str] | None) -> TableSpec:
    if columns is None:
        return spec
    wanted = set(columns)
    return TableSpec(spec.name, tuple(c for c in spec.columns if c.name in wanted), key=())


def _header_map(names: Iterable[str], spec: TableSpec) -> dict[str, str]:
    """Raw header → English name, for the headers that map to a contract column."""
    by_lower = {n.lower(): n for n in spec.names}
    out = {}
    for raw in names:
        clean = str(raw).replace("\ufeff", "").strip().strip("\u3000").strip()
        english = spec.aliases.get(clean) or by_lower.get(clean.lower())
        if english is not None:
            out[str(raw)] = english
    return out


def _county_mask(frame: pd.DataFrame, table: TableName, county: str | None,
                 household_ids: pd.Series | None) -> np.ndarray | None:
    """Rows of ``frame`` (English headers) belonging to ``county``; None = keep all."""
    if county is None:
        return None
    if table == TableName.COUNTIES and "county_code" in frame.columns:
        return (frame["county_code"].astype("str").str.strip() == county).to_numpy()
    if table in _BY_VILLAGE and "village_code" in frame.columns:
        code = frame["village_code"].astype("str").str.strip()
        return code.str.startswith(county).fillna(False).to_numpy(dtype=bool)
    if table in _BY_HOUSEHOLD and household_ids is not None and "household_id" in frame.columns:
        ids = _ids(frame["household_id"])
        return ids.isin(pd.Index(_ids(household_ids))).to_numpy()
    return None


def _ids(values: pd.Series) -> pd.Series:
    """Household ids as validation compares them (trimmed, full-width digits as ASCII)."""
    text = pa.array(values.astype("str").str.strip(), from_pandas=True, type=pa.large_string())
    return pd.Series(normalise_ids(text).to_numpy(zero_copy_only=False), index=values.index,
                     dtype="str")


def _check_header(names: list[object], spec: TableSpec, shown: str) -> None:
    """Refuse a header naming one contract column twice (pandas would rename the second
    ``head_name.1`` and silently use the first)."""
    seen: dict[str, str] = {}
    for raw in names:
        if raw is None or (isinstance(raw, float) and np.isnan(raw)):
            continue
        mapped = _header_map([str(raw)], spec).get(str(raw))
        if mapped is None:
            continue
        if mapped in seen:
            first, again = seen[mapped], str(raw).strip()
            named = mapped if first == again == mapped else f"{mapped} ({first} / {again})"
            raise file_error("duplicate_column", file=shown, column=named)
        seen[mapped] = str(raw).strip()


def _csv_head(path: Path) -> list[list[str]]:
    """The first rows of a CSV (from its first 64 KiB: enough for a header and a title)."""
    with path.open("rb") as fh:
        data = fh.read(_HEADER_SEARCH_BYTES)
    if not data.strip():
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(data) < _HEADER_SEARCH_BYTES or exc.start < len(data) - 3:
            raise  # not UTF-8 (read_table says so), not just a character cut at the end
        text = data[:exc.start].decode("utf-8-sig")
    lines = text.splitlines()
    if len(data) == _HEADER_SEARCH_BYTES and len(lines) > 1:
        lines = lines[:-1]
    try:
        return list(csv.reader(lines[:HEADER_SEARCH_ROWS]))
    except csv.Error:
        return [lines[0].split(",")] if lines else []


def _read_csv(path: Path, spec: TableSpec, county: str | None, household_ids: pd.Series | None,
              table: TableName | None, usecols: Callable[[str], bool] | None) -> pd.DataFrame:
    head = _csv_head(path)
    if not head:
        raise file_error("empty_file", file=_display_name(path, spec))
    skip = header_row(head, spec)  # title rows above the header
    _check_header(list(head[skip]), spec, _display_name(path, spec))

    def reader(**kw: Any) -> Any:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                           usecols=usecols, skiprows=skip, **kw)

    if county is None or table is None:
        frame = reader()
        frame[SOURCE_ROW] = np.arange(2 + skip, len(frame) + 2 + skip, dtype=np.int64)
        return frame
    header = list(reader(nrows=0).columns)
    rename = _header_map(header, spec)
    parts, offset = [], skip
    for chunk in reader(chunksize=CSV_CHUNK_ROWS):
        chunk[SOURCE_ROW] = np.arange(offset + 2, offset + 2 + len(chunk), dtype=np.int64)
        offset += len(chunk)
        english = chunk.rename(columns=rename)
        # Before the county filter, which would drop a repeated header row unseen.
        check_repeated_header(english, spec, file=_display_name(path, spec))
        mask = _county_mask(english, table, county, household_ids)
        parts.append(chunk if mask is None else chunk.loc[mask])
    if not parts:
        frame = reader(nrows=0)
        frame[SOURCE_ROW] = np.array([], dtype=np.int64)
        return frame
    return pd.concat(parts, ignore_index=True)


def _parquet_filter(pf: pq.ParquetFile, rename: dict[str, str], table: TableName | None,
                    county: str | None, household_ids: pd.Series | None
                    ) -> tuple[str, Callable[[pa.Array], pa.Array], tuple[str, str] | None] | None:
    """(raw column, row predicate, (min, max) range for statistics) or None for no filter."""
    if county is None or table is None:
        return None
    raw_of = {english: raw for raw, english in rename.items()}
    if table == TableName.COUNTIES and "county_code" in raw_of:
        return raw_of["county_code"], lambda a: pc.equal(a, county), (county, county)
    if table in _BY_VILLAGE and "village_code" in raw_of:
        upper = str(int(county) + 1).zfill(len(county))
        return (raw_of["village_code"], lambda a: pc.starts_with(a, county), (county, upper))
    if table in _BY_HOUSEHOLD and household_ids is not None and "household_id" in raw_of:
        values = pa.array(household_ids.astype("str").tolist(), type=pa.string())
        return raw_of["household_id"], lambda a: pc.is_in(a, value_set=values), None
    return None


def _text_stat(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _read_parquet(path: Path, spec: TableSpec, county: str | None,
                  household_ids: pd.Series | None, table: TableName | None,
                  columns: list[str] | None) -> pd.DataFrame:
    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    rename = _header_map(names, spec)
    read_cols = None
    if columns is not None:
        wanted = set(columns)
        read_cols = [n for n in names if rename.get(n) in wanted]
    filt = _parquet_filter(pf, rename, table, county, household_ids)
    if filt is None:
        frame = pf.read(columns=read_cols).to_pandas()
        frame[SOURCE_ROW] = np.arange(2, len(frame) + 2, dtype=np.int64)
        return frame
    column, predicate, bounds = filt
    col_index = names.index(column)
    parts, offset = [], 0
    for i in range(pf.metadata.num_row_groups):
        meta = pf.metadata.row_group(i)
        n = meta.num_rows
        stats = meta.column(col_index).statistics
        if bounds is not None and stats is not None and stats.has_min_max:
            low, high = _text_stat(stats.min), _text_stat(stats.max)
            if high < bounds[0] or low > bounds[1]:
                offset += n
                continue
        key = pf.read_row_group(i, columns=[column]).column(0)
        mask = predicate(key.combine_chunks().cast(pa.string())).fill_null(False)
        if pc.any(mask).as_py():
            rows = pf.read_row_group(i, columns=read_cols).filter(mask).to_pandas()
            rows[SOURCE_ROW] = np.flatnonzero(mask.to_numpy(zero_copy_only=False)) + offset + 2
            parts.append(rows)
        offset += n
    if not parts:
        empty = pf.schema_arrow.empty_table()
        frame = (empty.select(read_cols) if read_cols is not None else empty).to_pandas()
        frame[SOURCE_ROW] = np.array([], dtype=np.int64)
        return frame
    return pd.concat(parts, ignore_index=True)


def _read_xlsx(path: Path, spec: TableSpec, usecols: Callable[[str], bool] | None
               ) -> pd.DataFrame:
    """The first sheet; title rows above the header are skipped, rows keep their Excel number."""
    grid = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl", header=None)
    if grid.empty:
        raise file_error("empty_file", file=_display_name(path, spec))
    head = grid.head(HEADER_SEARCH_ROWS).to_numpy(dtype=object).tolist()
    skip = header_row(head, spec)
    names = head[skip]
    _check_header(names, spec, _display_name(path, spec))
    labels: list[str] = []
    for i, n in enumerate(names):
        label = f"Unnamed: {i}" if n is None or (isinstance(n, float) and np.isnan(n)) else str(n)
        while label in labels:  # an extra column named twice: keep both, as pandas does
            label += ".1"
        labels.append(label)
    frame = grid.iloc[skip + 1:].reset_index(drop=True)
    frame.columns = labels
    if usecols is not None:
        frame = frame[[c for c in labels if usecols(c)]]
    # read_excel keeps leading blank rows, so a row's position is its Excel row - 1.
    frame[SOURCE_ROW] = np.arange(skip + 2, skip + 2 + len(frame), dtype=np.int64)
    return frame


def read_table(
    path: Path,
    spec: TableSpec | TableName | str,
    *,
    county: str | None = None,
    household_ids: pd.Series | None = None,
    columns: Iterable[str] | None = None,
    typed: bool = True,
) -> pd.DataFrame:
    """Read one table file (CSV in UTF-8 with or without BOM, Parquet, or XLSX).

    Args:
        path: the file.
        spec: the table's spec (or name).
        county: keep only this county's rows (by ``county_code``, ``village_code[:6]``, or,
            for tables keyed by household, ``household_ids``).
        household_ids: the county's household ids, for members / field checks / support.
        columns: read only these contract columns (others are not required to exist).
        typed: parse values (see the module docstring); the first bad value refuses the file.
            ``False`` returns the raw frame for :func:`registry.validation.validate_county`
            (what :func:`load_county` does).

    Returns:
        The frame with English headers, ``source_file`` and ``source_row``.

    Raises:
        FileLevelError: unreadable file, wrong format, missing column, code stored as a number.
    """
    path = Path(path)
    spec = spec_for(spec)
    table = TableName(spec.name)
    shown = _display_name(path, spec)
    narrowed = _narrow(spec, columns)
    cols = list(columns) if columns is not None else None
    usecols = None
    if cols is not None:
        wanted = set(cols)

        def usecols(name: str) -> bool:
            return _header_map([name], spec).get(name) in wanted

    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise file_error("wrong_format", file=shown)
    if path.is_file() and path.stat().st_size == 0:
        raise file_error("empty_file", file=shown)
    try:
        if suffix == ".csv":
            raw = _read_csv(path, spec, county, household_ids, table, usecols)
        elif suffix == ".parquet":
            raw = _read_parquet(path, spec, county, household_ids, table, cols)
        else:
            raw = _read_xlsx(path, spec, usecols)
            english = raw.rename(columns=_header_map(raw.columns, spec))
            check_repeated_header(english, spec, file=shown)
            mask = _county_mask(english, table, county, household_ids)
            if mask is not None:
                raw = raw.loc[mask].reset_index(drop=True)
    except FileLevelError:
        raise
    except UnicodeDecodeError:
        raise file_error("unreadable_file", file=shown,
                         reason="不是UTF-8编码，请另存为“CSV UTF-8” / not UTF-8: save as CSV UTF-8"
                         ) from None
    except (OSError, ValueError, pa.ArrowException, KeyError, IndexError) as exc:
        raise file_error("unreadable_file", file=shown,
                         reason=f"{type(exc).__name__}: {str(exc)[:200]}") from exc
    raw.insert(len(raw.columns), SOURCE_FILE, shown)
    raw = raw.reset_index(drop=True)
    frame = prepare_table(raw, narrowed, file=shown)
    if not typed:
        return frame
    typed_frame, problems = coerce_table(frame, narrowed)
    if len(problems):
        first = problems.iloc[0]
        raise FileLevelError(
            file=shown, column=str(first["column"]), rule=str(first["rule"]),
            row=int(first["row"]),
            message_zh=f"{first['message_zh']}（共 {len(problems)} 处问题）",
            message_en=f"{first['message_en']} ({len(problems)} problem(s) in all)",
        )
    return finalise_dtypes(typed_frame, narrowed)


def _empty(spec: TableSpec) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in spec.names})
    frame[SOURCE_FILE] = pd.Series(dtype="str")
    frame[SOURCE_ROW] = pd.Series(dtype=np.int64)
    return frame


def _read_many(files: list[Path], spec: TableSpec, *, typed: bool, **kw: Any) -> pd.DataFrame:
    frames = [read_table(f, spec, typed=typed, **kw) for f in files]
    frames = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(frames, ignore_index=True) if frames else _empty(spec)


def load_county(
    data_dir: Path,
    county_code: str,
    tables: Iterable[TableName | str] = DEFAULT_TABLES,
    *,
    typed: bool = False,
) -> dict[TableName, pd.DataFrame]:
    """Read one county's rows of ``tables`` (raw; validate them with ``validate_county``).

    Optional tables that are absent, or whose folder has no file for this county, are left
    out of the result. A required table in folder form without this county's file is an error.

    Raises:
        FileLevelError: missing or unreadable files, missing columns, codes stored as numbers.
    """
    data_dir = Path(data_dir)
    wanted = [TableName(t) for t in tables]
    out: dict[TableName, pd.DataFrame] = {}
    household_ids: pd.Series | None = None
    # Households first: tables keyed by household are filtered on the county's household ids.
    order = sorted(wanted, key=lambda t: (t in _BY_HOUSEHOLD, t != TableName.HOUSEHOLDS))
    for table in order:
        files = table_files(data_dir, table)
        spec = TABLES[table]
        if _is_folder_form(files, table):
            mine = [f for f in files if f.stem == county_code]
            if not mine:
                if table in OPTIONAL_TABLES:
                    continue
                raise file_error("missing_table", file=str(data_dir / table.value / county_code),
                                 column=table.value)
            out[table] = _read_many(mine, spec, typed=typed)
            _require_rows(out[table], mine, spec, county_code)
            continue
        if not files:
            continue
        if table in _BY_HOUSEHOLD and household_ids is None:
            household_ids = _county_households(data_dir, county_code, out)
        out[table] = _read_many(files, spec, county=county_code, household_ids=household_ids,
                                typed=typed)
        _require_rows(out[table], files, spec, county_code)
    return out


def _require_rows(frame: pd.DataFrame, files: list[Path], spec: TableSpec, county: str) -> None:
    """A required table without a row for the county (a file with only its header) is refused:
    validating it would only report every dependent row as an orphan."""
    if len(frame) or TableName(spec.name) in OPTIONAL_TABLES:
        return
    shown = ", ".join(_display_name(f, spec) for f in files)
    raise file_error("no_rows", file=shown, column=spec.name.value, county=county)


def _county_households(data_dir: Path, county: str, loaded: Mapping[TableName, pd.DataFrame]
                       ) -> pd.Series:
    if TableName.HOUSEHOLDS in loaded:
        return loaded[TableName.HOUSEHOLDS]["household_id"]
    files = table_files(data_dir, TableName.HOUSEHOLDS)
    if _is_folder_form(files, TableName.HOUSEHOLDS):
        files = [f for f in files if f.stem == county]
    if not files:
        return pd.Series([], dtype="str")
    ids = _read_many(files, TABLES[TableName.HOUSEHOLDS], county=county,
                     columns=("household_id", "village_code"), typed=False)
    return ids["household_id"]


def read_sample_ids(path: Path) -> pd.Series:
    """The ``household_id`` column of a drawn sample (``WS/sample/<county>.parquet``)."""
    return pq.read_table(Path(path), columns=["household_id"]).column(0).to_pandas()


def load_counties(data_dir: Path, *, typed: bool = False) -> pd.DataFrame:
    """The county frame ``DIR/counties.*`` (all files of a folder form concatenated)."""
    files = table_files(Path(data_dir), TableName.COUNTIES)
    return _read_many(files, TABLES[TableName.COUNTIES], typed=typed)


def county_codes(data_dir: Path, *, with_data: bool = False) -> list[str]:
    """Sorted county codes of the county frame.

    With ``with_data``, only counties that have household rows (a per-county households file,
    or rows in the single households file).
    """
    data_dir = Path(data_dir)
    files = table_files(data_dir, TableName.COUNTIES)
    frame = _read_many(files, TABLES[TableName.COUNTIES], columns=("county_code",), typed=False)
    codes = sorted(set(frame["county_code"].dropna().astype(str).str.strip()) - {""})
    if not with_data:
        return codes
    hh_files = table_files(data_dir, TableName.HOUSEHOLDS)
    if _is_folder_form(hh_files, TableName.HOUSEHOLDS):
        present = {f.stem for f in hh_files}
    else:
        hh = _read_many(hh_files, TABLES[TableName.HOUSEHOLDS], columns=("village_code",),
                        typed=False)
        present = set(hh["village_code"].dropna().astype(str).str.slice(0, 6))
    return [c for c in codes if c in present]
