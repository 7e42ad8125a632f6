"""Safe drinking water (饮水安全有保障), checked from 2019.

Quality and quantity adequate; piped, or a round trip of at most 20 minutes to fetch it; the
supply cut on at most 36 days a year. Several failing sub-rules give their codes joined.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from registry.checks.base import (
    FAIL,
    PASS,
    UNVERIFIED,
    CheckContext,
    FieldFacts,
    HouseholdCheck,
    Parameter,
    Planting,
    Verdicts,
    join_codes,
    read_bool,
    read_number,
    select_rules,
)
from registry.columns import NON_NEGATIVE, Bounds, Column

# How a failing water check shows: long fetch, long cuts, bad quality, too little water.
_FAILURE_MODES = (0.4, 0.25, 0.2, 0.15)


def evaluate(f: pd.DataFrame, ctx: CheckContext) -> Verdicts:
    """Fail on any failing sub-rule; pass when quality, quantity, access and supply hold."""
    n = len(f)
    fetch_max = ctx.param("water_fetch_max_minutes")
    cut_max = ctx.param("water_cut_max_days")
    piped, not_piped = read_bool(f, "water_piped")
    quality_ok, quality_bad = read_bool(f, "water_quality_ok")
    quantity_ok, quantity_short = read_bool(f, "water_quantity_ok")
    fetch = read_number(f, "water_fetch_minutes", non_negative=True)
    cuts = read_number(f, "water_cut_days", non_negative=True)
    near = fetch <= fetch_max
    too_far = not_piped & (fetch > fetch_max)
    access_ok = piped | near  # within the limit is enough even when "piped" was left blank
    cuts_ok = cuts <= cut_max
    too_many_cuts = cuts > cut_max
    why = join_codes([
        (quality_bad, "WATER_QUALITY_BAD"),
        (quantity_short, "WATER_QUANTITY_SHORT"),
        (too_far, "WATER_FETCH_TOO_FAR"),
        (too_many_cuts, "WATER_SUPPLY_CUTS"),
    ], n)
    return select_rules(n, [
        (why != "", FAIL, why),
        (quality_ok & quantity_ok & access_ok & cuts_ok, PASS, "WATER_OK"),
    ], (UNVERIFIED, "WATER_MISSING"))


def synth_field(facts: FieldFacts, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A failure is one of a long fetch, long cuts, bad quality or too little water."""
    n = facts.fail.size
    cum = np.cumsum(np.asarray(_FAILURE_MODES))
    drawn = np.searchsorted(cum / cum[-1], rng.random(n), side="right")
    mode = np.where(facts.fail, drawn, -1)
    piped = (rng.random(n) < 0.85) & (mode != 0)
    fetch = np.where(
        mode == 0,
        np.round(rng.uniform(25, 90, n), 0),
        np.where(piped, np.nan, np.round(rng.uniform(3, 18, n), 0)),
    )
    cut = np.where(
        mode == 1,
        rng.integers(40, 121, n),
        np.where(rng.random(n) < 0.7, 0, rng.integers(1, 31, n)),
    )
    return {
        "water_piped": piped,
        "water_fetch_minutes": fetch,
        "water_quality_ok": mode != 2,
        "water_quantity_ok": mode != 3,
        "water_cut_days": cut,
    }


CHECK = HouseholdCheck(
    name="water",
    columns=(
        Column("water_piped", "自来水入户", "bool", nullable=True),
        Column("water_fetch_minutes", "取水往返分钟", "float", nullable=True, bounds=NON_NEGATIVE),
        Column("water_quality_ok", "水质达标", "bool", nullable=True),
        Column("water_quantity_ok", "水量达标", "bool", nullable=True),
        Column("water_cut_days", "年断水天数", "int", nullable=True,
               bounds=Bounds(0, 366, rule="water_cut_days_range")),
    ),
    reasons={
        "WATER_OK": (
            "饮水水质、水量达标，取水方便，供水有保障。",
            "Drinking water is adequate in quality and quantity, close at hand and reliably "
            "supplied.",
        ),
        "WATER_QUALITY_BAD": (
            "饮用水水质不达标。",
            "The drinking water's quality is not adequate.",
        ),
        "WATER_QUANTITY_SHORT": (
            "饮用水水量不够。",
            "There is not enough drinking water.",
        ),
        "WATER_FETCH_TOO_FAR": (
            "没有自来水入户，取水往返超过规定时间（默认 20 分钟）。",
            "No piped water, and a round trip to fetch water takes longer than allowed (20 "
            "minutes by default).",
        ),
        "WATER_SUPPLY_CUTS": (
            "一年中断水天数超过规定（默认 36 天）。",
            "The supply is cut on more days a year than allowed (36 by default).",
        ),
        "WATER_MISSING": (
            "饮水安全情况没有核实完整，需要补充核实。",
            "Drinking water was not fully verified; it must be checked on a return visit.",
        ),
        "WATER_NOT_IN_FORCE": (
            "该年度尚未把饮水安全列入检查（默认 2019 年起检查），本项不适用。",
            "Safe drinking water was not yet checked in this year (from 2019 by default); not "
            "applicable.",
        ),
    },
    evaluate=evaluate,
    synth_field=synth_field,
    planting=Planting(wrong_exit=0.10, missed=0.08, poor_extra=0.30),
    parameters=(
        Parameter("water_fetch_max_minutes", float, 20.0,
                  description="longest round trip to fetch water without piped water (minutes)"),
        Parameter("water_cut_max_days", int, 36,
                  description="most days a year the supply may be cut"),
        Parameter("water_check_from_year", int, 2019,
                  description="first year safe drinking water is checked"),
    ),
    in_force_from="water_check_from_year",
    not_in_force="WATER_NOT_IN_FORCE",
    form_rank=60,
)
