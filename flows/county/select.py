"""Shell of ``exitcheck select-counties``: read the frame, draw, write the selection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from flows.store import files, tables
from flows.store.county_frame import national_county_frame
from registry.contract import COUNTIES
from registry.errors import ExitcheckError


def load_frame(frame: Path | None) -> pd.DataFrame:
    """The county frame: a file in the contract's format, or the shipped 832 counties."""
    if frame is None:
        return national_county_frame()
    return tables.read_table(frame, COUNTIES)


def select_counties_cli(*, year: int, rate: float | None, n: int | None, frame: Path | None,
                        seed: int, method: str, allocation: str,
                        out: Path | None) -> pd.DataFrame:
    """Draw the counties of ``year`` for a central spot-check; write them when ``out`` is set."""
    from sampling.counties import select_counties
    from sampling.settings import Allocation, CountyMethod

    counties = load_frame(frame)
    eligible = counties[pd.to_numeric(counties["exit_year"], errors="coerce") == year]
    if eligible.empty:
        raise ExitcheckError(f"No county in the frame exited in {year} / "
                             f"县域表中没有{year}年摘帽的县")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    selected = select_counties(eligible.reset_index(drop=True), rate=rate, n=n,
                               allocation=Allocation(allocation), method=CountyMethod(method),
                               rng=rng)
    if out is not None:
        cols = [c for c in selected.columns if c not in ("source_file", "source_row")]
        files.write_csv(selected[cols], out)
    return selected
