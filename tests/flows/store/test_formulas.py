"""Formula injection: every spreadsheet and CSV the tool writes stores a cell that starts with
=, +, - or @ as text, never as a formula; negative numbers stay numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from flows.store.fieldwork import write_fieldwork
from flows.store.files import neutralise_formulas, write_csv, write_xlsx
from flows.store.quarantine import merge_quarantine, write_quarantine
from flows.store.revisits import write_signals
from flows.store.workspace import Workspace
from registry.contract import TableName
from sampling.design import draw_county_sample
from sampling.settings import SamplingSettings
from sampling.streams import county_rng
from tests.sampling._frames import make_county

ATTACKS = ('=HYPERLINK("http://example.invalid","x")', "+1+2", "-2+3", "@SUM(A1)",
           "=1+1")


def _formula_cells(path: Path) -> list[str]:
    wb = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def test_neutralise_formulas_prefixes_text_and_keeps_numbers() -> None:
    df = pd.DataFrame({"name": [*ATTACKS, "王五", "-3", "'=x", None],
                       "n": [-1, 2, -3, 4, 5, 6, -7, 8, 9]})
    out = neutralise_formulas(df)
    assert out["name"].tolist()[:5] == ["'" + a for a in ATTACKS]
    assert out["name"].tolist()[5:8] == ["王五", "-3", "'=x"]  # plain number and done: kept
    assert pd.isna(out["name"].iloc[8])
    assert out["n"].tolist() == df["n"].tolist()
    assert df["name"].iloc[0] == ATTACKS[0]  # the caller's frame is not changed


def test_write_csv_stores_formulas_as_text(tmp_path: Path) -> None:
    path = write_csv(pd.DataFrame({"head_name": list(ATTACKS), "income": [-5.5] * 5}),
                     tmp_path / "x.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={"head_name": str})
    assert all(v.startswith("'") for v in back["head_name"])
    assert back["income"].tolist() == [-5.5] * 5


def test_quarantine_csv_keeps_the_raw_value_as_text_once(tmp_path: Path) -> None:
    ws = Workspace.at(tmp_path)
    q = pd.DataFrame({"table": ["households"], "head_name": ["=cmd|'/c calc'!A0"],
                      "rule": ["bad"]})
    write_quarantine(ws, "520324", q, (TableName.HOUSEHOLDS,))
    merge_quarantine(ws)
    merge_quarantine(ws)  # merging again never doubles the apostrophe
    back = pd.read_csv(ws.quarantine_dir() / "households.csv", dtype=str, encoding="utf-8-sig")
    assert back["head_name"].tolist() == ["'=cmd|'/c calc'!A0"]


def test_write_xlsx_stores_formulas_as_text(tmp_path: Path) -> None:
    path = write_xlsx({"s": pd.DataFrame({"a": list(ATTACKS), "n": [-1, -2, -3, -4, -5]})},
                      tmp_path / "x.xlsx")
    assert _formula_cells(path) == []
    ws = load_workbook(path)["s"]
    assert ws["A2"].value == ATTACKS[0] and ws["B2"].value == -1


def test_fieldwork_list_stores_formulas_as_text(tmp_path: Path) -> None:
    v, h = make_county(n_villages=4, households_per_village=20, seed=3)
    h["head_name"] = np.resize(np.array(ATTACKS, dtype=object), len(h))
    s = draw_county_sample(v, h, SamplingSettings(), county_rng(5, "130631"), seed=5,
                           county_code="130631")
    path = write_fieldwork(tmp_path / "f.xlsx", s, h, v)
    assert _formula_cells(path) == []


@pytest.mark.parametrize("attack", ATTACKS)
def test_revisit_list_stores_formulas_as_text(tmp_path: Path, attack: str) -> None:
    from assessment.signals import county_signals
    from tests.assessment.test_signals import COUNTY, LINE, make_registry

    h = make_registry(np.random.default_rng(4), n_villages=15)
    h["head_name"] = attack
    sig = county_signals(h, year=2019, income_line=LINE, rng_seed=2)
    _, xlsx = write_signals(tmp_path, COUNTY, sig, h)
    assert _formula_cells(xlsx) == []
    values = [c.value for row in load_workbook(xlsx).active.iter_rows(min_row=3) for c in row]
    assert attack in values
