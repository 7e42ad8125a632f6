"""The command line: documented commands exist, bad input gives a clear message and never a
traceback, and the README's examples keep working."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli.app import app

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _commands() -> set[str]:
    return {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}


def test_every_command_is_in_the_readme_with_an_example() -> None:
    for name in _commands() - {"version"}:
        assert re.search(rf"`exitcheck {name}\b[^`]*`", README), f"README has no {name} example"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    if name != "version":
        assert "Example" in result.output


def test_readme_examples_parse_against_the_cli() -> None:
    """Each README example names only options its command has."""
    examples = re.findall(r"`(exitcheck [^`]+)`", README)
    assert len(examples) >= len(_commands()) - 1
    commands = {c.name or c.callback.__name__.replace("_", "-"): c for c in app.registered_commands}
    for example in examples:
        if "COMMAND" in example:  # a placeholder, not an example
            continue
        words = shlex.split(example)
        name = words[1]
        if name.startswith("--"):  # an option of exitcheck itself (--version)
            assert name in runner.invoke(app, ["--help"], terminal_width=200).output, example
            continue
        assert name in commands, example
        help_text = runner.invoke(app, [name, "--help"], terminal_width=200).output
        for opt in (w for w in words[2:] if w.startswith("--")):
            assert opt in help_text, f"{example}: {opt} is not an option of {name}"


def _campaign(tmp_path: Path) -> Path:
    from flows.county.synth import synth_campaign

    data = tmp_path / "data"
    synth_campaign(data, province="52", year=2019, counties=1, scale=0.03, seed=5,
                   truth_dir=tmp_path / "truth")
    return data


def test_validate_float_code_is_refused_cleanly(tmp_path: Path) -> None:
    data = _campaign(tmp_path)
    counties = pd.read_csv(data / "counties.csv", dtype=str)
    counties["county_code"] = counties["county_code"] + ".0"
    counties.to_csv(data / "counties.csv", index=False)
    result = runner.invoke(app, ["validate", "--data", str(data), "--workspace",
                                 str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "counties.csv" in result.output and "county_code" in result.output


def test_validate_good_data_exits_zero(tmp_path: Path) -> None:
    data = _campaign(tmp_path)
    result = runner.invoke(app, ["validate", "--data", str(data), "--workspace",
                                 str(tmp_path / "ws")], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "households" in result.output


def test_missing_data_folder_is_a_clean_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sample", "--data", str(tmp_path / "nowhere"), "--workspace",
                                 str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_serve_without_a_server_explains_how_to_start_one(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = runner.invoke(app, ["serve", "--data", str(tmp_path), "--workspace",
                                 str(tmp_path / "ws")])
    assert result.exit_code == 2
    assert "prefect server start" in result.output and "PREFECT_API_URL" in result.output


def test_spotcheck_needs_exactly_one_mode(tmp_path: Path) -> None:
    result = runner.invoke(app, ["spotcheck", "--data", str(tmp_path), "--workspace",
                                 str(tmp_path), "--county", "520324"])
    assert result.exit_code == 2
    assert "--reproduce" in result.output


def test_select_counties_from_the_shipped_frame(tmp_path: Path) -> None:
    out = tmp_path / "selected.csv"
    result = runner.invoke(app, ["select-counties", "--year", "2019", "--rate", "0.2",
                                 "--seed", "1", "--out", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    selected = pd.read_csv(out, dtype={"county_code": str, "province_code": str})
    frame = pd.read_csv(ROOT / "registry" / "data" / "counties_832.csv",
                        dtype={"county_code": str, "province_code": str})
    eligible = frame[frame["exit_year"] == 2019]
    assert len(selected) == round(0.2 * len(eligible)) or len(selected) == eligible[
        "province_code"].nunique()
    assert set(selected["province_code"]) == set(eligible["province_code"])  # ≥ 1 per province
    assert selected["county_code"].str.len().eq(6).all()


def test_bad_config_is_a_clean_error(tmp_path: Path) -> None:
    cfg = tmp_path / "campaign.toml"
    cfg.write_text("year = 2018\n[sampling.villages_per_stratum]\nremote_poor = 3\n")
    result = runner.invoke(app, ["sample", "--data", str(tmp_path), "--workspace",
                                 str(tmp_path / "ws"), "--config", str(cfg)])
    assert result.exit_code == 2
    assert "remote_poor" in result.output and "Traceback" not in result.output


def test_unknown_county_and_missing_sample_are_clean_errors(tmp_path: Path) -> None:
    from flows.county.assess import assess_county
    from flows.county.inputs import CountyError
    from flows.store.config import CampaignConfig
    from flows.store.workspace import Workspace

    data = _campaign(tmp_path)
    result = runner.invoke(app, ["sample", "--data", str(data), "--workspace",
                                 str(tmp_path / "ws"), "--county", "999999"])
    assert result.exit_code == 2 and "999999" in result.output
    assert "Traceback" not in result.output
    code = pd.read_csv(data / "counties.csv", dtype=str)["county_code"].iloc[0]
    with pytest.raises(CountyError, match="exitcheck sample"):
        assess_county(data, Workspace.at(tmp_path / "empty-ws"), code, CampaignConfig())


def test_version_flag_prints_the_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"exitcheck {version('exitcheck')}"


@pytest.mark.parametrize("name", sorted(_commands()))
def test_help_fits_80_columns(name: str) -> None:
    result = runner.invoke(app, [name, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    wide = [line for line in result.output.splitlines() if len(line) > 80]
    assert not wide, wide


def test_the_sample_table_has_no_verdict_columns_and_says_where_the_lists_went() -> None:
    from flows.cli.console import out, print_summary
    from flows.county.outcome import CampaignSummary, CountyOutcome

    summary = CampaignSummary("sample", (CountyOutcome("520324", "sample", "done",
                                                       households=120, seconds=1.5),), "ws")
    with out.capture() as captured:
        print_summary(summary, "sample")
    text = captured.get()
    assert "520324" in text and "120" in text
    assert "verdict" not in text and "provisional" not in text and "prov." not in text


def test_assess_table_headers_are_words() -> None:
    from flows.cli.console import out, print_summary
    from flows.county.outcome import CampaignSummary, CountyOutcome

    done = CountyOutcome("520324", "assess", "done", verdict="pass", provisional=True,
                         completion={"drawn": 10, "visited": 9, "approved": 8, "completed": 8,
                                     "reserves_used": 1, "pending": 2})
    with out.capture() as captured:
        print_summary(CampaignSummary("assess", (done,), "ws"), "assess")
    text = captured.get()
    for word in ("verdict", "provisional", "visited", "approved", "completed", "pending"):
        assert word in text
    assert "appr." not in text and "resv." not in text


def test_the_deployments_are_the_teams_jobs_on_the_campaigns_clock(tmp_path: Path) -> None:
    from flows.serve import NAMES, deployments

    cfg = tmp_path / "campaign.toml"
    cfg.write_text('timezone = "Asia/Urumqi"\n', encoding="utf-8")
    built = deployments(tmp_path / "data", tmp_path / "ws", config=cfg, cron="0 2 * * *")
    assert tuple(d.name for d in built) == NAMES
    (nightly,) = [d for d in built if d.name == "nightly-assess"]
    (schedule,) = nightly.schedules
    assert schedule.schedule.cron == "0 2 * * *" and schedule.schedule.timezone == "Asia/Urumqi"
    assert nightly.parameters["workspace"] == str((tmp_path / "ws").resolve())
    assert all(not d.schedules for d in built if d.name != "nightly-assess")
    spot = {d.name: d.parameters["mode"] for d in built if d.name.startswith("spot-check")}
    assert spot == {"spot-check-reproduce": "reproduce", "spot-check-independent": "independent"}
    held = deployments(tmp_path / "data", tmp_path / "ws", config=None, cron="0 2 * * *",
                       variables=True, module_entrypoints=True)
    assert all(d.parameters.get("workspace") is None for d in held)
    assert held[1].entrypoint == "flows.campaign.assess_campaign"


def test_deploy_without_a_server_explains_how_to_start_one(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = runner.invoke(app, ["deploy", "--data", str(tmp_path), "--workspace",
                                 str(tmp_path / "ws"), "--pool", "p"])
    assert result.exit_code == 2
    assert "prefect server start" in result.output
