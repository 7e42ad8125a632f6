"""``validate_campaign``: county by county, quarantine files, usability."""

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from flows.county.validate import render_summary, validate_campaign
from tests.registry.conftest import COUNTY, OTHER_COUNTY, YEAR, as_text, make_tables
from tests.registry.conftest import write_campaign as write


def _text() -> dict[str, pd.DataFrame]:
    return {str(k): as_text(v) for k, v in make_tables().items()}


def test_clean_campaign_is_usable(tmp_path: Path) -> None:
    data = write(_text(), tmp_path / "data", ".parquet", folder=True)
    s = validate_campaign(data, tmp_path / "ws", year=YEAR)
    assert s.usable and not s.file_errors
    assert s.tables["households"].rows_read == 6
    assert set(s.counties) == {"*", COUNTY, OTHER_COUNTY}
    q = pd.read_csv(tmp_path / "ws" / "quarantine" / "members.csv", encoding="utf-8-sig")
    assert q.empty and "message_zh" in q.columns


def test_bad_rows_are_quarantined_across_counties(tmp_path: Path) -> None:
    t = _text()
    t["members"].loc[0, "disability_grade"] = "9"   # H001, county 520324
    t["members"].loc[12, "sex"] = "?"               # H006, county 130631
    data = write(t, tmp_path / "data", ".csv")
    s = validate_campaign(data, tmp_path / "ws", year=YEAR, max_quarantine_share=0.7)
    q = pd.read_csv(tmp_path / "ws" / "quarantine" / "members.csv", encoding="utf-8-sig",
                    dtype=str)
    found = set(zip(q["row"], q["column"], q["rule"], strict=True))
    assert {("2", "disability_grade", "disability_grade"),
            ("14", "sex", "unknown_category")} <= found
    assert s.tables["members"].rows_quarantined == 4  # H001's 3 members and H006's 1
    assert s.counties[OTHER_COUNTY]["households"].rows_quarantined == 1
    assert s.usable  # worst: support history, 2 of 3 rows (H001), under the 70 % limit
    strict = validate_campaign(data, tmp_path / "ws2", year=YEAR)
    assert not strict.usable and "members" in strict.over_limit


def test_refused_file_in_one_county_does_not_stop_the_others(tmp_path: Path) -> None:
    t = _text()
    data = write(t, tmp_path / "data", ".csv", folder=True)
    bad = data / "households" / f"{OTHER_COUNTY}.csv"
    frame = pd.read_csv(bad, dtype=str)
    frame["village_code"] = frame["village_code"] + ".0"
    frame.to_csv(bad, index=False)
    s = validate_campaign(data, tmp_path / "ws", year=YEAR)
    assert not s.usable
    (err,) = s.file_errors
    assert (err.county, err.rule, err.file) == (OTHER_COUNTY, "code_as_number",
                                                f"households/{OTHER_COUNTY}.csv")
    assert s.counties[COUNTY]["households"].rows_read == 5


def test_render_summary(tmp_path: Path) -> None:
    t = _text()
    t["households"].loc[0, "dibao"] = "?"
    data = write(t, tmp_path / "data", ".csv")
    s = validate_campaign(data, tmp_path / "ws", year=YEAR)
    table = render_summary(s)
    assert isinstance(table, Table)
    console = Console(record=True, width=300)
    console.print(table)
    text = console.export_text()
    assert "NOT usable" in text and "households" in text and "over limit" in text
