"""Quarantined rows: per-county parts, merged into WS/quarantine/<table>.csv.
"""

from __future__ import annotations

import pandas as pd

from flows.store.files import write_csv
from flows.store.workspace import Workspace
from registry.contract import TableName


def write_quarantine(ws: Workspace, county: str, quarantine: pd.DataFrame | None,
                tables: tuple[TableName, ...]) -> None:
    """Write this county's quarantined rows of ``tables`` as parts (merged into
    WS/quarantine/<table>.csv), replacing the parts an earlier run wrote for those tables."""
    for table in tables:
        ws.quarantine_part(county, table.value).unlink(missing_ok=True)
    if quarantine is None or quarantine.empty:
        return
    for table, rows in quarantine.groupby("table", sort=True):
        write_csv(rows.reset_index(drop=True), ws.quarantine_part(county, str(table)))

def merge_quarantine(ws: Workspace) -> dict[str, int]:
    """Concatenate the per-county quarantine parts into WS/quarantine/<table>.csv."""
    parts = sorted(ws.quarantine_dir().joinpath("parts").glob("*.csv"))
    by_table: dict[str, list[pd.DataFrame]] = {}
    for p in parts:
        table = p.stem.split("-", 1)[1]
        by_table.setdefault(table, []).append(pd.read_csv(p, dtype=str, encoding="utf-8-sig"))
    counts = {}
    for table, frames in by_table.items():
        df = pd.concat(frames, ignore_index=True)
        write_csv(df, ws.quarantine_dir() / f"{table}.csv")
        counts[table] = len(df)
    return counts
