import numpy as np
import pandas as pd
import pytest

from sampling.errors import SamplingError
from sampling.substitution import apply_field_outcomes, effective_outcomes


def cell(village, stratum, n_main, n_res, N, pi_v=0.5):
    rows = []
    for i in range(n_main):
        rows.append((f"{village}-{stratum}-m{i}", "main", pd.NA))
    for j in range(1, n_res + 1):
        rows.append((f"{village}-{stratum}-r{j}", "reserve", j))
    df = pd.DataFrame(rows, columns=["household_id", "role", "reserve_rank"])
    df["reserve_rank"] = df["reserve_rank"].astype("Int64")
    df["village_code"] = village
    df["village_stratum"] = "poor"
    df["stratum"] = stratum
    df["pi_village"] = pi_v
    df["N_vh"] = N
    df["n_vh"] = n_main
    return df


def sample():
    return pd.concat([
        cell("V1", "exited", 3, 3, N=30),
        cell("V1", "other", 2, 1, N=10),
        cell("V2", "exited", 2, 1, N=8, pi_v=0.25),
    ], ignore_index=True)


def visits(**outcomes):
    return pd.DataFrame({"household_id": list(outcomes), "outcome": list(outcomes.values())})


def by_id(res):
    return res.units.set_index("household_id")


def all_completed(s):
    return visits(**{h: "completed" for h in s.loc[s["role"] == "main", "household_id"]})


def test_all_main_completed_uses_no_reserve():
    s = sample()
    res = apply_field_outcomes(s, all_completed(s))
    assert (res.units["role"] == "main").all() and res.log.empty
    u = by_id(res)
    # weight = (1/π_v)·N_vh/m_vh
    assert np.isclose(u.loc["V1-exited-m0", "weight_final"], 2 * 30 / 3)
    assert np.isclose(u.loc["V2-exited-m1", "weight_final"], 4 * 8 / 2)
    assert np.isclose(u.loc["V1-other-m0", "pi_household_final"], 2 / 10)
    assert res.totals == {"households_drawn": 7, "households_completed": 7,
                          "response_rate": 1.0, "reserves_used": 0, "nonresponse": 0,
                          "pending": 0}


def test_nothing_visited_yet():
    res = apply_field_outcomes(sample(), visits())
    assert res.totals["pending"] == 7 and np.isnan(res.totals["response_rate"])
    assert res.units["weight_final"].isna().all() and res.log.empty


def test_nonresponse_pulls_next_reserve_and_chains():
    s = sample()
    v = all_completed(s)
    v.loc[v["household_id"] == "V1-exited-m1", "outcome"] = "refused"
    v = pd.concat([v, visits(**{"V1-exited-r1": "not_home", "V1-exited-r2": "completed"})])
    res = apply_field_outcomes(s, v)
    in_play = set(res.units["household_id"])
    assert {"V1-exited-r1", "V1-exited-r2"} <= in_play and "V1-exited-r3" not in in_play
    log = res.log[["replaced_household_id", "reserve_household_id", "reserve_rank", "reason"]]
    assert log.values.tolist() == [
        ["V1-exited-m1", "V1-exited-r1", 1, "refused"],
        ["V1-exited-r1", "V1-exited-r2", 2, "not_home"],
    ]
    u = by_id(res)
    assert np.isnan(u.loc["V1-exited-m1", "weight_final"])
    assert np.isclose(u.loc["V1-exited-r2", "weight_final"], 2 * 30 / 3)  # 3 completed
    assert res.totals["reserves_used"] == 2
    assert np.isclose(res.totals["response_rate"], 7 / 9)


def test_pending_main_pulls_nothing_and_unapproved_is_pending():
    s = sample()
    v = all_completed(s)
    v = v[v["household_id"] != "V1-exited-m2"]
    v = pd.concat([v, pd.DataFrame({"household_id": ["V1-exited-m2"], "outcome": ["refused"],
                                    "supervisor_approved": [False]})])
    v["supervisor_approved"] = v["supervisor_approved"].fillna(True).astype(bool)
    res = apply_field_outcomes(s, v)
    u = by_id(res)
    assert u.loc["V1-exited-m2", "outcome"] == "pending"
    assert (res.units["role"] == "main").all()
    comp = res.completion.set_index("village_code").loc["V1"]
    assert comp["visited"] == 5 and comp["approved"] == 4 and comp["pending"] == 1
    # The cell's weight is spread over its 2 completed units for now.
    assert np.isclose(u.loc["V1-exited-m0", "weight_final"], 2 * 30 / 2)


def test_reserves_exhausted_still_adjusts():
    s = sample()
    v = all_completed(s)
    v.loc[v["household_id"].isin(["V1-other-m0", "V1-other-m1"]), "outcome"] = "moved"
    v = pd.concat([v, visits(**{"V1-other-r1": "completed"})])
    res = apply_field_outcomes(s, v)
    c = res.cells.set_index(["village_code", "stratum"]).loc[("V1", "other")]
    assert c["unreplaced_nonresponse"] == 1 and c["reserves_left"] == 0
    assert np.isclose(by_id(res).loc["V1-other-r1", "weight_final"], 2 * 10 / 1)


def test_empty_cell_collapses_into_its_village():
    s = sample()
    v = all_completed(s)
    v.loc[v["household_id"].str.startswith("V1-other"), "outcome"] = "refused"
    v = pd.concat([v, visits(**{"V1-other-r1": "deceased"})])
    res = apply_field_outcomes(s, v)
    cells = res.cells.set_index(["village_code", "stratum"])
    assert cells.loc[("V1", "other"), "cell_status"] == "collapsed"
    v1 = res.units[(res.units["village_code"] == "V1") & res.units["completed"]]
    # The village's frame count (30 + 10) is carried by its completed units.
    assert np.isclose((v1["weight_final"] * v1["pi_village"]).sum(), 40)
    assert np.allclose(v1["weight_final"], 1 / (v1["pi_village"] * v1["pi_household_final"]))


def test_village_with_no_completed_unit_is_flagged():
    s = sample()
    v = all_completed(s)
    v.loc[v["household_id"].str.startswith("V2"), "outcome"] = "not_found"
    v = pd.concat([v, visits(**{"V2-exited-r1": "not_found"})])
    res = apply_field_outcomes(s, v)
    assert (res.cells.loc[res.cells["village_code"] == "V2", "cell_status"]
            == "village_empty").all()
    assert res.units.loc[res.units["village_code"] == "V2", "weight_final"].isna().all()


def test_out_of_order_reserve_visit_is_reported_not_used():
    s = sample()
    v = pd.concat([all_completed(s), visits(**{"V1-exited-r3": "completed"})])
    res = apply_field_outcomes(s, v)
    assert "V1-exited-r3" not in set(res.units["household_id"])
    assert res.completion.set_index("village_code").loc["V1", "visited_not_in_play"] == 1


def test_bad_visits():
    s = sample()
    with pytest.raises(SamplingError, match="not in the drawn sample"):
        apply_field_outcomes(s, visits(X1="completed"))
    with pytest.raises(SamplingError, match="several"):
        apply_field_outcomes(s, pd.concat([visits(**{"V1-exited-m0": "completed"})] * 2))
    with pytest.raises(SamplingError, match="outcome"):
        apply_field_outcomes(s, visits(**{"V1-exited-m0": "asleep"}))


def test_effective_outcome_is_the_latest_approved_visit():
    fc = pd.DataFrame({
        "household_id": ["a", "a", "a", "b", "c"],
        "visit_date": pd.to_datetime(["2020-05-01", "2020-05-03", "2020-05-04", "2020-05-01",
                                      "2020-05-02"]),
        "supervisor_approved": [True, True, False, False, True],
        "outcome": ["not_home", "completed", "refused", "completed", "refused"],
    })
    eff = effective_outcomes(fc.iloc[::-1]).set_index("household_id")
    assert eff.loc["a", "outcome"] == "completed" and eff.loc["a", "visits"] == 3
    assert pd.isna(eff.loc["b", "outcome"]) and not eff.loc["b", "supervisor_approved"]
    assert eff.loc["c", "outcome"] == "refused"


def test_effective_outcomes_feed_the_substitution_rule():
    s = sample()
    fc = pd.DataFrame({
        "household_id": ["V1-exited-m0", "V1-exited-m0", "V1-exited-r1", "V2-exited-m0"],
        "visit_date": pd.to_datetime(["2020-05-01", "2020-05-02", "2020-05-03", "2020-05-01"]),
        "supervisor_approved": [True, False, True, False],
        "outcome": ["refused", "completed", "completed", "completed"],
    })
    res = apply_field_outcomes(s, effective_outcomes(fc))
    u = by_id(res)
    assert u.loc["V1-exited-m0", "outcome"] == "refused"  # the later visit is not approved
    assert u.loc["V1-exited-r1", "outcome"] == "completed"
    assert u.loc["V2-exited-m0", "outcome"] == "pending" and u.loc["V2-exited-m0", "visited"]
    assert res.log["reserve_household_id"].tolist() == ["V1-exited-r1"]
