"""Atomic writers and file hashes: the one way exitcheck writes an output.

Every writer writes a temporary file in the target folder and then ``os.replace``-s it, so a
reader never sees a partial file. ``source_file``/``source_row`` are dropped.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from registry.validation import SOURCE_FILE, SOURCE_ROW


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Run ``write(tmp)`` on a temporary file next to ``path``, then move it into place.

    The one way exitcheck writes an output: a killed run never leaves a partial file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def _without_source(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in (SOURCE_FILE, SOURCE_ROW) if c in df.columns])


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet (no index; ``source_*`` columns dropped), atomically."""
    frame = _without_source(df)
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False, engine="pyarrow"))


#: A text cell that starts with one of these is a formula to a spreadsheet (OWASP, "CSV
#: injection"): it is written with a leading apostrophe, which Excel and WPS show as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that a spreadsheet would run as a formula prefixed by
    an apostrophe. Numbers, numeric columns and text that is a plain number ("-3") are kept;
    an already neutralised cell is not prefixed again."""
    out = df
    for col in df.columns:
        s = df[col]
        if not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)):
            continue
        text = s.where(s.map(lambda v: isinstance(v, str)), None).astype("string")
        risky = (text.str.startswith(FORMULA_STARTS) & ~text.str.fullmatch(_PLAIN_NUMBER)
                 ).fillna(False).to_numpy(bool)
        if risky.any():
            if out is df:
                out = df.copy()
            out[col] = s.where(~risky, "'" + text.astype(object))
    return out


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """Write a frame as UTF-8 CSV with a BOM (so Excel shows Chinese), atomically; text that
    a spreadsheet would run as a formula is neutralised (:func:`neutralise_formulas`)."""
    frame = neutralise_formulas(_without_source(df))
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8-sig"))


def text_cells_as_text(sheet: Any) -> None:
    """Store every openpyxl cell whose text starts with "=" as text, never as a formula."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


def _jsonable(obj: Any) -> Any:
    """Plain JSON values: NaN/inf → null, numpy scalars, dates, enums, paths, dataclasses."""
    if isinstance(obj, Mapping):
        return {str(k.value if isinstance(k, Enum) else k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        return [_jsonable(v) for v in (obj.tolist() if hasattr(obj, "tolist") else obj)]
    if is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(asdict(obj))
    if isinstance(obj, Enum):
        return _jsonable(obj.value)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (datetime, date, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(obj: Any, path: Path) -> Path:
    """Write JSON (UTF-8, Chinese kept readable, indent 2, keys in given order), atomically."""
    text = json.dumps(_jsonable(obj), ensure_ascii=False, indent=2, sort_keys=False,
                      allow_nan=False)
    return atomic_write_bytes(path, (text + "\n").encode("utf-8"))


_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_name(name: str, used: set[str]) -> str:
    base = str(name).translate(_BAD_SHEET_CHARS)[:31] or "Sheet"
    out, i = base, 1
    while out in used:
        i += 1
        out = f"{base[: 31 - len(str(i)) - 1]}~{i}"
    used.add(out)
    return out


def _excel_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = _without_source(df).copy()
    for c in out.columns:
        s = out[c]
        if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) or s.dtype == object:
            out[c] = s.astype(object).where(s.notna(), None)
    return out


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: Path, *,
               title_note: str | None = None) -> Path:
    """Write sheets to an XLSX workbook atomically.

    Header row frozen, columns sized to their content. A ``title_note`` goes to a last sheet
    named "说明" so that the first sheet stays a plain table (readable back by ``read_table``).
    """
    def write(tmp: Path) -> None:
        used: set[str] = set()
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, df in (sheets.items() or {"Sheet": pd.DataFrame()}.items()):
                frame = _excel_frame(df)
                sheet = _sheet_name(name, used)
                frame.to_excel(writer, sheet_name=sheet, index=False)
                ws = writer.sheets[sheet]
                text_cells_as_text(ws)
                ws.freeze_panes = "A2"
                for i, col in enumerate(frame.columns, start=1):
                    lengths = frame[col].astype("string").str.len()
                    width = max(len(str(col)) * 2, int(lengths.max()) if lengths.notna().any()
                                else 0) + 2
                    ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
                        width, 50)
            if title_note:
                note = pd.DataFrame({"说明 / note": title_note.splitlines() or [title_note]})
                note.to_excel(writer, sheet_name=_sheet_name("说明", used), index=False)

    return atomic_write(path, write)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
