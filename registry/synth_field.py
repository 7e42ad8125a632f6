"""Synthetic field-check rows for a drawn sample, consistent with the planted truth.

The field app exports one row per visit to every household it was given (main and reserve).
A completed visit records the observed facts of the exit checks; here they are derived from the
truth of :mod:`registry.synth`, so that scoring the rows reproduces the planted failures: a
housing failure is an ``unsafe`` house, an education failure a child out of school, a medical
failure an uninsured member, a water failure a long fetch, long cuts or bad water, an income
failure a verified income below the line (a paper exit also shows the non-countable income that
lifted its registry figure). Non-response, unapproved rows, revisits and unappraised houses are
added at realistic rates. Vectorised over households; randomness only from the passed
generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from registry.contract import CHECKS, FIELD_CHECKS
from registry.synth import SynthError

# Non-response outcomes and their shares among non-responding households.
_NONRESPONSE = (("not_home", 0.5), ("refused", 0.2), ("moved", 0.3))
_NOTES = {
    "not_home": "户主外出务工，多次上门未遇",
    "refused": "拒绝接受访问",
    "moved": "举家外迁",
}
# How a failing water check shows: long fetch, long cuts, bad quality, too little water.
_WATER_MODES = (0.4, 0.25, 0.2, 0.15)
WINDOW_START_MONTH_DAY = (12, 1)
WINDOW_DAYS = 51  # 1 December .. 20 January


def _pick_cat(p: tuple[float, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(np.asarray(p, dtype=float))
    return np.searchsorted(cum / cum[-1], rng.random(n), side="right")


def _per_household(
    members: pd.DataFrame, ids: pd.Index, year: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """School-age children, registry dropouts and registry uninsured members per household."""
    m = members.loc[members["household_id"].isin(ids), ["household_id"]].copy()
    age = year - members.loc[m.index, "birth_year"].astype("int64")
    m["kids"] = ((age >= 6) & (age <= 15)).to_numpy()
    m["dropout"] = (members.loc[m.index, "school_status"] == "dropout").to_numpy()
    m["none"] = (members.loc[m.index, "medical_insurance"] == "none").to_numpy()
    g = m.groupby("household_id")[["kids", "dropout", "none"]].sum().reindex(ids, fill_value=0)
    return (
        g["kids"].to_numpy(np.int64),
        g["dropout"].to_numpy(np.int64),
        g["none"].to_numpy(np.int64),
    )


def synth_field_rows(
    sample: pd.DataFrame,
    households: pd.DataFrame,
    members: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    year: int,
    income_line: float,
    rng: np.random.Generator,
    nonresponse_rate: float = 0.06,
    unapproved_rate: float = 0.03,
    revisit_rate: float = 0.03,
    unappraised_rate: float = 0.01,
) -> pd.DataFrame:
    """Field-check rows (contract columns) for every drawn household, main and reserve.

    Args:
        sample: the drawn sample (needs household_id; one row per household).
        households, members: the county registry.
        truth: the planted truth of :func:`registry.synth.generate_county`.
        year: the campaign year (ages for school age are taken in this year).
        income_line: the income line of ``year``.
        rng: the county's field-row generator.
        nonresponse_rate: share of households whose last visit is not completed.
        unapproved_rate: share of last visits not yet approved by a supervisor.
        revisit_rate: share of completed households that were first found not at home.
        unappraised_rate: share of completed households whose house is unappraised.

    Returns:
        One row per visit, columns exactly those of the field-check contract.
    """
    for name, v in (("nonresponse_rate", nonresponse_rate), ("unapproved_rate", unapproved_rate),
                    ("revisit_rate", revisit_rate), ("unappraised_rate", unappraised_rate)):
        if not 0.0 <= v <= 1.0:
            raise SynthError(f"{name} must lie in [0, 1], got {v} / {name} 须在0到1之间")
    ids = pd.Index(sample["household_id"].astype(str).drop_duplicates())
    n = len(ids)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FIELD_CHECKS.names})
    hh = households.assign(household_id=households["household_id"].astype(str)).set_index(
        "household_id"
    )
    tr = truth.assign(household_id=truth["household_id"].astype(str)).set_index("household_id")
    missing = ids.difference(hh.index).union(ids.difference(tr.index))
    if len(missing):
        raise SynthError(
            f"{len(missing)} sampled household(s) are not in the registry or the truth, e.g. "
            f"{list(missing[:3])} / 样本中有{len(missing)}户不在户籍表或真值表中"
        )
    hh = hh.loc[ids]
    tr = tr.loc[ids]
    size = hh["household_size"].to_numpy(np.int64)
    kids, dropouts, uninsured_reg = _per_household(members, ids, year)
    fail = {c: tr[f"true_fail_{c}"].to_numpy(bool) for c in CHECKS}

    # ---- outcomes of the last visit, revisits, approval
    responded = rng.random(n) >= nonresponse_rate
    nr_kind = _pick_cat(tuple(p for _, p in _NONRESPONSE), n, rng)
    nr_names = np.array([k for k, _ in _NONRESPONSE], dtype=object)
    final_outcome = np.where(responded, "completed", nr_names[nr_kind])
    revisit = responded & (rng.random(n) < revisit_rate)
    approved = rng.random(n) >= unapproved_rate

    day_first = rng.integers(0, WINDOW_DAYS - 11, n)
    day_final = np.where(
        revisit, day_first + rng.integers(1, 11, n), rng.integers(0, WINDOW_DAYS, n)
    )
    start = np.datetime64(f"{year}-{WINDOW_START_MONTH_DAY[0]:02d}-{WINDOW_START_MONTH_DAY[1]:02d}")

    village = hh["village_code"].astype(str).to_numpy()
    v_codes, v_idx = np.unique(village, return_inverse=True)
    team = rng.integers(1, 38, v_codes.size)[v_idx] + rng.integers(0, 3, n)
    prefix = np.char.add("E", np.char.add(np.asarray([v[:4] for v in v_codes])[v_idx], "-"))
    enumerator = np.char.add(prefix, np.char.zfill(team.astype("<U2"), 2))

    # ---- observed facts of a completed visit
    food_mode = rng.integers(0, 3, n)
    food_stable = ~(fail["food"] & (food_mode != 1))
    protein = ~(fail["food"] & (food_mode != 0))
    clothing = ~fail["clothing"]
    extra_kid = (kids >= 2) & (rng.random(n) < 0.2)
    out_of_school = np.where(
        fail["education"], np.minimum(kids, np.maximum(dropouts, 1 + extra_kid)), 0
    )
    extra_unins = (size >= 2) & (rng.random(n) < 0.3)
    uninsured = np.where(
        fail["medical"], np.minimum(size, np.maximum(uninsured_reg, 1 + extra_unins)), 0
    )
    registered = (hh["status"].astype(str) != "not_registered").to_numpy()
    housing = np.where(
        hh["relocated"].to_numpy(bool),
        "relocated",
        np.where(
            hh["dilapidated_house"].to_numpy(bool) | (registered & (rng.random(n) < 0.3)),
            "renovated",
            "appraised_safe",
        ),
    ).astype(object)
    housing[fail["housing"]] = "unsafe"
    housing[~fail["housing"] & (rng.random(n) < unappraised_rate)] = "unappraised"

    water_mode = np.where(fail["water"], _pick_cat(_WATER_MODES, n, rng), -1)
    piped = (rng.random(n) < 0.85) & (water_mode != 0)
    fetch = np.where(
        water_mode == 0,
        np.round(rng.uniform(25, 90, n), 0),
        np.where(piped, np.nan, np.round(rng.uniform(3, 18, n), 0)),
    )
    cut = np.where(
        water_mode == 1,
        rng.integers(40, 121, n),
        np.where(rng.random(n) < 0.7, 0, rng.integers(1, 31, n)),
    )
    quality = water_mode != 2
    quantity = water_mode != 3
    income = np.round(tr["true_income_per_capita"].to_numpy(float), 2)
    income = np.where(fail["income"], np.minimum(income, income_line - 0.01), income)
    not_countable = np.round(tr["income_not_countable"].to_numpy(float), 2)
    accepts = tr["accepts"].to_numpy(bool)
    recognition = np.where(accepts, "yes", np.where(rng.random(n) < 0.6, "no", "unsure"))

    # ---- assemble: an optional earlier not-at-home row, then the last visit
    rows_first = np.flatnonzero(revisit)
    order = np.concatenate([rows_first, np.arange(n)])
    is_first = np.concatenate([np.ones(rows_first.size, bool), np.zeros(n, bool)])
    outcome = np.where(is_first, "not_home", final_outcome[order])
    completed = outcome == "completed"
    day = np.where(is_first, day_first[order], day_final[order])

    def fact(values: np.ndarray, dtype: str) -> pd.Series:
        s = pd.Series(values[order], dtype=dtype if dtype != "float" else "float64")
        return s.where(pd.Series(completed), other=pd.NA if dtype != "float" else np.nan)

    notes = pd.Series(outcome).map(_NOTES).astype("str")
    out = pd.DataFrame(
        {
            "household_id": pd.Series(ids.to_numpy()[order], dtype="str"),
            "visit_date": pd.Series(start + day.astype("timedelta64[D]")).astype("datetime64[s]"),
            "enumerator_id": pd.Series(enumerator[order], dtype="str"),
            "supervisor_approved": pd.Series(np.where(is_first, True, approved[order])),
            "outcome": pd.Series(outcome, dtype="str"),
            "food_stable": fact(food_stable, "boolean"),
            "protein_regular": fact(protein, "boolean"),
            "clothing_ok": fact(clothing, "boolean"),
            "school_age_children": fact(kids, "Int64"),
            "children_out_of_school": fact(out_of_school, "Int64"),
            "uninsured_members": fact(uninsured, "Int64"),
            "housing_safety": fact(housing, "str"),
            "water_piped": fact(piped, "boolean"),
            "water_fetch_minutes": fact(fetch, "float"),
            "water_quality_ok": fact(quality, "boolean"),
            "water_quantity_ok": fact(quantity, "boolean"),
            "water_cut_days": fact(cut, "Int64"),
            "verified_income_per_capita": fact(income, "float"),
            "income_not_countable": fact(not_countable, "float"),
            "recognition": fact(recognition, "str"),
            "notes": notes,
        },
        columns=FIELD_CHECKS.names,
    )
    return out.sort_values(["household_id", "visit_date"], kind="stable").reset_index(drop=True)
