"""Console output of the CLI: the error boundary, the closing tables, the spot-check verdict."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from registry.errors import ExitcheckError

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """The CLI's error boundary: what a user can fix is a message and exit 2, anything else an
    internal error and exit 1 (with a hint to turn on tracebacks), never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (ExitcheckError, OSError) as exc:  # bad input or a file that cannot be used
            err.print(Text.assemble(("error / 错误: ", "bold red"), str(exc)), highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted: finished outputs are intact; rerun to continue.")
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get("EXITCHECK_DEBUG"):
                raise
            err.print(Text.assemble(
                ("internal error / 内部错误: ", "bold red"), f"{type(exc).__name__}: {exc}\n"
                "(this is a bug, not a problem with your data; set EXITCHECK_DEBUG=1 to see "
                "the traceback / 程序内部错误，并非数据问题)"), highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def print_summary(summary: Any, title: str) -> None:
    """The closing table of a campaign step: one row per county, failures listed after it.

    A sample has no verdict yet: its table shows the households drawn and the time taken; an
    assessment shows the verdict and, once field data has come in, the fieldwork counts.
    """
    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, padding=0)
    fieldwork = ("drawn", "visited", "approved", "completed", "reserves_used", "pending")
    assessed = summary.step != "sample"
    show = assessed and any(o.completion for o in summary.outcomes)
    table.add_column("county", no_wrap=True, min_width=6)
    # With fieldwork counts the table is wide: the status (done or cached) and the timings
    # stay in WS/manifest.json, and a failed county says "failed" in the verdict column.
    if not show:
        table.add_column("status", no_wrap=True)
    if assessed:
        table.add_column("verdict", no_wrap=True)
        table.add_column("provisional", justify="right", no_wrap=True)
    for col in fieldwork if show else ("households", "seconds"):
        table.add_column(col.replace("_", " "), justify="right")
    for o in summary.outcomes:
        colour = {"done": "green", "cached": "cyan", "failed": "red"}[o.status]
        status = f"[{colour}]{o.status}[/{colour}]"
        counts = ([str(o.completion.get(k, "")) for k in fieldwork] if show
                  else [str(o.households or ""), f"{o.seconds:.1f}"])
        verdict = ([o.verdict or (status if o.status == "failed" else ""),
                    "" if o.provisional is None else ("yes" if o.provisional else "no")]
                   if assessed else [])
        table.add_row(o.county_code, *([] if show else [status]), *verdict, *counts)
    out.print(table)
    if show and any(o.provisional for o in summary.outcomes):
        out.print("provisional: field data incomplete (pending, unapproved or unverified "
                  "households) — per-village completion is in each county report. "
                  "临时结果：外业数据尚未完成。")
    if summary.failed:
        err.print(f"[red]{len(summary.failed)} county(ies) failed to process[/red] — the others' "
                  "results are written. 部分县处理失败，其余县结果已写出：")
        for o in summary.failed:
            err.print(f"  [red]{o.county_code}[/red]: {o.message}", highlight=False)


def print_spotcheck(r: dict[str, Any]) -> None:
    """The spot-check's verdict: identical or the differences, or central − province."""
    out.print(f"spot-check {r['mode']} of {r['county_code']} (seed {r['seed']}): {r['status']}")
    if r["mode"] == "reproduce":
        same = r.get("identical")
        out.print("[green]identical sample and estimates / 样本与估计完全一致[/green]" if same
                  else f"[red]DIFFERENT[/red]: sample identical={r.get('sample_identical')}")
        for line in r.get("differences", [])[:20]:
            out.print(f"  {line}")
    elif r.get("difference"):
        table = Table(title="central − province")
        for col in ("indicator", "province", "central", "difference (95% CI)", "contradicted"):
            table.add_column(col)
        for k, d in r["difference"].items():
            if not d.get("comparable", True):
                table.add_row(k, "—", "—", "not comparable (no estimate yet)", "—")
                continue
            table.add_row(k, f"{r['province'][k]['value']:.4f}", f"{r['central'][k]['value']:.4f}",
                          f"{d['value']:+.4f} ({d['ci_low']:+.4f}, {d['ci_high']:+.4f})",
                          "yes" if r["contradicted"][k] else "no")
        out.print(table)
    for key in ("note", "note_inputs"):
        if r.get(key):
            out.print(f"[yellow]note:[/yellow] {r[key]}", highlight=False)
    out.print(f"written: {r['path']}", highlight=False)
    if r.get("fieldwork"):
        out.print(f"enumerator list for the independent visits / 独立复核入户名单: "
                  f"{r['fieldwork']}", highlight=False)
    for path in r.get("reports", []):
        out.print(f"report / 报告: {path}")
