"""The cached benchmark province: 60 Guizhou counties, ~3 M households, ~10 M members.

Generated once with ``flows.county.synth.synth_campaign`` (one county at a time, per-county Parquet)
into ``bench/cache/province/``; a stamp file records the parameters so that a change of
parameters regenerates it and nothing else does.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parent / "cache"
PROVINCE = "52"
YEAR = 2020  # 9 of the 60 counties exit in 2020: an earlier year would quarantine them
SEED = 20201
COUNTIES = 60
TARGET_HOUSEHOLDS = 3_000_000


def province_scale(counties: int = COUNTIES, target: int = TARGET_HOUSEHOLDS) -> float:
    """The generator scale that gives about ``target`` households over the counties.

    The generator sizes a county at clip(population·0.6/3.35, 15 000, 90 000) households
    times ``scale`` (synth/), so the scale is the target over that sum.
    """
    import numpy as np

    from flows.county.synth import pick_counties
    from flows.store.county_frame import national_county_frame

    chosen = pick_counties(national_county_frame(), PROVINCE, YEAR, counties)
    pop = chosen["population_10k"].astype(float).fillna(30.0).to_numpy()
    base = np.clip(pop * 1e4 * 0.6 / 3.35, 15_000, 90_000).sum()
    return round(target / float(base), 4)


def config_path() -> Path:
    """The campaign config of the benchmark (its year and seed match the data)."""
    return CACHE / "province" / "campaign.toml"


def data_dir() -> Path:
    return CACHE / "province" / "data"


def truth_dir() -> Path:
    return CACHE / "province" / "truth"


def ensure_province() -> dict:
    """Generate the province unless the cache holds it with the same parameters."""
    scale = province_scale()
    params = {"province": PROVINCE, "year": YEAR, "seed": SEED, "counties": COUNTIES,
              "scale": scale}
    stamp = CACHE / "province" / "stamp.json"
    if stamp.exists():
        done = json.loads(stamp.read_text(encoding="utf-8"))
        if done.get("params") == params:
            return done
    import shutil

    from flows.county.synth import synth_campaign

    shutil.rmtree(CACHE / "province", ignore_errors=True)
    t0 = time.perf_counter()
    summary = synth_campaign(data_dir(), province=PROVINCE, year=YEAR, counties=COUNTIES,
                             scale=scale, seed=SEED, truth_dir=truth_dir())
    done = {"params": params, "households": summary.households, "members": summary.people,
            "counties": list(summary.counties), "seconds": time.perf_counter() - t0}
    config_path().write_text(f'campaign = "bench"\nyear = {YEAR}\nseed = {SEED}\n',
                             encoding="utf-8")
    stamp.write_text(json.dumps(done, indent=2), encoding="utf-8")
    return done


if __name__ == "__main__":
    print(json.dumps(ensure_province(), indent=2), file=sys.stdout)
