"""String columns built through Arrow, without a Python object per row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

STR = pd.StringDtype("pyarrow", na_value=np.nan)


def decode(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pd.Series:
    """Strings from integer codes (negative = missing)."""
    idx = pa.array(codes.astype(np.int32), mask=codes < 0)
    arr = pa.DictionaryArray.from_arrays(idx, pa.array(list(categories), pa.string()))
    return pd.Series(arr.dictionary_decode(), dtype=STR)


def strings(values: np.ndarray, take: np.ndarray | None = None) -> pd.Series:
    """A string column from a NumPy unicode array, optionally repeated by ``take`` indices."""
    arr = pa.array(values, pa.string())
    if take is not None:
        arr = arr.take(pa.array(take))
    return pd.Series(arr, dtype=STR)
