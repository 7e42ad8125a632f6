"""Small synthetic villages/households frames for the sampling tests (no registry.synth)."""

from __future__ import annotations

import numpy as np
import pandas as pd

RISK = ("dibao", "dilapidated_house", "serious_illness", "elderly_alone")


def make_county(
    county: str = "130631",
    n_villages: int = 30,
    households_per_village: int | list[int] = 60,
    seed: int = 0,
    p_status: tuple[float, float, float, float] = (0.55, 0.1, 0.3, 0.05),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Villages and households of one county with random strata and risk flags."""
    r = np.random.default_rng(seed)
    codes = [f"{county}{100 + i // 10:03d}{i:03d}" for i in range(n_villages)]
    villages = pd.DataFrame({
        "village_code": codes,
        "village_name": [f"村{i}" for i in range(n_villages)],
        "township_code": [c[:9] for c in codes],
        "township_name": [f"乡{c[6:9]}" for c in codes],
        "poor_village": r.random(n_villages) < 0.5,
        "remote": r.random(n_villages) < 0.4,
    })
    sizes = (
        [households_per_village] * n_villages
        if isinstance(households_per_village, int)
        else list(households_per_village)
    )
    n = int(sum(sizes))
    households = pd.DataFrame({
        "household_id": [f"{county}H{i:07d}" for i in range(n)],
        "village_code": np.repeat(codes, sizes),
        "head_name": [f"户主{i}" for i in range(n)],
        "head_id_number": [f"{county}19700101{i:04d}"[-18:] for i in range(n)],
        "phone": [f"138{i:08d}" for i in range(n)],
        "status": r.choice(["not_registered", "poor", "exited", "returned"], n, p=p_status),
        "labor_count": r.integers(0, 4, n),
    })
    for f in RISK:
        households[f] = r.random(n) < 0.05
    return villages, households
