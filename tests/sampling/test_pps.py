import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.errors import SamplingError
from sampling.pps import pps_inclusion, pps_systematic, srs


def test_pi_is_n_times_share_of_size():
    assert np.allclose(pps_inclusion([1, 2, 3, 4], 2), [0.2, 0.4, 0.6, 0.8])


def test_certainty_units_are_taken_iteratively():
    # Pass 1: 3·[.5,.3,.1,.05,.05] puts unit 0 over 1; pass 2: 2·[30,10,5,5]/50 puts unit 1
    # over 1; pass 3: the last draw is spread over 20: [.5, .25, .25].
    assert np.allclose(pps_inclusion([50, 30, 10, 5, 5], 3), [1, 1, 0.5, 0.25, 0.25])


def test_zero_sizes_are_never_selected():
    rng = np.random.default_rng(0)
    for _ in range(200):
        idx, pi = pps_systematic([0, 5, 0, 5, 5, 1], 2, rng)
        assert pi[0] == 0 and pi[2] == 0
        assert 0 not in idx and 2 not in idx


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=40),
    st.data(),
    st.integers(0, 2**32 - 1),
)
def test_pps_systematic_draws_n_distinct_units(sizes, data, seed):
    positive = sum(1 for s in sizes if s > 0)
    n = data.draw(st.integers(min_value=0, max_value=positive))
    idx, pi = pps_systematic(sizes, n, np.random.default_rng(seed))
    assert len(idx) == n == len(set(idx.tolist()))
    assert np.isclose(pi.sum(), n)
    assert ((pi >= 0) & (pi <= 1)).all()
    assert (pi[idx] > 0).all()
    assert set(np.flatnonzero(pi >= 1).tolist()) <= set(idx.tolist())
    # Horvitz–Thompson estimate of the total size is exact under πps.
    if n:
        assert np.isclose((np.asarray(sizes, float)[idx] / pi[idx]).sum(), sum(sizes))


def test_pps_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(SamplingError):
        pps_systematic([1, 0, 2], 3, rng)
    with pytest.raises(SamplingError):
        pps_systematic([1, -1, 2], 1, rng)
    with pytest.raises(SamplingError):
        pps_systematic([1, float("nan"), 2], 1, rng)


def test_srs():
    idx, pi = srs(10, 4, np.random.default_rng(1))
    assert len(set(idx.tolist())) == 4 and idx.min() >= 0 and idx.max() < 10
    assert np.allclose(pi, 0.4) and len(pi) == 10
    with pytest.raises(SamplingError):
        srs(3, 4, np.random.default_rng(1))
