"""Step 13: the yearly targeted-support history of the registered households."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.arrow import strings

SUPPORT_HISTORY_COLUMNS = ("household_id", "year", "amount")
FIRST_SUPPORT_YEAR = 2015


def plant_support_history(
    household_id: np.ndarray,
    registered: np.ndarray,
    exited: np.ndarray,
    reg_year: np.ndarray,
    exit_year: np.ndarray,
    withdrawn: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Targeted support (yuan per year) of the registered households, 2015..year.

    Clean households keep their support after exit, tapering mildly (脱贫不脱政策); planted
    households get large support before exit that drops to about nothing after it.
    """
    idx = np.flatnonzero(registered)
    start = np.maximum(reg_year[idx], FIRST_SUPPORT_YEAR)
    n_years = np.maximum(year - start + 1, 0)
    rows = np.repeat(np.arange(idx.size), n_years)
    first = np.concatenate([[0], np.cumsum(n_years)[:-1]])
    yr = start[rows] + (np.arange(rows.size) - first[rows])
    base = np.exp(rng.normal(np.log(2500.0), 0.6, idx.size))[rows]
    noise = rng.uniform(0.8, 1.2, rows.size)
    h = idx[rows]
    after = exited[h] & (yr > exit_year[h])
    since = np.where(after, yr - exit_year[h], 0)
    amount = base * noise * np.where(after, 0.8**since, 1.0)
    w = withdrawn[h]
    amount = np.where(w & ~after, amount * 4.0, amount)
    residual = np.where(rng.random(rows.size) < 0.7, 0.0, base * rng.uniform(0, 0.05, rows.size))
    amount = np.where(w & after, residual, amount)
    return pd.DataFrame(
        {
            "household_id": strings(household_id, h),
            "year": yr.astype(np.int64),
            "amount": np.round(amount, 0),
        },
        columns=list(SUPPORT_HISTORY_COLUMNS),
    )
