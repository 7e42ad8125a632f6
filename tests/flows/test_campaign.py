"""The Prefect flows end to end on a small synthetic campaign: outputs, manifest, caching,
failure isolation, partial field data and central spot-checks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.store.files import sha256_file
from registry.contract import CHECKS

RESULT_KEYS = {"county_code", "verdict", "indicators", "sample", "failures_by_check",
               "provisional"}
INDICATOR_KEYS = {"value", "se", "ci_low", "ci_high", "threshold", "verdict"}


def test_results_json_has_exactly_the_contract_keys(campaign) -> None:
    for code in campaign.counties:
        result = json.loads((campaign.ws / "results" / f"{code}.json").read_text("utf-8"))
        assert set(result) == RESULT_KEYS
        assert result["verdict"] in {"pass", "fail", "borderline"}
        assert set(result["indicators"]) == {"wrong_exit_rate", "missed_rate",
                                             "recognition_rate", "incidence"}
        for ind in result["indicators"].values():
            assert set(ind) == INDICATOR_KEYS
        assert set(result["sample"]) == {"households_drawn", "households_completed",
                                         "response_rate", "reserves_used"}
        assert set(result["failures_by_check"]) <= set(CHECKS)


def test_results_parquet_has_checks_and_no_personal_data(campaign) -> None:
    code = campaign.counties[0]
    scored = pd.read_parquet(campaign.ws / "results" / f"{code}.parquet")
    for check in CHECKS:
        assert {f"{check}_result", f"{check}_reason"} <= set(scored.columns)
    assert not {"head_name", "head_id_number", "phone"} & set(scored.columns)
    assert scored["head_id_masked"].dropna().str.contains(r"\*{8}").all()
    completed = scored[scored["outcome"] == "completed"]
    assert completed["standard"].isin(["meets", "fails", "unverified"]).all()
    assert (completed["weight"] > 0).all()


def test_manifest_records_inputs_config_seed_versions_and_timings(campaign) -> None:
    m = json.loads((campaign.ws / "manifest.json").read_text("utf-8"))
    assert m["seed"] == 20191 and m["year"] == 2019
    assert m["config"]["thresholds"]["wrong_exit_max"] == 0.02
    assert "prefect" in m["versions"] and "numpy" in m["versions"]
    assert any(k.startswith("households") for k in m["inputs"])
    assert all(len(v) == 64 for v in m["inputs"].values())
    for code in campaign.counties:
        entry = m["counties"][code]
        assert entry["assess_status"] in {"done", "cached"}
        assert entry["sample_status"] == "done"  # the assess run kept the sample step's keys
        timings = entry.get("assess_timings", {})
        assert "score_estimate" in timings or entry["assess_status"] == "cached"


def test_rerun_is_cached_on_content_not_on_paths(campaign, tmp_path) -> None:
    """A copy at another path is still cached; changing one county's field file recomputes
    that county only."""
    from flows.campaign import assess_campaign

    c = campaign.copy(tmp_path)
    again = assess_campaign(str(c.data), str(c.ws), pdf=False)
    assert {o.status for o in again.outcomes} == {"cached"}

    target = c.counties[0]
    field = c.data / "field_checks" / f"{target}.csv"
    text = field.read_text(encoding="utf-8-sig").splitlines()
    field.write_text("\n".join(text[:-1]) + "\n", encoding="utf-8-sig")  # drop one visit
    third = assess_campaign(str(c.data), str(c.ws), pdf=False)
    status = {o.county_code: o.status for o in third.outcomes}
    assert status[target] == "done"
    assert all(s == "cached" for k, s in status.items() if k != target)


def test_a_failing_county_does_not_lose_the_others(campaign, tmp_path) -> None:
    from flows.campaign import assess_campaign

    c = campaign.copy(tmp_path)
    broken = c.counties[1]
    (c.data / "households" / f"{broken}.parquet").write_bytes(b"not a parquet file")
    before = {k: sha256_file(c.ws / "results" / f"{k}.json") for k in c.counties}
    summary = assess_campaign(str(c.data), str(c.ws), force=True, pdf=False)
    status = {o.county_code: o for o in summary.outcomes}
    assert not summary.ok
    assert status[broken].status == "failed"
    assert f"{broken}.parquet" in status[broken].message
    assert "Traceback" not in status[broken].message
    for code in c.counties:
        if code != broken:
            assert status[code].status == "done"
    # The failed county's previous results are untouched, never half-overwritten.
    assert sha256_file(c.ws / "results" / f"{broken}.json") == before[broken]
    manifest = json.loads((c.ws / "manifest.json").read_text("utf-8"))
    assert manifest["counties"][broken]["assess_status"] == "failed"


def test_partial_field_data_is_provisional_with_completion_by_village(campaign,
                                                                     tmp_path) -> None:
    from flows.campaign import assess_campaign

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    field = c.data / "field_checks" / f"{code}.csv"
    rows = pd.read_csv(field, dtype=str, encoding="utf-8-sig")
    rows.iloc[: len(rows) // 2].to_csv(field, index=False, encoding="utf-8-sig")
    assess_campaign(str(c.data), str(c.ws), counties=[code], pdf=False)
    result = json.loads((c.ws / "results" / f"{code}.json").read_text("utf-8"))
    detail = json.loads((c.ws / "results" / f"{code}.detail.json").read_text("utf-8"))
    assert result["provisional"] is True
    assert detail["pending_households"] > 0
    completion = pd.DataFrame(detail["completion"])
    assert {"village_code", "village_name", "drawn", "visited", "approved", "completed",
            "reserves_used", "pending"} <= set(completion.columns)
    assert completion["pending"].sum() == detail["pending_households"]


def test_tasks_run_through_fn_without_a_flow(campaign, tmp_path) -> None:
    from flows.campaign import sample_county_task
    from flows.store.config import CampaignConfig

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    outcome = sample_county_task.fn(str(c.data), str(c.ws), code,
                                    CampaignConfig())
    assert outcome.status == "cached"
    forced = sample_county_task.fn(str(c.data), str(c.ws), code,
                                   CampaignConfig(), True)
    assert forced.status == "done"
    # Same seed, same inputs: the redrawn sample is byte-identical.
    assert sha256_file(c.ws / "sample" / f"{code}.parquet") == sha256_file(
        campaign.ws / "sample" / f"{code}.parquet")


def test_spotcheck_reproduce_is_identical(campaign, tmp_path) -> None:
    from flows.central import spot_check

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    record = spot_check(str(c.data), str(c.ws), code, "reproduce")
    assert record["sample_identical"] is True
    assert record["estimates_identical"] is True
    assert record["identical"] is True
    assert record["differences"] == []
    written = json.loads((c.ws / "spotcheck" / f"{code}-{record['run']}.json").read_text("utf-8"))
    assert written["mode"] == "reproduce"


def test_spotcheck_renders_its_report_in_chinese_and_english(campaign, tmp_path) -> None:
    from flows.central import spot_check

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    zh = spot_check(str(c.data), str(c.ws), code, "reproduce", pdf=True)
    html, pdf = (Path(p) for p in zh["reports"])
    assert html == c.ws / "reports" / f"spotcheck-{code}-{zh['run']}.html"
    assert pdf == html.with_suffix(".pdf") and pdf.read_bytes().startswith(b"%PDF")
    text = html.read_text(encoding="utf-8")
    assert code in text and "国家抽查比对报告" in text and zh["run"] in text
    en = spot_check(str(c.data), str(c.ws), code, "independent", seed=7, lang="en", pdf=False)
    (page,) = (Path(p) for p in en["reports"])
    assert page.name == f"spotcheck-{code}-{en['run']}.en.html"
    assert "Central spot-check comparison" in page.read_text(encoding="utf-8")


def test_spotcheck_reproduce_detects_a_changed_result(campaign, tmp_path) -> None:
    from flows.central import spot_check

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    path = c.ws / "results" / f"{code}.json"
    result = json.loads(path.read_text("utf-8"))
    result["indicators"]["wrong_exit_rate"]["value"] = 0.0001
    path.write_text(json.dumps(result), encoding="utf-8")
    record = spot_check(str(c.data), str(c.ws), code, "reproduce")
    assert record["identical"] is False
    assert any("wrong_exit_rate" in d for d in record["differences"])


def test_spotcheck_independent_records_its_seed(campaign, tmp_path) -> None:
    from flows.central import spot_check

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    record = spot_check(str(c.data), str(c.ws), code, "independent", 12345)
    assert record["seed"] == 12345 and record["province_seed"] == 20191
    assert record["sample_sha256"]["central"] != record["sample_sha256"]["province"]
    assert record["status"] in {"awaiting_field_data", "compared"}
    assert (c.ws / "spotcheck" / f"{code}-{record['run']}.json").exists()


def test_compare_results_flags_a_contradiction() -> None:
    from flows.county.spotcheck import compare_results

    def res(v: float, se: float, verdict: str) -> dict:
        ind = {"value": v, "se": se, "verdict": verdict}
        rec = {"value": 1 - v, "se": se, "verdict": verdict}
        return {"indicators": {"wrong_exit_rate": ind, "missed_rate": ind,
                               "recognition_rate": rec, "incidence": ind}}

    same = compare_results(res(0.01, 0.003, "pass"), res(0.011, 0.003, "pass"))
    assert same["province_contradicted"] is False
    worse = compare_results(res(0.01, 0.003, "pass"), res(0.06, 0.005, "fail"))
    assert worse["contradicted"]["wrong_exit_rate"] is True
    assert worse["contradicted"]["recognition_rate"] is True  # 0.94 vs 0.99: lower is worse
    assert worse["difference"]["wrong_exit_rate"]["ci_low"] > 0


@pytest.mark.slow
def test_dask_runner_gives_results_identical_to_threads(campaign, tmp_path) -> None:
    from flows.campaign import assess_campaign
    from flows.runtime import Runner, task_runner

    c = campaign.copy(tmp_path)
    flow = assess_campaign.with_options(task_runner=task_runner(Runner.DASK, workers=2))
    summary = flow(str(c.data), str(c.ws), force=True, pdf=False)
    assert summary.ok and {o.status for o in summary.outcomes} == {"done"}
    for code in c.counties:
        assert (c.ws / "results" / f"{code}.json").read_bytes() == (
            campaign.ws / "results" / f"{code}.json").read_bytes()
        assert pd.read_parquet(c.ws / "results" / f"{code}.parquet").equals(
            pd.read_parquet(campaign.ws / "results" / f"{code}.parquet"))


def test_process_runner_gives_results_identical_to_threads(campaign, tmp_path) -> None:
    """The default CLI runner: worker processes report to this process's API, and leave
    PREFECT_API_URL as it was."""
    import os

    from flows.campaign import assess_campaign, sample_campaign
    from flows.runtime import Runner, task_runner

    c = campaign.copy(tmp_path)
    before = os.environ.get("PREFECT_API_URL")
    sampled = sample_campaign.with_options(task_runner=task_runner(Runner.PROCESSES, workers=2))(
        str(c.data), str(c.ws), force=True)
    assert sampled.ok and {o.status for o in sampled.outcomes} == {"done"}
    flow = assess_campaign.with_options(task_runner=task_runner(Runner.PROCESSES, workers=2))
    summary = flow(str(c.data), str(c.ws), force=True, pdf=False)
    assert summary.ok and {o.status for o in summary.outcomes} == {"done"}
    assert os.environ.get("PREFECT_API_URL") == before
    for code in c.counties:
        assert (c.ws / "sample" / f"{code}.parquet").read_bytes() == (
            campaign.ws / "sample" / f"{code}.parquet").read_bytes()
        assert (c.ws / "results" / f"{code}.json").read_bytes() == (
            campaign.ws / "results" / f"{code}.json").read_bytes()


def test_assess_publishes_a_verdict_table_artifact_with_report_links(campaign,
                                                                     tmp_path) -> None:
    import json as _json

    from prefect.artifacts import Artifact

    from flows.campaign import assess_campaign
    from flows.store.config import CampaignConfig

    c = campaign.copy(tmp_path)
    assess_campaign(str(c.data), str(c.ws), pdf=False)
    table = Artifact.get("assess-counties")
    assert table is not None and table.type == "table"
    rows = _json.loads(table.data) if isinstance(table.data, str) else table.data
    assert [r["county"] for r in rows] == list(c.counties)
    for row in rows:
        assert row["verdict"] in {"pass", "fail", "borderline"}
        assert row["wrong_exit_rate"].endswith("%") and "completed" in row
    note = Artifact.get(f"county-{c.counties[0]}")
    assert note is not None and "file://" not in note.data
    assert "`reports/province.html`" in note.data  # relative to the workspace
    assert "wrong_exit_rate" in note.data and "Fieldwork:" in note.data

    portal = CampaignConfig(portal_url="https://portal.example/ws/")
    assess_campaign(str(c.data), str(c.ws), config=portal, pdf=False)
    note = Artifact.get(f"county-{c.counties[0]}")
    assert "(https://portal.example/ws/reports/province.html)" in note.data


def test_a_failed_county_writes_a_failure_notice(campaign, tmp_path) -> None:
    from prefect.artifacts import Artifact

    from flows.campaign import assess_campaign

    c = campaign.copy(tmp_path)
    broken = c.counties[2]
    (c.data / "households" / f"{broken}.parquet").write_bytes(b"not a parquet file")
    assess_campaign(str(c.data), str(c.ws), force=True, pdf=False, counties=[broken])
    notice = Artifact.get(f"failure-{broken}")
    assert notice is not None
    assert f"{broken}.parquet" in notice.data  # what failed
    assert f"-p county={broken}" in notice.data and "What to do" in notice.data


def test_runs_are_named_by_step_campaign_and_counties(campaign, tmp_path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from flows.campaign import assess_campaign
    from flows.store.config import CampaignConfig

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    cfg = CampaignConfig(campaign="named-campaign-test")
    assess_campaign(str(c.data), str(c.ws), config=cfg, counties=[code], pdf=False)
    want = f"assess · named-campaign-test · {code}"
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(any_=[want])))
        assert len(runs) == 1
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [runs[0].id]}))
    assert [t.name for t in tasks] == [f"assess {code}"]


def test_a_flow_logs_each_county_outcome_to_the_api(campaign, tmp_path) -> None:
    import logging

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, LogFilter

    from flows.campaign import assess_campaign
    from flows.runtime import _drain_prefect_workers
    from flows.store.config import CampaignConfig

    c = campaign.copy(tmp_path)
    cfg = CampaignConfig(campaign="logged-campaign-test")
    # The suite runs Prefect at WARNING (tests/conftest.py); exitcheck's default is INFO.
    prefect_logger = logging.getLogger("prefect")
    level = prefect_logger.level
    prefect_logger.setLevel(logging.INFO)
    try:
        assess_campaign(str(c.data), str(c.ws), config=cfg, pdf=False)
        _drain_prefect_workers()
    finally:
        prefect_logger.setLevel(level)
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(like_="logged-campaign-test")))
        logs = client.read_logs(log_filter=LogFilter(flow_run_id={"any_": [run.id]}))
    text = "\n".join(log.message for log in logs)
    for code in c.counties:  # a new campaign name is a new config: recomputed
        assert f"county {code} assess done, verdict " in text
    assert "3 of 3 counties]" in text


def test_spotcheck_says_when_the_sample_came_from_another_code_version(campaign,
                                                                       tmp_path) -> None:
    from flows.central import spot_check

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    state = c.ws / ".state" / f"{code}.sample.json"
    doc = json.loads(state.read_text("utf-8"))
    doc["code_version"] = "0" * 64
    state.write_text(json.dumps(doc), encoding="utf-8")
    record = spot_check(str(c.data), str(c.ws), code, "reproduce")
    assert record["code_version"]["province"] == "0" * 64
    assert "another version" in record["note"]


def test_spotcheck_independent_compares_the_central_teams_own_visits(campaign,
                                                                     tmp_path) -> None:
    import shutil

    from flows.central import spot_check
    from flows.county.synth import synth_field

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    first = spot_check(str(c.data), str(c.ws), code, "independent", 777)
    assert first["status"] == "awaiting_field_data"  # the province's visits are not used
    central = tmp_path / "central"
    shutil.copytree(c.data, central)
    shutil.rmtree(central / "field_checks")
    synth_field(central, Path(first["workspace"]), truth_dir=c.truth, seed=9)
    second = spot_check(str(c.data), str(c.ws), code, "independent", 777, str(central))
    assert second["status"] == "compared"
    assert second["sample_sha256"]["central"] == first["sample_sha256"]["central"]
    for name, d in second["difference"].items():
        if d["comparable"]:
            assert d["ci_low"] <= d["value"] <= d["ci_high"], name
            assert isinstance(second["contradicted"][name], bool)


def test_a_zero_failure_side_keeps_the_uncertainty_of_its_own_interval() -> None:
    """Province: no wrong exits found (0, se 0, Korn–Graubard interval [0, 1.2 %]). Central:
    1 % (se 0.4 %). With the province's se taken as 0 the difference's CI would be
    1 % ± 0.78 %, excluding 0: a contradiction. With the se its interval implies (1.2 % / z)
    it is 1 % ± 1.43 %, which does not exclude 0."""
    from flows.county.spotcheck import compare_results, comparison_se

    zero = {"value": 0.0, "se": 0.0, "ci_low": 0.0, "ci_high": 0.012, "verdict": "pass"}
    found = {"value": 0.01, "se": 0.004, "ci_low": 0.003, "ci_high": 0.02, "verdict": "pass"}
    assert comparison_se(zero) == pytest.approx(0.012 / 1.959963984540054)
    assert comparison_se(found) == 0.004
    full = {"value": 1.0, "se": 0.0, "ci_low": 0.97, "ci_high": 1.0, "verdict": "pass"}
    assert comparison_se(full) == pytest.approx(0.03 / 1.959963984540054)  # recognition 100 %
    assert comparison_se({"value": 0.0, "se": None, "ci_low": None, "ci_high": None}) == 0.0

    def res(wrong: dict) -> dict:
        return {"indicators": {"wrong_exit_rate": wrong, "missed_rate": found,
                               "recognition_rate": full, "incidence": found}}

    out = compare_results(res(zero), res(found))
    d = out["difference"]["wrong_exit_rate"]
    assert d["ci_low"] < 0 < d["ci_high"]
    assert out["contradicted"]["wrong_exit_rate"] is False
    assert d["se"] == pytest.approx((0.004 ** 2 + (0.012 / 1.959963984540054) ** 2) ** 0.5)


def test_compare_results_marks_an_empty_indicator_not_comparable() -> None:
    from flows.county.spotcheck import compare_results

    ok = {"value": 0.01, "se": 0.004, "verdict": "pass"}
    empty = {"value": None, "se": None, "verdict": "borderline"}
    ind = {"wrong_exit_rate": ok, "missed_rate": empty, "recognition_rate": ok,
           "incidence": ok}
    out = compare_results({"indicators": ind}, {"indicators": ind}, {"wrong_exit_rate": 21})
    assert out["difference"]["missed_rate"]["comparable"] is False
    assert out["contradicted"]["missed_rate"] is None
    assert out["province_contradicted"] is False
    wide = out["difference"]["wrong_exit_rate"]["ci_high"]
    narrow = compare_results({"indicators": ind}, {"indicators": ind})["difference"][
        "wrong_exit_rate"]["ci_high"]
    assert wide > narrow  # t on 21 df is wider than the normal quantile


def test_spotcheck_reports_input_files_changed_since_the_draw(campaign, tmp_path) -> None:
    from flows.central import spot_check

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    members = c.data / "members" / f"{code}.parquet"
    pd.read_parquet(members).to_parquet(members, compression="gzip", index=False)
    record = spot_check(str(c.data), str(c.ws), code, "reproduce")
    assert record["inputs_changed"] == [f"members/{code}.parquet"]
    assert "changed" in record["note_inputs"]
    assert record["sample_identical"] is True  # same content, other bytes: same draw


def test_provisional_results_cannot_be_approved_but_can_be_returned(campaign,
                                                                   tmp_path) -> None:
    from flows.county.signoff import ProvisionalResultError, record_signoff

    c = campaign.copy(tmp_path)
    provisional = [code for code in c.counties if json.loads(
        (c.ws / "results" / f"{code}.json").read_text("utf-8"))["provisional"]]
    assert provisional, "the synthetic field data leave some visits awaiting review"
    code = provisional[0]
    with pytest.raises(ProvisionalResultError, match="provisional"):
        record_signoff(c.ws, county=code, reviewer="王五", decision="approve", comment="同意")
    entry = record_signoff(c.ws, county=code, reviewer="王五", decision="return",
                           comment="补充入户")
    assert entry.decision == "return" and len(entry.report_sha256) == 64


def test_spotcheck_takes_the_field_checks_folder_and_an_inspector_workspace(campaign,
                                                                           tmp_path) -> None:
    import shutil

    from flows.central import spot_check
    from flows.county.synth import synth_field

    c = campaign.copy(tmp_path)
    code = c.counties[0]
    own = tmp_path / "inspector"
    province_files = sorted(p.name for p in c.ws.rglob("*"))
    first = spot_check(str(c.data), str(c.ws), code, "independent", 777,
                       inspector_workspace=str(own))
    assert Path(first["path"]).is_relative_to(own)
    assert Path(first["fieldwork"]).exists() and Path(first["fieldwork"]).is_relative_to(own)
    assert sorted(p.name for p in c.ws.rglob("*")) == province_files  # only read
    # The central team visits its own draw; their rows land in central/field_checks.
    visits = tmp_path / "visits"
    shutil.copytree(c.data, visits)
    shutil.rmtree(visits / "field_checks")
    sub = Path(first["workspace"])
    synth_field(visits, sub, truth_dir=c.truth, seed=3)
    central = tmp_path / "central"
    shutil.copytree(visits / "field_checks", central / "field_checks")
    second = spot_check(str(c.data), str(c.ws), code, "independent", 777,
                        field_dir=str(central / "field_checks"), inspector_workspace=str(own))
    assert second["status"] == "compared"


def test_a_second_command_on_a_busy_workspace_is_refused(campaign, tmp_path,
                                                          monkeypatch) -> None:
    """Two writers never share a workspace: the flow refuses clearly and writes nothing."""
    import flows.campaign as campaign_flows
    from flows.store.lock import WorkspaceBusyError, workspace_lock

    c = campaign.copy(tmp_path)
    monkeypatch.setattr(campaign_flows, "LOCK_WAIT_SECONDS", 0.0)
    before = sha256_file(c.ws / "manifest.json")
    with workspace_lock(c.ws, "assess"), pytest.raises(WorkspaceBusyError, match=r"\(assess\)"):
        campaign_flows.assess_campaign(str(c.data), str(c.ws), force=True, pdf=False)
    assert sha256_file(c.ws / "manifest.json") == before
