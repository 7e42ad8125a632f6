import numpy as np
import pandas as pd
from openpyxl import load_workbook

from flows.store.fieldwork import CONFIDENTIAL, HEADERS, README_SHEET, sheet_names, write_fieldwork
from sampling.design import draw_county_sample
from sampling.settings import SamplingSettings
from sampling.streams import county_rng
from tests.sampling._frames import make_county


def test_sheet_names_are_safe_unique_and_short():
    v = pd.DataFrame({
        "village_code": ["130631100001", "130631100002", "130631100003", "130631100004"],
        "village_name": ["新村", "新村", "很长的村名" * 10, "a/b:c*?[d]"],
    })
    names = sheet_names(v)
    assert len(set(n.casefold() for n in names.values())) == 4
    assert all(len(n) <= 31 for n in names.values())
    assert names["130631100001"] == "新村" and names["130631100002"] == "新村(002)"
    assert not any(ch in names["130631100004"] for ch in "[]:*?/\\")
    assert README_SHEET not in names.values()


def test_write_fieldwork(tmp_path):
    v, h = make_county(n_villages=8, households_per_village=30, seed=3)
    v.loc[1, "village_name"] = v.loc[0, "village_name"]  # duplicate names happen
    s = draw_county_sample(v, h, SamplingSettings(), county_rng(5, "130631"), seed=5,
                           county_code="130631")
    out = tmp_path / "fieldwork" / "130631.xlsx"
    write_fieldwork(out, s, h, v)
    assert out.exists()
    assert [p.name for p in out.parent.iterdir()] == ["130631.xlsx"]  # no temp file left

    wb = load_workbook(out)
    assert wb.sheetnames[0] == README_SHEET
    assert len(wb.sheetnames) == 1 + s["village_code"].nunique()
    first_code = s["village_code"].iloc[0]
    ws = wb[wb.sheetnames[1]]
    assert ws["A1"].value == CONFIDENTIAL
    assert ws.freeze_panes == "A4"
    assert tuple(c.value for c in ws[3]) == HEADERS
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    mine = s[s["village_code"] == first_code]
    assert len(rows) == len(mine)
    roles = [r[1] for r in rows]
    n_main = int((mine["role"] == "main").sum())
    assert roles == ["主样本"] * n_main + ["备用"] * (len(mine) - n_main)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    # Reserves are listed in rank order within each stratum.
    res = pd.DataFrame(rows[n_main:], columns=HEADERS)
    for _, g in res.groupby("样本层", sort=False):
        assert g["备用顺序"].tolist() == list(range(1, len(g) + 1))
    # Personal data is filled in from the household table.
    names = dict(zip(h["household_id"], h["head_name"], strict=True))
    assert all(names[r[3]] == r[4] for r in rows)
    assert {r[3] for r in rows} == set(mine["household_id"])
    assert all(isinstance(r[5], str) and np.char.str_len(r[5]) > 0 for r in rows)


def test_text_that_looks_like_a_formula_or_link_stays_text(tmp_path):
    """A name typed as '=...' or a URL must not become an Excel formula or hyperlink."""
    v, h = make_county(n_villages=3, households_per_village=20, seed=4)
    s = draw_county_sample(v, h, SamplingSettings(), county_rng(5, "130631"), seed=5,
                           county_code="130631")
    h = h.copy()
    drawn = h["household_id"].isin(s["household_id"]).to_numpy()
    first, second = h.index[drawn][:2]
    h.loc[first, "head_name"] = '=HYPERLINK("http://x","y")'
    h.loc[second, "head_name"] = "http://example.com"
    out = write_fieldwork(tmp_path / "f.xlsx", s, h, v)
    wb = load_workbook(out)
    cells = {r[3].value: r[4] for name in wb.sheetnames[1:]
             for r in wb[name].iter_rows(min_row=4)}
    formula = cells[h.loc[first, "household_id"]]
    assert formula.value == '=HYPERLINK("http://x","y")' and formula.data_type == "s"
    link = cells[h.loc[second, "household_id"]]
    assert link.value == "http://example.com" and link.hyperlink is None
    ids = [r[3] for name in wb.sheetnames[1:] for r in wb[name].iter_rows(min_row=4)]
    assert {c.number_format for c in ids} == {"@"}  # ids stay text
