"""The assessment of one county's sample, from drawn sample and field visits to indicators.

Pure: DataFrames and settings in, a frozen ``CountyAssessment`` out. The flow
(``flows.county``) only loads the inputs and writes the outputs; the coverage simulation in
the tests calls this same function, so what is simulated is what runs.

Steps: the latest supervisor-approved visit of each sampled household → reserve substitution
and response-adjusted weights (``sampling.substitution``) → the seven household checks
(``assessment.checks``) → the four indicators with confidence intervals and verdicts
(``assessment.indicators``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assessment.checks import score_households
from assessment.indicators import CountyIndicators, RegistryCounts, county_indicators
from assessment.settings import CheckSettings, Thresholds
from registry.contract import CHECKS, FIELD_CHECKS
from registry.masking import mask_id, mask_name
from sampling.design import variance_design_columns
from sampling.substitution import SubstitutionResult, apply_field_outcomes, effective_outcomes


@dataclass(frozen=True)
class CountyAssessment:
    """Everything the assessment of one county produced.

    Attributes:
        scored: one row per household in play: sample and design columns, outcome, final
            ``weight`` (``weight_design`` keeps 1/(π_village·π_household)), household size,
            masked identity, each check's result and reason, ``standard``.
        indicators: the four indicators, their intervals and verdicts.
        substitution: the reserve substitutions, completion per village and totals.
        field_counts: field rows read; unapproved rows, and those still awaiting review (no
            later approved visit supersedes them); rows for households outside the sample.
        provisional: True while field data are incomplete (households still pending,
            unapproved rows, or unverified households awaiting a revisit).
    """

    scored: pd.DataFrame
    indicators: CountyIndicators
    substitution: SubstitutionResult
    field_counts: dict[str, int]
    provisional: bool

    @property
    def pending(self) -> int:
        return int(self.substitution.totals.get("pending") or 0)

    def sample_summary(self) -> dict[str, Any]:
        """The ``sample`` block of results/<county>.json."""
        t = self.substitution.totals
        rate = t.get("response_rate")
        return {
            "households_drawn": int(t.get("households_drawn") or 0),
            "households_completed": int(t.get("households_completed") or 0),
            "response_rate": None if rate is None or rate != rate else float(rate),
            "reserves_used": int(t.get("reserves_used") or 0),
        }


def effective_visits(field: pd.DataFrame | None,
                     sample_ids: pd.Series) -> tuple[pd.DataFrame, dict[str, int]]:
    """The latest supervisor-approved visit of each sampled household, and what was set aside.

    A later row supersedes an earlier one only when it is approved (data contract, field
    checks); unapproved rows and rows for households outside the drawn sample are counted and
    reported, never used.
    """
    if field is None or field.empty:
        return pd.DataFrame(columns=FIELD_CHECKS.names), {
            "unapproved_rows": 0, "unapproved_pending": 0, "unknown_household_rows": 0,
            "field_rows": 0}
    in_sample = field["household_id"].isin(sample_ids)
    order = ["household_id", "visit_date"] + (["source_row"] if "source_row" in field else [])
    rows = field[in_sample].sort_values(order, kind="stable")
    approved = rows["supervisor_approved"].fillna(False).astype(bool).to_numpy()
    # An unapproved row still awaits review unless a later approved visit superseded it.
    pos = np.arange(len(rows))
    last_approved = (pd.Series(np.where(approved, pos, -1))
                     .groupby(rows["household_id"].to_numpy()).transform("max").to_numpy())
    counts = {
        "field_rows": len(field),
        "unknown_household_rows": int((~in_sample).sum()),
        "unapproved_rows": int((~approved).sum()),
        "unapproved_pending": int((~approved & (pos > last_approved)).sum()),
    }
    latest = rows[approved].drop_duplicates("household_id", keep="last")
    return latest.reset_index(drop=True), counts


def registry_counts(households: pd.DataFrame) -> RegistryCounts:
    """People and households of the county registry, as the incidence indicator needs them."""
    size = households["household_size"].astype("int64")
    status = households["status"]
    return RegistryCounts(
        people_total=int(size.sum()),
        people_poor=int(size[status.isin(["poor", "returned"])].sum()),
        households_total=len(households),
        households_exited=int((status == "exited").sum()),
        people_exited=int(size[status == "exited"].sum()),
        people_not_registered=int(size[status == "not_registered"].sum()),
    )


def assess_county_sample(sample: pd.DataFrame, field: pd.DataFrame | None,
                         households: pd.DataFrame, members: pd.DataFrame | None, *, year: int,
                         region: str, checks: CheckSettings,
                         thresholds: Thresholds) -> CountyAssessment:
    """Assess one county's drawn sample against its field visits.

    Args:
        sample: the drawn sample (``registry.contract.SAMPLE_COLUMNS`` plus frame counts).
        field: the county's field-check rows (any number per household), or None.
        households, members: the county's validated registry.
        year: the assessment year (sets the income line; an unknown year is an error).
        region: east / central / west (sets the incidence threshold).
        checks, thresholds: the campaign's check parameters and exit thresholds.

    Returns:
        A ``CountyAssessment``.
    """
    visits, field_counts = effective_visits(field, sample["household_id"])
    if field is not None and not field.empty:
        outcomes = effective_outcomes(field[field["household_id"].isin(sample["household_id"])])
    else:
        outcomes = pd.DataFrame({"household_id": pd.Series(dtype=str),
                                 "outcome": pd.Series(dtype="string"),
                                 "supervisor_approved": pd.Series(dtype=bool)})
    sub = apply_field_outcomes(sample, outcomes)
    units = variance_design_columns(class_weights(sub.units))
    completed_ids = units.loc[units["outcome"].eq("completed"), "household_id"]
    done = visits.set_index("household_id").reindex(completed_ids)
    scores = score_households(done.reset_index(), year=year, settings=checks, members=members)
    scores.index = done.index
    scored = _scored_frame(units, scores, done, households)
    indicators = county_indicators(scored, registry=registry_counts(households), region=region,
                                   thresholds=thresholds)
    pending = int(sub.totals.get("pending") or 0)
    provisional = bool(pending > 0 or field_counts["unapproved_pending"] > 0
                       or indicators.unverified_households > 0)
    return CountyAssessment(scored, indicators, sub, field_counts, provisional)


def class_weights(units: pd.DataFrame) -> pd.DataFrame:
    """Response-adjusted weights with empty cells collapsed within their household stratum.

    Weighting classes (Lohr, *Sampling*, 2nd ed., §8.5; Kalton & Flores-Cervantes 2003): the
    completed households of a village × household-stratum cell share the cell's frame count,
    w = (1/π_village)·N_vh/m_vh. A cell with no completed household is collapsed into the
    cells of the SAME household stratum in the other villages of the same village stratum:
    those cells' weights are multiplied by g = Σ N_vh/π_village over all the class's cells ÷
    the same sum over its non-empty cells, so no weight crosses an indicator's domain. A
    village with no respondent at all is thereby adjusted at stage 1 (its weight goes to the
    responding villages of its village stratum, stratum by stratum). Only when a household
    stratum has no respondent in the whole village stratum does the class widen to that
    household stratum across all villages (``weight_class`` says which). The factor is
    treated as fixed in the variance.

    Returns:
        ``units`` with ``weight_final`` and ``pi_household_final`` replaced and
        ``weight_class`` and ``weight_class_factor`` added (NaN / None unless completed).
    """
    out = units.copy()
    done = out["completed"].fillna(False).to_numpy(dtype=bool)
    cells = out.groupby(["village_code", "stratum"], sort=False).agg(
        village_stratum=("village_stratum", "first"), N_vh=("N_vh", "first"),
        pi_village=("pi_village", "first"), m=("completed", "sum")).reset_index()
    cells["base"] = cells["N_vh"] / cells["pi_village"]
    cells["base_ok"] = cells["base"].where(cells["m"] > 0, 0.0)
    narrow = cells.groupby(["village_stratum", "stratum"])[["base", "base_ok"]].transform("sum")
    wide = cells.groupby("stratum")[["base", "base_ok"]].transform("sum")
    use_narrow = narrow["base_ok"] > 0
    cells["g"] = np.where(use_narrow, narrow["base"] / narrow["base_ok"].where(use_narrow, 1.0),
                          wide["base"] / wide["base_ok"].where(wide["base_ok"] > 0, np.nan))
    cells["cls"] = np.where(use_narrow, cells["village_stratum"].astype(str) + "|"
                            + cells["stratum"].astype(str), "*|" + cells["stratum"].astype(str))
    key = pd.MultiIndex.from_frame(out[["village_code", "stratum"]])
    look = cells.set_index(["village_code", "stratum"])
    g = look["g"].reindex(key).to_numpy(dtype=float)
    m = look["m"].reindex(key).to_numpy(dtype=float)
    ok = done & (m > 0) & np.isfinite(g)
    pi_h = np.where(ok, m / (out["N_vh"].to_numpy(dtype=float) * np.where(ok, g, 1.0)), 1.0)
    out["pi_household_final"] = np.where(ok, pi_h, np.nan)
    out["weight_final"] = np.where(ok, 1.0 / (out["pi_village"].to_numpy(dtype=float) * pi_h),
                                   np.nan)
    out["weight_class"] = np.where(ok, look["cls"].reindex(key).to_numpy(dtype=object), None)
    out["weight_class_factor"] = np.where(ok, g, np.nan)
    return out


def _scored_frame(units: pd.DataFrame, scores: pd.DataFrame, done: pd.DataFrame,
                  households: pd.DataFrame) -> pd.DataFrame:
    hh = households.set_index("household_id")
    ids = units["household_id"]
    # The design weight 1/(π_village·π_household) stays for the record; ``weight`` is the final,
    # response-adjusted weight that estimation uses (NaN for households not completed).
    out = units.rename(columns={"weight": "weight_design"})
    out["weight"] = out["weight_final"]
    out["household_size"] = hh["household_size"].reindex(ids).to_numpy()
    out["head_name_masked"] = mask_name(hh["head_name"].reindex(ids)).to_numpy()
    out["head_id_masked"] = mask_id(hh["head_id_number"].reindex(ids)).to_numpy()
    out["recognition"] = done["recognition"].reindex(ids).to_numpy()
    extra = scores.reindex(ids)
    for col in [*(f"{c}_{k}" for c in CHECKS for k in ("result", "reason")), "standard",
                "failed_checks"]:
        out[col] = extra[col].to_numpy() if col in extra else pd.NA
    for col in ("verified_income_per_capita", "income_not_countable"):
        out[col] = done[col].reindex(ids).to_numpy() if col in done else np.nan
    out["registry_income_per_capita"] = hh["income_per_capita"].reindex(ids).to_numpy()
    return out.reset_index(drop=True)
