import math

import pytest
from scipy import stats

from sampling.errors import SamplingError
from sampling.sample_size import cochran_n, extra_sample_for_bound, sample_size


def test_lohr_recipe_example():
    # Lohr, Sampling: Design and Analysis, 2nd ed. (2010), ch. 2, sample size estimation:
    # N = 1251 recipes, 95 % CI, margin 0.03, p = 1/2 → n0 ≈ 1067, n ≈ 576.
    assert cochran_n(0.5, 0.03) == pytest.approx(1067, abs=0.5)
    assert cochran_n(0.5, 0.03, population=1251) == pytest.approx(576, abs=0.5)
    assert sample_size(0.5, 0.03, deff=1, response_rate=1, population=1251) == 577  # rounded up


def test_the_384_rule():
    # The familiar 384 households for ±5 points at 95 % (Cochran 1977 eq. 4.2, p = 0.5).
    assert cochran_n(0.5, 0.05) == pytest.approx(384.1, abs=0.1)


def test_deff_and_response_inflate():
    base = sample_size(0.1, 0.02, deff=1, response_rate=1)
    assert sample_size(0.1, 0.02, deff=2, response_rate=1) in (2 * base - 1, 2 * base)
    assert sample_size(0.1, 0.02, deff=1, response_rate=0.5) in (2 * base - 1, 2 * base)
    assert sample_size(0.1, 0.02, deff=1.5, response_rate=0.9, population=300) <= 300


@pytest.mark.parametrize("kwargs", [
    {"p": 0, "margin": 0.05}, {"p": 0.5, "margin": 0}, {"p": 0.5, "margin": 0.05, "deff": 0},
    {"p": 0.5, "margin": 0.05, "response_rate": 0}, {"p": 0.5, "margin": 0.05, "confidence": 1},
])
def test_sample_size_errors(kwargs):
    with pytest.raises(SamplingError):
        sample_size(**kwargs)


def test_zero_failures_needs_the_rule_of_three_like_size():
    # With x = 0 the Clopper–Pearson upper bound is 1 − (α/2)^(1/n) (Clopper & Pearson 1934);
    # it is ≤ 0.02 from n = ln(0.025)/ln(0.98) = 182.6, i.e. n = 183.
    n_needed = math.ceil(math.log(0.025) / math.log(0.98))
    assert extra_sample_for_bound(0.0, 0.02, 100, deff=1, response_rate=1) == n_needed - 100
    # With deff 1.5 the effective size is n/1.5, and 10 % of the extra households fail.
    n15 = math.ceil(1.5 * math.log(0.025) / math.log(0.98))
    assert extra_sample_for_bound(0.0, 0.02, 100, deff=1.5, response_rate=0.9) == math.ceil(
        (n15 - 100) / 0.9)


def test_returned_size_is_the_smallest_that_clears():
    p, t, n0 = 0.012, 0.02, 400
    extra = extra_sample_for_bound(p, t, n0, deff=1, response_rate=1)

    def upper(n):
        return stats.beta.ppf(0.975, p * n + 1, n - p * n)

    assert extra > 0
    assert upper(n0 + extra) <= t < upper(n0 + extra - 1)


def test_clear_already_and_min_direction_symmetry():
    assert extra_sample_for_bound(0.001, 0.02, 5000, deff=1.5) == 0
    assert extra_sample_for_bound(0.95, 0.9, 60, direction="min") == extra_sample_for_bound(
        0.05, 0.1, 60, direction="max")


def test_point_estimate_missing_the_threshold_is_an_error():
    with pytest.raises(SamplingError):
        extra_sample_for_bound(0.03, 0.02, 500)
    with pytest.raises(SamplingError):
        extra_sample_for_bound(0.85, 0.9, 500, direction="min")
