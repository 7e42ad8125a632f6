"""Write a county's integrity signals: ``WS/signals/<county>.json`` and the confidential
revisit list ``WS/signals/<county>-revisits.xlsx``, each atomically (temp file + os.replace)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from assessment.signals import CountySignals
from flows.store.files import atomic_write, text_cells_as_text, write_json

CONFIDENTIAL = (
    "机密 CONFIDENTIAL — 暗访名单，仅限入户调查员使用，不得外传 / "
    "Unannounced revisit list: for enumerators only, do not circulate"
)
REVISIT_HEADERS = (
    ("rank", "排序 Rank"),
    ("household_id", "户编号 Household ID"),
    ("village_code", "村代码 Village"),
    ("head_name", "户主姓名 Head"),
    ("head_id_number", "户主证件号码 ID number"),
    ("phone", "联系电话 Phone"),
    ("reasons_zh", "列入原因 Reasons"),
)


def revisit_rows(signals: CountySignals, households: pd.DataFrame) -> pd.DataFrame:
    """The revisit list joined to the registry's personal data (for the field list only)."""
    rev = signals.revisits
    cols = ["household_id", *(c for c in ("head_name", "head_id_number", "phone")
                              if c in households.columns)]
    # Only the listed households (≤ revisit_top_n), not the whole registry, are deduplicated.
    listed = households["household_id"].astype(str).isin(rev["household_id"]).to_numpy(bool)
    pii = (households.loc[listed, cols].astype({"household_id": str})
           .drop_duplicates("household_id"))
    out = rev.merge(pii, on="household_id", how="left")
    for c in ("head_name", "head_id_number", "phone"):
        if c not in out.columns:
            out[c] = ""
    return out[[c for c, _ in REVISIT_HEADERS]].sort_values("rank")


def write_revisits_xlsx(path: Path, rows: pd.DataFrame, county_code: str) -> Path:
    """The confidential revisit field list: a 机密/CONFIDENTIAL banner row, headers, rows."""

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = f"{county_code} 暗访"
        ws.append([CONFIDENTIAL])
        ws["A1"].font = Font(bold=True, color="FFFFFF")
        ws["A1"].fill = PatternFill("solid", fgColor="C00000")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(REVISIT_HEADERS))
        ws.append([h for _, h in REVISIT_HEADERS])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for rec in rows.itertuples(index=False):
            ws.append(["" if pd.isna(v) else (int(v) if i == 0 else str(v))
                       for i, v in enumerate(rec)])
        for col, width in zip("ABCDEFG", (6, 20, 15, 10, 21, 14, 90), strict=True):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = "A3"
        text_cells_as_text(ws)
        wb.save(tmp)

    return atomic_write(path, write)


def write_signals(
    workspace: Path | str, county_code: str, signals: CountySignals, households: pd.DataFrame,
) -> tuple[Path, Path]:
    """Write WS/signals/<county>.json and WS/signals/<county>-revisits.xlsx; return both paths."""
    folder = Path(workspace) / "signals"
    doc = write_json(signals.to_json(), folder / f"{county_code}.json")
    xlsx = write_revisits_xlsx(folder / f"{county_code}-revisits.xlsx",
                               revisit_rows(signals, households), county_code)
    return doc, xlsx
