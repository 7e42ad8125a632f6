"""Central spot-check of one county.

``reproduce`` redraws the county's sample from the manifest's seed and config into a fresh
sub-workspace, checks that the sample file is byte-identical and that every estimate is equal.
``independent`` draws a fresh sample from a new, recorded seed; when field rows for it exist it
assesses it and compares its estimates with the province's.

The comparison: for each indicator, difference = central − province, with a 95 % CI from the
two independent samples' standard errors, sqrt(se_c² + se_p²) (Lohr, *Sampling*, §4: variance of
a difference of independent estimators). The province's result is *contradicted* on an
indicator when that CI excludes 0 in the direction unfavourable to exit (a higher wrong-exit,
missed or incidence rate, or a lower recognition rate), or when the central verdict is "fail"
where the province's is "pass".

An estimate of exactly 0 or 1 (no failures found, or every household satisfied) has a
linearised se of 0, although its own interval (Korn–Graubard) is not a point. Taking that 0
at face value would let the other side's se alone decide a contradiction. Such a side's se is
therefore the distance from the estimate to the far end of its own 95 % interval divided by
z (the Wald se that would give the same bound); docs/methods.md §10.
"""

from __future__ import annotations

import json
import math
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# scipy.special's stdtrit/betaincinv/ndtri are what stats.t/beta/norm.ppf compute, without
# scipy.stats' ~1 s import (a spot-check's time budget).
import pandas as pd
from scipy import special

from assessment.indicators import INDICATORS
from flows.county.assess import assess_county
from flows.county.sample import sample_county
from flows.render.reports import render_spotcheck
from flows.store import files, tables
from flows.store.config import CampaignConfig
from flows.store.manifest import code_version, sha256_file
from flows.store.workspace import Workspace
from registry.contract import TableName
from registry.errors import ExitcheckError

_Z = 1.959963984540054


class SpotCheckError(ExitcheckError):
    """The spot-check cannot run (no manifest, county never assessed, ...)."""


def _manifest(ws: Workspace) -> dict[str, Any]:
    if not ws.manifest.exists():
        raise SpotCheckError(
            f"No manifest in {ws.root}: the province's run must be there to check against. / "
            f"工作区中没有 manifest.json，无法复核。"
        )
    return json.loads(ws.manifest.read_text(encoding="utf-8"))


def _run_id(mode: str) -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{mode}-{secrets.token_hex(2)}"


def compare_results(province: dict[str, Any], central: dict[str, Any],
                    df: dict[str, int] | None = None) -> dict[str, Any]:
    """Difference of each indicator with its CI, and whether the province is contradicted.

    The CI uses t on the smaller of the two designs' degrees of freedom when ``df`` gives them
    (the indicators' own intervals use t on the design df), else the normal quantile. An
    indicator either side could not estimate (value null) is "not comparable", never 0.
    """
    diff: dict[str, Any] = {}
    contradicted: dict[str, bool | None] = {}
    for name in INDICATORS:
        p, c = province["indicators"][name], central["indicators"][name]
        if p.get("value") is None or c.get("value") is None:
            diff[name] = {"value": None, "se": None, "ci_low": None, "ci_high": None,
                          "comparable": False}
            contradicted[name] = None
            continue
        d = c["value"] - p["value"]
        se = math.hypot(comparison_se(c), comparison_se(p))
        q = float(special.stdtrit(df[name], 0.975)) if df and df.get(name) else _Z
        lo, hi = d - q * se, d + q * se
        diff[name] = {"value": d, "se": se, "ci_low": lo, "ci_high": hi, "comparable": True}
        worse = hi < 0 if name == "recognition_rate" else lo > 0
        contradicted[name] = bool(worse or (p["verdict"] == "pass" and c["verdict"] == "fail"))
    return {"difference": diff, "contradicted": contradicted,
            "province_contradicted": any(bool(v) for v in contradicted.values())}


def comparison_se(indicator: dict[str, Any]) -> float:
    """The standard error one side brings to the difference.

    Its linearised se; when that is 0 (an estimate of 0 or 1) and the interval is known, the
    distance from the estimate to the far end of its 95 % interval over z, so that a
    zero-failure sample keeps the sampling uncertainty its own interval shows (the
    Korn–Graubard interval, Korn & Graubard 1998, is not a point even where the Wald se is 0).
    """
    se = indicator.get("se") or 0.0
    if se > 0:
        return float(se)
    v, lo, hi = indicator.get("value"), indicator.get("ci_low"), indicator.get("ci_high")
    if v is None or lo is None or hi is None:
        return 0.0
    return max(hi - v, v - lo, 0.0) / _Z


def _min_df(ws: Workspace, sub: Workspace, county: str) -> dict[str, int]:
    """Per indicator, the smaller design df of the province's and the central assessment."""
    out: dict[str, int] = {}
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in
            (ws.detail_json(county), sub.detail_json(county)) if p.exists()]
    if len(docs) == 2:
        for name in INDICATORS:
            dfs = [d.get("indicators", {}).get(name, {}).get("df") for d in docs]
            if all(isinstance(x, int) and x > 0 for x in dfs):
                out[name] = min(dfs)
    return out


def _estimates(result: dict[str, Any]) -> dict[str, Any]:
    keep = ("value", "se", "ci_low", "ci_high", "threshold", "verdict")
    out = {k: {f: v.get(f) for f in keep} for k, v in result["indicators"].items()}
    out["verdict"] = result["verdict"]
    return out


def field_folder(field_dir: Path) -> Path:
    """The folder that holds ``field_checks``: the one given, or its parent when the
    ``field_checks`` folder itself was given (as the help names it)."""
    field_dir = Path(field_dir)
    if (field_dir.name == TableName.FIELD_CHECKS.value and field_dir.is_dir()
            and not tables.table_files(field_dir, TableName.FIELD_CHECKS)):
        return field_dir.parent
    return field_dir


def run_spot_check(data_dir: Path, ws: Workspace, county: str, *, mode: str = "reproduce",
                   seed: int | None = None, field_dir: Path | None = None, lang: str = "zh",
                   pdf: bool = True, report: bool = True,
                   own: Workspace | None = None) -> dict[str, Any]:
    """Run a spot-check: write WS/spotcheck/<county>-<run>.json and render it as
    WS/reports/spotcheck-<county>-<run>.html (and .pdf; ``.en`` before the suffix for English).

    ``ws`` is the province's workspace, only read when ``own`` (the inspector's own workspace)
    is given: the spot-check's files and reports then go there. Returns the record, with the
    paths of what was written (``fieldwork``: an independent draw's enumerator list)."""
    out_ws = own or ws
    if mode not in ("reproduce", "independent"):
        raise SpotCheckError(f"mode must be reproduce or independent, not {mode!r}")
    manifest = _manifest(ws)
    if not ws.sample(county).exists():
        raise SpotCheckError(
            f"County {county} has no sample in this workspace / 该县在工作区中没有样本。")
    # The config the county's own sample was drawn with: a later run for other counties may
    # have used another config, and the workspace manifest keeps only the latest.
    state = _sample_state(ws, county)
    cfg = CampaignConfig.model_validate(state.get("config") or manifest["config"])
    run = _run_id(mode)
    # The sub-workspace reads the province workspace's validated registry when its key (the
    # input files' SHA-256, the year, the code version) and its files' hashes match; any
    # difference validates afresh (flows.county.inputs.registry_tables).
    sub = Workspace.at(out_ws.spotcheck_dir() / f"{county}-{run}", cache_root=ws.root)
    if mode == "independent":
        seed = seed if seed is not None else secrets.randbelow(2**31 - 1)
        cfg = cfg.model_copy(update={"seed": seed})
    # Reproduce compares the sample file and the estimates, so the enumerator list, the
    # registry-wide signals and the report are not recomputed; an independent draw needs its
    # enumerator list (it goes to the field).
    sample_county(data_dir, sub, county, cfg, force=True, fieldwork=mode == "independent")
    record: dict[str, Any] = {
        "county_code": county, "mode": mode, "run": run, "seed": cfg.seed,
        "province_seed": manifest.get("seed"), "workspace": str(sub.root),
        "province_workspace": str(ws.root),
        "sample_sha256": {"province": sha256_file(ws.sample(county)),
                          "central": sha256_file(sub.sample(county))},
    }
    province_json = ws.results_json(county)
    province = json.loads(province_json.read_text(encoding="utf-8")) \
        if province_json.exists() else None
    record["province"] = _estimates(province) if province else None
    central = None
    if mode == "reproduce":
        record["sample_identical"] = (record["sample_sha256"]["province"]
                                      == record["sample_sha256"]["central"])
        if province is not None:
            assess_county(data_dir, sub, county, cfg, force=True, pdf=False, signals=False,
                          report=False)
            central = json.loads(sub.results_json(county).read_text(encoding="utf-8"))
    else:
        record["sample_identical"] = None
        record["fieldwork"] = str(sub.fieldwork(county))
        field_dir = field_folder(field_dir) if field_dir is not None else None
        # An independent check scores the central team's own visits, never the province's.
        if field_dir is not None and _has_field_rows(field_dir, county, sub):
            assess_county(data_dir, sub, county, cfg, force=True, pdf=False,
                          field_dir=field_dir)
            central = json.loads(sub.results_json(county).read_text(encoding="utf-8"))
        else:
            record["status"] = "awaiting_field_data"
    record["central"] = _estimates(central) if central else None
    if central is not None and province is not None:
        record["estimates_identical"] = _identical(province, central)
        record.update(compare_results(province, central, _min_df(ws, sub, county)))
        if mode == "reproduce":
            record["identical"] = bool(record["sample_identical"]
                                       and record["estimates_identical"])
            record["differences"] = _differences(province, central)
        else:
            record["identical"] = None
        record.setdefault("status", "compared")
    else:
        record["identical"] = record["sample_identical"] if mode == "reproduce" else None
        record.setdefault("status", "sample_only")
    record["code_version"] = {"province": state.get("code_version"), "central": code_version()}
    record["inputs_changed"] = _inputs_changed(state, _sample_state(sub, county))
    if record["inputs_changed"]:
        record["note_inputs"] = (
            "Input files changed since the province drew its sample: "
            + ", ".join(record["inputs_changed"]) + ". A difference may come from the data, "
            "not from the computation. / 抽样后输入文件有变化，差异可能来自数据。")
    if record["code_version"]["province"] not in (None, record["code_version"]["central"]):
        record["note"] = (
            "The province's sample was drawn by another version of exitcheck; an exact "
            "reproduction is only expected with the same version (see manifest.json "
            "versions). / 省级样本由另一版本的软件抽取，仅在相同版本下才能完全复现。")
    out = out_ws.spotcheck_dir() / f"{county}-{run}.json"
    files.write_json(record, out)
    record["path"] = str(out)
    if report:
        paths = render_spotcheck(out, lang=lang, pdf=pdf)
        record["reports"] = [str(p) for p in (paths.html, paths.pdf) if p]
    return record


def _sample_state(ws: Workspace, county: str) -> dict[str, Any]:
    path = ws.state(county, "sample")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _inputs_changed(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    old, new = before.get("inputs") or {}, now.get("inputs") or {}
    if not old:
        return []
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _has_field_rows(field_dir: Path, county: str, sub: Workspace) -> bool:
    if not tables.table_files(field_dir, TableName.FIELD_CHECKS):
        return False
    field = tables.load_county(field_dir, county, tables=(TableName.FIELD_CHECKS,)).get(
        TableName.FIELD_CHECKS)
    if field is None or field.empty:
        return False
    sample = pd.read_parquet(sub.sample(county), columns=["household_id", "role"])
    main = sample.loc[sample["role"] == "main", "household_id"]
    return bool(main.isin(field["household_id"]).mean() >= 0.5)


def _identical(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Every leaf where two results differ, as 'path: a → b'."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in sorted(set(a) | set(b)):
            out += _differences(a.get(k), b.get(k), f"{path}.{k}" if path else k)
        return out
    return [] if a == b or (a != a and b != b) else [f"{path}: {a!r} → {b!r}"]
