"""CheckSettings is derived from the checks' parameters, with the official defaults."""

from __future__ import annotations

import pydantic
import pytest

from assessment.settings import OFFICIAL_INCOME_LINES, CheckSettings, UnknownIncomeLineError
from registry.checks.catalogue import household_checks


def test_fields_are_the_checks_parameters_in_check_order() -> None:
    declared = [p.name for c in household_checks() for p in c.parameters]
    assert list(CheckSettings.model_fields) == declared == [
        "income_lines", "school_age_min", "school_age_max", "water_fetch_max_minutes",
        "water_cut_max_days", "water_check_from_year"]


def test_official_defaults() -> None:
    s = CheckSettings()
    assert s.income_lines == OFFICIAL_INCOME_LINES and s.income_lines is not OFFICIAL_INCOME_LINES
    assert (s.school_age_min, s.school_age_max) == (6, 15)
    assert (s.water_fetch_max_minutes, s.water_cut_max_days, s.water_check_from_year) == (
        20.0, 36, 2019)
    assert s.income_line(2019) == 3218.0
    with pytest.raises(UnknownIncomeLineError):
        s.income_line(2017)


def test_bad_values_and_unknown_keys_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="income lines must be > 0"):
        CheckSettings(income_lines={2019: 0.0})
    with pytest.raises(pydantic.ValidationError):
        CheckSettings(water_cut_max_day=3)  # a typo is refused, not ignored
    with pytest.raises(pydantic.ValidationError):
        CheckSettings().water_cut_max_days = 3  # type: ignore[misc]  # frozen
