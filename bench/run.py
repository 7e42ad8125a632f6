"""``python -m bench.run [--quick]``: measure every stage and write bench/RESULTS.md.

Every figure is the median of 3 runs (1 with ``--quick`` or ``BENCH_QUICK=1``). Each stage runs
in its own process (``bench.stages``) and its peak RSS is read with ``os.wait4`` (the largest
resident set of that process or any child it waited for). Nothing in RESULTS.md is typed by
hand: it is all written from the measurements below.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cache

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
RESULTS = ROOT / "RESULTS.md"
BIN = Path(sys.executable).parent
PDF_COUNTIES = 3
MEMORY_COUNTIES = (10, 30, 60)
TARGETS = {"province_s": 120.0, "rss_gb": 4.0, "ratio": 1.0, "spot_cold_s": 15.0,
           "spot_server_s": 5.0}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONWARNINGS": "ignore"})
    env.update(extra)
    return env


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd``; its wall time, peak RSS (MB), exit status and last stdout line."""
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "last.stdout", "w+b") as so, open(OUT / "last.stderr", "w+b") as se:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=so, stderr=se, env=env or _env(), cwd=ROOT.parent)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0)
        lines = so.read().decode("utf-8", "replace").strip().splitlines()
        se.seek(0)
        err = se.read().decode("utf-8", "replace")
    out = {"wall": wall, "rss_mb": usage.ru_maxrss / 1024.0, "rc": p.returncode}
    if lines:
        try:
            out["result"] = json.loads(lines[-1])
        except json.JSONDecodeError:
            out["stdout_tail"] = lines[-3:]
    if p.returncode not in (0,):
        out["stderr_tail"] = err.strip().splitlines()[-5:]
    return out


def stage(name: str, ws: Path, **kw: Any) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.stages", name, "--data", str(cache.data_dir()),
           "--ws", str(ws), "--truth", str(cache.truth_dir())]
    for k, v in kw.items():
        cmd += [f"--{k}", str(v)]
    r = measure(cmd)
    if r["rc"] != 0:
        raise RuntimeError(f"stage {name} failed: {r.get('stderr_tail')}")
    return r


def exitcheck(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    return measure([str(BIN / "exitcheck"), *args], env=env)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrefectServer:
    """``prefect server start`` on a free 127.0.0.1 port, stopped on exit."""

    def __init__(self, home: Path) -> None:
        self.home, self.port, self.proc = home, _free_port(), None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def __enter__(self) -> PrefectServer:
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(OUT / "prefect-server.log", "wb")
        self.proc = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
             str(self.port)], stdout=log, stderr=subprocess.STDOUT,
            env=_env(PREFECT_HOME=str(self.home)), start_new_session=True)
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("prefect server did not start; see bench/out/prefect-server.log")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def one_run(i: int, log: Any) -> dict[str, Any]:
    """Every measurement once."""
    r: dict[str, Any] = {}
    ws = OUT / "ws-stages"
    shutil.rmtree(ws, ignore_errors=True)
    for name in ("validate", "sample", "synth-field", "assess"):
        log(f"  run {i}: {name}")
        r[name] = stage(name, ws)
    log(f"  run {i}: pdf ({PDF_COUNTIES} counties)")
    r["pdf"] = stage("pdf", ws, counties=PDF_COUNTIES)
    log(f"  run {i}: svy")
    r["svy"] = stage("svy", ws)
    for n in MEMORY_COUNTIES[:-1]:
        log(f"  run {i}: memory, {n} counties")
        r[f"assess_{n}"] = stage("assess", ws, counties=n)  # sampled workspace, first n

    try:
        _cli_and_spot(i, r, log)
    except Exception as exc:  # recorded and reported; the stage figures above still count
        r["error"] = f"{type(exc).__name__}: {exc}"
        log(f"  run {i}: {r['error']}")
    return r


def _cli_and_spot(i: int, r: dict[str, Any], log: Any) -> None:
    log(f"  run {i}: CLI sample + assess --no-pdf")
    wcli = OUT / "ws-cli"
    shutil.rmtree(wcli, ignore_errors=True)
    data, conf = str(cache.data_dir()), str(cache.config_path())
    common = ("--data", data, "--workspace", str(wcli), "--config", conf)
    home = _env(PREFECT_HOME=str(OUT / "prefect-home"))
    r["cli_sample"] = exitcheck("sample", *common, env=home)
    r["cli_assess"] = exitcheck("assess", *common, "--no-pdf", env=home)
    for k in ("cli_sample", "cli_assess"):
        if r[k]["rc"] != 0:
            raise RuntimeError(f"{k} failed: {r[k].get('stderr_tail')}")

    county = json.loads((cache.CACHE / "province" / "stamp.json").read_text())["counties"][0]
    log(f"  run {i}: spot-check {county}")
    spot = ("spotcheck", "--data", data, "--workspace", str(wcli), "--county", county,
            "--reproduce")
    r["spot_cold"] = exitcheck(*spot, env=_env(PREFECT_HOME=str(OUT / "prefect-home")))
    with PrefectServer(OUT / "prefect-server-home") as server:
        exitcheck(*spot, env=_env(PREFECT_HOME=str(OUT / "prefect-server-home"),
                                  PREFECT_API_URL=server.api))  # warm-up: the first flow run
        r["spot_server"] = exitcheck(*spot, env=_env(
            PREFECT_HOME=str(OUT / "prefect-server-home"), PREFECT_API_URL=server.api))
    r["spot_direct"] = stage("spotcheck-direct", wcli, county=county)
    r["spot_county"] = county


# ---------------------------------------------------------------------------------- report
def _med(runs: list[dict[str, Any]], *path: str) -> float:
    vals = []
    for run in runs:
        x: Any = run
        try:
            for p in path:
                x = x[p]
        except (KeyError, TypeError):
            continue  # that part of the run failed (see "Errors")
        vals.append(float(x))
    return statistics.median(vals) if vals else float("nan")


def _machine() -> dict[str, Any]:
    import psutil

    model = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "ram_gb": psutil.virtual_memory().total / 2**30,
            "cpu": model, "python": platform.python_version(), "os": platform.platform()}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in ("svy", "numpy", "pandas", "pyarrow", "prefect", "polars")}


def _ok(met: bool) -> str:
    return "met" if met else "**missed**"


def write_results(runs: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    m = lambda *p: _med(runs, *p)  # noqa: E731
    gen = meta["province"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench.run`); every figure below comes from that run."
        " Do not edit by hand.",
        "",
        f"- Date (UTC): {meta['started']} → {meta['finished']}",
        f"- Command: `{meta['command']}`",
        f"- Runs per figure: {len(runs)} ({'median' if len(runs) > 1 else 'single run: --quick'})",
        f"- Machine: {meta['machine']['cores']} cores, {meta['machine']['ram_gb']:.1f} GB RAM, "
        f"{meta['machine']['cpu']}; Python {meta['machine']['python']}; {meta['machine']['os']}",
        f"- Load average (1/5/15 min) before: {meta['load_before']}, after: {meta['load_after']}"
        " — the machine was shared with other work during the run.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        f"- Province: {len(gen['counties'])} counties of province {gen['params']['province']}, "
        f"{gen['households']:,} households, {gen['members']:,} members (scale "
        f"{gen['params']['scale']}, seed {gen['params']['seed']}); generated once in "
        f"{gen['seconds']:.1f} s and cached in bench/cache/.",
        "",
        "## Stages (stage functions called directly, one process per stage, counties in turn)",
        "",
        "| stage | seconds | peak RSS (MB) |",
        "|---|---:|---:|",
    ]
    assess = runs[0]["assess"]["result"]["parts"]
    for name in ("validate", "sample", "synth-field"):
        lines.append(f"| {name} | {m(name, 'result', 'seconds'):.1f} | {m(name, 'rss_mb'):.0f} |")
    # Everything but signals and reports: load + validate + checks + estimation + writing.
    other = ("signals", "report", "province_report")
    est = statistics.median(sum(v for k, v in r["assess"]["result"]["parts"].items()
                                if k not in other) for r in runs)
    lines += [
        f"| assess: load + validate + checks + estimation + write | {est:.1f} | "
        f"{m('assess', 'rss_mb'):.0f} (whole assess process) |",
        f"| assess: signals | {m('assess', 'result', 'parts', 'signals'):.1f} | — |",
        f"| assess: HTML reports (60 counties + province) | "
        f"{m('assess', 'result', 'parts', 'report') + m('assess', 'result', 'parts', 'province_report'):.1f} | — |",  # noqa: E501
        f"| assess total | {m('assess', 'result', 'seconds'):.1f} | {m('assess', 'rss_mb'):.0f} |",
        f"| PDF + HTML reports, {PDF_COUNTIES} counties | {m('pdf', 'result', 'seconds'):.1f} | "
        f"{m('pdf', 'rss_mb'):.0f} |",
        f"| PDF, extrapolated to 60 counties | "
        f"{m('pdf', 'result', 'seconds') / PDF_COUNTIES * 60:.0f} | — |",
        "",
        f"PDF is measured on {PDF_COUNTIES} counties only (WeasyPrint takes seconds per report);"
        " the 60-county figure is that time × 60 / " + str(PDF_COUNTIES) + ".",
        "Assess breakdown (s, run 1): "
        + ", ".join(f"{k} {v:.1f}" for k, v in assess.items()) + ".",
        "",
        "## End to end through the CLI (Prefect's temporary server, process runner, one worker "
        "per core)",
        "",
        "Each command starts Prefect's temporary server as it starts (flows/runtime.py). Peak "
        "RSS is the largest single process of the command (the command, a worker process or "
        "the server), as `os.wait4` reports it.",
        "",
        "| command | seconds | peak RSS (MB) |",
        "|---|---:|---:|",
        f"| `exitcheck sample` (60 counties) | {m('cli_sample', 'wall'):.1f} | "
        f"{m('cli_sample', 'rss_mb'):.0f} |",
        f"| `exitcheck assess --no-pdf` (60 counties) | {m('cli_assess', 'wall'):.1f} | "
        f"{m('cli_assess', 'rss_mb'):.0f} |",
        f"| province end to end (sample + assess) | "
        f"{m('cli_sample', 'wall') + m('cli_assess', 'wall'):.1f} | — |",
        "",
        "## exitcheck against svy (same data, same run)",
        "",
        "| task | exitcheck (s) | svy (s) | ours / svy | agreement |",
        "|---|---:|---:|---:|---|",
    ]
    sel_o, sel_s = m("svy", "result", "selection", "ours"), m("svy", "result", "selection", "svy")
    est_o, est_s = (m("svy", "result", "estimation", "ours"),
                    m("svy", "result", "estimation", "svy"))
    sv = runs[-1]["svy"]["result"]  # the latest run (run 1 may predate a fix of the check)
    d = sv["estimation"]["max_abs_diff"]
    lines += [
        f"| stratified two-stage selection, 60 counties | {sel_o:.2f} | {sel_s:.2f} | "
        f"{sel_o / sel_s:.2f} | same design (villages per stratum, households per cell): "
        f"{sv['selection']['same_design']} |",
        f"| {sv['estimation']['estimates']} proportions (3 per county) | {est_o:.2f} | "
        f"{est_s:.2f} | {est_o / est_s:.2f} | max |Δ| value {d['value']:.1e}, se "
        f"{d['se']:.1e}, CI {d['ci']:.1e} |",
        "",
        "Inputs are in memory in each library's native frame (pandas / polars); reading and "
        "converting is not timed. See bench/svy_compare.py for what each side does.",
        "",
        "## One-county spot-check (`exitcheck spotcheck --reproduce`, county "
        f"{runs[0].get('spot_county', '?')})",
        "",
        "| how | seconds | peak RSS (MB) |",
        "|---|---:|---:|",
        f"| cold: ephemeral Prefect server | {m('spot_cold', 'wall'):.1f} | "
        f"{m('spot_cold', 'rss_mb'):.0f} |",
        f"| against a running `prefect server start` | {m('spot_server', 'wall'):.1f} | "
        f"{m('spot_server', 'rss_mb'):.0f} |",
        f"| the tool's own compute (redraw + reassess, no Prefect) | "
        f"{m('spot_direct', 'result', 'seconds'):.1f} | {m('spot_direct', 'rss_mb'):.0f} |",
        "",
        "## Peak RSS against the number of counties (assess stage)",
        "",
        "| counties | seconds | peak RSS (MB) |",
        "|---:|---:|---:|",
    ]
    rss = {}
    for n in MEMORY_COUNTIES:
        key = "assess" if n == MEMORY_COUNTIES[-1] else f"assess_{n}"
        rss[n] = m(key, "rss_mb")
        lines.append(f"| {n} | {m(key, 'result', 'seconds'):.1f} | {rss[n]:.0f} |")
    flat = max(rss.values()) <= 1.25 * min(rss.values())
    province = m("cli_sample", "wall") + m("cli_assess", "wall")
    peak = max((v for k in ("validate", "sample", "synth-field", "assess", "pdf", "svy",
                            "cli_sample", "cli_assess") if (v := m(k, "rss_mb")) == v),
               default=float("nan"))
    lines += [
        "",
        "## Targets (2 cores, 24 GB)",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| province end to end without PDF < 120 s | {province:.1f} s | "
        f"{_ok(province < TARGETS['province_s'])} |",
        f"| peak RSS < 4 GB | {peak / 1024:.2f} GB | {_ok(peak / 1024 < TARGETS['rss_gb'])} |",
        f"| selection ours/svy ≤ 1.0 | {sel_o / sel_s:.2f} | {_ok(sel_o / sel_s <= 1.0)} |",
        f"| estimation ours/svy ≤ 1.0 | {est_o / est_s:.2f} | {_ok(est_o / est_s <= 1.0)} |",
        f"| spot-check cold < 15 s | {m('spot_cold', 'wall'):.1f} s | "
        f"{_ok(m('spot_cold', 'wall') < TARGETS['spot_cold_s'])} |",
        f"| spot-check with a server < 5 s | {m('spot_server', 'wall'):.1f} s | "
        f"{_ok(m('spot_server', 'wall') < TARGETS['spot_server_s'])} |",
        f"| memory flat in counties (max ≤ 1.25 × min) | "
        f"{', '.join(f'{n}: {v:.0f} MB' for n, v in rss.items())} | {_ok(flat)} |",
        "",
    ]
    errors = [f"- run {k}: {r['error']}" for k, r in enumerate(runs, 1) if r.get("error")]
    if errors:
        lines += ["## Errors", "", *errors, ""]
    notes = ROOT / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8").strip(), ""]
    text = "\n".join(lines)
    RESULTS.write_text(text, encoding="utf-8")
    (OUT / "raw.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    return text


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="bench.run")
    p.add_argument("--quick", action="store_true", help="one run instead of three")
    p.add_argument("--from-raw", action="store_true",
                   help="rewrite RESULTS.md from bench/out/raw.json without measuring")
    a = p.parse_args(argv)
    if a.from_raw:
        raw = json.loads((OUT / "raw.json").read_text(encoding="utf-8"))
        raw["meta"].setdefault("finished", "(interrupted)")
        raw["meta"].setdefault("load_after", "(not recorded)")
        print(write_results(raw["runs"], raw["meta"]))
        return
    quick = a.quick or os.environ.get("BENCH_QUICK") == "1"
    runs_n = 1 if quick else 3

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    meta: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "command": "make bench" + (" BENCH_QUICK=1" if quick else "")
        + f"  (= {Path(sys.executable).parent.parent.name}/bin/python -m bench.run"
        + (" --quick" if quick else "") + ")",
        "machine": _machine(), "versions": _versions(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    log("province: generate or reuse bench/cache")
    gen = measure([sys.executable, "-m", "bench.cache"])
    if gen["rc"] != 0:
        raise SystemExit(f"generation failed: {gen.get('stderr_tail')}")
    meta["province"] = json.loads(
        (cache.CACHE / "province" / "stamp.json").read_text(encoding="utf-8"))
    runs = []
    for i in range(1, runs_n + 1):
        runs.append(one_run(i, log))
        (OUT / "raw.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    meta["finished"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    meta["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(write_results(runs, meta))


if __name__ == "__main__":
    main()
