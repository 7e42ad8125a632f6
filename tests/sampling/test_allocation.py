import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.allocation import largest_remainder, neyman_allocation, proportional_allocation
from sampling.errors import SamplingError


def test_hamilton_textbook_case():
    # Quotas 3.5, 2.1, 1.4 → floors 3, 2, 1; the one seat left goes to the largest remainder.
    n = largest_remainder(pd.Series([50, 30, 20], index=list("abc")), 7, minimum=0)
    assert n.to_dict() == {"a": 4, "b": 2, "c": 1}


def test_minimum_one_then_largest_remainder():
    # 0.7 is raised to 1; the other 6 split 20:70 → 1.33, 4.67 → 1, 5.
    assert largest_remainder(pd.Series([10, 20, 70]), 7).tolist() == [1, 1, 5]


def test_ties_go_to_the_first_stratum():
    assert largest_remainder(pd.Series([1.0, 1.0, 1.0]), 10, minimum=0).tolist() == [4, 3, 3]


def test_caps_are_respected_and_the_rest_reallocated():
    # Neyman quotas 100·1 and 10·100: the second stratum is capped at its size (Cochran §5.5).
    n = neyman_allocation(pd.Series([100, 10]), 50, sd=pd.Series([1.0, 100.0]))
    assert n.tolist() == [40, 10]


def test_neyman_weights_by_sd():
    assert neyman_allocation(pd.Series([100, 100]), 8, sd=pd.Series([1.0, 3.0])).tolist() == [2, 6]


def test_neyman_with_common_p_is_proportional():
    sizes = pd.Series([120, 40, 840])
    assert neyman_allocation(sizes, 50, p=0.1).tolist() == proportional_allocation(
        sizes, 50
    ).tolist()


@pytest.mark.parametrize(
    ("quotas", "total", "caps"),
    [
        ([1, 2, 3], 2, None),  # fewer than one per stratum
        ([1, 2, 3], 10, [2, 2, 2]),  # more than the strata hold
        ([1, -2, 3], 5, None),  # negative quota
        ([1, float("nan"), 3], 5, None),
        ([0, 0, 0], 10, None),  # nothing to allocate by
        ([1, 2, 3], -1, None),
    ],
)
def test_infeasible_is_a_clear_error(quotas, total, caps):
    with pytest.raises(SamplingError):
        largest_remainder(pd.Series(quotas, dtype=float), total,
                          caps=None if caps is None else pd.Series(caps))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=12),
    st.data(),
)
def test_exact_total_within_bounds(sizes, data):
    caps = pd.Series(sizes)
    total = data.draw(st.integers(min_value=len(sizes), max_value=int(caps.sum())))
    quotas = pd.Series(data.draw(st.lists(st.floats(0.01, 100), min_size=len(sizes),
                                          max_size=len(sizes))))
    n = largest_remainder(quotas, total, caps=caps)
    assert n.sum() == total
    assert (n >= 1).all() and (n <= caps).all()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.01, 1000), min_size=1, max_size=15), st.integers(0, 300))
def test_quota_property_without_bounds(quotas, total):
    q = pd.Series(quotas)
    n = largest_remainder(q, total, minimum=0)
    exact = q / q.sum() * total
    assert n.sum() == total
    assert ((n >= np.floor(exact - 1e-9)) & (n <= np.ceil(exact + 1e-9))).all()
