"""Shell of ``exitcheck synth`` and ``exitcheck synth-field``: write a synthetic campaign.

The data directory gets ``counties.csv`` and per-county Parquet folders (villages, households,
members, support_history); the planted truth goes to a separate folder (default
``<out>-truth``) so that nothing downstream can read it by accident. One county is generated
and written at a time, so memory is bounded by the largest county. Every file is written
atomically.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assessment.settings import CheckSettings
from flows.store.county_frame import national_county_frame
from flows.store.files import write_csv, write_json, write_parquet
from registry.contract import SAMPLE_COLUMNS
from registry.counties import county_table
from sampling.streams import Stream, county_rng
from synth.county import generate_county, realised_rates
from synth.field import synth_field_rows
from synth.plan import SynthError, campaign_plan

# The registry and the field rows take streams of their own (sampling.streams.Stream), so that
# a campaign run with the same seed as the synthetic data never reuses the random numbers that
# built the registry.
REGISTRY_STREAM = int(Stream.REGISTRY)
FIELD_STREAM = int(Stream.FIELD)
TABLES = ("villages", "households", "members", "support_history")


def county_generator(seed: int, county_code: str, stream: int) -> np.random.Generator:
    """The generator of one county and stream; independent of the other counties."""
    return county_rng(seed, county_code, stream)




# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class SynthSummary:
    """What ``synth_campaign`` wrote."""

    out: Path
    truth_dir: Path
    counties: tuple[str, ...]
    households: int
    people: int
    plan: dict[str, dict[str, Any]] = field(default_factory=dict)
    realised: dict[str, dict[str, float]] = field(default_factory=dict)

    def describe(self) -> str:
        lines = [
            f"{len(self.counties)} counties, {self.households:,} households, {self.people:,} "
            f"people → {self.out}",
            f"planted truth → {self.truth_dir / 'truth.json'}",
        ]
        for code in self.counties:
            r, p = self.realised[code], self.plan[code]
            pats = ",".join(p["patterns"]) or "-"
            lines.append(
                f"  {code}: wrong-exit {r['wrong_exit_rate']:.2%}, missed {r['missed_rate']:.2%}, "
                f"recognition {r['recognition_rate']:.1%}, patterns {pats}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class SynthFieldSummary:
    """What ``synth_field`` wrote: field rows per county."""

    data_dir: Path
    rows: dict[str, int]

    def __str__(self) -> str:
        total = sum(self.rows.values())
        return f"{total:,} rows for {len(self.rows)} counties → {self.data_dir / 'field_checks'}"


def default_truth_dir(out: Path) -> Path:
    """``<out>-truth``, a sibling of the data directory."""
    out = Path(out).resolve()
    return out.with_name(out.name + "-truth")


def pick_counties(frame: pd.DataFrame, province: str, year: int, n: int | None) -> pd.DataFrame:
    """The province's counties exiting in or before ``year``, those of ``year`` first, in code
    order; ``n`` of them."""
    prov = frame[frame["province_code"].astype(str) == str(province)].copy()
    if prov.empty:
        raise SynthError(
            f"province {province!r} has no county in the frame / 县域表中没有省代码为{province}的县"
        )
    if n is not None and n < 1:
        raise SynthError(f"counties must be ≥ 1, got {n} / 县数须至少为1")
    exit_year = pd.to_numeric(prov["exit_year"], errors="coerce")
    # A county is assessed in the year it applies to exit, never before: one that exits later
    # would have exits dated after the campaign year, which validation rightly refuses.
    prov = prov[~(exit_year > year)].copy()
    if prov.empty:
        raise SynthError(
            f"province {province!r} has no county exiting in or before {year} / "
            f"该省没有在{year}年或之前摘帽的县")
    prov["_this_year"] = pd.to_numeric(prov["exit_year"], errors="coerce") == year
    prov = prov.sort_values(["_this_year", "county_code"], ascending=[False, True])
    if n is not None:
        prov = prov.head(n)
    else:
        this = prov[prov["_this_year"]]
        prov = this if len(this) else prov
    return prov.drop(columns="_this_year").sort_values("county_code").reset_index(drop=True)


def _income_line(year: int, income_line: float | None) -> float:
    if income_line is not None:
        return float(income_line)

    return CheckSettings().income_line(year)


# --------------------------------------------------------------------------- flows


def synth_campaign(
    out: Path,
    *,
    province: str = "52",
    year: int = 2019,
    counties: int | None = None,
    scale: float = 1.0,
    seed: int = 20191,
    truth_dir: Path | None = None,
    income_line: float | None = None,
) -> SynthSummary:
    """Generate and write a synthetic campaign (data in ``out``, truth in ``truth_dir``)."""
    out = Path(out).resolve()
    truth = Path(truth_dir).resolve() if truth_dir is not None else default_truth_dir(out)
    if truth == out or out in truth.parents:
        raise SynthError(
            f"the truth folder {truth} must lie outside the data folder {out} / "
            "真值目录不能放在数据目录内"
        )
    line = _income_line(year, income_line)
    chosen = pick_counties(national_county_frame(), province, year, counties)
    plan = campaign_plan(chosen, seed)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(county_table(chosen), out / "counties.csv")

    realised: dict[str, dict[str, float]] = {}
    n_hh = n_people = 0
    for _, row in chosen.iterrows():
        code = str(row["county_code"])
        sc = generate_county(
            row, year=year, scale=scale, rng=county_generator(seed, code, REGISTRY_STREAM),
            plant=plan[code], income_line=line,
        )
        for table in TABLES:
            write_parquet(getattr(sc, table), out / table / f"{code}.parquet")
        write_parquet(sc.truth, truth / "households" / f"{code}.parquet")
        realised[code] = realised_rates(sc)
        n_hh += len(sc.households)
        n_people += len(sc.members)
        del sc

    plan_doc = {c: p.to_dict() for c, p in plan.items()}
    write_json(
        {
            "seed": seed,
            "year": year,
            "province": str(province),
            "scale": scale,
            "income_line": line,
            "registry_stream": REGISTRY_STREAM,
            "field_stream": FIELD_STREAM,
            "data_dir": str(out),
            "counties": {
                c: {"plant": plan_doc[c], "realised": realised[c]} for c in plan_doc
            },
        },
        truth / "truth.json",
    )
    return SynthSummary(out, truth, tuple(plan_doc), n_hh, n_people, plan_doc, realised)


def synth_field(
    data_dir: Path,
    workspace: Path,
    *,
    truth_dir: Path | None = None,
    seed: int = 20191,
) -> SynthFieldSummary:
    """Write ``DIR/field_checks/<county>.csv`` for every county sampled in the workspace."""
    data = Path(data_dir).resolve()
    truth = Path(truth_dir).resolve() if truth_dir is not None else default_truth_dir(data)
    meta_path = truth / "truth.json"
    if not meta_path.exists():
        raise SynthError(
            f"no planted truth at {meta_path}: run `exitcheck synth` first or pass --truth / "
            f"找不到真值文件 {meta_path}"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    year, line = int(meta["year"]), float(meta["income_line"])
    sample_dir = Path(workspace).resolve() / "sample"
    files = sorted(sample_dir.glob("*.parquet")) if sample_dir.exists() else []
    if not files:
        raise SynthError(
            f"no drawn sample in {sample_dir}: run `exitcheck sample` first / "
            f"{sample_dir} 中没有抽样结果，请先运行抽样"
        )
    rows: dict[str, int] = {}
    for path in files:
        code = path.stem
        sample = pd.read_parquet(path)
        if "household_id" not in sample.columns:
            raise SynthError(
                f"{path} has no household_id column (expected {list(SAMPLE_COLUMNS)}) / "
                f"{path} 缺少户编号列"
            )
        households = pd.read_parquet(data / "households" / f"{code}.parquet")
        members = pd.read_parquet(data / "members" / f"{code}.parquet")
        truth_hh = pd.read_parquet(truth / "households" / f"{code}.parquet")
        field_rows = synth_field_rows(
            sample, households, members, truth_hh, year=year, income_line=line,
            rng=county_generator(seed, code, FIELD_STREAM),
        )
        write_csv(field_rows, data / "field_checks" / f"{code}.csv")
        rows[code] = len(field_rows)
    return SynthFieldSummary(data, rows)
