"""The shipped county frame, typed by registry.counties."""

from __future__ import annotations

import pandas as pd

from registry.contract import COUNTIES
from registry.counties import county_frame, county_table
from tests.registry.county_frame import load_county_frame


def test_county_frame_is_the_832_counties_with_string_codes() -> None:
    frame = load_county_frame()
    assert len(frame) == 832
    assert frame["county_code"].str.fullmatch(r"\d{6}").all()
    assert (frame["province_code"] == frame["county_code"].str[:2]).all()
    assert list(county_table(frame).columns) == COUNTIES.names


def test_county_frame_types_codes_and_exit_year() -> None:
    raw = pd.DataFrame({"county_code": [520324], "province_code": [52], "exit_year": [2019.0]})
    frame = county_frame(raw)
    assert frame["county_code"].tolist() == ["520324"] and frame["province_code"].tolist() == ["52"]
    assert str(frame["exit_year"].dtype) == "Int64"
    assert raw["county_code"].dtype != object  # the input is not modified
