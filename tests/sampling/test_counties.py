import numpy as np
import pandas as pd
import pytest

from sampling.counties import select_counties
from sampling.errors import SamplingError
from sampling.settings import Allocation, CountyMethod


def frame(counts=(1, 3, 7, 12, 25), seed=0):
    r = np.random.default_rng(seed)
    rows = []
    for p, k in enumerate(counts):
        for i in range(k):
            rows.append({"county_code": f"{11 + p}{i + 1:04d}", "province_code": str(11 + p),
                         "population_10k": float(r.uniform(5, 120))})
    return pd.DataFrame(rows)


def test_exact_total_and_one_per_province():
    f = frame()
    s = select_counties(f, n=10, rng=np.random.default_rng(1))
    assert len(s) == 10
    assert set(s["stratum"]) == set(f["province_code"])
    assert s["county_code"].is_unique
    # SRS within a stratum: weights add up to the stratum size.
    assert (s.groupby("stratum")["weight"].sum() == f.groupby("province_code").size()).all()
    assert ((s["pi"] > 0) & (s["pi"] <= 1)).all()


def test_rate_rounds_and_keeps_one_per_province():
    f = frame()  # 48 counties, 5 provinces
    assert len(select_counties(f, rate=0.2, rng=np.random.default_rng(1))) == 10  # 9.6 → 10
    assert len(select_counties(f, rate=0.01, rng=np.random.default_rng(1))) == 5
    assert len(select_counties(f, rate=1.0, rng=np.random.default_rng(1))) == 48


def test_pps_within_province():
    f = frame()
    s = select_counties(f, n=12, method=CountyMethod.PPS, rng=np.random.default_rng(3))
    assert len(s) == 12
    # Horvitz–Thompson estimate of each province's population is exact under πps.
    ht = (s["population_10k"] / s["pi"]).groupby(s["stratum"]).sum()
    true = f.groupby("province_code")["population_10k"].sum()
    assert np.allclose(ht.sort_index(), true.sort_index())


def test_neyman_allocation_runs_and_is_exact():
    s = select_counties(frame(), n=15, allocation=Allocation.NEYMAN,
                        method=CountyMethod.PPS, rng=np.random.default_rng(2))
    assert len(s) == 15 and s["n_h"].groupby(s["stratum"]).first().sum() == 15


def test_reproducible():
    a = select_counties(frame(), n=10, rng=np.random.default_rng(5))
    b = select_counties(frame(), n=10, rng=np.random.default_rng(5))
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("kwargs", [
    {"rate": 0.0}, {"rate": -0.2}, {"rate": 1.5}, {"n": 49}, {"n": 4}, {},
    {"rate": 0.2, "n": 10},
])
def test_bad_requests(kwargs):
    with pytest.raises(SamplingError):
        select_counties(frame(), rng=np.random.default_rng(0), **kwargs)


def test_empty_frame_and_missing_population():
    with pytest.raises(SamplingError):
        select_counties(frame().iloc[:0], n=1, rng=np.random.default_rng(0))
    f = frame()
    f.loc[3, "population_10k"] = np.nan
    with pytest.raises(SamplingError, match=f.loc[3, "county_code"]):
        select_counties(f, n=10, method=CountyMethod.PPS, rng=np.random.default_rng(0))
