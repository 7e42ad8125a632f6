"""The bad inputs of issue 19 and others a careless or hostile clerk produces, one row each.

Each case writes a small valid campaign (``tests/registry/conftest.py``), breaks one thing as a
user would, reads and validates it as ``exitcheck validate`` does (``flows.store.tables`` then
``registry.validation``), and checks the outcome:

* ``refused``: a :class:`FileLevelError` with the rule, naming the file (and row/column where
  there is one) in Chinese and English;
* ``quarantined``: the rows set aside with the rule, the message naming file, row and column;
* ``handled``: read correctly (the documented repair in docs/data-contract.md), with the value
  the test states.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from flows.county.validate import render_summary, validate_campaign
from flows.store import tables as store
from registry.contract import TableName
from registry.validation import FileLevelError, ValidationResult, validate_county
from tests.registry.conftest import COUNTY, OTHER_COUNTY, YEAR, as_text, make_tables
from tests.registry.conftest import write_campaign as write

Tables = dict[str, pd.DataFrame]
H, M, V, F = "households", "members", "villages", "field_checks"
FULL_WIDTH = str.maketrans("0123456789H", "０１２３４５６７８９Ｈ")


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it and what must happen."""

    name: str
    make: Callable[[Path], Path]  # writes the campaign under the folder, returns the data dir
    outcome: str  # refused / quarantined / handled
    rule: str = ""
    file: str = ""
    row: int | None = None
    column: str | None = None
    check: Callable[[ValidationResult], None] | None = None  # for "handled"
    sample: tuple[str, ...] | None = None


def _text() -> Tables:
    return {str(k): as_text(v) for k, v in make_tables().items()}


def campaign(mutate: Callable[[Tables], None] | None = None, ext: str = ".csv",
             folder: bool = False, after: Callable[[Path], None] | None = None
             ) -> Callable[[Path], Path]:
    def make(root: Path) -> Path:
        t = _text()
        if mutate is not None:
            mutate(t)
        data = write(t, root / "data", ext, folder)
        if after is not None:
            after(data)
        return data
    return make


def setv(table: str, row: int, column: str, value: object) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        t[table][column] = t[table][column].astype(object)
        t[table].loc[row, column] = value
    return mutate


def both(*fs: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        for f in fs:
            f(t)
    return mutate


def parquet_edit(table: str, edit: Callable[[pd.DataFrame], pd.DataFrame]
                 ) -> Callable[[Path], None]:
    """Rewrite ``DIR/<table>/<COUNTY>.parquet`` through ``edit`` (typed columns survive)."""
    def after(data: Path) -> None:
        path = data / table / f"{COUNTY}.parquet"
        edit(pd.read_parquet(path)).to_parquet(path, index=False)
    return after


def header_only(data: Path) -> None:
    path = data / H / f"{COUNTY}.parquet"
    pd.read_parquet(path).iloc[:0].to_parquet(path, index=False)


def duplicate_csv_header(data: Path) -> None:
    path = data / "households.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0] + ",head_name"
    lines[1:] = [line + ",冒名" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def chinese_and_english_header(data: Path) -> None:
    path = data / "households.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["户主姓名"] = "冒名"
    frame.to_csv(path, index=False)


def xlsx_second_header(data: Path) -> None:
    path = data / "households.xlsx"
    frame = pd.read_excel(path, dtype=str)
    header = pd.DataFrame([frame.columns], columns=frame.columns)
    pd.concat([frame.iloc[:2], header, frame.iloc[2:]]).to_excel(path, index=False)


def xlsx_title_rows(data: Path) -> None:
    path = data / "households.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    ws.insert_rows(1, 2)
    ws["A1"] = "正安县建档立卡户信息表"
    ws.merge_cells("A1:H1")
    ws["A2"] = "填报单位：扶贫办"
    wb.save(path)


def csv_title_row(data: Path) -> None:
    path = data / "members.csv"
    path.write_text("正安县家庭成员表,,\n" + path.read_text(encoding="utf-8"), encoding="utf-8")


def gbk_csv(data: Path) -> None:
    path = data / "villages.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))


def bom_chinese_headers(data: Path) -> None:
    from registry.contract import TABLES
    path = data / "households.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.columns = [TABLES[TableName.HOUSEHOLDS].column(c).zh for c in frame.columns]
    path.write_bytes(frame.to_csv(index=False).encode("utf-8-sig"))


def empty_file(data: Path) -> None:
    (data / H / f"{COUNTY}.csv").write_bytes(b"")


def stray_file(data: Path) -> None:
    shutil.copy(data / H / f"{COUNTY}.csv", data / H / "abc.csv")


def unknown_county_file(data: Path) -> None:
    shutil.copy(data / H / f"{COUNTY}.csv", data / H / "999999.csv")


def full_width_ids(t: Tables) -> None:
    for table in (H, M, F, "support_history"):
        ids = t[table]["household_id"]
        t[table]["household_id"] = ids.where(ids != "H001", "H001".translate(FULL_WIDTH))


def half_full_width_ids(t: Tables) -> None:
    t[H]["household_id"] = t[H]["household_id"].str.translate(FULL_WIDTH)  # members keep ASCII


def _clean_ids(result: ValidationResult) -> None:
    hh = result.clean[TableName.HOUSEHOLDS]
    assert "H001" in set(hh["household_id"]) and result.quarantine.empty


def _phone(value: str) -> Callable[[ValidationResult], None]:
    def check(result: ValidationResult) -> None:
        hh = result.clean[TableName.HOUSEHOLDS]
        assert hh.loc[hh["household_id"] == "H001", "phone"].iloc[0] == value
        assert result.quarantine.empty
    return check


def _visit_date(value: str) -> Callable[[ValidationResult], None]:
    def check(result: ValidationResult) -> None:
        f = result.clean[TableName.FIELD_CHECKS]
        assert str(f.loc[f["household_id"] == "H001", "visit_date"].iloc[0].date()) == value
        assert result.quarantine.empty
    return check


def _village(value: str) -> Callable[[ValidationResult], None]:
    def check(result: ValidationResult) -> None:
        assert result.clean[TableName.HOUSEHOLDS]["village_code"].iloc[0] == value
        assert result.quarantine.empty
    return check


def _h001_clean(result: ValidationResult) -> None:
    assert "H001" in set(result.clean[TableName.HOUSEHOLDS]["household_id"])
    assert result.quarantine.empty


CASES = [
    # --- issue 19 ------------------------------------------------------------------------
    Case("header_only_households", campaign(ext=".parquet", folder=True, after=header_only),
         "refused", "no_rows", f"households/{COUNTY}.parquet"),
    Case("float_household_id_parquet", campaign(ext=".parquet", folder=True, after=parquet_edit(
        H, lambda d: d.assign(household_id=np.arange(len(d), dtype=float) + 1))),
         "refused", "code_as_number", f"households/{COUNTY}.parquet", 2, "household_id"),
    Case("float_household_id_text", campaign(setv(M, 0, "household_id", "130631.0"),
                                             folder=True),
         "refused", "code_as_number", f"members/{COUNTY}.csv", 2, "household_id"),
    Case("float_phone_parquet", campaign(ext=".parquet", folder=True, after=parquet_edit(
        H, lambda d: d.assign(phone=pd.to_numeric(d["phone"], errors="coerce")))),
         "handled", check=_phone("13812341234")),
    Case("phone_text_with_point_zero", campaign(setv(H, 0, "phone", "13812341234.0")),
         "handled", check=_phone("13812341234")),
    Case("phone_in_scientific_notation", campaign(setv(H, 0, "phone", "1.38123E+10")),
         "refused", "code_as_number", "households.csv", 2, "phone"),
    Case("same_csv_header_twice", campaign(after=duplicate_csv_header),
         "refused", "duplicate_column", "households.csv", None, "head_name"),
    Case("chinese_and_english_header", campaign(after=chinese_and_english_header),
         "refused", "duplicate_column", "households.csv"),
    Case("full_width_household_ids", campaign(full_width_ids), "handled", check=_clean_ids),
    Case("full_width_ids_in_one_table_only", campaign(half_full_width_ids), "handled",
         check=_h001_clean),
    Case("visit_date_in_the_future", campaign(setv(F, 0, "visit_date", "2031-01-01")),
         "quarantined", "visit_date_range", "field_checks.csv", 2, "visit_date"),
    Case("visit_date_before_the_campaign_year", campaign(setv(F, 0, "visit_date", "2019-12-31")),
         "quarantined", "visit_date_range", "field_checks.csv", 2, "visit_date"),
    Case("field_row_not_in_sample", campaign(), "quarantined", "not_in_sample",
         "field_checks.csv", 3, "household_id", sample=("H001", "H005")),
    Case("huge_name_cell", campaign(setv(H, 0, "head_name", "张" * 1_000_000)),
         "quarantined", "text_too_long", "households.csv", 2, "head_name"),
    Case("huge_notes_cell", campaign(setv(F, 0, "notes", "x" * 2001)),
         "quarantined", "text_too_long", "field_checks.csv", 2, "notes"),
    Case("stray_county_file", campaign(folder=True, after=stray_file),
         "refused", "bad_file_name", "households/abc.csv"),
    Case("county_file_of_no_county", campaign(folder=True, after=unknown_county_file),
         "refused", "unknown_county_file", "households/999999.csv"),
    Case("xlsx_second_header_row", campaign(ext=".xlsx", after=xlsx_second_header),
         "refused", "repeated_header", "households.xlsx", 4),
    Case("csv_pasted_twice", campaign(both(lambda t: t.__setitem__(
        H, pd.concat([t[H], pd.DataFrame([t[H].columns], columns=t[H].columns), t[H]],
                     ignore_index=True)))), "refused", "repeated_header", "households.csv", 8),
    # --- others of the kind ---------------------------------------------------------------
    Case("empty_file", campaign(folder=True, after=empty_file),
         "refused", "empty_file", f"households/{COUNTY}.csv"),
    Case("gbk_csv", campaign(after=gbk_csv), "refused", "unreadable_file", "villages.csv"),
    Case("bom_and_chinese_headers", campaign(after=bom_chinese_headers), "handled",
         check=_h001_clean),
    Case("xlsx_title_rows_above_header", campaign(ext=".xlsx", after=xlsx_title_rows),
         "handled", check=_h001_clean),
    Case("csv_title_row_above_header", campaign(after=csv_title_row), "handled",
         check=_h001_clean),
    Case("trailing_spaces_in_codes", campaign(setv(H, 0, "village_code", " 520324100001　")),
         "handled", check=_village("520324100001")),
    Case("full_width_digits_in_code", campaign(setv(H, 0, "village_code",
                                                    "520324100001".translate(FULL_WIDTH))),
         "handled", check=_village("520324100001")),
    Case("zero_width_space_in_id", campaign(both(setv(H, 0, "household_id", "H001\u200b"))),
         "handled", check=_clean_ids),
    Case("letter_in_code", campaign(setv(H, 0, "village_code", "52032410000l")),
         "refused", "code_not_digits", "households.csv", 2, "village_code"),
    Case("excel_date_serial_text", campaign(setv(F, 0, "visit_date", "43952")),
         "handled", check=_visit_date("2020-05-01")),
    Case("excel_date_serial_number", campaign(ext=".parquet", folder=True, after=parquet_edit(
        F, lambda d: d.assign(visit_date=np.full(len(d), 43952.0)))),
         "handled", check=_visit_date("2020-05-01")),
    Case("another_countys_row_in_county_file", campaign(
        setv(H, 0, "village_code", f"{OTHER_COUNTY}100001"), folder=False),
         "quarantined", "wrong_county", "households.csv", 2, "village_code"),
]


def _run(case: Case, tmp_path: Path) -> ValidationResult:
    data = case.make(tmp_path)
    if case.rule in ("bad_file_name", "unknown_county_file"):
        summary = validate_campaign(data, tmp_path / "ws", year=YEAR)
        (problem,) = summary.file_errors
        raise FileLevelError(file=problem.file, column=problem.column, rule=problem.rule,
                             message_zh=problem.message_zh, message_en=problem.message_en,
                             row=problem.row)
    loaded = store.load_county(data, COUNTY)
    if case.name == "another_countys_row_in_county_file":
        hh = store.read_table(data / "households.csv", TableName.HOUSEHOLDS, typed=False)
        loaded[TableName.HOUSEHOLDS] = hh[hh["household_id"] != "H006"].reset_index(drop=True)
    return validate_county(loaded, year=YEAR, county_code=COUNTY,
                           known_counties=[COUNTY, OTHER_COUNTY], sample_ids=case.sample)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input(case: Case, tmp_path: Path) -> None:
    if case.outcome == "refused":
        with pytest.raises(FileLevelError) as info:
            _run(case, tmp_path)
        err = info.value
        assert err.rule == case.rule and err.file == case.file
        assert case.file in err.message_zh and case.file in err.message_en
        assert case.rule in err.message_zh and case.rule in err.message_en
        if case.row is not None:
            first = err.row[0] if isinstance(err.row, tuple) else err.row
            assert first == case.row
            assert f"第{case.row}行" in err.message_zh and f"row {case.row}" in err.message_en
        if case.column is not None:
            assert err.column == case.column and case.column in err.message_en
        assert len(str(err)) < 1000  # a huge or hostile value is never echoed whole
        return
    result = _run(case, tmp_path)
    if case.outcome == "handled":
        assert case.check is not None
        case.check(result)
        return
    q = result.quarantine
    hit = q[(q["rule"] == case.rule) & (q["row"] == case.row)]
    assert len(hit) == 1, q[["table", "row", "column", "rule"]].to_string()
    r = hit.iloc[0]
    assert (r["file"], r["column"]) == (case.file, case.column)
    assert f"{case.file} 第{case.row}行" in r["message_zh"] and case.rule in r["message_zh"]
    assert f"{case.file} row {case.row}, column {case.column}" in r["message_en"]
    assert len(r["message_en"]) < 1000 and len(str(r["value"])) <= 81
    table = TableName(r["table"])
    assert case.row not in set(result.clean[table]["source_row"])


def test_the_console_shows_a_file_name_in_brackets(tmp_path: Path) -> None:
    """A refused file's name or county in square brackets is not eaten as rich markup."""
    data = campaign(folder=True, after=stray_file)(tmp_path)
    shutil.move(data / H / "abc.csv", data / H / "[abc].csv")
    summary = validate_campaign(data, tmp_path / "ws", year=YEAR)
    from rich.console import Console
    console = Console(record=True, width=400)
    console.print(render_summary(summary))
    assert "households/[abc].csv" in console.export_text()


def test_header_only_field_checks_are_no_visits_yet(tmp_path: Path) -> None:
    """An optional table with only its header is no rows, not an error."""
    def only_header(t: Tables) -> None:
        t[F] = t[F].iloc[:0]
    data = campaign(only_header)(tmp_path)
    loaded = store.load_county(data, COUNTY)
    result = validate_county(loaded, year=YEAR, county_code=COUNTY, check_schemas=False)
    assert len(result.clean[TableName.FIELD_CHECKS]) == 0 and result.quarantine.empty
