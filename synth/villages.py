"""Step 1: the villages of a county (townships, names, poor and remote villages, sizes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from registry.contract import VILLAGES
from synth import names
from synth.draws import choose_k, pick


@dataclass(frozen=True)
class Villages:
    """The village table and, per village, its household count and type.

    ``vtype``: 0 poor and remote, 1 poor, 2 non-poor.
    """

    frame: pd.DataFrame
    n_households: np.ndarray
    vtype: np.ndarray
    codes: np.ndarray


def plant_villages(code: str, pop10k: float, scale: float, rng: np.random.Generator) -> Villages:
    """50–150 villages in 10–20 townships; 30–45 % poor, a third of those remote."""
    target = float(np.clip(pop10k * 1e4 * 0.6 / 3.35, 15_000, 90_000))
    n_vil = int(np.clip(round(target / rng.uniform(380, 520)), 50, 150))
    n_town = int(min(rng.integers(10, 21), n_vil))
    town = np.sort(np.concatenate([np.arange(n_town), rng.integers(0, n_town, n_vil - n_town)]))
    seq = np.arange(n_vil) - np.searchsorted(town, town, side="left")
    town_codes = np.char.add(code, (101 + town).astype("<U3"))
    village_codes = np.char.add(town_codes, (201 + seq).astype("<U3"))

    t_first = pick(names.PLACE_FIRST, n_town, rng)
    t_second = pick(names.PLACE_SECOND, n_town, rng)
    t_suffix = pick(names.TOWNSHIP_SUFFIXES, n_town, rng)
    town_names = np.char.add(np.char.add(t_first, t_second), t_suffix)
    v_names = np.char.add(
        np.char.add(pick(names.PLACE_FIRST, n_vil, rng), pick(names.PLACE_SECOND, n_vil, rng)),
        names.VILLAGE_SUFFIX,
    )

    poor = choose_k(np.ones(n_vil, bool), round(rng.uniform(0.30, 0.45) * n_vil), rng)
    remote = (poor & (rng.random(n_vil) < rng.uniform(0.28, 0.40))) | (
        ~poor & (rng.random(n_vil) < 0.05)
    )
    mean_hh = target / n_vil
    n_hh = mean_hh * np.clip(np.exp(rng.normal(0.0, 0.22, n_vil)), 0.6, 1.5)
    n_hh = np.where(remote, n_hh * 0.85, n_hh)
    n_hh = np.maximum(8, np.round(n_hh * scale)).astype(np.int64)

    frame = pd.DataFrame(
        {
            "village_code": village_codes.astype(str),
            "village_name": v_names.astype(str),
            "township_code": town_codes.astype(str),
            "township_name": town_names[town].astype(str),
            "poor_village": poor,
            "remote": remote,
        },
        columns=VILLAGES.names,
    )
    vtype = np.where(poor & remote, 0, np.where(poor, 1, 2))
    return Villages(frame, n_hh, vtype, village_codes.astype(str))
