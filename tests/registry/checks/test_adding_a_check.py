"""docs/adding-a-check.md, followed with a throwaway eighth check (electricity).

The check is one module (``tests/registry/checks/electricity.py``) registered at run time in a
fresh interpreter; no other module is edited. The contract, the pandera schema, validation,
``CheckSettings``, scoring, the household standard, the messages and the synthetic generator
must all pick it up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def probe() -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.registry.checks.electricity_probe"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_contract_gets_its_columns(probe: dict) -> None:
    assert probe["checks"][-1] == "electricity" and len(probe["checks"]) == 8
    cols = probe["field_columns"]
    assert cols.index("electricity_ok") == cols.index("income_not_countable") + 1  # form rank 80
    assert cols[-2:] == ["recognition", "notes"]


def test_the_schema_and_validation_take_its_bounds(probe: dict) -> None:
    assert probe["schema"]["power_cut_days"] == [
        "greater_than_or_equal_to:{'min_value': 0}", "less_than_or_equal_to:{'max_value': 366}",
        "Int64"]
    assert probe["schema"]["electricity_ok"] == ["boolean"]
    assert probe["quarantine"] == [["bad_bool", "electricity_ok"],
                                   ["exceeds_column", "long_power_cut_days"],
                                   ["out_of_range", "power_cut_days"]]


def test_settings_scoring_messages_and_the_standard_take_it(probe: dict) -> None:
    assert probe["settings"] == 30
    assert probe["score_columns"] == ["electricity_result", "electricity_reason"]
    assert probe["reasons"] == ["ELECTRICITY_OK", "ELECTRICITY_NONE", "ELECTRICITY_CUTS",
                                "ELECTRICITY_MISSING"]
    assert probe["explain"].startswith("The house has no grid electricity.")
    # A household failing only electricity fails the standard.
    assert probe["n_only_electricity"] > 0 and probe["only_electricity_standard"] == ["fails"]
    assert probe["strict_cuts"] > 0  # the parameter reaches the evaluation


def test_the_generator_plants_it(probe: dict) -> None:
    assert probe["planted"] > 0 and probe["planted_only_electricity"] > 0
    assert probe["scored_fail_matches_truth"]


def test_the_seven_checks_of_this_interpreter_are_untouched() -> None:
    from registry.contract import CHECKS

    assert CHECKS == ("income", "food", "clothing", "education", "medical", "housing", "water")
