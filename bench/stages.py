"""One benchmark stage per process: ``python -m bench.stages STAGE --data D --ws W ...``.

Each stage calls exitcheck's stage functions directly (no Prefect start-up) and prints one
JSON line with its wall time and its breakdown; the parent (``bench.run``) measures the
process's peak RSS with ``os.wait4``, so every stage's memory is its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def _codes(data: Path, n: int | None) -> list[str]:
    from flows.store import tables
    codes = tables.county_codes(data)
    return codes[:n] if n else codes


def _cfg() -> Any:
    from bench.cache import config_path
    from flows.store.config import load_config

    return load_config(config_path())


def stage_validate(a: argparse.Namespace) -> dict[str, Any]:
    from flows.county.validate import validate_campaign

    t0 = time.perf_counter()
    s = validate_campaign(a.data, a.ws, year=_cfg().year)
    return {"seconds": time.perf_counter() - t0, "usable": s.usable,
            "rows": {t: [c.rows_read, c.rows_quarantined] for t, c in s.tables.items()}}


def stage_sample(a: argparse.Namespace) -> dict[str, Any]:
    from flows.county.sample import sample_county
    from flows.store.workspace import Workspace

    cfg, ws = _cfg(), Workspace.at(a.ws)
    t0 = time.perf_counter()
    parts: dict[str, float] = {}
    households = 0
    for c in _codes(a.data, a.counties):
        o = sample_county(a.data, ws, c, cfg, force=True)
        if o.status == "failed":
            raise RuntimeError(f"{c}: {o.message}")
        households += o.households
        for k, v in o.timings.items():
            parts[k] = parts.get(k, 0.0) + v
    return {"seconds": time.perf_counter() - t0, "parts": parts, "drawn": households}


def stage_synth_field(a: argparse.Namespace) -> dict[str, Any]:
    from flows.county.synth import synth_field

    t0 = time.perf_counter()
    s = synth_field(a.data, a.ws, truth_dir=a.truth)
    return {"seconds": time.perf_counter() - t0, "rows": sum(s.rows.values())}


def stage_assess(a: argparse.Namespace) -> dict[str, Any]:
    from flows.county.assess import assess_county
    from flows.county.record import record_run
    from flows.county.report import render_province_report
    """Checks + estimation, signals and HTML reports of every county (PDF off)."""
    from flows.store.workspace import Workspace

    cfg, ws = _cfg(), Workspace.at(a.ws)
    t0 = time.perf_counter()
    parts: dict[str, float] = {}
    outcomes = []
    for c in _codes(a.data, a.counties):
        o = assess_county(a.data, ws, c, cfg, force=True, pdf=False)
        if o.status == "failed":
            raise RuntimeError(f"{c}: {o.message}")
        outcomes.append(o)
        for k, v in o.timings.items():
            parts[k] = parts.get(k, 0.0) + v
    t1 = time.perf_counter()
    record_run(a.data, ws, cfg, "assess", outcomes)
    render_province_report(ws, pdf=False, lang="zh")
    parts["province_report"] = time.perf_counter() - t1
    return {"seconds": time.perf_counter() - t0, "parts": parts, "counties": len(outcomes)}


def stage_pdf(a: argparse.Namespace) -> dict[str, Any]:
    from flows.county.report import render_county_report
    """HTML + PDF reports of the first ``--counties`` counties (from stored results)."""
    from flows.store.workspace import Workspace

    ws = Workspace.at(a.ws)
    codes = ws.assessed_counties()[: a.counties]
    t0 = time.perf_counter()
    for c in codes:
        render_county_report(ws, c, pdf=True, lang="zh")
    return {"seconds": time.perf_counter() - t0, "counties": len(codes)}


def stage_spotcheck_direct(a: argparse.Namespace) -> dict[str, Any]:
    """The spot-check's own compute: redraw + reassess one county, no Prefect, no report."""
    from flows.county.spotcheck import run_spot_check
    from flows.store.workspace import Workspace

    t0 = time.perf_counter()
    r = run_spot_check(a.data, Workspace.at(a.ws), a.county, mode="reproduce",
                       report=False)
    return {"seconds": time.perf_counter() - t0, "identical": r.get("identical")}


STAGES = {"validate": stage_validate, "sample": stage_sample, "synth-field": stage_synth_field,
          "assess": stage_assess, "pdf": stage_pdf, "spotcheck-direct": stage_spotcheck_direct}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="bench.stages")
    p.add_argument("stage", choices=[*STAGES, "svy"])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--ws", type=Path, required=True)
    p.add_argument("--truth", type=Path)
    p.add_argument("--counties", type=int)
    p.add_argument("--county")
    a = p.parse_args(argv)
    if a.stage == "svy":
        from bench.svy_compare import compare

        out = compare(a.data, a.ws, a.counties)
    else:
        out = STAGES[a.stage](a)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
