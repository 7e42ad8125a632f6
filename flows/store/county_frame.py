"""The shipped frame of the 832 national poverty counties (``registry/data/counties_832.csv``)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from registry.counties import (
    COUNTY_FRAME_PACKAGE,
    COUNTY_FRAME_PATH,
    COUNTY_FRAME_READ,
    county_frame,
)


@cache
def _frame() -> pd.DataFrame:
    with resources.files(COUNTY_FRAME_PACKAGE).joinpath(COUNTY_FRAME_PATH).open("rb") as fh:
        return county_frame(pd.read_csv(fh, **COUNTY_FRAME_READ))


def national_county_frame() -> pd.DataFrame:
    """The 832 national poverty counties, codes as strings (a fresh copy on every call)."""
    return _frame().copy()
