"""The county frame: the 832 national poverty counties shipped as package data, typed.

Reading the file is the shell's job (``registry/data/counties_832.csv``, UTF-8 with a BOM,
codes read as text); this module only types the frame it is given and cuts the contract's
county table out of it.
"""

from __future__ import annotations

import pandas as pd

from registry.contract import COUNTIES

#: Where the shipped frame lies: ``importlib.resources.files(PACKAGE) / PATH``.
COUNTY_FRAME_PACKAGE = "registry"
COUNTY_FRAME_PATH = "data/counties_832.csv"
#: The options the shell reads the CSV with (pandas' CSV reader): codes stay strings.
COUNTY_FRAME_READ: dict[str, object] = {
    "dtype": {"county_code": str, "province_code": str},
    "encoding": "utf-8-sig",
}


def county_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The county frame as read from the CSV, with codes as strings and ``exit_year`` Int64."""
    frame = raw.copy()
    for code in ("county_code", "province_code"):
        frame[code] = frame[code].astype(str)
    frame["exit_year"] = frame["exit_year"].astype("Int64")
    return frame


def county_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The contract columns of a county frame, in contract order."""
    return frame.loc[:, COUNTIES.names].reset_index(drop=True)
