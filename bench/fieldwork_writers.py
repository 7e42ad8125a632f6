"""``python -m bench.fieldwork_writers [--counties N]``: the enumerator list written with
XlsxWriter (flows/store/fieldwork.py) against the openpyxl writer it replaced (kept here, as
it was at commit 293bc47e, only for this comparison), on the bench province's first counties.
Outside ``make bench``: it measures one design decision (flows/store/fieldwork.py's docstring).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench import cache
from bench.run import OUT


def _old_writer():
    """The openpyxl version of flows/fieldwork.py (now flows/store/fieldwork.py) at commit
    293bc47e (from git)."""
    src = subprocess.run(["git", "show", "293bc47e:flows/fieldwork.py"], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parent).stdout
    path = Path(tempfile.mkdtemp()) / "fieldwork_openpyxl.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("fieldwork_openpyxl", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.write_fieldwork


def main(argv: list[str] | None = None) -> None:
    from flows.store import tables
    from flows.store.fieldwork import write_fieldwork
    from registry.contract import TableName

    p = argparse.ArgumentParser(prog="bench.fieldwork_writers")
    p.add_argument("--counties", type=int, default=3)
    a = p.parse_args(argv)
    ws = OUT / "ws-cli"
    if not (ws / "sample").exists():
        sys.exit("run `make bench` first: it leaves the workspace bench/out/ws-cli")
    old = _old_writer()
    data = cache.data_dir()
    times: dict[str, list[float]] = {"openpyxl": [], "xlsxwriter": []}
    out = Path(tempfile.mkdtemp())
    for code in tables.county_codes(data)[:a.counties]:
        t = tables.load_county(data, code, tables=(TableName.HOUSEHOLDS, TableName.VILLAGES))
        sample = pd.read_parquet(ws / "sample" / f"{code}.parquet")
        args = (sample, t[TableName.HOUSEHOLDS], t[TableName.VILLAGES])
        for name, writer in (("openpyxl", old), ("xlsxwriter", write_fieldwork)):
            t0 = time.perf_counter()
            writer(out / f"{code}-{name}.xlsx", *args)
            times[name].append(time.perf_counter() - t0)
    for name, values in times.items():
        print(f"{name:>10}: " + " ".join(f"{v:.2f}" for v in values)
              + f" s (median {statistics.median(values):.2f})")


if __name__ == "__main__":
    main()
