"""Step 12: household ids, heads' names, ID numbers (GB 11643) and phones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from registry.idcard import make_id_numbers
from synth import names
from synth.arrow import STR
from synth.draws import categorical, pick


@dataclass(frozen=True)
class Identities:
    """Per household: id, village code, head's name and ID number, phone (10 % blank)."""

    household_id: np.ndarray
    village_codes: np.ndarray
    head_name: np.ndarray
    head_id: np.ndarray
    phone: pd.Series


def plant_identities(
    *,
    code: str,
    year: int,
    village_codes: np.ndarray,
    vidx: np.ndarray,
    head_male: np.ndarray,
    head_age: np.ndarray,
    rng: np.random.Generator,
) -> Identities:
    """Ids numbered within the village; names from the pools by sex; valid ID numbers."""
    H = vidx.size
    hh_village = village_codes[vidx]
    serial = np.arange(H) - np.searchsorted(vidx, vidx, side="left") + 1
    village_num = village_codes.astype(np.int64)[vidx]
    household_id = (village_num * 10_000 + serial).astype("<U16")
    sur_names = np.array([s for s, _ in names.SURNAMES])
    sur_w = np.array([w for _, w in names.SURNAMES])
    surname = sur_names[categorical(sur_w, H, rng)]
    given_pool = np.where(head_male, 0, 1)
    male_pool = np.array(names.GIVEN_MALE)
    female_pool = np.array(names.GIVEN_FEMALE)
    g1 = np.where(given_pool == 0, pick(male_pool, H, rng), pick(female_pool, H, rng))
    g2 = np.where(given_pool == 0, pick(male_pool, H, rng), pick(female_pool, H, rng))
    given = np.where(rng.random(H) < 0.3, g1, np.char.add(g1, g2))
    head_name = np.char.add(surname, given)
    birth_year_head = year - head_age
    month = rng.integers(1, 13, H)
    day = rng.integers(1, 29, H)
    birth = (birth_year_head * 10000 + month * 100 + day).astype("<U8")
    seq3 = 2 * rng.integers(0, 500, H) + head_male.astype(np.int64)
    head_id = make_id_numbers(np.full(H, code), birth, seq3)
    prefix = np.asarray(names.PHONE_PREFIXES).astype(np.int64)
    phone_num = prefix[rng.integers(0, prefix.size, H)] * 10**8 + rng.integers(0, 10**8, H)
    phone = pd.Series(
        pa.array(phone_num.astype("<U11"), pa.string(), mask=rng.random(H) < 0.1), dtype=STR
    )
    return Identities(household_id, hh_village, head_name, head_id, phone)
