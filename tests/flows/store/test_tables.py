"""Loaders and atomic writers."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.store import files, tables
from registry.contract import TABLES, TableName
from registry.validation import FileLevelError, validate_county
from tests.registry.conftest import COUNTY, OTHER_COUNTY, YEAR, as_text, make_tables

HH = TABLES[TableName.HOUSEHOLDS]


def _clean() -> dict[TableName, pd.DataFrame]:
    return validate_county(make_tables(), year=YEAR, check_schemas=False).clean


def _strip(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["source_file", "source_row"]).reset_index(drop=True)


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".xlsx"])
def test_round_trip_gives_identical_frames(tmp_path: Path, ext: str) -> None:
    for table, frame in _clean().items():
        path = tmp_path / f"{table}{ext}"
        if ext == ".csv":
            files.write_csv(frame, path)
        elif ext == ".parquet":
            files.write_parquet(frame, path)
        else:
            files.write_xlsx({str(table): frame}, path, title_note="测试 note")
        back = tables.read_table(path, table, typed=True)
        pd.testing.assert_frame_equal(_strip(back), _strip(frame), check_dtype=True)
        assert back["source_row"].tolist() == list(range(2, len(frame) + 2))
        assert (back["source_file"] == path.name).all()


def test_bom_csv_with_chinese_headers_loads(tmp_path: Path) -> None:
    hh = as_text(make_tables()[TableName.HOUSEHOLDS])
    hh.columns = [HH.column(c).zh for c in hh.columns]
    path = tmp_path / "households.csv"
    path.write_bytes(hh.to_csv(index=False).encode("utf-8-sig"))
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    out = tables.read_table(path, HH, typed=True)
    assert list(out.columns[:len(HH.names)]) == HH.names
    assert out["village_code"].iloc[0] == "520324100001"
    assert out["household_size"].dtype == np.int64


def test_float_code_gives_clean_file_level_error(tmp_path: Path) -> None:
    counties = as_text(make_tables()[TableName.COUNTIES])
    counties.loc[0, "county_code"] = "520324.0"
    path = tmp_path / "counties.csv"
    counties.to_csv(path, index=False)
    with pytest.raises(FileLevelError) as info:
        tables.read_table(path, TableName.COUNTIES)
    err = info.value
    assert (err.rule, err.file, err.column, err.row) == (
        "code_as_number", "counties.csv", "county_code", 2)
    assert "re-export the column as text" in err.message_en.lower()
    assert "文本" in err.message_zh


def test_parquet_with_numeric_code_column(tmp_path: Path) -> None:
    v = make_tables()[TableName.VILLAGES].assign(village_code=lambda d: d["village_code"]
                                                 .astype(float))
    v.to_parquet(tmp_path / "villages.parquet")
    with pytest.raises(FileLevelError) as info:
        tables.read_table(tmp_path / "villages.parquet", TableName.VILLAGES)
    assert info.value.rule == "code_as_number"


@pytest.mark.parametrize(("name", "content", "rule"), [
    ("households.parquet", b"not parquet at all", "unreadable_file"),
    ("households.txt", b"x", "wrong_format"),
    ("households.csv", "户编号,村代码\nH1,520324100001\n".encode("gb18030"), "unreadable_file"),
])
def test_unreadable_files_name_the_file(tmp_path: Path, name: str, content: bytes,
                                         rule: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileLevelError) as info:
        tables.read_table(path, HH)
    assert info.value.rule == rule and name in str(info.value)


def test_table_files_forms(tmp_path: Path) -> None:
    with pytest.raises(FileLevelError) as info:
        tables.table_files(tmp_path, TableName.HOUSEHOLDS)
    assert info.value.rule == "missing_table"
    assert tables.table_files(tmp_path, TableName.FIELD_CHECKS) == []
    (tmp_path / "households").mkdir()
    (tmp_path / "households" / f"{COUNTY}.csv").write_text("x")
    (tmp_path / "households" / "~$lock.xlsx").write_text("x")
    assert tables.table_files(tmp_path, "households") == [tmp_path / "households" / f"{COUNTY}.csv"]
    (tmp_path / "households.csv").write_text("x")
    with pytest.raises(FileLevelError) as info:
        tables.table_files(tmp_path, TableName.HOUSEHOLDS)
    assert info.value.rule == "both_forms"


def _write_single_parquet(tables: dict, data: Path, row_group_size: int = 2) -> None:
    data.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False),
                       data / f"{table}.parquet", row_group_size=row_group_size)


def test_load_county_reads_only_that_county_from_single_parquet(tmp_path: Path) -> None:
    made = make_tables()
    _write_single_parquet(made, tmp_path)
    got = tables.load_county(tmp_path, OTHER_COUNTY)
    hh = got[TableName.HOUSEHOLDS]
    assert hh["household_id"].tolist() == ["H006"]
    assert hh["source_row"].tolist() == [7] and hh["source_file"].iloc[0] == "households.parquet"
    assert got[TableName.MEMBERS]["household_id"].tolist() == ["H006"]
    assert got[TableName.MEMBERS]["source_row"].tolist() == [14]
    assert TableName.FIELD_CHECKS in got and got[TableName.FIELD_CHECKS].empty
    assert got[TableName.VILLAGES]["village_code"].tolist() == ["130631100001"]
    result = validate_county(got, year=YEAR, county_code=OTHER_COUNTY, check_schemas=False)
    assert result.quarantine.empty and len(result.clean[TableName.MEMBERS]) == 1


def test_load_county_from_csv_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "CSV_CHUNK_ROWS", 2)
    for table, frame in make_tables().items():
        as_text(frame).to_csv(tmp_path / f"{table}.csv", index=False)
    got = tables.load_county(tmp_path, COUNTY, tables=(TableName.MEMBERS,))
    m = got[TableName.MEMBERS]
    assert set(m["household_id"]) == {"H001", "H002", "H003", "H004", "H005"}
    assert m["source_row"].tolist() == list(range(2, 14))


def test_county_codes(tmp_path: Path) -> None:
    made = make_tables()
    _write_single_parquet(made, tmp_path)
    assert tables.county_codes(tmp_path) == [OTHER_COUNTY, COUNTY]
    hh = made[TableName.HOUSEHOLDS]
    _write_single_parquet({"households": hh[hh["household_id"] != "H006"]}, tmp_path)
    assert tables.county_codes(tmp_path, with_data=True) == [COUNTY]


def test_writers_are_atomic_and_leave_no_partials(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.json"
    files.write_json({"b": 1, "a": "中文", "n": float("nan"), "v": np.int64(3)}, target)
    text = target.read_text(encoding="utf-8")
    assert list(json.loads(text)) == ["b", "a", "n", "v"]
    assert "中文" in text and json.loads(text)["n"] is None

    class Boom(RuntimeError):
        pass

    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise Boom

    with pytest.raises(Boom):
        files.atomic_write(target, fail)
    assert json.loads(target.read_text(encoding="utf-8"))["b"] == 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.json"]


def test_write_csv_has_bom_and_drops_source_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"名称": ["凤仪村"], "source_file": ["a"], "source_row": [2]})
    path = files.write_csv(frame, tmp_path / "a.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"source_row" not in raw


def test_sha256_file(tmp_path: Path) -> None:
    path = files.atomic_write_bytes(tmp_path / "b.bin", b"abc")
    # SHA-256("abc") from FIPS 180-2, appendix B.1.
    assert files.sha256_file(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
