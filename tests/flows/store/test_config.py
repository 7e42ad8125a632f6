"""The campaign config: the documented example loads and equals the defaults; bad values are
refused with the key named."""

from pathlib import Path

import pytest

from flows.store.config import CampaignConfig, ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "campaign.example.toml"


def test_documented_example_is_exactly_the_defaults() -> None:
    """Every key of the example, the campaign's name too, is the code's default."""
    import tomllib

    cfg = load_config(EXAMPLE)
    assert cfg == CampaignConfig()
    # ... and the example lists every top-level key (none is left to a silent default).
    listed = set(tomllib.loads(EXAMPLE.read_text(encoding="utf-8")))
    assert listed == set(CampaignConfig.model_fields)


def test_a_changed_example_value_is_caught(tmp_path: Path) -> None:
    """The comparison above can fail: one changed value makes the configs differ."""
    text = EXAMPLE.read_text(encoding="utf-8").replace('"exitcheck campaign"', '"another"', 1)
    changed = tmp_path / "c.toml"
    changed.write_text(text, encoding="utf-8")
    assert load_config(changed) != CampaignConfig()


def test_the_schedule_zone_is_checked_and_changes_no_cache_key(tmp_path: Path) -> None:
    assert load_config().timezone == "Asia/Shanghai"
    assert load_config(None, timezone="Europe/London").digest() == load_config().digest()
    assert load_config(None, portal_url="https://x").digest() == load_config().digest()
    bad = tmp_path / "c.toml"
    bad.write_text('timezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError, match="timezone"):
        load_config(bad)


def test_an_unknown_year_needs_its_income_line(tmp_path: Path) -> None:
    cfg = load_config(None, year=2018)
    with pytest.raises(ValueError, match="2018"):
        _ = cfg.income_line
    stated = tmp_path / "c.toml"
    stated.write_text('year = 2018\n[checks.income_lines]\n2018 = 3100.0\n')
    assert load_config(stated).income_line == 3100.0


@pytest.mark.parametrize("text, key", [
    ("seed = -1", "seed"),
    ("[thresholds]\nwrong_exit_max = 'two'", "wrong_exit_max"),
    ("[sampling.households_per_village]\nexited = -3", "households_per_village"),
    ("[sampling]\nvillage_method = 'cluster'", "village_method"),
    ("colour = 'red'", "colour"),
])
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key):
        load_config(path)


def test_config_digest_changes_with_any_setting() -> None:
    assert load_config().digest() != load_config(None, seed=1).digest()
    assert load_config().digest() == load_config().digest()
