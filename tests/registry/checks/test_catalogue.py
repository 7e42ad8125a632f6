"""The list of household checks and what a check declaration may not get wrong."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from registry.checks import food, water
from registry.checks.base import CheckDefinitionError, HouseholdCheck
from registry.checks.catalogue import CatalogueFrozenError, household_checks, register
from registry.columns import Column
from registry.contract import CHECKS, FIELD_CHECKS

ROOT = Path(__file__).resolve().parents[3]


def test_checks_are_the_seven_of_the_standard_in_report_order() -> None:
    assert CHECKS == tuple(c.name for c in household_checks()) == (
        "income", "food", "clothing", "education", "medical", "housing", "water")


def test_every_check_column_is_in_the_field_table_once() -> None:
    check_columns = [n for c in household_checks() for n in c.column_names]
    assert len(check_columns) == len(set(check_columns))
    assert set(check_columns) <= set(FIELD_CHECKS.names)
    for c in household_checks():
        for col in c.columns:
            assert FIELD_CHECKS.column(col.name) == col


def test_every_check_has_a_report_label_in_the_message_catalogue() -> None:
    catalogue = json.loads(
        (ROOT / "report_templates" / "locale" / "messages.json").read_text(encoding="utf-8"))
    missing = [c.name for c in household_checks() if f"check.{c.name}" not in catalogue]
    assert not missing


def test_registering_a_taken_name_or_after_use_is_refused() -> None:
    with pytest.raises(CheckDefinitionError, match="clashes"):
        register(food.CHECK)
    fresh = dataclasses.replace(
        food.CHECK, name="food2", columns=(Column("food2_ok", "吃", "bool", nullable=True),),
        reasons={"FOOD2_OK": ("好", "ok")})
    with pytest.raises(CatalogueFrozenError):  # registry.contract has used the list already
        register(fresh)
    assert "food2" not in CHECKS


def test_a_check_declaration_is_checked() -> None:
    with pytest.raises(CheckDefinitionError, match="nullable"):
        dataclasses.replace(food.CHECK, columns=(Column("x", "x", "bool"),))
    with pytest.raises(CheckDefinitionError, match="not a parameter"):
        dataclasses.replace(water.CHECK, in_force_from="nope")
    with pytest.raises(CheckDefinitionError, match="not a reason code"):
        dataclasses.replace(water.CHECK, not_in_force="NOPE")
    assert isinstance(water.CHECK, HouseholdCheck)


def test_water_is_in_force_and_planted_from_its_parameter() -> None:
    from assessment.settings import CheckSettings

    assert not water.CHECK.in_force(2018, CheckSettings())
    assert water.CHECK.in_force(2018, CheckSettings(water_check_from_year=2018))
    assert water.CHECK.planted_in(2019) and not water.CHECK.planted_in(2018)
