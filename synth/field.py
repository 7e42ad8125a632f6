"""Synthetic field-check rows for a drawn sample, consistent with the planted truth.

The field app exports one row per visit to every household it was given (main and reserve).
A completed visit records the observed facts of every household check: each check of the
catalogue writes its own columns (``HouseholdCheck.synth_field``) from the truth of
:mod:`synth.county`, so that scoring the rows reproduces the planted failures. Non-response,
unapproved rows, revisits and unappraised houses are added at realistic rates. Vectorised over
households; randomness only from the passed generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from registry.checks.base import FieldFacts
from registry.checks.catalogue import household_checks
from registry.contract import FIELD_CHECKS, Column
from synth.draws import categorical
from synth.plan import SynthError

# Non-response outcomes and their shares among non-responding households.
_NONRESPONSE = (("not_home", 0.5), ("refused", 0.2), ("moved", 0.3))
_NOTES = {
    "not_home": "户主外出务工，多次上门未遇",
    "refused": "拒绝接受访问",
    "moved": "举家外迁",
}
WINDOW_START_MONTH_DAY = (12, 1)
WINDOW_DAYS = 51  # 1 December .. 20 January


def _dtype(col: Column) -> str:
    """The dtype of a check column in the exported rows (blank where not completed)."""
    return {"bool": "boolean", "int": "Int64", "float": "float"}.get(col.kind, "str")


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
        truth: the planted truth of :func:`synth.county.generate_county`.
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

    # ---- outcomes of the last visit, revisits, approval
    responded = rng.random(n) >= nonresponse_rate
    nr_kind = categorical(tuple(p for _, p in _NONRESPONSE), n, rng)
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

    # ---- observed facts of a completed visit: each check records its own columns
    facts: dict[str, np.ndarray] = {}
    for check in household_checks():  # a loop over the checks, not over households
        seen = FieldFacts(
            fail=tr[f"true_fail_{check.name}"].to_numpy(bool), household_ids=ids,
            households=hh, members=members, truth=tr, year=year, income_line=income_line,
            rates={"unappraised_rate": unappraised_rate},
        )
        facts.update(check.synth_field(seen, rng))
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

    check_columns = [c for c in FIELD_CHECKS.columns if c.name in facts]
    notes = pd.Series(outcome).map(_NOTES).astype("str")
    out = pd.DataFrame(
        {
            "household_id": pd.Series(ids.to_numpy()[order], dtype="str"),
            "visit_date": pd.Series(start + day.astype("timedelta64[D]")).astype("datetime64[s]"),
            "enumerator_id": pd.Series(enumerator[order], dtype="str"),
            "supervisor_approved": pd.Series(np.where(is_first, True, approved[order])),
            "outcome": pd.Series(outcome, dtype="str"),
            **{c.name: fact(facts[c.name], _dtype(c)) for c in check_columns},
            "recognition": fact(recognition, "str"),
            "notes": notes,
        },
        columns=FIELD_CHECKS.names,
    )
    return out.sort_values(["household_id", "visit_date"], kind="stable").reset_index(drop=True)
