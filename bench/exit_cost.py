"""``python -m bench.exit_cost [--runs N]``: what the end of a command costs.

Runs ``exitcheck spotcheck --reproduce`` on the bench province's first county (in the
workspace the last ``make bench`` left in bench/out/ws-cli), alternately ending the normal way
(the interpreter's teardown) and through ``flows.runtime.quick_exit``. For each run it prints
the time from the command's return to the end of its process. Outside ``make bench``: it
measures one design decision (bench/NOTES.md, "Spot-check").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from bench import cache
from bench.run import OUT, _env

DRIVER = """
import sys, time
from flows.cli.app import app
from flows.runtime import quick_exit
quick = sys.argv.pop(1) == "quick"
try:
    app(standalone_mode=False)
except SystemExit:
    pass
print(f"RETURNED {time.time():.6f}", file=sys.stderr, flush=True)
if quick:
    quick_exit(0)
"""


def tail(quick: bool, county: str) -> float:
    """Seconds from the command's return to its process's end."""
    cmd = [sys.executable, "-c", DRIVER, "quick" if quick else "normal", "spotcheck",
           "--data", str(cache.data_dir()), "--workspace", str(OUT / "ws-cli"),
           "--county", county, "--reproduce"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(
        PREFECT_HOME=str(OUT / "prefect-home")), cwd=OUT.parent.parent)
    end = time.time()
    marks = [line for line in done.stderr.splitlines() if line.startswith("RETURNED ")]
    if done.returncode != 0 or not marks:
        raise RuntimeError(done.stderr[-2000:])
    return end - float(marks[-1].split()[1])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="bench.exit_cost")
    p.add_argument("--runs", type=int, default=4)
    a = p.parse_args(argv)
    if not (OUT / "ws-cli" / "manifest.json").exists():
        sys.exit("run `make bench` first: it leaves the workspace bench/out/ws-cli")
    county = json.loads((cache.CACHE / "province" / "stamp.json").read_text())["counties"][0]
    os.environ.pop("PREFECT_API_URL", None)
    got: dict[str, list[float]] = {"normal": [], "quick_exit": []}
    for _ in range(a.runs):
        for quick in (False, True):
            got["quick_exit" if quick else "normal"].append(tail(quick, county))
    for name, values in got.items():
        print(f"{name:>10}: " + " ".join(f"{v:.2f}" for v in values)
              + f" s (median {statistics.median(values):.2f})")


if __name__ == "__main__":
    main()
