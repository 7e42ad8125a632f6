"""The shipped county frame, read as the shell reads it (tests may read files, the core not)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from registry.counties import (
    COUNTY_FRAME_PACKAGE,
    COUNTY_FRAME_PATH,
    COUNTY_FRAME_READ,
    county_frame,
)


def load_county_frame() -> pd.DataFrame:
    """The 832 national poverty counties (codes as strings)."""
    ref = resources.files(COUNTY_FRAME_PACKAGE).joinpath(COUNTY_FRAME_PATH)
    with ref.open("rb") as fh:
        return county_frame(pd.read_csv(fh, **COUNTY_FRAME_READ))  # type: ignore[arg-type]
