"""Validation rules: every rule is fed a bad file and must name file, row, column and rule."""

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows.store import tables as store_tables
from registry.contract import TableName
from registry.idcard import make_id_numbers
from registry.schemas import schema_for
from registry.validation import (
    QUARANTINE_COLUMNS,
    RULES,
    FileLevelError,
    ValidationResult,
    validate_counties,
    validate_county,
    validate_dependents,
)
from tests.registry.conftest import (
    COUNTY,
    OTHER_COUNTY,
    YEAR,
    as_text,
    make_tables,
    write_campaign,
)

Tables = dict[str, pd.DataFrame]
H, M, V, F, S = "households", "members", "villages", "field_checks", "support_history"


def text_tables() -> Tables:
    return {str(k): as_text(v) for k, v in make_tables().items()}


def run(tmp_path: Path, mutate: Callable[[Tables], None] | None = None, *, ext: str = ".csv",
        county: str = COUNTY, folder: bool = False) -> ValidationResult:
    t = text_tables()
    if mutate is not None:
        mutate(t)
    data = write_campaign(t, tmp_path / "data", ext, folder)
    tables = store_tables.load_county(data, county)
    # Schemas are checked once, in test_clean_campaign_has_no_quarantine_and_matches_schemas.
    return validate_county(tables, year=YEAR, county_code=county,
                           known_counties=[COUNTY, OTHER_COUNTY], check_schemas=False)


def setv(table: str, row: int, column: str, value: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        t[table].loc[row, column] = value
    return mutate


def both(*fs: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        for f in fs:
            f(t)
    return mutate


def append_copy(table: str, row: int, **changes: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        extra = t[table].iloc[[row]].copy()
        for k, v in changes.items():
            extra[k] = v
        t[table] = pd.concat([t[table], extra], ignore_index=True)
    return mutate


def flip_check_digit(t: Tables) -> None:
    good = t[H].loc[0, "head_id_number"]
    t[H].loc[0, "head_id_number"] = good[:17] + ("0" if good[17] != "0" else "1")


# (rule, mutation, table, file, Excel row, column)
ROW_CASES = [
    ("missing_value", setv(H, 1, "head_name", ""), H, "households.csv", 3, "head_name"),
    ("bad_int", setv(H, 0, "labor_count", "two"), H, "households.csv", 2, "labor_count"),
    ("bad_float", setv(H, 2, "income_wage", "abc"), H, "households.csv", 4, "income_wage"),
    ("bad_bool", setv(V, 0, "poor_village", "maybe"), V, "villages.csv", 2, "poor_village"),
    ("bad_date", setv(F, 0, "visit_date", "2020-13-45"), F, "field_checks.csv", 2,
     "visit_date"),
    ("unknown_category", setv(H, 1, "status", "gone"), H, "households.csv", 3, "status"),
    ("province_mismatch", None, None, None, None, None),  # county frame: own test
    ("township_mismatch", setv(V, 1, "township_code", "520324101"), V, "villages.csv", 3,
     "township_code"),
    ("unknown_village", setv(H, 1, "village_code", "520324100099"), H, "households.csv", 3,
     "village_code"),
    ("village_quarantined", setv(V, 0, "remote", "?"), H, "households.csv", 2, "village_code"),
    ("registration_year_required", setv(H, 1, "registration_year", ""), H, "households.csv", 3,
     "registration_year"),
    ("exit_year_required", setv(H, 0, "exit_year", ""), H, "households.csv", 2, "exit_year"),
    ("exit_year_unexpected", setv(H, 1, "exit_year", "2019"), H, "households.csv", 3,
     "exit_year"),
    ("exit_before_registration", setv(H, 4, "exit_year", "2015"), H, "households.csv", 6,
     "exit_year"),
    ("year_out_of_range", setv(H, 1, "registration_year", "2031"), H, "households.csv", 3,
     "registration_year"),
    ("id_format", setv(H, 0, "head_id_number", "52032419650304"), H, "households.csv", 2,
     "head_id_number"),
    ("id_check_digit", flip_check_digit, H, "households.csv", 2, "head_id_number"),
    ("negative_value", setv(H, 2, "income_transfer", "-5"), H, "households.csv", 4,
     "income_transfer"),
    ("household_size_min", setv(H, 1, "household_size", "0"), H, "households.csv", 3,
     "household_size"),
    ("labor_exceeds_size", setv(H, 1, "labor_count", "3"), H, "households.csv", 3,
     "labor_count"),
    ("member_count", setv(H, 2, "household_size", "5"), H, "households.csv", 4,
     "household_size"),
    ("single_head", setv(M, 5, "relation", "head"), H, "households.csv", 4, "relation"),
    ("member_quarantined", setv(M, 6, "sex", "X"), H, "households.csv", 4, "household_id"),
    ("household_quarantined", setv(H, 2, "dibao", "?"), M, "members.csv", 6, "household_id"),
    ("disability_grade", setv(M, 3, "disability_grade", "7"), M, "members.csv", 5,
     "disability_grade"),
    ("birth_year_range", setv(M, 0, "birth_year", "2025"), M, "members.csv", 2, "birth_year"),
    ("school_status_age", setv(M, 2, "school_status", "not_school_age"), M, "members.csv", 4,
     "school_status"),
    ("out_of_school_exceeds", setv(F, 0, "children_out_of_school", "2"), F, "field_checks.csv",
     2, "children_out_of_school"),
    ("water_cut_days_range", setv(F, 1, "water_cut_days", "400"), F, "field_checks.csv", 3,
     "water_cut_days"),
    ("duplicate_visit", append_copy(F, 0), F, "field_checks.csv", 5, "household_id"),
    ("text_too_long", setv(H, 1, "head_name", "李" * 101), H, "households.csv", 3,
     "head_name"),
    ("visit_date_range", setv(F, 1, "visit_date", "2031-01-01"), F, "field_checks.csv", 3,
     "visit_date"),
]


def assert_named(q: pd.DataFrame, rule: str, table: str, file: str, row: int,
                 column: str) -> pd.Series:
    hit = q[(q["rule"] == rule) & (q["table"] == table) & (q["row"] == row)]
    assert len(hit) == 1, q[["table", "row", "column", "rule"]].to_string()
    r = hit.iloc[0]
    assert (r["file"], r["column"]) == (file, column)
    assert file in r["message_zh"] and f"第{row}行" in r["message_zh"]
    assert column in r["message_zh"] and rule in r["message_zh"]
    assert f"{file} row {row}, column {column}" in r["message_en"] and rule in r["message_en"]
    return r


@pytest.mark.parametrize(("rule", "mutate", "table", "file", "row", "column"),
                         [c for c in ROW_CASES if c[1] is not None], ids=lambda x: str(x)[:24])
def test_row_rule(tmp_path: Path, rule: str, mutate: Callable[[Tables], None], table: str,
                  file: str, row: int, column: str) -> None:
    result = run(tmp_path, mutate)
    assert_named(result.quarantine, rule, table, file, row, column)
    assert list(result.quarantine.columns) == list(QUARANTINE_COLUMNS)
    clean = result.clean[TableName(table)]
    assert row not in set(clean["source_row"])


def test_every_row_rule_has_a_test() -> None:
    tested = {c[0] for c in ROW_CASES} | {"unknown_county", "wrong_county", "unknown_household"}
    # The generic bound rules no contract column uses yet: the throwaway electricity check
    # of tests/registry/checks/test_adding_a_check.py triggers both.
    tested |= {"out_of_range", "exceeds_column"}
    # Needs a drawn sample: tests/registry/test_bad_inputs.py.
    tested |= {"not_in_sample"}
    row_rules = {code for code, r in RULES.items() if r.level == "row"}
    assert row_rules <= tested, row_rules - tested


def test_clean_campaign_has_no_quarantine_and_matches_schemas(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.quarantine.empty
    assert result.counts[TableName.HOUSEHOLDS].rows_read == 5
    assert result.counts[TableName.MEMBERS].rows_read == 12
    for table, frame in result.clean.items():
        schema_for(table).validate(frame)


@pytest.mark.parametrize("ext", [".xlsx", ".parquet"])
def test_rules_apply_to_xlsx_and_parquet(tmp_path: Path, ext: str) -> None:
    result = run(tmp_path, setv(M, 3, "disability_grade", "7"), ext=ext)
    assert_named(result.quarantine, "disability_grade", M, f"members{ext}", 5,
                 "disability_grade")


def test_cascade_keeps_households_and_members_consistent(tmp_path: Path) -> None:
    result = run(tmp_path, setv(M, 6, "sex", "X"))  # third member of H003
    q = result.quarantine
    assert_named(q, "unknown_category", M, "members.csv", 8, "sex")
    cascaded = q[(q["rule"] == "household_quarantined")]
    assert sorted(cascaded["row"]) == [6, 7, 9]
    h, m = result.clean[TableName.HOUSEHOLDS], result.clean[TableName.MEMBERS]
    assert "H003" not in set(h["household_id"]) and "H003" not in set(m["household_id"])
    sizes = m.groupby("household_id").size()
    assert (h.set_index("household_id")["household_size"] == sizes).all()
    assert result.counts[TableName.MEMBERS].rows_quarantined == 4


def test_field_checks_of_quarantined_household_are_quarantined(tmp_path: Path) -> None:
    result = run(tmp_path, setv(H, 0, "dibao", "?"))
    assert_named(result.quarantine, "household_quarantined", F, "field_checks.csv", 2,
                 "household_id")
    assert_named(result.quarantine, "household_quarantined", S, "support_history.csv", 3,
                 "household_id")


def test_unknown_and_wrong_county_in_a_county_file(tmp_path: Path) -> None:
    def mutate(t: Tables) -> None:
        t[V].loc[3, "village_code"] = "999999100001"
        t[V].loc[3, "township_code"] = "999999100"
    t = text_tables()
    mutate(t)
    t[V] = t[V].iloc[[0, 1, 2, 3]]
    data = tmp_path / "data"
    write_campaign(t, data, ".csv", folder=True)
    moved = pd.read_csv(data / V / "999999.csv", dtype=str)
    pd.concat([pd.read_csv(data / V / f"{COUNTY}.csv", dtype=str), moved]).to_csv(
        data / V / f"{COUNTY}.csv", index=False)
    result = validate_county(store_tables.load_county(data, COUNTY), year=YEAR, county_code=COUNTY,
                             known_counties=[COUNTY, OTHER_COUNTY])
    q = result.quarantine
    assert_named(q, "unknown_county", V, f"villages/{COUNTY}.csv", 5, "village_code")
    assert_named(q, "wrong_county", V, f"villages/{COUNTY}.csv", 5, "village_code")


def test_member_of_missing_household_in_folder_form(tmp_path: Path) -> None:
    def mutate(t: Tables) -> None:
        extra = t[M].iloc[[0]].assign(household_id="H999")
        t[M] = pd.concat([t[M].iloc[:12], extra], ignore_index=True)
    result = run(tmp_path, mutate, folder=True)
    assert_named(result.quarantine, "unknown_household", M, f"members/{COUNTY}.csv", 14,
                 "household_id")


def test_province_mismatch_in_county_frame(tmp_path: Path) -> None:
    t = text_tables()
    t["counties"].loc[1, "province_code"] = "14"
    write_campaign({"counties": t["counties"]}, tmp_path)
    result = validate_counties(store_tables.load_counties(tmp_path), year=YEAR)
    assert_named(result.quarantine, "province_mismatch", "counties", "counties.csv", 3,
                 "province_code")
    assert result.clean[TableName.COUNTIES]["county_code"].tolist() == [COUNTY]


@pytest.mark.parametrize(("table", "column", "key_col", "rows"), [
    (H, "household_id", "household_id", (2, 3)),
    (V, "village_code", "village_code", (2, 3)),
    (M, "household_id+member_no", "member_no", (2, 3)),
])
def test_duplicate_ids_refuse_the_file(tmp_path: Path, table: str, column: str,
                                       key_col: str, rows: tuple[int, int]) -> None:
    def mutate(t: Tables) -> None:
        t[table].loc[1, key_col] = t[table].loc[0, key_col]
    with pytest.raises(FileLevelError) as info:
        run(tmp_path, mutate)
    err = info.value
    assert (err.rule, err.column, err.file, err.row) == ("duplicate_id", column,
                                                         f"{table}.csv", rows)
    assert f"第{rows[0]}行" in err.message_zh and "rows 2, 3" in err.message_en


def test_duplicate_county_code_refuses_county_frame(tmp_path: Path) -> None:
    t = text_tables()
    t["counties"].loc[1, "county_code"] = COUNTY
    t["counties"].loc[1, "province_code"] = "52"
    write_campaign({"counties": t["counties"]}, tmp_path)
    with pytest.raises(FileLevelError) as info:
        validate_counties(store_tables.load_counties(tmp_path))
    assert (info.value.rule, info.value.row) == ("duplicate_id", (2, 3))


def test_in_memory_frames_without_source_columns() -> None:
    t = make_tables()
    t[TableName.MEMBERS].loc[0, "disability_grade"] = 9
    result = validate_county(t, year=YEAR)
    r = assert_named(result.quarantine, "disability_grade", M, "<members>", 2,
                     "disability_grade")
    assert r["value"] == "9"


def test_personal_data_is_masked_in_quarantine(tmp_path: Path) -> None:
    result = run(tmp_path, flip_check_digit)
    value = result.quarantine.loc[result.quarantine["rule"] == "id_check_digit", "value"].iloc[0]
    assert "********" in value and len(value) == 18
    full = text_tables()[H].loc[0, "head_id_number"]
    assert full[:17] not in " ".join(result.quarantine["message_zh"])


def test_age_rules_skipped_without_year() -> None:
    t = make_tables()
    t[TableName.MEMBERS].loc[2, "school_status"] = "not_school_age"
    assert validate_county(t, year=None).quarantine.empty
    assert not validate_county(t, year=YEAR).quarantine.empty


def _big_county(n_households: int = 60_000, seed: int = 0) -> Tables:
    """A county the size of a large one (60k households, ~210k members), as text."""
    rng = np.random.default_rng(seed)
    villages = [f"{COUNTY}{100 + i // 20:03d}{i % 20 + 1:03d}" for i in range(300)]
    size = rng.integers(1, 7, n_households)
    hid = np.array([f"H{i:07d}" for i in range(n_households)])
    status = rng.choice(["not_registered", "poor", "exited", "returned"], n_households)
    hh = pd.DataFrame({
        "household_id": hid, "village_code": rng.choice(villages, n_households),
        "head_name": "张三",
        "head_id_number": make_id_numbers(np.full(n_households, COUNTY),
                                          np.full(n_households, "19700101"),
                                          rng.integers(0, 1000, n_households)),
        "phone": "", "status": status,
        "registration_year": np.where(status == "not_registered", "", "2015"),
        "exit_year": np.where(status == "exited", "2018", ""), "household_size": size,
        "labor_count": np.minimum(size, 2), "poverty_cause": "", "income_per_capita": "5000",
        "income_wage": "1000.5", "income_business": "0", "income_property": "0",
        "income_transfer": "10", "dibao": "否", "tekun": "0", "relocated": "false",
        "dilapidated_house": "no", "serious_illness": "N", "elderly_alone": "False",
    })
    no = np.concatenate([np.arange(1, s + 1) for s in size])
    members = pd.DataFrame({
        "household_id": np.repeat(hid, size), "member_no": no,
        "relation": np.where(no == 1, "head", "child"), "sex": "F",
        "birth_year": np.where(no == 1, 1970, 1990), "disability_grade": 0,
        "chronic_illness": "0", "school_status": "not_school_age",
        "medical_insurance": "resident",
    })
    v = pd.DataFrame({"village_code": villages, "village_name": "村",
                      "township_code": [c[:9] for c in villages], "township_name": "镇",
                      "poor_village": "1", "remote": "0"})
    return {V: v, H: as_text(hh), M: as_text(members)}


@pytest.mark.slow
def test_a_large_county_validates_in_well_under_two_seconds() -> None:
    tables = _big_county()
    tables[M].loc[5, "disability_grade"] = "8"
    start = time.perf_counter()
    result = validate_county(tables, year=YEAR, county_code=COUNTY, check_schemas=False)
    elapsed = time.perf_counter() - start
    assert result.counts[TableName.HOUSEHOLDS].rows_read == 60_000
    assert result.counts[TableName.HOUSEHOLDS].rows_quarantined == 1
    assert elapsed < 2.0, f"{elapsed:.2f} s"


def test_a_same_day_call_back_is_a_second_visit_not_a_duplicate() -> None:
    """A not-home call and a completed call back on the same day by the same enumerator are
    two visits: both stay, so the completed interview is not lost."""
    tables = make_tables()
    field = tables[F]
    first = field.iloc[[0]].copy()
    first["outcome"] = "not_home"
    tables[F] = pd.concat([first, field], ignore_index=True)
    result = validate_county(tables, year=YEAR)
    q = result.quarantine
    assert not (q["rule"] == "duplicate_visit").any()
    kept = result.clean[TableName.FIELD_CHECKS]
    hid = field.iloc[0]["household_id"]
    assert set(kept.loc[kept["household_id"] == hid, "outcome"]) >= {"not_home",
                                                                      field.iloc[0]["outcome"]}


@pytest.mark.parametrize("mutate", [
    None,
    setv(H, 0, "dibao", "?"),             # household quarantined: its field rows cascade
    setv(F, 0, "household_id", "H999"),   # a field row of no household
    setv(F, 1, "water_cut_days", "400"),  # a field row's own rule
    setv(S, 0, "amount", "-5"),
], ids=["clean", "household_quarantined", "unknown_household", "field_rule", "support_rule"])
def test_registry_then_dependents_equals_one_validation(tmp_path: Path, mutate) -> None:
    """Validating the registry once and the field rows each night gives exactly what one
    validation of everything gives: the same clean rows and the same quarantine."""
    t = text_tables()
    if mutate is not None:
        mutate(t)
    data = write_campaign(t, tmp_path / "data", ".csv", False)
    tables = store_tables.load_county(data, COUNTY)
    kw = {"year": YEAR, "county_code": COUNTY, "known_counties": [COUNTY, OTHER_COUNTY]}
    whole = validate_county(tables, **kw)
    registry = validate_county({k: v for k, v in tables.items() if k != TableName.FIELD_CHECKS},
                               **kw)
    field = validate_dependents({F: tables[TableName.FIELD_CHECKS]}, households=registry,
                                year=YEAR)
    pd.testing.assert_frame_equal(field.clean[TableName.FIELD_CHECKS],
                                  whole.clean[TableName.FIELD_CHECKS])
    for table, part in ((TableName.FIELD_CHECKS, field), (TableName.SUPPORT_HISTORY, registry),
                        (TableName.HOUSEHOLDS, registry)):
        expect = whole.quarantine[whole.quarantine["table"] == table.value]
        got = part.quarantine[part.quarantine["table"] == table.value]
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expect.reset_index(drop=True),
                                      check_dtype=False)
        assert part.counts[table] == whole.counts[table]
    support = validate_dependents({S: tables[TableName.SUPPORT_HISTORY]}, households=registry,
                                  year=YEAR)
    pd.testing.assert_frame_equal(support.clean[TableName.SUPPORT_HISTORY],
                                  whole.clean[TableName.SUPPORT_HISTORY])
    assert registry.quarantined_household_ids == tuple(sorted(
        set(tables[TableName.HOUSEHOLDS]["household_id"])
        - set(registry.clean[TableName.HOUSEHOLDS]["household_id"])))


def test_validate_dependents_takes_only_dependent_tables() -> None:
    registry = validate_county({k: v for k, v in text_tables().items()
                                if k not in (F, S)}, year=YEAR)
    with pytest.raises(ValueError, match="field_checks/support_history"):
        validate_dependents({H: text_tables()[H]}, households=registry)
