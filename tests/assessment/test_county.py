"""One county assessed end to end in the pure core, against the generator's planted truth."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.county import assess_county_sample, registry_counts
from assessment.settings import CheckSettings, Thresholds
from sampling.design import draw_county_sample
from sampling.settings import SamplingSettings
from synth.county import generate_county, realised_rates
from synth.field import synth_field_rows
from synth.plan import PlantSpec
from tests.registry.county_frame import load_county_frame

YEAR, LINE = 2019, 3218.0
CHECKS = CheckSettings()


def _county(code: str = "520324", **plant: float):
    frame = load_county_frame()
    row = frame.loc[frame["county_code"] == code].iloc[0]
    return generate_county(row, year=YEAR, scale=0.25, rng=np.random.default_rng(11),
                           plant=PlantSpec(**plant), income_line=LINE)


def _assess(sc, rep: int, *, nonresponse: float = 0.06, unapproved: float = 0.0):
    rng = np.random.default_rng([rep, 2019])
    sample = draw_county_sample(sc.villages, sc.households, SamplingSettings(), rng, seed=rep,
                                county_code=sc.county_code)
    field = synth_field_rows(sample, sc.households, sc.members, sc.truth, year=YEAR,
                             income_line=LINE, rng=rng, nonresponse_rate=nonresponse,
                             unapproved_rate=unapproved)
    return assess_county_sample(sample, field, sc.households, sc.members, year=YEAR,
                                region="west", checks=CHECKS, thresholds=Thresholds())


@pytest.fixture(scope="module")
def bad_county():
    return _county(wrong_exit_rate=0.06)


def test_a_county_planted_at_six_percent_wrong_exits_fails(bad_county) -> None:
    result = _assess(bad_county, rep=1)
    wrong = result.indicators.indicators["wrong_exit_rate"]
    truth = realised_rates(bad_county)["wrong_exit_rate"]
    assert wrong.verdict == "fail"
    assert result.indicators.verdict == "fail"
    assert wrong.ci_low <= truth <= wrong.ci_high
    assert abs(wrong.value - truth) < 0.025


def test_estimates_are_close_to_the_planted_truth() -> None:
    sc = _county(wrong_exit_rate=0.01, missed_rate=0.01, recognition_rate=0.93)
    truth = realised_rates(sc)
    ind = _assess(sc, rep=2).indicators.indicators
    for name in ("wrong_exit_rate", "missed_rate", "recognition_rate", "incidence"):
        est = ind[name]
        slack = 0.5 * (est.ci_high - est.ci_low)  # within the interval's own width
        assert abs(est.value - truth[name]) <= max(slack, 0.005), name


def test_provisional_while_visits_are_unapproved(bad_county) -> None:
    result = _assess(bad_county, rep=3, unapproved=0.05)
    assert result.field_counts["unapproved_rows"] > 0
    assert result.provisional is True
    json_ = result.indicators.result_json(bad_county.county_code, result.sample_summary(),
                                          result.provisional)
    assert json_["provisional"] is True
    assert json_["sample"]["households_completed"] > 0


def test_registry_counts_add_up(bad_county) -> None:
    counts = registry_counts(bad_county.households)
    assert counts.people_total == bad_county.households["household_size"].sum()
    assert counts.people_exited + counts.people_not_registered + counts.people_poor == \
        counts.people_total


@pytest.mark.slow
def test_wrong_exit_interval_covers_the_truth_93_to_97_percent_of_500_samples() -> None:
    """CI coverage by simulation on a synthetic county with known truth: 500 independent
    samples through the full pipeline (draw → field visits with non-response → substitution →
    checks → estimation). Korn–Graubard intervals, 95 % nominal."""
    sc = _county("522323", wrong_exit_rate=0.03)
    truth = realised_rates(sc)["wrong_exit_rate"]
    reps = 500
    covered = 0
    for rep in range(reps):
        wrong = _assess(sc, rep=1000 + rep).indicators.indicators["wrong_exit_rate"]
        covered += wrong.ci_low <= truth <= wrong.ci_high
    coverage = covered / reps
    print(f"\nwrong-exit CI coverage: {coverage:.1%} of {reps} samples (truth {truth:.4f})")
    assert 0.93 <= coverage <= 0.97, f"coverage {coverage:.1%} outside 93–97 %"


def test_a_rejected_visit_superseded_by_an_approved_one_does_not_keep_it_provisional(
        bad_county) -> None:
    import pandas as pd

    from assessment.county import effective_visits

    rows = pd.DataFrame({
        "household_id": ["a", "a", "b", "c"],
        "visit_date": pd.to_datetime(["2019-12-01", "2019-12-03", "2019-12-02", "2019-12-02"]),
        "supervisor_approved": [False, True, True, False],
        "outcome": ["completed", "completed", "completed", "completed"],
    })
    latest, counts = effective_visits(rows, pd.Series(["a", "b", "c"]))
    assert counts["unapproved_rows"] == 2
    assert counts["unapproved_pending"] == 1  # only c's row still awaits review
    assert list(latest["household_id"]) == ["a", "b"]


def test_an_empty_cell_collapses_within_its_household_stratum() -> None:
    import pandas as pd

    from assessment.county import class_weights

    units = pd.DataFrame({
        "village_code": ["V1", "V1", "V2", "V2", "V3"],
        "village_stratum": ["poor", "poor", "poor", "poor", "non_poor"],
        "stratum": ["exited", "poor", "exited", "poor", "exited"],
        "N_vh": [10, 4, 20, 6, 8], "pi_village": [0.5, 0.5, 0.25, 0.25, 1.0],
        "completed": [True, True, True, False, True]})
    out = class_weights(units)
    # V2's poor cell is empty: its weight goes to V1's poor cell (same household stratum,
    # same village stratum), never to V2's exited households.
    assert out.loc[2, "weight_final"] == pytest.approx(20 / 0.25)
    assert out.loc[1, "weight_final"] == pytest.approx(4 / 0.5 + 6 / 0.25)
    assert np.isnan(out.loc[3, "weight_final"])
    exited = out["stratum"].eq("exited")
    assert out.loc[exited, "weight_final"].sum() == pytest.approx(10 / .5 + 20 / .25 + 8)
