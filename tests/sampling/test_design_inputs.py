"""``draw_county_sample``: the draw is pinned across versions, and its input handling (Arrow
fast paths, any input order or dtype, the input checks) never changes the sample."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from sampling.design import draw_county_sample
from sampling.errors import SamplingError
from sampling.settings import SamplingSettings, VillageMethod
from sampling.streams import county_rng
from tests.sampling._frames import make_county

C = "130631"


def draw(v, h, seed=5, county=C, **kw):
    s = SamplingSettings(**kw)
    return draw_county_sample(v, h, s, county_rng(seed, county), seed=seed, county_code=county)


def uneven_county(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    sizes = list(np.random.default_rng(3).integers(0, 150, 40))  # some villages are empty
    return make_county(n_villages=40, households_per_village=sizes, seed=seed)


def digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(df.to_csv(index=False, float_format="%.17g").encode()).hexdigest()


@pytest.mark.parametrize(("method", "seed", "rows", "sha"), [
    (VillageMethod.PPS_SYSTEMATIC, 11, 1157,
     "a17b5672df0929ba058f6961d63bddbc2020f68f05c7aa93cf0c7d7a9eafc5eb"),
    (VillageMethod.SRS, 12, 970,
     "6a1fd94e0a7d06bd2958a512fdfe929e2f2976515ff9f2706d33ecf544efa5a3"),
])
def test_draw_is_pinned_across_versions(method, seed, rows, sha):
    # Reproducibility is a product promise: the same inputs and seed give the same sample in
    # every version. These digests were taken before the Arrow rewrite of the input handling;
    # they change only if the design itself (or tests/sampling/_frames.py) changes.
    v, h = uneven_county(seed)
    s = draw(v, h, seed=seed, village_method=method)
    assert len(s) == rows
    assert digest(s) == sha


def shuffled_ids(h: pd.DataFrame, seed: int = 5) -> pd.DataFrame:
    out = h.copy()
    out["household_id"] = [f"户{x:x}" for x in np.random.default_rng(seed).permutation(len(h))]
    return out


def test_input_order_and_other_counties_do_not_matter():
    v, h = uneven_county(1)
    h = shuffled_ids(h)  # ids not in row order: the ranks come from a sort
    ref = draw(v, h)
    vb, hb = make_county(county="522634", seed=2)
    mixed = draw(pd.concat([vb, v]).sample(frac=1, random_state=1),
                 pd.concat([hb, h]).sample(frac=1, random_state=2))
    pd.testing.assert_frame_equal(ref, mixed, check_exact=True)
    assert set(ref["household_id"]) <= set(h["household_id"])


def test_object_and_numeric_columns_give_the_same_draw():
    v, h = uneven_county(2)
    ref = draw(v, h)
    vo = v.astype({"village_code": object, "poor_village": object})
    ho = h.astype({"household_id": object, "village_code": object, "status": object,
                   "labor_count": float})
    pd.testing.assert_frame_equal(ref, draw(vo, ho), check_exact=True)
    hn = h.copy()
    hn["household_id"] = np.arange(len(h))[::-1] * 7  # integer ids are read as strings
    s = draw(v, hn)
    assert s["household_id"].map(type).eq(str).all()
    assert set(s["household_id"]) <= set(map(str, hn["household_id"]))


def test_county_code_of_other_length_uses_the_prefix_rule():
    v, h = uneven_county(3)
    v = v.assign(village_code="x" + v["village_code"])
    h = h.assign(village_code="x" + h["village_code"])

    def drawx(code):
        return draw_county_sample(v, h, SamplingSettings(), county_rng(5, C), seed=5,
                                  county_code=code)

    ref = draw(v.assign(village_code=v["village_code"].str[1:]),
               h.assign(village_code=h["village_code"].str[1:]))
    s = drawx("x13063")  # str[:6] == code, as for a 6-digit code
    pd.testing.assert_frame_equal(
        s.drop(columns=["county_code", "village_code"]),
        ref.drop(columns=["county_code", "village_code"]), check_exact=True)
    assert (s["village_code"] == "x" + ref["village_code"]).all()
    with pytest.raises(SamplingError, match="no villages"):
        drawx("x1306")  # a shorter code never equals a 6-character prefix


@pytest.mark.parametrize("shuffle", [False, True])
def test_duplicate_ids_are_rejected_sorted_or_not(shuffle):
    v, h = uneven_county(4)
    h = h.copy()
    twice = h["household_id"].iloc[10]
    h.loc[h.index[3], "household_id"] = twice
    if shuffle:  # ids out of order: checked through the sort, not the fast in-order path
        h = h.sample(frac=1, random_state=0)
    with pytest.raises(SamplingError, match="duplicate household ids") as e:
        draw(v, h)
    assert twice in str(e.value)


def test_missing_ids_statuses_and_orphans_are_rejected():
    v, h = uneven_county(5)
    two_null = h.copy()
    two_null.loc[two_null.index[[4, 9]], "household_id"] = None
    with pytest.raises(SamplingError, match="duplicate household ids"):
        draw(v, two_null)
    bad = h.copy()
    bad.loc[bad.index[[0, 7]], "village_code"] = C + "999999"
    with pytest.raises(SamplingError, match="not in the village list") as e:
        draw(v, bad)
    assert h["household_id"].iloc[0] in str(e.value) and h["household_id"].iloc[7] in str(e.value)
    bad = h.copy()
    bad.loc[bad.index[3], "status"] = None
    with pytest.raises(SamplingError, match="status"):
        draw(v, bad)
    bad = h.copy()
    bad.loc[bad.index[3], "status"] = "Exited"
    with pytest.raises(SamplingError, match="Exited"):
        draw(v, bad)
    dup_v = pd.concat([v, v.iloc[[2]]])
    with pytest.raises(SamplingError, match="duplicate village codes"):
        draw(dup_v, h)


def test_nullable_flags_and_labour():
    v, h = uneven_county(6)
    ref = draw(v, h)
    hn = h.copy()
    for f in ("dibao", "dilapidated_house", "serious_illness", "elderly_alone"):
        hn[f] = hn[f].astype("boolean")
    hn["labor_count"] = hn["labor_count"].astype("Int64")
    pd.testing.assert_frame_equal(ref, draw(v, hn), check_exact=True)
