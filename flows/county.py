"""The work of one county, as plain functions: load → validate → sample / score → estimate →
signals → write → render. Prefect tasks in ``flows.campaign`` are thin wrappers around these.

Caching: a county step is skipped when the SHA-256 of its input files, the config digest and
the code version all match the record of the last run and its outputs are still on disk with
the recorded hashes. Paths never enter the key.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import pandas as pd

from flows import io
from flows.config import CampaignConfig
from flows.manifest import cache_key, code_version, sha256_file, update_manifest, versions
from flows.outcome import CampaignSummary, CountyOutcome
from flows.workspace import Workspace
from registry.contract import TableName
from registry.validation import TableCount, ValidationResult

SAMPLE_TABLES = (TableName.VILLAGES, TableName.HOUSEHOLDS, TableName.MEMBERS)
#: What is validated once per county and cached (the field checks change every night).
REGISTRY_TABLES = (*SAMPLE_TABLES, TableName.SUPPORT_HISTORY)


class CountyError(ValueError):
    """A county cannot be processed (missing sample, too many bad rows, unknown code, ...).

    The message holds the English and the Chinese text.
    """


# ---------------------------------------------------------------------------- inputs and cache
def clean_stale_temp(ws: Workspace) -> int:
    """Remove temp files a killed run left behind (finished outputs are never partial)."""
    stale = [p for p in ws.root.rglob(".*.tmp") if p.is_file()]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


def resolve_counties(data_dir: Path, requested: list[str] | None,
                     sampled_in: Workspace | None = None) -> list[str]:
    """The counties to process: those requested (checked), else all in the county frame.

    With ``sampled_in``, only counties that have a drawn sample are taken by default.
    """
    known = io.county_codes(data_dir)
    if requested:
        unknown = sorted(set(requested) - set(known))
        if unknown:
            raise CountyError(
                f"County codes not in {data_dir}/counties: {', '.join(unknown)} / "
                f"县代码不在县域表中：{', '.join(unknown)}"
            )
        return list(dict.fromkeys(requested))
    if sampled_in is not None:
        sampled = set(sampled_in.sampled_counties())
        return [c for c in known if c in sampled]
    return known


def county_input_files(data_dir: Path, county: str, tables: tuple[TableName, ...]) -> list[Path]:
    """The files a county's result depends on: its per-county files, or the shared table files."""
    files: list[Path] = []
    for table in tables:
        for f in io.table_files(data_dir, table):
            if f.parent.name == table.value and f.stem != county:
                continue  # another county's file in a per-county folder
            files.append(f)
    return files


def _inputs_digest(data_dir: Path, files: list[Path],
                   known: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """One key over the files' SHA-256 (``known`` holds hashes already computed this run)."""
    known = known or {}
    names = [str(f.relative_to(data_dir)) if f.is_relative_to(data_dir) else str(f)
             for f in files]
    hashes = {n: known.get(n) or sha256_file(f) for n, f in zip(names, files, strict=True)}
    return cache_key(*(f"{k}={v}" for k, v in sorted(hashes.items()))), hashes


def _cached(ws: Workspace, county: str, step: str, key: str) -> dict[str, Any] | None:
    path = ws.state(county, step)
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    if state.get("key") != key:
        return None
    for rel, digest in state.get("outputs", {}).items():
        p = ws.root / rel
        if not p.exists() or sha256_file(p) != digest:
            return None
    return state


def _record_state(ws: Workspace, county: str, step: str, key: str, outputs: list[Path],
                  extra: dict[str, Any]) -> dict[str, str]:
    hashes = {str(p.relative_to(ws.root)): sha256_file(p) for p in outputs if p.exists()}
    io.write_json({"key": key, "outputs": hashes, "code_version": code_version(), **extra},
                  ws.state(county, step))
    return hashes


def _quarantine(ws: Workspace, county: str, quarantine: pd.DataFrame | None,
                tables: tuple[TableName, ...]) -> None:
    """Write this county's quarantined rows of ``tables`` as parts (merged into
    WS/quarantine/<table>.csv), replacing the parts an earlier run wrote for those tables."""
    for table in tables:
        ws.quarantine_part(county, table.value).unlink(missing_ok=True)
    if quarantine is None or quarantine.empty:
        return
    for table, rows in quarantine.groupby("table", sort=True):
        io.write_csv(rows.reset_index(drop=True), ws.quarantine_part(county, str(table)))


def merge_quarantine(ws: Workspace) -> dict[str, int]:
    """Concatenate the per-county quarantine parts into WS/quarantine/<table>.csv."""
    parts = sorted(ws.quarantine_dir().joinpath("parts").glob("*.csv"))
    by_table: dict[str, list[pd.DataFrame]] = {}
    for p in parts:
        table = p.stem.split("-", 1)[1]
        by_table.setdefault(table, []).append(pd.read_csv(p, dtype=str, encoding="utf-8-sig"))
    counts = {}
    for table, frames in by_table.items():
        df = pd.concat(frames, ignore_index=True)
        io.write_csv(df, ws.quarantine_dir() / f"{table}.csv")
        counts[table] = len(df)
    return counts


def _check_share(county: str, counts: dict[TableName, TableCount], cfg: CampaignConfig) -> None:
    """Refuse a county whose registry has too large a share of bad rows."""
    for table in (TableName.HOUSEHOLDS, TableName.MEMBERS, TableName.VILLAGES):
        count = counts.get(table, TableCount(0, 0))
        read, bad = count.rows_read, count.rows_quarantined
        if read and bad / read > cfg.max_quarantine_share:
            raise CountyError(
                f"County {county}: {bad} of {read} {table.value} rows "
                f"({bad / read:.1%}) failed validation, more than the allowed "
                f"{cfg.max_quarantine_share:.1%}. See WS/quarantine/{table.value}.csv. / "
                f"{county}县 {table.value} 表有 {bad}/{read} 行未通过校验，超过允许比例 "
                f"{cfg.max_quarantine_share:.1%}，详见隔离文件。"
            )


def _registry_key(data_dir: Path, county: str, cfg: CampaignConfig,
                  known: dict[str, str] | None) -> str:
    files = [*county_input_files(data_dir, county, REGISTRY_TABLES),
             *io.table_files(data_dir, TableName.COUNTIES)]
    inputs_key, _ = _inputs_digest(data_dir, files, known)
    return cache_key(inputs_key, county, f"year={cfg.year}", code_version())


# The last registry read in this process, as (cache folder, state file text, result): a
# spot-check reads it in sample and again in assess. Returned as shallow copies, which pandas'
# copy-on-write keeps independent of the stored frames.
_LAST_READ: tuple[Path, str, ValidationResult] | None = None


def _cached_registry(ws: Workspace, county: str, key: str) -> ValidationResult | None:
    global _LAST_READ

    folder = ws.registry_cache(county)
    state_path = folder / "state.json"
    if not state_path.exists():
        return None
    text = state_path.read_text(encoding="utf-8")
    state = json.loads(text)
    if state.get("key") != key:
        return None
    for name, digest in state["files"].items():
        path = folder / f"{name}.arrow"
        if not path.exists() or sha256_file(path) != digest:
            return None
    if _LAST_READ is None or _LAST_READ[:2] != (folder, text):
        frames = {name: pd.read_feather(folder / f"{name}.arrow") for name in state["files"]}
        quarantine = frames.pop("quarantine")
        _LAST_READ = (folder, text, ValidationResult(
            clean={TableName(t): df for t, df in frames.items()}, quarantine=quarantine,
            counts={TableName(t): TableCount(*c) for t, c in state["counts"].items()},
            quarantined_household_ids=tuple(state["quarantined_household_ids"])))
    last = _LAST_READ[2]
    return ValidationResult(
        clean={t: df.copy(deep=False) for t, df in last.clean.items()},
        quarantine=last.quarantine.copy(deep=False), counts=dict(last.counts),
        quarantined_household_ids=last.quarantined_household_ids)


def _store_registry(ws: Workspace, county: str, key: str, result: ValidationResult) -> None:
    folder = ws.registry_cache(county)
    (folder / "state.json").unlink(missing_ok=True)  # the record goes last: no stale match
    named = {**{t.value: df for t, df in result.clean.items()}, "quarantine": result.quarantine}
    files = {}
    for name, frame in named.items():
        path = folder / f"{name}.arrow"
        io.atomic_write(path, lambda tmp, f=frame: f.reset_index(drop=True).to_feather(
            tmp, compression="zstd"))
        files[name] = sha256_file(path)
    io.write_json({"key": key, "files": files,
                   "counts": {t.value: [c.rows_read, c.rows_quarantined]
                              for t, c in result.counts.items()},
                   "quarantined_household_ids": list(result.quarantined_household_ids)},
                  folder / "state.json")


def registry_tables(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig,
                    known_hashes: dict[str, str] | None = None) -> ValidationResult:
    """The county's validated registry (villages, households, members, support history).

    Validated once and kept as Arrow files under WS/.state/registry/<county>/, keyed on the
    SHA-256 of the input files, the county frame, the campaign year and the code version, and
    checked against their recorded hashes when read: ``sample`` validates, ``assess`` (every
    night) and a spot-check reuse. The county's quarantine parts are rewritten either way.
    ``known_hashes`` are input hashes the caller already computed (not hashed again).
    """
    from registry.validation import validate_county

    key = _registry_key(data_dir, county, cfg, known_hashes)
    result = _cached_registry(ws, county, key)
    if result is None:
        raw = io.load_county(data_dir, county, tables=REGISTRY_TABLES)
        result = validate_county(raw, year=cfg.year, county_code=county,
                                 known_counties=io.county_codes(data_dir))
        _store_registry(ws, county, key, result)
    _quarantine(ws, county, result.quarantine, REGISTRY_TABLES)
    _check_share(county, result.counts, cfg)
    return result


def field_rows(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig,
               registry: ValidationResult, field_dir: Path | None = None
               ) -> tuple[pd.DataFrame | None, int]:
    """The county's field checks, validated against its validated registry (None if none),
    and how many of its rows were quarantined."""
    from registry.validation import validate_dependents

    raw = io.load_county(field_dir or data_dir, county, tables=(TableName.FIELD_CHECKS,))
    if TableName.FIELD_CHECKS not in raw:
        _quarantine(ws, county, None, (TableName.FIELD_CHECKS,))
        return None, 0
    # The schema guard (check_schemas) checks registry.validation's own logic, which its tests
    # do; here it would only import pandera (~1 s of a one-county spot-check) for field rows.
    result = validate_dependents({TableName.FIELD_CHECKS.value: raw[TableName.FIELD_CHECKS]},
                                 households=registry, year=cfg.year, check_schemas=False)
    _quarantine(ws, county, result.quarantine, (TableName.FIELD_CHECKS,))
    count = result.counts.get(TableName.FIELD_CHECKS)
    return result.clean[TableName.FIELD_CHECKS], count.rows_quarantined if count else 0


def quarantined_rows(registry: ValidationResult, field_quarantined: int) -> dict[str, int]:
    """Rows of this county set aside by validation, per table (the report says so, and
    WS/quarantine/<table>.csv holds them with the rule each broke)."""
    out = {t.value: registry.counts[t].rows_quarantined for t in REGISTRY_TABLES
           if t in registry.counts}
    out[TableName.FIELD_CHECKS.value] = field_quarantined
    return out


# ------------------------------------------------------------------------------------- sample
def sample_county(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig, *,
                  force: bool = False, fieldwork: bool = True) -> CountyOutcome:
    """Validate the registry of ``county`` and draw its sample and enumerator lists.

    ``fieldwork=False`` skips the enumerator list (a reproduction check needs only the sample).
    """
    from sampling.design import draw_county_sample
    from sampling.streams import county_rng

    t0 = time.perf_counter()
    files = county_input_files(data_dir, county, SAMPLE_TABLES)
    inputs_key, input_hashes = _inputs_digest(data_dir, files)
    config_part = json.dumps({"seed": cfg.seed, "year": cfg.year,
                              "sampling": cfg.sampling.model_dump(mode="json"),
                              "max_quarantine_share": cfg.max_quarantine_share}, sort_keys=True)
    key = cache_key(inputs_key, config_part, code_version())
    if not force and (state := _cached(ws, county, "sample", key)):
        return CountyOutcome(county, "sample", "cached", inputs_sha256=inputs_key,
                             outputs=state["outputs"], households=state.get("households", 0))
    timings: dict[str, float] = {}
    clean = registry_tables(data_dir, ws, county, cfg, input_hashes).clean
    timings["load_validate"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    sample = draw_county_sample(clean[TableName.VILLAGES], clean[TableName.HOUSEHOLDS],
                                cfg.sampling, county_rng(cfg.seed, county),
                                seed=cfg.seed, county_code=county)
    timings["draw"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    io.write_parquet(sample, ws.sample(county))
    if fieldwork:
        from flows.fieldwork import write_fieldwork  # openpyxl: imported only when needed

        write_fieldwork(ws.fieldwork(county), sample, clean[TableName.HOUSEHOLDS],
                        clean[TableName.VILLAGES])
    timings["write"] = time.perf_counter() - t2
    written = [ws.sample(county), *([ws.fieldwork(county)] if fieldwork else [])]
    outputs = _record_state(ws, county, "sample", key, written,
                            {"inputs": input_hashes, "households": len(sample),
                             "config": json.loads(cfg.model_dump_json())})
    return CountyOutcome(county, "sample", "done", seconds=time.perf_counter() - t0,
                         inputs_sha256=inputs_key, outputs=outputs, timings=timings,
                         households=int((sample["role"] == "main").sum()))


# ------------------------------------------------------------------------------------- assess
def _county_row(data_dir: Path, county: str) -> dict[str, Any]:
    frame = io.load_counties(data_dir)
    row = frame.loc[frame["county_code"] == county]
    if row.empty:
        raise CountyError(f"County {county} is not in the county frame / 县域表中没有 {county}")
    return row.iloc[0].to_dict()


def assess_county(data_dir: Path, ws: Workspace, county: str, cfg: CampaignConfig, *,
                  force: bool = False, pdf: bool = True, lang: str = "zh",
                  field_dir: Path | None = None, signals: bool = True,
                  report: bool = True) -> CountyOutcome:
    """Score the sampled households of ``county``, estimate its indicators, write and render.

    ``signals=False`` and ``report=False`` skip the registry-wide signals and the report (a
    reproduction check compares only the sample and the estimates).
    """
    from assessment.county import assess_county_sample

    t0 = time.perf_counter()
    if not ws.sample(county).exists():
        raise CountyError(
            f"County {county} has no drawn sample in {ws.sample(county).parent}: run "
            f"'exitcheck sample' first. / {county}县尚未抽样，请先运行 exitcheck sample。"
        )
    files = [*county_input_files(data_dir, county, SAMPLE_TABLES),
             *county_input_files(field_dir or data_dir, county, (TableName.FIELD_CHECKS,)),
             *county_input_files(data_dir, county,
                                 (TableName.SUPPORT_HISTORY, TableName.COUNTIES))]
    inputs_key, input_hashes = _inputs_digest(data_dir, files)
    key = cache_key(inputs_key, sha256_file(ws.sample(county)), cfg.digest(), code_version(),
                    f"pdf={pdf}", f"lang={lang}")
    if not force and (state := _cached(ws, county, "assess", key)):
        return CountyOutcome(county, "assess", "cached", verdict=state.get("verdict"),
                             provisional=state.get("provisional"), inputs_sha256=inputs_key,
                             outputs=state["outputs"], completion=state.get("completion", {}))
    timings: dict[str, float] = {}
    county_row = _county_row(data_dir, county)
    registry = registry_tables(data_dir, ws, county, cfg, input_hashes)
    field, field_quarantined = field_rows(data_dir, ws, county, cfg, registry, field_dir)
    clean = {**registry.clean, TableName.FIELD_CHECKS: field}
    households = clean[TableName.HOUSEHOLDS]
    sample = pd.read_parquet(ws.sample(county))
    timings["load_validate"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    result = assess_county_sample(
        sample, clean.get(TableName.FIELD_CHECKS), households, clean.get(TableName.MEMBERS),
        year=cfg.year, region=str(county_row["region"]), checks=cfg.checks,
        thresholds=cfg.thresholds)
    indicators, sub, scored = result.indicators, result.substitution, result.scored
    provisional, pending = result.provisional, result.pending
    result_json = indicators.result_json(county, result.sample_summary(), provisional)
    timings["score_estimate"] = time.perf_counter() - t1

    t3 = time.perf_counter()
    signals_path = _signals(ws, county, cfg, households, clean, scored) if signals else []
    timings["signals"] = time.perf_counter() - t3

    detail = {
        "county_code": county,
        "county_name": county_row.get("county_name"),
        "prefecture_name": county_row.get("prefecture_name"),
        "province_name": county_row.get("province_name"),
        "region": county_row.get("region"),
        "year": cfg.year,
        "campaign": cfg.campaign,
        "seed": cfg.seed,
        "income_line": cfg.income_line,
        **indicators.detail_json(),
        **result.field_counts,
        "pending_households": pending,
        "quarantined_rows": quarantined_rows(registry, field_quarantined),
        "completion": _records(_with_village_names(sub.completion,
                                                   clean[TableName.VILLAGES])),
        "strata": _strata(scored),
        "design": {
            "villages_drawn": int(sample["village_code"].nunique()),
            "village_method": cfg.sampling.village_method.value,
            "villages_per_stratum": cfg.sampling.villages_per_stratum,
            "households_per_village": cfg.sampling.households_per_village,
            "reserves_per_stratum": cfg.sampling.reserves_per_stratum,
        },
        "inputs_sha256": input_hashes,
        "versions": versions(),
    }
    t_write = time.perf_counter()
    out_results, out_json = ws.results(county), ws.results_json(county)
    io.write_parquet(scored.drop(columns=["var_stratum", "var_psu"], errors="ignore"),
                     out_results)
    io.write_json(detail, ws.detail_json(county))
    io.write_csv(sub.log, ws.substitutions(county))
    io.write_json(result_json, out_json)
    timings["write"] = time.perf_counter() - t_write

    c = sub.completion
    completion = {k: int(c[k].sum()) for k in ("drawn", "visited", "approved", "completed",
                                                 "reserves_used", "pending") if k in c}
    t4 = time.perf_counter()
    report_paths = render_county_report(ws, county, pdf=pdf, lang=lang) if report else []
    timings["report"] = time.perf_counter() - t4
    outputs = _record_state(
        ws, county, "assess", key,
        [out_results, out_json, ws.detail_json(county), *signals_path, *report_paths],
        {"verdict": result_json["verdict"], "provisional": provisional,
         "inputs": input_hashes, "timings": timings, "completion": completion})
    return CountyOutcome(county, "assess", "done", verdict=result_json["verdict"],
                         provisional=provisional, seconds=time.perf_counter() - t0,
                         inputs_sha256=inputs_key, outputs=outputs, timings=timings,
                         households=int(sub.totals.get("households_completed") or 0),
                         completion=completion)


def _with_village_names(completion: pd.DataFrame, villages: pd.DataFrame) -> pd.DataFrame:
    names = villages.set_index("village_code")["village_name"]
    out = completion.copy()
    out.insert(1, "village_name", names.reindex(out["village_code"]).to_numpy())
    return out


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    if df is None or len(df) == 0:
        return []
    return json.loads(df.to_json(orient="records", force_ascii=False))


def _strata(units: pd.DataFrame) -> list[dict[str, Any]]:
    g = units.groupby("stratum", sort=True)
    return [{"stratum": str(k), "drawn": int((v["role"] == "main").sum()),
             "in_play": len(v), "completed": int(v["outcome"].eq("completed").sum())}
            for k, v in g]


def _signals(ws: Workspace, county: str, cfg: CampaignConfig, households: pd.DataFrame,
             clean: dict[TableName, pd.DataFrame], scored: pd.DataFrame) -> list[Path]:
    from assessment.signals import SignalSettings, county_signals
    from flows.signals_io import write_signals

    completed = scored[scored["outcome"].eq("completed")]
    sample_income = completed[["household_id", "verified_income_per_capita",
                               "income_not_countable"]]
    signals = county_signals(households, year=cfg.year, income_line=cfg.income_line,
                             support_history=clean.get(TableName.SUPPORT_HISTORY),
                             field=sample_income, rng_seed=cfg.seed,
                             settings=SignalSettings(revisit_top_n=cfg.revisit_top_n))
    return list(write_signals(ws.root, county, signals, households) or [])


# -------------------------------------------------------------------------------- reports etc.
def render_county_report(ws: Workspace, county: str, *, pdf: bool, lang: str) -> list[Path]:
    """Render WS/reports/<county>.html (and .pdf)."""
    from flows.ledger import Ledger
    from flows.reports import render_county

    with Ledger(workspace=ws.root) as ledger:
        paths = render_county(ws.root, county, lang=lang, pdf=pdf, ledger=ledger)
    return [p for p in (getattr(paths, "html", None), getattr(paths, "pdf", None)) if p]


def render_province_report(ws: Workspace, *, pdf: bool, lang: str) -> list[Path]:
    """Render WS/reports/province.html (and .pdf) over every assessed county."""
    from flows.ledger import Ledger
    from flows.reports import render_province

    if not ws.assessed_counties():
        return []
    with Ledger(workspace=ws.root) as ledger:
        paths = render_province(ws.root, lang=lang, pdf=pdf, ledger=ledger)
    return [p for p in (getattr(paths, "html", None), getattr(paths, "pdf", None)) if p]


def record_run(data_dir: Path, ws: Workspace, cfg: CampaignConfig, step: str,
               outcomes: list[CountyOutcome]) -> CampaignSummary:
    """Write WS/manifest.json: inputs' SHA-256, config, seed, versions, timings per county."""
    counties: dict[str, Any] = {}
    inputs: dict[str, str] = {}
    for o in outcomes:
        entry: dict[str, Any] = {f"{step}_status": o.status, f"{step}_seconds": round(o.seconds, 3)}
        if o.message:
            entry[f"{step}_message"] = o.message
        if o.status != "failed":
            entry[f"{step}_inputs_sha256"] = o.inputs_sha256
            entry[f"{step}_outputs"] = o.outputs
            entry[f"{step}_timings"] = {k: round(v, 3) for k, v in o.timings.items()}
        if o.verdict:
            entry["verdict"], entry["provisional"] = o.verdict, o.provisional
        counties[o.county_code] = entry
        state = ws.state(o.county_code, step)
        if state.exists():
            inputs.update(json.loads(state.read_text(encoding="utf-8")).get("inputs", {}))
    counties_file = io.table_files(data_dir, TableName.COUNTIES)
    for f in counties_file:
        inputs[str(f.relative_to(data_dir))] = sha256_file(f)
    update_manifest(ws.manifest, {
        "campaign": cfg.campaign, "seed": cfg.seed, "year": cfg.year,
        "data_dir": str(data_dir.resolve()), "config": cfg.model_dump(mode="json"),
        "config_sha256": cfg.digest(), "code_version": code_version(), "versions": versions(),
        "counties": counties,
        "inputs": inputs,
    })
    return CampaignSummary(step, tuple(outcomes), str(ws.root))


def publish_artifacts(ws: Workspace, summary: CampaignSummary) -> None:
    """A Prefect markdown artifact: the county verdicts, with links to the reports."""
    from prefect.artifacts import create_markdown_artifact

    lines = ["| county | status | verdict | provisional | report |", "|---|---|---|---|---|"]
    for o in summary.outcomes:
        report = ws.reports_dir() / f"{o.county_code}.html"
        link = f"[html]({report.as_uri()})" if report.exists() else "—"
        lines.append(f"| {o.county_code} | {o.status} | {o.verdict or '—'} | "
                     f"{'yes' if o.provisional else 'no'} | {link} |")
    province = ws.reports_dir() / "province.html"
    if province.exists():
        lines.append(f"\nProvince summary: [{province.name}]({province.as_uri()})")
    # An artifact is a convenience for the Prefect UI, never a reason to fail a run.
    with contextlib.suppress(Exception):
        create_markdown_artifact(markdown="\n".join(lines), key="county-verdicts",
                                 description="exitcheck county verdicts")


def spot_check(data_dir: Path, ws: Workspace, county: str, *, mode: str,
               seed: int | None, field_dir: Path | None) -> dict[str, Any]:
    """Central spot-check; see ``flows.spotcheck``."""
    from flows.spotcheck import run_spot_check

    return run_spot_check(data_dir, ws, county, mode=mode, seed=seed, field_dir=field_dir)


__all__ = ["assess_county", "merge_quarantine", "record_run", "resolve_counties",
           "sample_county"]
