"""Writing WS/signals/<county>.json and the confidential revisit list."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

from assessment.signals import county_signals
from flows.store.revisits import write_signals
from tests.assessment.test_signals import COUNTY, LINE, make_registry


def test_write_signals(tmp_path: Path) -> None:
    h = make_registry(np.random.default_rng(4), n_villages=15)
    h["head_name"] = [f"王{i}" for i in range(len(h))]
    sig = county_signals(h, year=2019, income_line=LINE, rng_seed=2)
    doc, xlsx = write_signals(tmp_path, COUNTY, sig, h)
    assert doc == tmp_path / "signals" / f"{COUNTY}.json"
    assert xlsx == tmp_path / "signals" / f"{COUNTY}-revisits.xlsx"
    assert sorted(p.name for p in (tmp_path / "signals").iterdir()) == sorted(
        [doc.name, xlsx.name])  # no temp files left behind

    data = json.loads(doc.read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(sig.to_json()))
    text = doc.read_text(encoding="utf-8")
    assert "王1" not in text and "13812341234" not in text

    ws = load_workbook(xlsx).active
    rows = list(ws.iter_rows(values_only=True))
    assert "机密" in rows[0][0] and "CONFIDENTIAL" in rows[0][0]
    assert rows[1][0].startswith("排序") and "证件" in rows[1][4]
    body = rows[2:]
    assert len(body) == len(sig.revisits) == 50
    first = sig.revisits.iloc[0]
    assert body[0][0] == 1 and body[0][1] == first["household_id"]
    assert body[0][3] == h.set_index("household_id").loc[first["household_id"], "head_name"]
    assert body[0][5] == "13812341234" and body[0][6] == first["reasons_zh"]


def test_rewrite_replaces_atomically(tmp_path: Path) -> None:
    h = make_registry(np.random.default_rng(5), n_villages=8)
    a = county_signals(h, year=2019, income_line=LINE, rng_seed=1)
    write_signals(tmp_path, COUNTY, a, h)
    b = county_signals(h, year=2019, income_line=LINE, rng_seed=99)
    doc, _ = write_signals(tmp_path, COUNTY, b, h)
    assert json.loads(doc.read_text(encoding="utf-8"))["revisits"] == b.to_json()["revisits"]
    assert len(list((tmp_path / "signals").iterdir())) == 2
