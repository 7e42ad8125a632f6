"""Small valid registry frames (two counties, a few households) for validation and loader tests.

``make_tables()`` returns fresh frames each call, so a test can break one value and check that
exactly that problem is reported. Import it from other test packages with
``from tests.registry.conftest import make_tables``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from registry.contract import TableName
from registry.idcard import make_id_numbers

YEAR = 2020
COUNTY = "520324"
OTHER_COUNTY = "130631"


def _ids(region: str, births: list[str], seqs: list[int]) -> list[str]:
    n = len(births)
    return list(make_id_numbers(np.array([region] * n), np.array(births), np.array(seqs)))


def make_tables() -> dict[str, pd.DataFrame]:
    """Valid counties, villages, households, members, field_checks and support_history."""
    counties = pd.DataFrame(
        {
            "county_code": [COUNTY, OTHER_COUNTY],
            "county_name": ["正安县", "望都县"],
            "prefecture_name": ["遵义市", "保定市"],
            "province_name": ["贵州省", "河北省"],
            "province_code": ["52", "13"],
            "region": ["west", "east"],
            "exit_year": pd.array([2019, 2016], dtype="Int64"),
            "population_10k": [65.5, 27.01],
        }
    )
    villages = pd.DataFrame(
        {
            "village_code": ["520324100001", "520324100002", "520324101001", "130631100001"],
            "village_name": ["凤仪村", "桴焉村", "安场村", "东关村"],
            "township_code": ["520324100", "520324100", "520324101", "130631100"],
            "township_name": ["凤仪镇", "凤仪镇", "安场镇", "望都镇"],
            "poor_village": [True, True, False, False],
            "remote": [True, False, False, False],
        }
    )
    hh_ids = ["H001", "H002", "H003", "H004", "H005", "H006"]
    heads_birth = ["19650304", "19801111", "19900101", "19450716", "19751230", "19700101"]
    households = pd.DataFrame(
        {
            "household_id": hh_ids,
            "village_code": [
                "520324100001", "520324100001", "520324100002", "520324101001",
                "520324101001", "130631100001",
            ],
            "head_name": ["张三", "李四", "王五", "赵六", "钱七", "孙八"],
            "head_id_number": _ids(COUNTY, heads_birth[:5], [11, 23, 35, 47, 59])
            + _ids(OTHER_COUNTY, heads_birth[5:], [71]),
            "phone": ["13812341234", None, "13900001111", None, "15000002222", None],
            "status": ["exited", "poor", "not_registered", "returned", "exited", "exited"],
            "registration_year": pd.array([2014, 2015, None, 2014, 2016, 2014], dtype="Int64"),
            "exit_year": pd.array([2018, None, None, None, 2019, 2017], dtype="Int64"),
            "household_size": [3, 1, 4, 2, 2, 1],
            "labor_count": [2, 0, 2, 0, 1, 1],
            "poverty_cause": ["illness", "disability", None, "education", "skills", "land"],
            "income_per_capita": [5200.0, 3900.5, 12000.0, 3100.0, 6000.0, 7000.0],
            "income_wage": [12000.0, 0.0, 40000.0, 1000.0, 9000.0, 5000.0],
            "income_business": [2600.0, 500.0, 8000.0, -200.0, 2000.0, 1000.0],
            "income_property": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            "income_transfer": [1000.0, 3400.5, 0.0, 5400.0, 1000.0, 1000.0],
            "dibao": [False, True, False, True, False, False],
            "tekun": [False, True, False, False, False, False],
            "relocated": [True, False, False, False, False, False],
            "dilapidated_house": [False, False, False, True, False, False],
            "serious_illness": [True, False, False, False, False, False],
            "elderly_alone": [False, False, False, False, False, True],
        }
    )
    members = pd.DataFrame(
        [
            ("H001", 1, "head", "M", 1965, 0, True, "not_school_age", "resident"),
            ("H001", 2, "spouse", "F", 1967, 0, False, "not_school_age", "resident"),
            ("H001", 3, "child", "F", 2008, 0, False, "enrolled", "resident"),
            ("H002", 1, "head", "M", 1980, 2, False, "not_school_age", "resident"),
            ("H003", 1, "head", "M", 1990, 0, False, "not_school_age", "employee"),
            ("H003", 2, "spouse", "F", 1991, 0, False, "not_school_age", "resident"),
            ("H003", 3, "child", "M", 2012, 0, False, "home_teaching", "resident"),
            ("H003", 4, "child", "F", 2018, 0, False, "not_school_age", "resident"),
            ("H004", 1, "head", "F", 1945, 0, True, "not_school_age", "resident"),
            ("H004", 2, "grandchild", "M", 2005, 3, False, "exempt_physical", "resident"),
            ("H005", 1, "head", "M", 1975, 0, False, "not_school_age", "resident"),
            ("H005", 2, "child", "M", 2000, 0, False, "enrolled", "other"),
            ("H006", 1, "head", "M", 1970, 0, False, "not_school_age", "resident"),
        ],
        columns=[
            "household_id", "member_no", "relation", "sex", "birth_year", "disability_grade",
            "chronic_illness", "school_status", "medical_insurance",
        ],
    )
    field_checks = pd.DataFrame(
        {
            "household_id": ["H001", "H002", "H005"],
            "visit_date": pd.to_datetime(["2020-05-01", "2020-05-02", "2020-05-02"]).astype(
                "datetime64[us]"
            ),
            "enumerator_id": ["E01", "E01", "E02"],
            "supervisor_approved": [True, False, True],
            "outcome": ["completed", "completed", "not_home"],
            "food_stable": pd.array([True, True, None], dtype="boolean"),
            "protein_regular": pd.array([True, False, None], dtype="boolean"),
            "clothing_ok": pd.array([True, True, None], dtype="boolean"),
            "school_age_children": pd.array([1, 0, None], dtype="Int64"),
            "children_out_of_school": pd.array([0, 0, None], dtype="Int64"),
            "uninsured_members": pd.array([0, 0, None], dtype="Int64"),
            "housing_safety": ["relocated", "appraised_safe", None],
            "water_piped": pd.array([True, False, None], dtype="boolean"),
            "water_fetch_minutes": [np.nan, 15.0, np.nan],
            "water_quality_ok": pd.array([True, True, None], dtype="boolean"),
            "water_quantity_ok": pd.array([True, True, None], dtype="boolean"),
            "water_cut_days": pd.array([0, 10, None], dtype="Int64"),
            "verified_income_per_capita": [5100.0, 3800.0, np.nan],
            "income_not_countable": [100.0, 0.0, np.nan],
            "recognition": ["yes", "unsure", None],
            "notes": [None, "低保户", None],
        }
    )
    support = pd.DataFrame(
        {
            "household_id": ["H001", "H001", "H005"],
            "year": [2016, 2017, 2018],
            "amount": [3000.0, 1500.0, 800.0],
        }
    )
    return {
        TableName.COUNTIES: counties,
        TableName.VILLAGES: villages,
        TableName.HOUSEHOLDS: households,
        TableName.MEMBERS: members,
        TableName.FIELD_CHECKS: field_checks,
        "support_history": support,
    }


def county_tables(county: str = COUNTY) -> dict[str, pd.DataFrame]:
    """``make_tables()`` restricted to one county, without the county frame."""
    t = make_tables()
    villages = t[TableName.VILLAGES]
    villages = villages[villages["village_code"].str.startswith(county)]
    hh = t[TableName.HOUSEHOLDS]
    hh = hh[hh["village_code"].str.startswith(county)]
    ids = set(hh["household_id"])
    out: dict[str, pd.DataFrame] = {
        TableName.VILLAGES: villages.reset_index(drop=True),
        TableName.HOUSEHOLDS: hh.reset_index(drop=True),
    }
    for name in (TableName.MEMBERS, TableName.FIELD_CHECKS, "support_history"):
        f = t[name]
        out[name] = f[f["household_id"].isin(ids)].reset_index(drop=True)
    return out


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a CSV loader sees it: every cell a string, missing cells empty."""
    out = frame.copy()
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            s = s.dt.strftime("%Y-%m-%d")
        out[c] = s.astype("string").fillna("").astype("str")
    return out


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return make_tables()


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as a campaign file, every cell as text (so bad values survive)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = as_text(frame)
    if path.suffix == ".csv":
        text.to_csv(path, index=False, encoding="utf-8")
    elif path.suffix == ".parquet":
        text.to_parquet(path, index=False)
    else:
        text.to_excel(path, index=False)
    return path


def write_campaign(tables: dict[str, pd.DataFrame], data_dir: Path, ext: str = ".csv",
                   folder: bool = False) -> Path:
    """Write tables as ``DIR/<table><ext>`` or, with ``folder``, ``DIR/<table>/<county><ext>``
    (counties always as one file)."""
    for name, frame in tables.items():
        table = str(name)
        if not folder or table == "counties":
            write_frame(frame, data_dir / f"{table}{ext}")
            continue
        if "village_code" in frame.columns:
            county = frame["village_code"].astype(str).str.slice(0, 6)
        else:
            hh = tables[TableName.HOUSEHOLDS]
            lookup = dict(zip(hh["household_id"], hh["village_code"].str.slice(0, 6),
                              strict=True))
            county = frame["household_id"].map(lookup).fillna(COUNTY)
        for code, part in frame.groupby(county):
            write_frame(part, data_dir / table / f"{code}{ext}")
    return data_dir
