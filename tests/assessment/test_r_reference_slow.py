"""R ``survey`` as the reference on our own designs (slow: needs Rscript with ``survey``).

Three synthetic counties go through the pure core exactly as ``exitcheck assess`` runs it
(draw → field visits with non-response → substitution → checks → indicators). The scored
frame is what ``results/<county>.parquet`` holds; it is written as Parquet, read back, and
handed to R as CSV (Debian's R has no Parquet reader). R then runs the calls that
docs/methods.md §7 ("Reproducing the indicators in R") gives:

    svydesign(ids = ~var_psu + household_id, strata = ~var_stratum + stage2_stratum,
              fpc = ~fpc1 + fpc2, weights = ~pw, data = d, nest = TRUE)

and the values and standard errors of the four indicators must agree to 4 significant
figures. The counties: one with certainty villages (a village stratum taken whole), one with
a lonely PSU (one village drawn in a stratum), one with a zero-failure domain.

Install R: ``apt-get install -y --no-install-recommends r-base-core r-cran-survey`` (the
Makefile's SLOWDEPS).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessment.county import assess_county_sample, registry_counts
from assessment.estimation import SurveyDesign
from assessment.settings import CheckSettings, Thresholds
from sampling.design import draw_county_sample
from sampling.settings import SamplingSettings
from synth.county import generate_county
from synth.field import synth_field_rows
from synth.plan import PlantSpec
from tests.registry.county_frame import load_county_frame

pytestmark = pytest.mark.slow

YEAR, LINE = 2019, 3218.0
R_SCRIPT = Path(__file__).with_name("r_reference.R")

COUNTIES = {  # name: (county code, plant, sampling settings, seed)
    "certainty": ("520324", PlantSpec(wrong_exit_rate=0.02, missed_rate=0.01),
                  SamplingSettings(villages_per_stratum={"poor_remote": 100}), 3),
    "lonely": ("522323", PlantSpec(wrong_exit_rate=0.03, missed_rate=0.01),
               SamplingSettings(villages_per_stratum={"non_poor": 1}), 4),
    "zero": ("520324", PlantSpec(wrong_exit_rate=0.02, missed_rate=0.0), SamplingSettings(), 5),
}


def _results(name: str, tmp: Path) -> tuple[Path, dict]:
    code, plant, settings, seed = COUNTIES[name]
    frame = load_county_frame()
    row = frame.loc[frame["county_code"] == code].iloc[0]
    sc = generate_county(row, year=YEAR, scale=0.25, rng=np.random.default_rng(seed),
                         plant=plant, income_line=LINE)
    rng = np.random.default_rng([seed, YEAR])
    sample = draw_county_sample(sc.villages, sc.households, settings, rng, seed=seed,
                                county_code=code)
    field = synth_field_rows(sample, sc.households, sc.members, sc.truth, year=YEAR,
                             income_line=LINE, rng=rng, nonresponse_rate=0.06)
    a = assess_county_sample(sample, field, sc.households, sc.members, year=YEAR,
                             region="west", checks=CheckSettings(), thresholds=Thresholds())
    parquet = tmp / f"{name}.parquet"
    a.scored.to_parquet(parquet)  # what flows/county/assess.py writes
    csv = tmp / f"{name}.csv"
    back = pd.read_parquet(parquet)
    cols = ["household_id", "var_stratum", "var_psu", "fpc1", "stage2_stratum", "fpc2",
            "weight", "household_size", "stratum", "outcome", "standard", "recognition",
            "village_stratum", "pi_village"]
    back[cols].to_csv(csv, index=False)
    reg = registry_counts(sc.households)
    ours = {k: (r.value, r.se) for k, r in a.indicators.indicators.items()}
    return csv, {"registry": reg, "ours": ours, "scored": back}


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="needs Rscript with survey")
@pytest.mark.parametrize("name", list(COUNTIES))
def test_r_survey_reproduces_the_indicators(name: str, tmp_path: Path) -> None:
    csv, info = _results(name, tmp_path)
    reg = info["registry"]
    scored = info["scored"]
    done = scored[scored["outcome"].eq("completed")]
    if name == "certainty":
        assert (done["var_stratum"].str.startswith("certainty:")).any()
    if name == "lonely":
        n_psu = done.groupby("var_stratum")["var_psu"].nunique()
        assert (n_psu == 1).any(), n_psu
    out = subprocess.run(
        ["Rscript", str(R_SCRIPT), str(csv), str(reg.people_poor), str(reg.people_exited),
         str(reg.people_not_registered), str(reg.people_total)],
        capture_output=True, text=True, check=True, timeout=300)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n{name}: R survey {r.pop('version')}")
    for k, (value, se) in info["ours"].items():
        rv, rse = r[k]
        print(f"  {k}: ours {value:.6g} (se {se:.6g})  R {rv:.6g} (se {rse:.6g})")
        assert math.isclose(value, rv, rel_tol=5e-5, abs_tol=1e-12), (k, value, rv)
        assert math.isclose(se, rse, rel_tol=5e-5, abs_tol=1e-12), (k, se, rse)
    if name == "zero":
        assert info["ours"]["missed_rate"][0] == 0.0
    if name == "lonely":
        # A total (not an indicator): R 4.1 centres a lonely PSU at 0, R >= 4.3 and exitcheck
        # at the grand mean of the PSU totals (docs/methods.md gives the measured size).
        d = done.assign(one=1.0)
        ours = SurveyDesign(d, weights="weight", strata="var_stratum", psu="var_psu",
                            fpc="fpc1", strata2="stage2_stratum", fpc2="fpc2").total("one")
        rv, rse = r["households_total"]
        print(f"  households total: ours {ours.value:.6g} (se {ours.se:.6g})  "
              f"R {rv:.6g} (se {rse:.6g}); se ratio {ours.se / rse:.4f}")
        assert math.isclose(ours.value, rv, rel_tol=5e-5)
        assert ours.se <= rse * (1 + 5e-5)
