import numpy as np
import pytest

from sampling.errors import SamplingError
from sampling.streams import county_rng


def test_stream_zero_is_the_documented_seed_sequence():
    expected = np.random.default_rng(np.random.SeedSequence(2020, spawn_key=(130631,)))
    assert np.array_equal(county_rng(2020, "130631").random(8), expected.random(8))


def test_streams_differ_by_county_seed_and_stream():
    base = county_rng(1, "130631").random(4)
    assert not np.array_equal(base, county_rng(1, "130632").random(4))
    assert not np.array_equal(base, county_rng(2, "130631").random(4))
    assert not np.array_equal(base, county_rng(1, "130631", stream=1).random(4))
    assert np.array_equal(base, county_rng(1, "130631").random(4))


@pytest.mark.parametrize("code", ["13063a", "", "130631.0"])
def test_bad_county_code(code):
    with pytest.raises(SamplingError):
        county_rng(1, code)
