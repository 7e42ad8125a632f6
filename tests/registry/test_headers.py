"""Header normalisation, code checks and value parsing."""

import numpy as np
import pandas as pd
import pytest

from registry.contract import TABLES, TableName
from registry.headers import check_codes, coerce_table, finalise_dtypes, normalise_headers
from registry.validation import FileLevelError, with_source
from tests.registry.conftest import as_text, make_tables

VILLAGES = TABLES[TableName.VILLAGES]
HOUSEHOLDS = TABLES[TableName.HOUSEHOLDS]
FIELD = TABLES[TableName.FIELD_CHECKS]


def _villages() -> pd.DataFrame:
    return with_source(as_text(make_tables()[TableName.VILLAGES]), "villages")


def test_chinese_headers_bom_and_spaces_map_to_english() -> None:
    v = _villages()
    zh = {c.name: c.zh for c in VILLAGES.columns}
    v.columns = [("\ufeff" + zh[c] if c == "village_code" else f" {zh[c]}\u3000") if c in zh
                 else c for c in v.columns]
    v["extra_note"] = "x"
    out = normalise_headers(v, VILLAGES)
    assert list(out.columns[:6]) == VILLAGES.names
    assert "extra_note" in out.columns
    assert out["village_code"].iloc[0] == "520324100001"


def test_missing_required_column_is_file_level() -> None:
    v = _villages().drop(columns="remote")
    with pytest.raises(FileLevelError) as info:
        normalise_headers(v, VILLAGES, file="villages.csv")
    err = info.value
    assert (err.rule, err.column, err.file) == ("missing_column", "remote", "villages.csv")
    assert "是否偏远" in err.message_zh and "villages.csv" in err.message_en


def test_missing_nullable_column_is_added_empty() -> None:
    f = with_source(as_text(make_tables()[TableName.FIELD_CHECKS]), "field_checks")
    out = normalise_headers(f.drop(columns="notes"), FIELD)
    assert out["notes"].isna().all()


def test_duplicate_header_is_file_level() -> None:
    v = _villages()
    v["村代码"] = v["village_code"]
    with pytest.raises(FileLevelError) as info:
        normalise_headers(v, VILLAGES)
    assert info.value.rule == "duplicate_column"


@pytest.mark.parametrize("value", ["520324.0", "5.20324E+11"])
def test_code_stored_as_number_text(value: str) -> None:
    v = _villages()
    v.loc[2, "village_code"] = value
    with pytest.raises(FileLevelError) as info:
        check_codes(v, VILLAGES, file="villages.csv")
    err = info.value
    assert (err.rule, err.column, err.row) == ("code_as_number", "village_code", 4)
    assert "re-export the column as text" in err.message_en.lower()
    assert "第4行" in err.message_zh


def test_numeric_code_column_is_file_level() -> None:
    v = _villages()
    v["village_code"] = v["village_code"].astype(np.int64)
    with pytest.raises(FileLevelError) as info:
        check_codes(v, VILLAGES)
    assert info.value.rule == "code_as_number"


def test_code_that_lost_digits_is_file_level() -> None:
    v = _villages()
    v.loc[1, "township_code"] = "52032410"
    with pytest.raises(FileLevelError) as info:
        check_codes(v, VILLAGES, file="villages.csv")
    assert (info.value.rule, info.value.column, info.value.row) == (
        "code_format", "township_code", 3)


def test_bool_spellings() -> None:
    v = _villages()
    v["poor_village"] = ["是", "N", "yes", "0"]
    v["remote"] = ["TRUE", "否", "1", "f"]
    typed, problems = coerce_table(v, VILLAGES)
    assert problems.empty
    out = finalise_dtypes(typed, VILLAGES)
    assert out["poor_village"].tolist() == [True, False, True, False]
    assert out["remote"].tolist() == [True, False, True, False]
    assert out["poor_village"].dtype == bool


def test_unparseable_values_become_row_problems() -> None:
    h = with_source(as_text(make_tables()[TableName.HOUSEHOLDS]), "households")
    h.loc[0, "household_size"] = "3.5"
    h.loc[1, "income_wage"] = "lots"
    h.loc[2, "dibao"] = "maybe"
    h.loc[3, "status"] = "EXITED"  # case-insensitive: fine
    h.loc[4, "head_name"] = " "
    typed, problems = coerce_table(h, HOUSEHOLDS)
    got = set(zip(problems["row"], problems["column"], problems["rule"], strict=True))
    assert got == {(2, "household_size", "bad_int"), (3, "income_wage", "bad_float"),
                   (4, "dibao", "bad_bool"), (6, "head_name", "missing_value")}
    assert typed["status"].iloc[3] == "exited"
    assert "“lots”不是数字" in problems.loc[problems["rule"] == "bad_float", "message_zh"].iloc[0]


def test_dates_in_common_spellings() -> None:
    f = with_source(as_text(make_tables()[TableName.FIELD_CHECKS]), "field_checks")
    f["visit_date"] = ["2020/5/1", "2020年5月2日", "2020-05-03 00:00:00"]
    typed, problems = coerce_table(f, FIELD)
    assert problems.empty
    assert typed["visit_date"].dt.day.tolist() == [1, 2, 3]


def test_none_is_a_code_not_a_missing_value() -> None:
    m = with_source(as_text(make_tables()[TableName.MEMBERS]), "members")
    m.loc[0, "medical_insurance"] = "none"
    m.loc[1, "medical_insurance"] = "None"
    m.loc[2, "medical_insurance"] = ""
    typed, problems = coerce_table(m, TABLES[TableName.MEMBERS])
    assert typed["medical_insurance"].iloc[:2].tolist() == ["none", "none"]
    assert problems[["row", "rule"]].values.tolist() == [[4, "missing_value"]]


def test_category_and_bool_spellings_are_normalised_per_distinct_value() -> None:
    m = with_source(as_text(make_tables()[TableName.MEMBERS]), "members")
    n = len(m)
    m["relation"] = (([" Head ", "SPOUSE", "child", "n/a"] * n)[:n])
    m["chronic_illness"] = ((["Yes", " nan ", "否", "maybe"] * n)[:n])
    typed, problems = coerce_table(m, TABLES[TableName.MEMBERS])
    want = (["head", "spouse", "child", None] * n)[:n]
    assert [None if pd.isna(v) else v for v in typed["relation"]] == want
    assert typed["relation"].dtype == "str"
    assert typed["chronic_illness"].tolist()[:4] == [True, pd.NA, False, pd.NA][:min(n, 4)]
    got = set(zip(problems["row"], problems["column"], problems["rule"], strict=True))
    for i in range(n):
        if i % 4 == 3:
            assert (i + 2, "relation", "missing_value") in got
            assert (i + 2, "chronic_illness", "bad_bool") in got
        if i % 4 == 1:
            assert (i + 2, "chronic_illness", "missing_value") in got


def test_typed_input_keeps_its_values() -> None:
    h = with_source(make_tables()[TableName.HOUSEHOLDS], "households")
    typed, problems = coerce_table(h, HOUSEHOLDS)
    text, _ = coerce_table(with_source(as_text(make_tables()[TableName.HOUSEHOLDS]),
                                       "households"), HOUSEHOLDS)
    assert problems.empty
    pd.testing.assert_frame_equal(finalise_dtypes(typed, HOUSEHOLDS).drop(columns="source_file"),
                                  finalise_dtypes(text, HOUSEHOLDS).drop(columns="source_file"))


def test_code_check_finds_the_first_bad_row_among_digit_codes() -> None:
    v = _villages()
    v.loc[3, "village_code"] = "52032410000X"
    v.loc[2, "village_code"] = "5.20324E+11"
    with pytest.raises(FileLevelError) as info:
        check_codes(v, VILLAGES)
    assert (info.value.rule, info.value.row) == ("code_as_number", 4)
