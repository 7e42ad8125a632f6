"""CountyResults: written to exactly the documented JSON and read back by one function."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from flows.store.files import write_json
from flows.store.result_files import (
    ResultsFileError,
    read_county_results,
    write_county_results,
)
from flows.store.results import FIELD_COUNT_KEYS, CountyResults, FrozenMap
from flows.store.workspace import Workspace
from tests.flows.render.assessed import Assessed, assessed_workspace


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Assessed:
    return assessed_workspace(tmp_path_factory.mktemp("assessed"))


def _bytes(doc: dict, path: Path) -> bytes:
    return write_json(doc, path).read_bytes()


def test_read_then_write_gives_the_same_bytes(assessed: Assessed, tmp_path: Path) -> None:
    """What the assess step wrote reads into the type and writes back byte for byte."""
    for code in assessed.counties:
        folder = assessed.ws / "results"
        results, detail = read_county_results(assessed.ws, code).to_json()
        assert _bytes(results, tmp_path / "r.json") == (folder / f"{code}.json").read_bytes()
        assert _bytes(detail, tmp_path / "d.json") == (folder / f"{code}.detail.json").read_bytes()


def test_write_then_read_gives_an_equal_dataclass(assessed: Assessed, tmp_path: Path) -> None:
    code = assessed.counties[0]
    original = read_county_results(assessed.ws, code, signals=False)
    fresh = Workspace.at(tmp_path / "ws")
    households = pd.read_parquet(assessed.ws / "results" / f"{code}.parquet")
    subs = pd.read_csv(assessed.ws / "results" / f"{code}.substitutions.csv", dtype=str)
    written = write_county_results(fresh, original, households=households, substitutions=subs)
    assert [p.name for p in written] == [f"{code}.parquet", f"{code}.json", f"{code}.detail.json"]
    again = read_county_results(fresh.root, code)
    assert again == original and again.signals is None
    for name in (f"{code}.json", f"{code}.detail.json"):
        assert (fresh.root / "results" / name).read_bytes() == (
            assessed.ws / "results" / name).read_bytes()
    # the type is compared field by field: one changed estimate is a different result
    ind = original.indicators[0]
    changed = dataclasses.replace(original, indicators=(
        dataclasses.replace(ind, value=(ind.value or 0) + 1e-12), *original.indicators[1:]))
    assert changed != original


def test_a_key_the_type_does_not_know_is_lost_so_the_round_trip_would_fail() -> None:
    """The round trip above can fail: a writer that adds a key is caught by it."""
    detail = {"county_code": "520204", "county_name": "水城县", "something_new": 1}
    _, back = CountyResults.from_json({"county_code": "520204"}, detail).to_json()
    assert "something_new" not in back and back["county_name"] == "水城县"


def test_field_counts_keep_the_order_the_core_gave_them() -> None:
    """With no field file the core counts in another order; the bytes must keep it."""
    order = ("unapproved_rows", "unapproved_pending", "unknown_household_rows", "field_rows")
    assert set(order) == set(FIELD_COUNT_KEYS)
    detail = {"county_code": "1", "notes": {}, **{k: 0 for k in order}, "quarantined_rows": {}}
    _, back = CountyResults.from_json({"county_code": "1"}, detail).to_json()
    keys = list(back)
    assert keys[keys.index("notes") + 1: keys.index("quarantined_rows")] == list(order)


def test_a_partial_or_odd_file_still_reads() -> None:
    """Missing keys read as None or empty; values of the wrong type as missing."""
    r = CountyResults.from_json(
        {"county_code": "130631", "verdict": "pass", "indicators": {
            "recognition_rate": {"value": "0.9x", "threshold": 0.9, "verdict": "pass"},
            "wrong_exit_rate": {"value": 0.01}}, "sample": "odd", "provisional": False},
        {"indicators": {"wrong_exit_rate": {"df": 21, "method": "beta"}}, "completion": [3]})
    assert [i.key for i in r.indicators] == ["recognition_rate", "wrong_exit_rate"]
    rec, wrong = r.indicators
    assert rec.value is None and rec.threshold == 0.9 and rec.df is None
    assert (wrong.value, wrong.df, wrong.method, wrong.verdict) == (0.01, 21, "beta", "")
    assert r.sample.households_drawn is None and r.fieldwork.completion == ()
    assert r.identity.county_name is None and r.signals is None
    assert r.indicator("wrong_exit_rate") is wrong and r.indicator("incidence") is None


def test_frozen_map_is_an_ordered_immutable_mapping() -> None:
    m = FrozenMap.of({"b": 2, "a": 1})
    assert list(m) == ["b", "a"] and m["a"] == 1 and m.get("c") is None and dict(m) == m.to_json()
    assert m != FrozenMap.of({"a": 1, "b": 2})  # order is part of the bytes
    assert hash(m) == hash(FrozenMap.of({"b": 2, "a": 1}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.pairs = ()  # type: ignore[misc]
    with pytest.raises(KeyError):
        m["c"]
    assert FrozenMap.of(["not", "a", "mapping"]) == FrozenMap()


def test_reading_missing_or_broken_results_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match="exitcheck assess"):
        read_county_results(tmp_path, "130631")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "130631.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ResultsFileError, match="JSON object"):
        read_county_results(tmp_path, "130631")
    (tmp_path / "results" / "130631.json").write_text(json.dumps({"county_code": "130631"}))
    assert read_county_results(tmp_path, "130631").identity.county_code == "130631"
