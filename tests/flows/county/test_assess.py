"""One county's work without Prefect: the registry is validated once and reused, safely."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import flows.county.inputs as inputs
from flows.county.assess import assess_county
from flows.county.inputs import CountyError, registry_tables
from flows.county.report import render_county_report
from flows.county.sample import sample_county
from flows.store.config import CampaignConfig
from flows.store.workspace import Workspace


def _break_first_household(data, code: str) -> str:
    """Make the county's first household invalid (household size 0); returns its id."""
    path = data / "households" / f"{code}.parquet"
    rows = pd.read_parquet(path)
    rows.loc[0, "household_size"] = 0
    rows.to_parquet(path, index=False)
    return str(rows.loc[0, "household_id"])


def _no_validation(*args, **kwargs):
    raise AssertionError("the registry was validated again")


def test_assess_reuses_the_registry_validated_at_sampling(campaign, tmp_path,
                                                          monkeypatch) -> None:
    c = campaign.copy(tmp_path)
    code, cfg = c.counties[0], CampaignConfig()
    _break_first_household(c.data, code)
    ws = Workspace.at(c.ws)
    sample_county(c.data, ws, code, cfg, force=True)
    parts = ws.quarantine_dir() / "parts"
    assert "household_size_min" in (parts / f"{code}-households.csv").read_text("utf-8-sig")
    assert (parts / f"{code}-members.csv").exists()  # its members cascade

    with monkeypatch.context() as m:
        m.setattr(inputs, "validate_county", _no_validation)
        assess_county(c.data, ws, code, cfg, force=True, pdf=False)
    cached = (c.ws / "results" / f"{code}.json").read_text("utf-8")
    cached_q = {p.name: p.read_bytes() for p in parts.glob(f"{code}-*.csv")}

    # The same county validated from scratch in a fresh workspace gives the same files.
    fresh = Workspace.at(tmp_path / "fresh")
    (fresh.root / "sample").mkdir(exist_ok=True)
    (fresh.root / "sample" / f"{code}.parquet").write_bytes(ws.sample(code).read_bytes())
    assess_county(c.data, fresh, code, cfg, force=True, pdf=False)
    assert (fresh.root / "results" / f"{code}.json").read_text("utf-8") == cached
    fresh_parts = fresh.quarantine_dir() / "parts"
    assert {p.name: p.read_bytes() for p in fresh_parts.glob(f"{code}-*.csv")} == cached_q
    assert f"{code}-households.csv" in cached_q


def test_a_changed_or_tampered_registry_cache_is_validated_again(campaign, tmp_path,
                                                                monkeypatch) -> None:
    c = campaign.copy(tmp_path)
    code, cfg = c.counties[1], CampaignConfig()
    ws = Workspace.at(c.ws)
    first = registry_tables(c.data, ws, code, cfg)
    calls = []
    real = inputs.validate_county

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(inputs, "validate_county", counting)
    again = registry_tables(c.data, ws, code, cfg)
    assert calls == []
    for table, frame in first.clean.items():
        pd.testing.assert_frame_equal(again.clean[table], frame)

    # A cached file changed on disk: its recorded hash no longer matches.
    cache = ws.registry_cache(code)
    (cache / "households.arrow").write_bytes(b"garbage")
    registry_tables(c.data, ws, code, cfg)
    assert calls == [1]

    # An input file changed: a new key.
    _break_first_household(c.data, code)
    result = registry_tables(c.data, ws, code, cfg)
    assert calls == [1, 1]
    assert len(result.quarantined_household_ids) == 1
    state = json.loads((cache / "state.json").read_text("utf-8"))
    assert state["quarantined_household_ids"] == list(result.quarantined_household_ids)


def test_a_county_over_the_quarantine_limit_fails_also_from_the_cache(campaign,
                                                                     tmp_path) -> None:
    c = campaign.copy(tmp_path)
    code = c.counties[2]
    _break_first_household(c.data, code)
    ws = Workspace.at(c.ws)
    strict = CampaignConfig(max_quarantine_share=0.0)
    for _ in range(2):  # validated, then read from the cache: refused both times
        with pytest.raises(CountyError, match="failed validation"):
            registry_tables(c.data, ws, code, strict)


def test_the_report_says_how_many_rows_validation_set_aside(campaign, tmp_path) -> None:
    """Quarantined rows never leave a county's figures silently: detail.json counts them per
    table and the county report names them, in Chinese and in English."""
    c = campaign.copy(tmp_path)
    code, cfg = c.counties[0], CampaignConfig()
    _break_first_household(c.data, code)
    field_path = c.data / "field_checks" / f"{code}.csv"  # the field app's export
    field = pd.read_csv(field_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    field.loc[0, "outcome"] = "went_fishing"  # not one of the allowed outcomes
    field.to_csv(field_path, index=False, encoding="utf-8-sig")
    ws = Workspace.at(c.ws)
    sample_county(c.data, ws, code, cfg, force=True)
    assess_county(c.data, ws, code, cfg, force=True, pdf=False)

    detail = json.loads(ws.detail_json(code).read_text("utf-8"))
    counts = detail["quarantined_rows"]
    assert counts["households"] == 1 and counts["field_checks"] == 1
    assert counts["members"] >= 1  # the broken household's members go with it
    html = (c.ws / "reports" / f"{code}.html").read_text("utf-8")
    assert "数据校验时隔离" in html and "住户表 1" in html and "入户核查表 1" in html

    render_county_report(ws, code, pdf=False, lang="en")
    english = (c.ws / "reports" / f"{code}.en.html").read_text("utf-8")
    assert "Rows set aside by data validation" in english and "households 1" in english


def test_a_clean_county_report_has_no_quarantine_note(campaign) -> None:
    code = campaign.counties[0]
    detail = json.loads((campaign.ws / "results" / f"{code}.detail.json").read_text("utf-8"))
    assert set(detail["quarantined_rows"]) == {"villages", "households", "members",
                                               "support_history", "field_checks"}
    assert not any(detail["quarantined_rows"].values())  # the synthetic county is clean
    html = (campaign.ws / "reports" / f"{code}.html").read_text("utf-8")
    assert "数据校验时隔离" not in html


def test_assess_writes_the_results_it_built_and_reads_them_back(tmp_path, monkeypatch) -> None:
    """The one result type: what the work unit built is what the store reads back."""
    import flows.county.assess as assess
    from flows.store.result_files import read_county_results
    from tests.flows.render.assessed import assessed_workspace

    built = []
    real = assess.write_county_results

    def keep(ws, results, **frames):
        built.append(results)
        return real(ws, results, **frames)

    monkeypatch.setattr(assess, "write_county_results", keep)
    done = assessed_workspace(tmp_path, counties=1)
    (code,) = done.counties
    (results,) = built
    assert read_county_results(done.ws, code, signals=False) == results
    assert read_county_results(done.ws, code).signals is not None  # assess wrote them
    assert results.identity.county_code == code and results.design.villages_drawn
    assert results.fieldwork.completion and results.fieldwork.strata
    assert set(results.fieldwork.quarantined_rows) == {"villages", "households", "members",
                                                       "support_history", "field_checks"}



def test_signals_take_the_county_s_own_stream(campaign, tmp_path, monkeypatch) -> None:
    """Each county's signals are seeded from its own stream, not the campaign seed: two
    counties get different seeds, and rerunning a county gives the same one."""
    import flows.county.assess as assess

    c = campaign.copy(tmp_path)
    cfg, ws = CampaignConfig(), Workspace.at(c.ws)
    seen: list[tuple[str, int]] = []
    real = assess.county_signals

    def spy(households, **kw):
        seen.append((str(households["village_code"].iloc[0])[:6], kw["rng_seed"]))
        return real(households, **kw)

    monkeypatch.setattr(assess, "county_signals", spy)
    first, second = c.counties[:2]
    for code in (first, second, first):
        assess_county(c.data, ws, code, cfg, force=True, pdf=False, report=False)
    (a, sa), (b, sb), (a2, sa2) = seen
    assert (a, b, a2) == (first, second, first)
    assert sa != sb and sa == sa2 and cfg.seed not in (sa, sb)

