"""``make demo``: synth → sample → synth-field → assess → reports, on one real province."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from flows.cli.console import print_summary
from flows.store import files
from flows.store.config import load_config

if TYPE_CHECKING:
    from flows.runtime import EarlyServer

DEMO_PROVINCE = "52"  # Guizhou: 66 national poverty counties, 24 of them exited in 2019
DEMO_YEAR = 2019
DEMO_SEED = 20191
DEMO_CONFIG = f"""# exitcheck demo campaign; official defaults apply to anything not set here
campaign = "{DEMO_YEAR}年贵州省贫困县退出专项评估检查（合成演示数据）"
year = {DEMO_YEAR}
seed = {DEMO_SEED}

[thresholds]
confidence = 0.95
ci_method = "beta"
"""


def run_demo(workspace: Path, *, counties: int = 6, scale: float = 0.5, pdf: bool = True,
             console: Console | None = None) -> int:
    """Run the whole job on a synthetic campaign; returns the exit status."""
    from flows.runtime import early_server

    with early_server() as server:  # Prefect's server boots while the campaign is generated
        return _run(server, Path(workspace), counties, scale, pdf, console)


def _run(server: EarlyServer, workspace: Path, counties: int, scale: float, pdf: bool,
         console: Console | None) -> int:
    from flows.campaign import assess_campaign, sample_campaign
    from flows.county.synth import synth_campaign, synth_field
    from flows.runtime import Runner, task_runner

    console = console or Console()
    ws = Path(workspace).resolve()
    data, truth = ws / "data", ws / "truth"
    t0 = time.perf_counter()
    console.print(f"[bold]1/4 synth[/bold]: {counties} counties of province {DEMO_PROVINCE}, "
                  f"scale {scale} → {data}")
    synth_campaign(data, province=DEMO_PROVINCE, year=DEMO_YEAR, counties=counties, scale=scale,
                   seed=DEMO_SEED, truth_dir=truth)
    config = ws / "campaign.toml"
    files.atomic_write_bytes(config, DEMO_CONFIG.encode("utf-8"))
    console.print("[bold]2/4 sample[/bold]: two-stage samples and enumerator lists")
    server.ready()
    cfg = load_config(config)
    sampled = sample_campaign.with_options(task_runner=task_runner(Runner.PROCESSES))(
        data_dir=data, workspace=ws, config=cfg, progress=True)
    if not sampled.ok:
        console.print("[red]sampling failed[/red]: " + "; ".join(
            f"{o.county_code}: {o.message}" for o in sampled.failed))
        return 1
    console.print("[bold]3/4 synth-field[/bold]: the field app's visits")
    synth_field(data, ws, truth_dir=truth, seed=DEMO_SEED)
    console.print("[bold]4/4 assess[/bold]: checks, estimates, signals, reports")
    assessed = assess_campaign.with_options(task_runner=task_runner(Runner.PROCESSES))(
        data_dir=data, workspace=ws, config=cfg, pdf=pdf, lang="zh", progress=True)
    print_summary(assessed, "assess")
    reports = ws / "reports"
    console.print(f"\n[bold]Reports[/bold] ({time.perf_counter() - t0:.0f} s): {reports}")
    for p in sorted(reports.glob("*.html")):
        console.print(f"  {p}")
    if pdf:
        console.print(f"  PDF: {reports}/*.pdf")
    console.print(f"Planted truth (for comparison): {truth / 'truth.json'}")
    return 0 if assessed.ok else 1
