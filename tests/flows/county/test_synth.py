"""The synthetic campaign shell: files, truth kept apart, per-county determinism, field rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flows.county.synth import (
    FIELD_STREAM,
    REGISTRY_STREAM,
    county_generator,
    pick_counties,
    synth_campaign,
    synth_field,
)
from flows.store.county_frame import national_county_frame as load_county_frame
from registry.contract import COUNTIES, FIELD_CHECKS, SAMPLE_COLUMNS
from synth.plan import SynthError

SCALE = 0.05


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("campaign") / "data"
    return out, synth_campaign(out, province="52", year=2019, counties=2, scale=SCALE, seed=11)


def test_writes_counties_and_per_county_parquet(campaign: tuple[Path, object]) -> None:
    out, summary = campaign
    counties = pd.read_csv(out / "counties.csv", dtype=str)
    assert list(counties.columns) == COUNTIES.names
    codes = list(counties["county_code"])
    assert len(codes) == 2 and list(summary.counties) == codes
    assert (counties["province_code"] == "52").all()
    assert (counties["exit_year"] == "2019").all()
    for table in ("villages", "households", "members", "support_history"):
        assert sorted(p.stem for p in (out / table).glob("*.parquet")) == sorted(codes)
    h = pd.read_parquet(out / "households" / f"{codes[0]}.parquet")
    assert pd.api.types.is_string_dtype(h["village_code"])
    assert (h["village_code"].str[:6] == codes[0]).all()
    assert summary.households == sum(
        len(pd.read_parquet(out / "households" / f"{c}.parquet")) for c in codes)
    assert not list(out.rglob("*.tmp")), "temporary files left behind"
    assert "truth" not in {p.name for p in out.iterdir()}


def test_truth_lives_outside_the_data_folder(campaign: tuple[Path, object]) -> None:
    out, summary = campaign
    truth = out.with_name("data-truth")
    assert summary.truth_dir == truth.resolve()
    doc = json.loads((truth / "truth.json").read_text(encoding="utf-8"))
    assert doc["seed"] == 11 and doc["year"] == 2019 and doc["province"] == "52"
    assert set(doc["counties"]) == set(summary.counties)
    first, second = summary.counties
    assert doc["counties"][first]["plant"]["patterns"] == []
    assert doc["counties"][second]["plant"]["wrong_exit_rate"] == 0.06
    realised = doc["counties"][second]["realised"]
    assert abs(realised["wrong_exit_rate"] - 0.06) < 0.01
    for key in ("missed_rate", "recognition_rate", "incidence"):
        assert 0 <= realised[key] <= 1
    t = pd.read_parquet(truth / "households" / f"{first}.parquet")
    assert "true_meets" in t.columns
    assert "describe" in dir(summary) and first in summary.describe()


def test_a_county_alone_equals_the_county_among_others(
    campaign: tuple[Path, object], tmp_path: Path
) -> None:
    out, summary = campaign
    alone = tmp_path / "alone"
    synth_campaign(alone, province="52", year=2019, counties=1, scale=SCALE, seed=11)
    code = summary.counties[0]
    for table in ("villages", "households", "members", "support_history"):
        pd.testing.assert_frame_equal(pd.read_parquet(alone / table / f"{code}.parquet"),
                                      pd.read_parquet(out / table / f"{code}.parquet"))


def test_county_streams_are_distinct() -> None:
    a = county_generator(1, "520324", REGISTRY_STREAM).random(4)
    b = county_generator(1, "520324", FIELD_STREAM).random(4)
    sample_stream = np.random.default_rng(np.random.SeedSequence(1, spawn_key=(520324,)))
    assert not np.allclose(a, b)
    assert not np.allclose(a, sample_stream.random(4))


def test_pick_counties_prefers_the_year_and_falls_back() -> None:
    frame = load_county_frame()
    this_year = pick_counties(frame, "52", 2019, None)
    assert (this_year["exit_year"] == 2019).all() and len(this_year) == 24
    assert len(pick_counties(frame, "52", 2019, 30)) == 30
    earlier = pick_counties(frame, "52", 2020, 70)  # 2020 first, then counties exited before
    assert len(earlier) == 66 and (earlier["exit_year"].astype(int) <= 2020).all()
    with pytest.raises(SynthError):
        pick_counties(frame, "99", 2019, None)


def test_truth_inside_the_data_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="outside"):
        synth_campaign(tmp_path / "d", counties=1, scale=SCALE, truth_dir=tmp_path / "d" / "t")


def test_synth_field_writes_rows_for_every_sampled_household(
    campaign: tuple[Path, object], tmp_path: Path
) -> None:
    out, summary = campaign
    ws = tmp_path / "ws"
    (ws / "sample").mkdir(parents=True)
    drawn: dict[str, set[str]] = {}
    for code in summary.counties:
        h = pd.read_parquet(out / "households" / f"{code}.parquet")
        s = h.sample(200, random_state=1)
        sample = pd.DataFrame({
            "household_id": s["household_id"].to_numpy(), "county_code": code,
            "village_code": s["village_code"].to_numpy(), "village_stratum": "poor",
            "stratum": "other", "role": "main", "reserve_rank": 0, "pi_village": 0.5,
            "pi_household": 0.1, "weight": 20.0, "seed": 11,
        }, columns=list(SAMPLE_COLUMNS))
        sample.to_parquet(ws / "sample" / f"{code}.parquet", index=False)
        drawn[code] = set(sample["household_id"])
    result = synth_field(out, ws, seed=3)
    assert set(result.rows) == set(summary.counties)
    for code, ids in drawn.items():
        rows = pd.read_csv(out / "field_checks" / f"{code}.csv", dtype={"household_id": str})
        assert list(rows.columns) == FIELD_CHECKS.names
        assert set(rows["household_id"]) == ids
        assert result.rows[code] == len(rows)
    again = synth_field(out, ws, seed=3)
    assert again.rows == result.rows


def test_synth_field_needs_a_sample(campaign: tuple[Path, object], tmp_path: Path) -> None:
    out, _ = campaign
    with pytest.raises(SynthError, match="sample"):
        synth_field(out, tmp_path / "empty-ws")


def test_pick_counties_never_takes_a_county_that_exits_after_the_year() -> None:
    from flows.county.synth import pick_counties
    frame = load_county_frame()
    picked = pick_counties(frame, "52", 2019, 60)
    assert (picked["exit_year"].astype(int) <= 2019).all()
    with pytest.raises(SynthError, match="2015"):
        pick_counties(frame, "52", 2015, 3)
