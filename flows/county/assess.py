"""Assess one county: load → score and estimate (the core) → store → render.

The core (``assessment.county.assess_county_sample``) scores the sampled households and
estimates the indicators; this module turns its result into a ``CountyResults``, writes it
through ``flows.store.result_files`` and renders the county report from what was written.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from assessment.county import CountyAssessment, assess_county_sample
from assessment.signals import SignalSettings, county_signals
from flows.county.inputs import (
    SAMPLE_TABLES,
    CountyError,
    county_input_files,
    county_row,
    field_rows,
    quarantined_rows,
    registry_tables,
)
from flows.county.outcome import CountyOutcome
from flows.county.report import render_county_report
from flows.store.config import CampaignConfig
from flows.store.files import sha256_file
from flows.store.manifest import cache_key, code_version, versions
from flows.store.result_files import write_county_results
from flows.store.results import (
    CountyIdentity,
    CountyResults,
    Fieldwork,
    FrozenMap,
    SampleDesign,
    StratumCompletion,
    VillageCompletion,
)
from flows.store.revisits import write_signals
from flows.store.state import cached_state, inputs_digest, record_state
from flows.store.workspace import Workspace
from registry.contract import TableName
from registry.validation import ValidationResult
from sampling.streams import Stream, county_rng

STEP = "assess"


@dataclass(frozen=True)
class _Inputs:
    """What one county's assessment reads: its frame row, validated tables and drawn sample."""

    row: dict[str, Any]
    registry: ValidationResult
    field_quarantined: int
    clean: dict[TableName, pd.DataFrame]
    sample: pd.DataFrame
    input_hashes: dict[str, str]


def assess_county(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig, *,
                  force: bool = False, pdf: bool = True, lang: str = "zh",
                  field_dir: Path | None = None, signals: bool = True,
                  report: bool = True) -> CountyOutcome:
    """Score the sampled households of ``county``, estimate its indicators, write and render.

    ``signals=False`` and ``report=False`` skip the registry-wide signals and the report (a
    reproduction check compares only the sample and the estimates).
    """
    t0 = time.perf_counter()
    inputs_key, input_hashes = _input_digest(data_dir, ws, county, field_dir)
    key = cache_key(inputs_key, sha256_file(ws.sample(county)), cfg.digest(), code_version(),
                    f"pdf={pdf}", f"lang={lang}")
    if not force and (state := cached_state(ws, county, STEP, key)):
        return _cached(county, state, inputs_key)
    timings: dict[str, float] = {}
    with _timed(timings, "load_validate", since=t0):
        inputs = _load(data_dir, ws, county, cfg, field_dir, input_hashes)
    with _timed(timings, "score_estimate"):
        assessment = _assess(inputs, cfg)
        results = county_results(county, cfg, inputs, assessment)
    with _timed(timings, "signals"):
        signal_paths = _signals(ws, county, cfg, inputs, assessment.scored) if signals else []
    with _timed(timings, "write"):
        written = write_county_results(ws, results, households=_scored_frame(assessment),
                                       substitutions=assessment.substitution.log)
    with _timed(timings, "report"):
        report_paths = render_county_report(ws, county, pdf=pdf, lang=lang) if report else []
    completion = results.fieldwork.totals()
    outputs = record_state(ws, county, STEP, key, [*written, *signal_paths, *report_paths],
                           {"verdict": results.verdict, "provisional": results.provisional,
                            "inputs": input_hashes, "timings": timings,
                            "completion": completion})
    return CountyOutcome(county, STEP, "done", verdict=results.verdict,
                         provisional=results.provisional, seconds=time.perf_counter() - t0,
                         inputs_sha256=inputs_key, outputs=outputs, timings=timings,
                         households=results.sample.households_completed or 0,
                         completion=completion)


def _cached(county: str, state: dict[str, Any], inputs_key: str) -> CountyOutcome:
    return CountyOutcome(county, STEP, "cached", verdict=state.get("verdict"),
                         provisional=state.get("provisional"), inputs_sha256=inputs_key,
                         outputs=state["outputs"], completion=state.get("completion", {}))


def _scored_frame(assessment: CountyAssessment) -> pd.DataFrame:
    """``results/<county>.parquet``: the scored households with every design column (stage-1
    and stage-2 strata, PSU, both FPCs, weight classes), so R ``survey`` can re-estimate."""
    return assessment.scored


@contextmanager
def _timed(timings: dict[str, float], name: str, *, since: float | None = None
           ) -> Iterator[None]:
    """Record the seconds the block took (from ``since``, if given) as ``timings[name]``."""
    start = time.perf_counter() if since is None else since
    yield
    timings[name] = time.perf_counter() - start


def _input_digest(data_dir: Path, ws: Workspace, county: str,
                  field_dir: Path | None) -> tuple[str, dict[str, str]]:
    """The key and SHA-256s of the county's input files (a missing sample is refused)."""
    if not ws.sample(county).exists():
        raise CountyError(
            f"County {county} has no drawn sample in {ws.sample(county).parent}: run "
            f"'exitcheck sample' first. / {county}县尚未抽样，请先运行 exitcheck sample。"
        )
    files = [*county_input_files(data_dir, county, SAMPLE_TABLES),
             *county_input_files(field_dir or data_dir, county, (TableName.FIELD_CHECKS,)),
             *county_input_files(data_dir, county,
                                 (TableName.SUPPORT_HISTORY, TableName.COUNTIES))]
    return inputs_digest(data_dir, files)


def _load(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig,
          field_dir: Path | None, input_hashes: dict[str, str]) -> _Inputs:
    """The county's frame row, validated registry and field rows, and its drawn sample."""
    row = county_row(data_dir, county)
    registry = registry_tables(data_dir, ws, county, cfg, input_hashes)
    field, field_quarantined = field_rows(data_dir, ws, county, cfg, registry, field_dir)
    return _Inputs(row=row, registry=registry,
                   field_quarantined=field_quarantined,
                   clean={**registry.clean, TableName.FIELD_CHECKS: field},
                   sample=pd.read_parquet(ws.sample(county)), input_hashes=input_hashes)


def _assess(inputs: _Inputs, cfg: CampaignConfig) -> CountyAssessment:
    clean = inputs.clean
    return assess_county_sample(
        inputs.sample, clean.get(TableName.FIELD_CHECKS), clean[TableName.HOUSEHOLDS],
        clean.get(TableName.MEMBERS), year=cfg.year, region=str(inputs.row["region"]),
        checks=cfg.checks, thresholds=cfg.thresholds)


def county_results(county: str, cfg: CampaignConfig, inputs: _Inputs,
                   assessment: CountyAssessment) -> CountyResults:
    """The county's results: the core's indicators with the county's identity, fieldwork,
    design and provenance."""
    ind = assessment.indicators
    # The core defines how its indicators are written (rounding, method names); typed here.
    core = CountyResults.from_json(
        ind.result_json(county, assessment.sample_summary(), assessment.provisional),
        ind.detail_json())
    row = inputs.row
    identity = CountyIdentity(
        county_code=county, county_name=_text(row.get("county_name")),
        prefecture_name=_text(row.get("prefecture_name")),
        province_name=_text(row.get("province_name")), region=ind.region, year=cfg.year,
        campaign=cfg.campaign, seed=cfg.seed, income_line=cfg.income_line)
    sub = assessment.substitution
    fieldwork = Fieldwork(
        field_counts=FrozenMap.of(assessment.field_counts, int),
        quarantined_rows=FrozenMap.of(
            quarantined_rows(inputs.registry, inputs.field_quarantined), int),
        completion=_villages(sub.completion, inputs.clean[TableName.VILLAGES]),
        strata=_strata(assessment.scored))
    s = cfg.sampling
    design = SampleDesign(
        villages_drawn=int(inputs.sample["village_code"].nunique()),
        village_method=s.village_method.value,
        villages_per_stratum=FrozenMap.of(s.villages_per_stratum, int),
        households_per_village=FrozenMap.of(s.households_per_village, int),
        reserves_per_stratum=FrozenMap.of(s.reserves_per_stratum, int))
    return replace(
        core, identity=identity, fieldwork=fieldwork, design=design,
        households=replace(core.households, pending_households=assessment.pending),
        inputs_sha256=FrozenMap.of(inputs.input_hashes, str),
        versions=FrozenMap.of(versions(), str))


def _text(x: Any) -> str | None:
    return None if x is None or pd.isna(x) else str(x)


def _villages(completion: pd.DataFrame,
              villages: pd.DataFrame) -> tuple[VillageCompletion, ...]:
    """Completion per village with its name (a new completion column fails here, loudly)."""
    if completion is None or len(completion) == 0:
        return ()
    names = villages.set_index("village_code")["village_name"]
    out = completion.copy()
    out.insert(1, "village_name", names.reindex(out["village_code"]).to_numpy())
    records = json.loads(out.to_json(orient="records", force_ascii=False))
    return tuple(VillageCompletion(**r) for r in records)


def _strata(units: pd.DataFrame) -> tuple[StratumCompletion, ...]:
    """Drawn (main), in-play and completed households per household stratum."""
    flags = units.assign(_main=units["role"].eq("main"),
                         _completed=units["outcome"].eq("completed"))
    g = flags.groupby("stratum", sort=True)
    counts = pd.DataFrame({"drawn": g["_main"].sum(), "in_play": g.size(),
                           "completed": g["_completed"].sum()})
    return tuple(StratumCompletion(str(k), int(r.drawn), int(r.in_play), int(r.completed))
                 for k, r in zip(counts.index, counts.itertuples(index=False), strict=True))


def signal_seed(seed: int, county: str) -> int:
    """The signals' seed, drawn from the county's own stream (``Stream.SIGNALS``): every county
    gets its own bootstraps and forest, and rerunning one county gives the same signals."""
    return int(county_rng(seed, county, Stream.SIGNALS).integers(2**63 - 1))


def _signals(ws: Workspace, county: str, cfg: CampaignConfig, inputs: _Inputs,
             scored: pd.DataFrame) -> list[Path]:
    """Compute and write the county's registry-wide integrity signals and revisit list."""
    completed = scored[scored["outcome"].eq("completed")]
    sample_income = completed[["household_id", "verified_income_per_capita",
                               "income_not_countable"]]
    households = inputs.clean[TableName.HOUSEHOLDS]
    signals = county_signals(households, year=cfg.year, income_line=cfg.income_line,
                             support_history=inputs.clean.get(TableName.SUPPORT_HISTORY),
                             field=sample_income, rng_seed=signal_seed(cfg.seed, county),
                             settings=SignalSettings(revisit_top_n=cfg.revisit_top_n))
    return list(write_signals(ws.root, county, signals, households) or [])
