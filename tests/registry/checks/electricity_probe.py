"""Run in a fresh interpreter: register the electricity check, then report what picked it up.

``python -m tests.registry.checks.electricity_probe`` prints one JSON object. Registering must
come before anything derived from the list of checks is imported, so this module imports the
rest of the project only inside :func:`main`, after :func:`register`.
"""

from __future__ import annotations

import json
from typing import Any


def main() -> dict[str, Any]:
    """Register the check, then gather the contract, schema, validation, scoring and synth."""
    from registry.checks.catalogue import register
    from tests.registry.checks.electricity import CHECK

    register(CHECK)  # the one step the recipe needs besides writing the check's module

    import numpy as np
    import pandas as pd

    from assessment.checks import REASONS, score_households
    from assessment.messages import explain
    from assessment.settings import CheckSettings
    from registry.contract import CHECKS, FIELD_CHECKS
    from registry.schemas import schema_for
    from registry.validation import validate_county
    from synth.county import generate_county
    from synth.field import synth_field_rows
    from synth.plan import PlantSpec
    from tests.registry.county_frame import load_county_frame

    out: dict[str, Any] = {"checks": list(CHECKS), "field_columns": FIELD_CHECKS.names}
    schema = schema_for("field_checks")
    out["schema"] = {
        c: [f"{k.name}:{k.statistics}" for k in schema.columns[c].checks]
        + [str(schema.columns[c].dtype)]
        for c in ("electricity_ok", "power_cut_days", "long_power_cut_days")
    }
    out["settings"] = CheckSettings().model_dump()["electricity_cut_max_days"]
    out["reasons"] = list(REASONS["electricity"])
    out["explain"] = explain("ELECTRICITY_NONE;ELECTRICITY_CUTS", "en")

    # Synthetic planting: electricity failures among the wrong exits, and in the field rows.
    frame = load_county_frame()
    row = frame.loc[frame["county_code"] == "520324"].iloc[0]
    sc = generate_county(row, year=2019, scale=0.1, rng=np.random.default_rng(3),
                         plant=PlantSpec(wrong_exit_rate=0.06, missed_rate=0.04),
                         income_line=3218.0)
    truth = sc.truth
    out["planted"] = int(truth["true_fail_electricity"].sum())
    out["planted_only_electricity"] = int((truth["true_fail_electricity"] & (
        truth.filter(like="true_fail_").sum(axis=1) == 1)).sum())
    picked = truth[~truth["true_meets"]].head(300)["household_id"]
    others = truth[truth["true_meets"]].head(300)["household_id"]
    sample = pd.DataFrame({"household_id": pd.concat([picked, others], ignore_index=True)})
    field = synth_field_rows(sample, sc.households, sc.members, sc.truth, year=2019,
                             income_line=3218.0, rng=np.random.default_rng(5),
                             nonresponse_rate=0.0, unapproved_rate=0.0, revisit_rate=0.0)
    scores = score_households(field, year=2019, settings=CheckSettings(), members=sc.members)
    joined = pd.concat([field[["household_id"]], scores], axis=1).merge(truth, on="household_id")
    out["score_columns"] = [c for c in scores.columns if c.startswith("electricity")]
    fails = joined["electricity_result"] == "fail"
    out["scored_fail_matches_truth"] = bool((fails == joined["true_fail_electricity"]).all())
    only = joined["failed_checks"] == "electricity"
    out["only_electricity_standard"] = sorted(set(joined.loc[only, "standard"]))
    out["n_only_electricity"] = int(only.sum())

    # A stricter parameter, from the settings (as the campaign TOML would set it).
    strict = score_households(field, year=2019, settings=CheckSettings(electricity_cut_max_days=0),
                              members=sc.members)
    out["strict_cuts"] = int(strict["electricity_reason"].str.contains("ELECTRICITY_CUTS").sum())

    # Validation: the bounds declared on the columns quarantine bad rows.
    bad = field.copy()
    bad["power_cut_days"] = bad["power_cut_days"].astype("object")
    bad.loc[0, "power_cut_days"] = 400
    bad.loc[1, "long_power_cut_days"] = int(bad.loc[1, "power_cut_days"]) + 1
    bad["electricity_ok"] = bad["electricity_ok"].astype("object")
    bad.loc[2, "electricity_ok"] = "maybe"
    result = validate_county({"households": sc.households, "members": sc.members,
                              "field_checks": bad}, year=2019)
    q = result.quarantine
    q = q[q["table"] == "field_checks"]
    out["quarantine"] = sorted({(r, c) for r, c in zip(q["rule"], q["column"], strict=True)})
    schema.validate(result.clean[next(t for t in result.clean if str(t) == "field_checks")])
    return out


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False, default=str))
