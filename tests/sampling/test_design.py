import io
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from registry.contract import SAMPLE_COLUMNS
from sampling.design import (
    EXTRA_COLUMNS,
    draw_county_sample,
    household_strata,
    variance_design_columns,
    village_strata,
)
from sampling.errors import SamplingError
from sampling.settings import SamplingSettings, VillageMethod
from sampling.streams import county_rng
from tests.sampling._frames import make_county

C = "130631"


def draw(v, h, seed=11, county=C, **kw):
    s = SamplingSettings(**kw)
    return draw_county_sample(v, h, s, county_rng(seed, county), seed=seed, county_code=county)


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf)
    return buf.getvalue()


def test_columns_and_order():
    v, h = make_county()
    s = draw(v, h)
    assert tuple(s.columns) == SAMPLE_COLUMNS + EXTRA_COLUMNS
    assert str(s["reserve_rank"].dtype) == "Int64"
    assert s.loc[s["role"] == "main", "reserve_rank"].isna().all()
    key = s[["village_code", "stratum"]].drop_duplicates()
    assert key["village_code"].is_monotonic_increasing


def test_household_strata():
    h = pd.DataFrame({
        "status": ["exited", "poor", "returned", "not_registered", "not_registered",
                   "not_registered", "exited"],
        "labor_count": [2, 2, 2, 0, 2, 2, 0],
        "dibao": [False, False, False, False, True, False, True],
        "dilapidated_house": False, "serious_illness": False, "elderly_alone": False,
    })
    assert household_strata(h).tolist() == [
        "exited", "poor", "poor", "risk", "risk", "other", "exited"]


@st.composite
def counties(draw_):
    n_v = draw_(st.integers(1, 12))
    sizes = draw_(st.lists(st.integers(0, 40), min_size=n_v, max_size=n_v))
    seed = draw_(st.integers(0, 10_000))
    return make_county(n_villages=n_v, households_per_village=sizes, seed=seed), seed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counties(),
    st.sampled_from(list(VillageMethod)),
    st.dictionaries(st.sampled_from(["poor_remote", "poor", "non_poor"]), st.integers(0, 6)),
    st.dictionaries(st.sampled_from(["exited", "poor", "risk", "other"]), st.integers(0, 8)),
    st.dictionaries(st.sampled_from(["exited", "poor", "risk", "other"]), st.integers(0, 4)),
)
def test_design_properties(county, method, vps, hpv, rps):
    (v, h), seed = county
    if h.empty:
        return
    cfg = SamplingSettings(village_method=method, villages_per_stratum=vps,
                           households_per_village=hpv, reserves_per_stratum=rps)
    s = draw_county_sample(v, h, cfg, county_rng(seed, C), seed=seed, county_code=C)
    assert s["household_id"].is_unique  # reserves disjoint from main and from each other
    assert ((s["pi_village"] > 0) & (s["pi_village"] <= 1)).all()
    assert ((s["pi_household"] > 0) & (s["pi_household"] <= 1)).all()
    assert np.allclose(s["weight"], 1 / (s["pi_village"] * s["pi_household"]))

    hh = h.assign(stratum=household_strata(h))
    frame_cell = hh.groupby(["village_code", "stratum"]).size()
    for (vc, st_), cell in s.groupby(["village_code", "stratum"]):
        N = frame_cell[(vc, st_)]
        main = cell[cell["role"] == "main"]
        res = cell[cell["role"] == "reserve"]
        n = min(cfg.households_per_village[st_], N)
        assert len(main) == n and (cell["N_vh"] == N).all() and (cell["n_vh"] == n).all()
        assert len(res) == min(cfg.reserves_per_stratum[st_], N - n)
        assert res["reserve_rank"].tolist() == list(range(1, len(res) + 1))
        # Stage 2 is SRS: the main weights within the village add up to the cell's frame count.
        assert np.isclose((1 / main["pi_household"]).sum(), N)

    # Stage 1: the villages drawn per village stratum, and the HT identities. A village only
    # shows in the sample if one of its strata has a positive size, so check when all do.
    if min(cfg.households_per_village.values()) == 0:
        return
    vil = s.drop_duplicates("village_code")
    sizes = h.groupby("village_code").size()
    frame_v = v.assign(M=v["village_code"].map(sizes).fillna(0))
    frame_v = frame_v[frame_v["M"] > 0]
    frame_v = frame_v.assign(vs=village_strata(frame_v))
    for vs, grp in vil.groupby("village_stratum"):
        in_frame = frame_v[frame_v["vs"] == vs]
        assert len(grp) == min(cfg.villages_per_stratum[vs], len(in_frame))
        assert (grp["N_villages"] == len(in_frame)).all() and (grp["n_villages"] == len(grp)).all()
        if method == VillageMethod.SRS:
            assert np.isclose((1 / grp["pi_village"]).sum(), len(in_frame))
        else:
            ht = (grp["village_households"] / grp["pi_village"]).sum()
            assert np.isclose(ht, in_frame["M"].sum())
    assert set(vil["village_stratum"]) == {
        vs for vs in frame_v["vs"].unique() if cfg.villages_per_stratum[vs] > 0}


def test_small_village_stratum_is_taken_whole():
    v, h = make_county(n_villages=6)
    s = draw(v, h, villages_per_stratum={"poor_remote": 50, "poor": 50, "non_poor": 50})
    assert s["village_code"].nunique() == 6
    assert (s["pi_village"] == 1).all()


def test_reproducible_byte_identical_and_seed_sensitive():
    v, h = make_county()
    a, b = draw(v, h, seed=3), draw(v, h, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert parquet_bytes(a) == parquet_bytes(b)
    # Input row order must not matter either.
    c = draw(v.sample(frac=1, random_state=1), h.sample(frac=1, random_state=2), seed=3)
    assert parquet_bytes(a) == parquet_bytes(c)
    d = draw(v, h, seed=4)
    assert set(a["household_id"]) != set(d["household_id"])


def test_county_alone_equals_county_among_others():
    va, ha = make_county(county="130631", seed=1)
    vb, hb = make_county(county="522634", seed=2)
    alone = draw(va, ha, seed=9, county="130631")
    # Another county drawn first, and both counties' rows passed in: same draw.
    draw(pd.concat([va, vb]), pd.concat([ha, hb]), seed=9, county="522634")
    among = draw(pd.concat([vb, va]), pd.concat([hb, ha]), seed=9, county="130631")
    pd.testing.assert_frame_equal(alone, among)


def test_bad_config_and_input():
    with pytest.raises(ValidationError):
        SamplingSettings(villages_per_stratum={"remote": 3})
    with pytest.raises(ValidationError):
        SamplingSettings(households_per_village={"exited": -1})
    assert isinstance(ValidationError, type) and issubclass(ValidationError, ValueError)
    v, h = make_county()
    with pytest.raises(SamplingError, match="lacks columns"):
        draw(v, h.drop(columns="status"))
    bad = h.copy()
    bad.loc[0, "village_code"] = C + "999999"
    with pytest.raises(SamplingError, match="village"):
        draw(v, bad)
    with pytest.raises(SamplingError):
        draw(v, h, county="652201")  # no villages in this county
    bad = h.copy()
    bad.loc[0, "status"] = "unknown"
    with pytest.raises(SamplingError, match="status"):
        draw(v, bad)


def test_partial_settings_keep_defaults():
    cfg = SamplingSettings(villages_per_stratum={"poor": 3})
    assert cfg.villages_per_stratum == {"poor_remote": 8, "poor": 3, "non_poor": 6}


def test_variance_design_columns():
    v, h = make_county(n_villages=40)
    s = draw(v, h, villages_per_stratum={"poor_remote": 100, "poor": 3, "non_poor": 3})
    d = variance_design_columns(s)
    cert = d["pi_village"] == 1
    assert cert.any() and (~cert).any()
    assert (d.loc[cert, "var_stratum"] == "certainty:" + d.loc[cert, "village_stratum"]).all()
    assert (d.loc[~cert, "var_stratum"] == d.loc[~cert, "village_stratum"]).all()
    assert (d["var_psu"] == d["village_code"]).all()
    assert (d["stage2_stratum"] == d["stratum"]).all() and (d["fpc2"] == d["N_vh"]).all()
    # stage-1 FPC: a certainty stratum is taken whole (N = n); elsewhere N ≥ n villages
    per = d.groupby("var_stratum").agg(n=("village_code", "nunique"), N=("fpc1", "first"))
    assert (per.loc[per.index.str.startswith("certainty:"), "n"]
            == per.loc[per.index.str.startswith("certainty:"), "N"]).all()
    assert (per["N"] >= per["n"]).all()
    # the draw itself is unchanged
    pd.testing.assert_frame_equal(d[s.columns], s)


def test_60k_household_county_is_fast():
    v, h = make_county(n_villages=300, households_per_village=200)
    draw(v.iloc[:5], h[h["village_code"].isin(v["village_code"].iloc[:5])])  # warm up
    t = time.perf_counter()
    s = draw(v, h)
    assert time.perf_counter() - t < 1.0
    assert s["village_code"].nunique() == 24
