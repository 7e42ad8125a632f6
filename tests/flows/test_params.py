"""Flow parameters are typed: the Prefect UI's run form gets descriptions, a six-digit county
pattern, language choices and the campaign config as a nested form; bad values are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.utilities.callables import parameter_schema

from flows.campaign import assess_campaign, rerun_county, sample_campaign
from flows.central import spot_check


def _props(flow) -> tuple[dict, dict]:
    schema = parameter_schema(flow.fn).model_dump_for_openapi()
    return schema["properties"], schema.get("definitions", {})


@pytest.mark.parametrize("flow", [sample_campaign, assess_campaign, rerun_county, spot_check])
def test_every_parameter_has_a_description(flow) -> None:
    props, _ = _props(flow)
    missing = [name for name, p in props.items() if not p.get("description")]
    assert not missing, f"{flow.name}: parameters without a description: {missing}"


def test_county_is_a_six_digit_string_and_language_a_choice() -> None:
    props, _ = _props(rerun_county)
    assert props["county"]["type"] == "string" and props["county"]["pattern"] == r"^\d{6}$"
    assert props["lang"]["enum"] == ["zh", "en"]
    assert "county" in parameter_schema(rerun_county.fn).required
    assert "counties" not in parameter_schema(assess_campaign.fn).required


def test_a_county_given_as_a_json_number_is_taken_as_its_code(tmp_path) -> None:
    """`prefect deployment run ... -p county=520324` sends the number 520324."""
    ok = rerun_county.validate_parameters(
        {"data_dir": str(tmp_path), "workspace": str(tmp_path), "county": 520324})
    assert ok["county"] == "520324"
    ok = assess_campaign.validate_parameters(
        {"data_dir": str(tmp_path), "workspace": str(tmp_path), "counties": [520324]})
    assert ok["counties"] == ["520324"]


def test_empty_paths_come_from_prefect_variables(prefect_harness, tmp_path) -> None:
    from prefect.variables import Variable

    from flows.params import ParameterError, campaign_paths

    Variable.set("exitcheck_data_dir", str(tmp_path / "d"), overwrite=True)
    Variable.set("exitcheck_workspace", str(tmp_path / "w"), overwrite=True)
    try:
        assert campaign_paths(None, None) == (tmp_path / "d", tmp_path / "w")
        assert campaign_paths("x", "") == (Path("x"), tmp_path / "w")
    finally:
        Variable.unset("exitcheck_data_dir")
    with pytest.raises(ParameterError, match="exitcheck_data_dir"):
        campaign_paths(None, None)
    Variable.unset("exitcheck_workspace")


def test_run_names_say_the_campaign_and_the_counties() -> None:
    from flows.params import county_set

    assert county_set(None) == "all counties"
    assert county_set(["520324"]) == "520324"
    assert county_set(["1", "2", "3", "4", "5"]) == "1, 2 +3 more"


def test_the_campaign_config_is_a_form_not_a_string() -> None:
    props, definitions = _props(assess_campaign)
    refs = [a.get("$ref", "") for a in props["config"].get("anyOf", [props["config"]])]
    assert any(r.endswith("/CampaignConfig") for r in refs), props["config"]
    assert {"year", "seed", "sampling", "thresholds"} <= set(
        definitions["CampaignConfig"]["properties"])


def test_a_bad_county_code_is_refused_before_the_flow_runs(tmp_path) -> None:
    from prefect.exceptions import ParameterTypeError

    with pytest.raises(ParameterTypeError):
        rerun_county.validate_parameters(
            {"data_dir": str(tmp_path), "workspace": str(tmp_path), "county": "../../x"})
    ok = rerun_county.validate_parameters(
        {"data_dir": str(tmp_path), "workspace": str(tmp_path), "county": "520324"})
    assert ok["county"] == "520324"
