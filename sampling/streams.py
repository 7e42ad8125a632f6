"""One random stream per county, derived from the campaign seed.

Each county's generator comes from ``SeedSequence(seed, spawn_key=(int(county_code),))``, so a
county's draw depends only on the campaign seed and its own code: rerunning one county, or
drawing it among others in any order, gives the same sample (NumPy's SeedSequence design,
O'Neill's PCG seeding).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sampling.errors import SamplingError


class Stream(IntEnum):
    """The random streams of a county (``spawn_key=(county_code, stream)``), one per use, so
    that no use ever reuses another's random numbers."""

    SAMPLE = 0  #: the household sample: exactly ``spawn_key=(int(county_code),)``
    REGISTRY = 101  #: a synthetic county's registry
    FIELD = 102  #: a synthetic county's field visits
    SIGNALS = 103  #: the integrity signals' bootstraps and the anomaly forest


def county_rng(seed: int, county_code: str, stream: int = 0) -> np.random.Generator:
    """The random generator of one county.

    Args:
        seed: the campaign seed (a non-negative integer).
        county_code: the 6-digit county code.
        stream: 0 for the household sample (exactly ``spawn_key=(int(county_code),)``); other
            values give independent streams for other uses (``spawn_key=(code, stream)``).

    Returns:
        A fresh ``numpy.random.Generator`` (PCG64).
    """
    code = str(county_code)
    if not code.isdigit():
        raise SamplingError(
            f"county code {county_code!r} must be digits / 县代码 {county_code!r} 必须为数字"
        )
    if int(seed) < 0 or int(stream) < 0:
        raise SamplingError(
            f"seed and stream must be ≥ 0, got seed={seed}, stream={stream} / 随机种子不能为负数"
        )
    key: tuple[int, ...] = (int(code),) if stream == 0 else (int(code), int(stream))
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=key))
