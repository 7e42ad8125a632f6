"""The ``exitcheck`` command line. Each command body is a few lines that call a flow.

Exit status: 0 success; 1 a county failed to process (the others' results are written);
2 the input or the command cannot be used (bad data, bad config, unknown county).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from flows.runtime import Runner, early_server, prefect_defaults, quick_exit

prefect_defaults()

app = typer.Typer(
    help="exitcheck — independent assessment of poverty exits (贫困退出第三方评估).",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

DataOpt = Annotated[Path, typer.Option("--data", help="Campaign data directory (the five tables).")]
WsOpt = Annotated[Path, typer.Option("--workspace", help="Campaign workspace (outputs).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="campaign.toml (defaults: "
                                                "official thresholds and income lines).")]
CountyOpt = Annotated[list[str] | None, typer.Option("--county", help="Only this county "
                                                     "(repeatable).")]
RunnerOpt = Annotated[Runner, typer.Option(
    "--runner", help="processes (default, one per core), threads, or dask (prefect-dask).")]
DaskOpt = Annotated[str | None, typer.Option("--dask-address",
                                             help="An existing Dask scheduler, tcp://HOST:PORT.")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="Worker processes, threads or Dask workers (default: one per core).")]


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


def friendly(fn: F) -> F:
    """Turn a user-facing error into a clear message and exit status 2: never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (ValueError, FileNotFoundError, PermissionError) as exc:
            err.print(f"[bold red]error / 错误:[/bold red] {exc}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("interrupted: finished outputs are intact; rerun to continue.")
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get("EXITCHECK_DEBUG"):
                raise
            err.print(f"[bold red]internal error / 内部错误:[/bold red] {type(exc).__name__}: "
                      f"{exc}\n(set EXITCHECK_DEBUG=1 to see the traceback)", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _summary(summary: Any, title: str) -> None:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    fieldwork = ("drawn", "visited", "approved", "completed", "reserves_used", "pending")
    show = any(o.completion for o in summary.outcomes)
    short = {"provisional": "prov.", "visited": "visit", "approved": "appr.",
             "completed": "done", "reserves_used": "resv.", "pending": "pend."}
    table.add_column("county", no_wrap=True, min_width=6)
    table.add_column("status", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    # With fieldwork counts the table is wide: timings stay in WS/manifest.json instead.
    for col in ("provisional", *(fieldwork if show else ("households", "seconds"))):
        name = short.get(col, col)
        table.add_column(name, justify="right")
    for o in summary.outcomes:
        colour = {"done": "green", "cached": "cyan", "failed": "red"}[o.status]
        counts = ([str(o.completion.get(k, "")) for k in fieldwork] if show
                  else [str(o.households or ""), f"{o.seconds:.1f}"])
        table.add_row(o.county_code, f"[{colour}]{o.status}[/{colour}]", o.verdict or "",
                      "" if o.provisional is None else ("yes" if o.provisional else "no"),
                      *counts)
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


def _precheck(data: Path, config: Path | None, county: list[str] | None) -> None:
    """Refuse a bad config, a missing data folder or an unknown county before any flow starts."""
    from flows.config import load_config
    from flows.county import resolve_counties

    load_config(config)
    resolve_counties(data, county)


def _flow_with_runner(flow_fn: Any, runner: Runner, workers: int | None,
                      dask_address: str | None) -> Any:
    from flows.runtime import task_runner

    return flow_fn.with_options(task_runner=task_runner(runner, workers=workers,
                                                        dask_address=dask_address))


@app.command()
@friendly
def synth(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the campaign data.")],
    province: Annotated[str, typer.Option(help="Province code (2 digits).")] = "52",
    year: Annotated[int, typer.Option(help="Assessment year.")] = 2019,
    counties: Annotated[int | None, typer.Option(help="How many counties (default all).")] = None,
    scale: Annotated[float, typer.Option(help="1.0 = realistic county size.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 20191,
    truth: Annotated[Path | None, typer.Option(help="Truth folder (default <out>-truth).")] = None,
) -> None:
    """Generate a synthetic campaign on the real county frame, with planted truth.

    Example: exitcheck synth --out data --province 52 --counties 6 --scale 0.3
    """
    from flows.synth import synth_campaign

    s = synth_campaign(out_dir, province=province, year=year, counties=counties, scale=scale,
                       seed=seed, truth_dir=truth)
    out.print(f"wrote {s} " if not hasattr(s, "describe") else s.describe())


@app.command("synth-field")
@friendly
def synth_field_cmd(data: DataOpt, workspace: WsOpt,
                    truth: Annotated[Path | None, typer.Option(help="Truth folder.")] = None,
                    seed: Annotated[int, typer.Option(help="Field simulation seed.")] = 7) -> None:
    """Play the field app: write field-check rows for every drawn household.

    Example: exitcheck synth-field --data data --workspace ws
    """
    from flows.synth import synth_field

    s = synth_field(data, workspace, truth_dir=truth, seed=seed)
    out.print(f"wrote field rows: {s}")


@app.command()
@friendly
def validate(data: DataOpt, workspace: WsOpt, config: ConfigOpt = None) -> None:
    """Validate a campaign directory; bad rows go to WS/quarantine/<table>.csv.

    Exit status 2 when the data cannot be used.
    Example: exitcheck validate --data data --workspace ws
    """
    from flows.config import load_config
    from flows.validate import render_summary, validate_campaign

    cfg = load_config(config)
    summary = validate_campaign(data, workspace, year=cfg.year,
                                max_quarantine_share=cfg.max_quarantine_share)
    out.print(render_summary(summary))
    if not summary.usable:
        raise typer.Exit(2)


@app.command("select-counties")
@friendly
def select_counties_cmd(
    year: Annotated[int, typer.Option(help="Exit year of the counties to draw from.")],
    rate: Annotated[float | None, typer.Option(help="Share of counties, e.g. 0.2.")] = None,
    n: Annotated[int | None, typer.Option("--n", help="Number of counties.")] = None,
    frame: Annotated[Path | None, typer.Option(help="County frame (default: the 832).")] = None,
    seed: Annotated[int, typer.Option(help="Seed.")] = 20191,
    method: Annotated[str, typer.Option(help="srs or pps (by population).")] = "srs",
    allocation: Annotated[str, typer.Option(help="proportional or neyman.")] = "proportional",
    out_file: Annotated[Path | None,
                        typer.Option("--out", help="Write the selection (csv).")] = None,
) -> None:
    """Draw the central spot-check sample of counties, stratified by province.

    Example: exitcheck select-counties --year 2019 --rate 0.2 --seed 1
    """
    from flows.select import select_counties_cli

    selected = select_counties_cli(year=year, rate=rate, n=n, frame=frame, seed=seed,
                                   method=method, allocation=allocation, out=out_file)
    table = Table(title=f"{len(selected)} counties selected (exit year {year})")
    for col in ("county_code", "county_name", "province_name", "pi", "weight"):
        table.add_column(col)
    for r in selected.itertuples():
        table.add_row(r.county_code, r.county_name, r.province_name, f"{r.pi:.4f}",
                      f"{r.weight:.2f}")
    out.print(table)


@app.command()
@friendly
def sample(data: DataOpt, workspace: WsOpt, config: ConfigOpt = None, county: CountyOpt = None,
           runner: RunnerOpt = Runner.PROCESSES, dask_address: DaskOpt = None,
           workers: WorkersOpt = None,
           force: Annotated[bool, typer.Option(help="Redraw even if cached.")] = False) -> None:
    """Draw each county's two-stage sample and enumerator lists (WS/sample, WS/fieldwork).

    Example: exitcheck sample --data data --workspace ws --county 520324
    """
    with early_server() as server:
        from flows.campaign import sample_campaign

        _precheck(data, config, county)
        flow = _flow_with_runner(sample_campaign, runner, workers, dask_address)
        server.ready()
        s = flow(str(data), str(workspace), str(config) if config else None, county, force, True)
    _summary(s, "sample")
    raise typer.Exit(0 if s.ok else 1)


@app.command()
@friendly
def assess(data: DataOpt, workspace: WsOpt, config: ConfigOpt = None, county: CountyOpt = None,
           runner: RunnerOpt = Runner.PROCESSES, dask_address: DaskOpt = None,
           workers: WorkersOpt = None,
           pdf: Annotated[bool, typer.Option(help="Also render PDF reports.")] = True,
           lang: Annotated[Lang, typer.Option(help="Report language.")] = Lang.ZH,
           force: Annotated[bool, typer.Option(help="Recompute even if cached.")] = False) -> None:
    """Score, estimate, compute signals and render reports for every sampled county.

    Example: exitcheck assess --data data --workspace ws
    """
    with early_server() as server:
        # The province report is rendered here at the end (Jinja2, matplotlib: 1.7 s to
        # import): imported now, while the server boots.
        import matplotlib.figure  # noqa: F401

        import flows.reports  # noqa: F401
        from flows.campaign import assess_campaign

        _precheck(data, config, county)
        flow = _flow_with_runner(assess_campaign, runner, workers, dask_address)
        server.ready()
        s = flow(str(data), str(workspace), str(config) if config else None, county, force,
                 pdf, lang.value, True)
    _summary(s, "assess")
    out.print(f"reports: {Path(workspace).resolve() / 'reports'}")
    raise typer.Exit(0 if s.ok else 1)


@app.command()
@friendly
def report(workspace: WsOpt, lang: Annotated[Lang, typer.Option(help="zh or en.")] = Lang.ZH,
           pdf: Annotated[bool, typer.Option(help="Also render PDF.")] = True,
           db: Annotated[str | None, typer.Option(help="Ledger URL (default SQLite in WS).")]
           = None) -> None:
    """Re-render the county and province reports from the stored results.

    Example: exitcheck report --workspace ws --lang en
    """
    from flows.ledger import Ledger
    from flows.reports import render_all

    with Ledger(db, workspace=workspace) as ledger:
        summary = render_all(workspace, lang=lang.value, pdf=pdf, ledger=ledger)
    for paths in summary.reports:
        out.print("  ".join(str(p) for p in (paths.html, paths.pdf) if p))
    for code, error in summary.failed.items():
        err.print(f"[red]{code}[/red]: {error}")
    if summary.failed:
        raise typer.Exit(1)


@app.command()
@friendly
def signoff(workspace: WsOpt,
            county: Annotated[str, typer.Option(help="County code.")],
            reviewer: Annotated[str, typer.Option(help="Who signs.")],
            decision: Annotated[Decision, typer.Option(help="approve, reject or return.")],
            comment: Annotated[str, typer.Option(help="Reason or remark.")] = "",
            db: Annotated[str | None, typer.Option(help="Ledger URL (default SQLite in WS).")]
            = None) -> None:
    """Record a provincial decision, bound to the report's SHA-256 (append-only ledger).

    Example: exitcheck signoff --workspace ws --county 520324 --reviewer 王五 --decision approve
    """
    from flows.signoff import record_signoff

    entry = record_signoff(workspace, county=county, reviewer=reviewer, decision=decision.value,
                           comment=comment, db=db)
    out.print(f"recorded / 已记录 #{entry.id}: county {entry.county_code} — {entry.decision} "
              f"by {entry.reviewer} at {entry.recorded_at:%Y-%m-%d %H:%M} UTC\n"
              f"  report {entry.report_path}, SHA-256 {entry.report_sha256}\n"
              f"  signed copy kept at {entry.archive_path}", highlight=False)


@app.command()
@friendly
def verify(workspace: WsOpt,
           db: Annotated[str | None, typer.Option(help="Ledger URL.")] = None) -> None:
    """Re-hash every signed report; exit 1 on any mismatch (tampering).

    Example: exitcheck verify --workspace ws
    """
    from flows.signoff import verify_signoffs

    problems = verify_signoffs(workspace, db=db)
    if problems:
        for p in problems:
            err.print(f"[red]MISMATCH[/red] {getattr(p, 'message', p)}")
        raise typer.Exit(1)
    out.print("all signed reports match their recorded SHA-256 / 所有已签报告哈希一致")


@app.command()
@friendly
def spotcheck(data: DataOpt, workspace: WsOpt,
              county: Annotated[str, typer.Option(help="County code.")],
              reproduce: Annotated[bool, typer.Option("--reproduce",
                                                      help="Redraw from the manifest.")] = False,
              independent: Annotated[bool, typer.Option("--independent",
                                                        help="Fresh sample, new seed.")] = False,
              seed: Annotated[int | None, typer.Option(help="Seed for --independent.")] = None,
              field_data: Annotated[Path | None, typer.Option(
                  "--field-data", help="Folder with the central team's field_checks.")] = None,
              ) -> None:
    """Central spot-check of one county: --reproduce or --independent.

    Example: exitcheck spotcheck --data data --workspace ws --county 520324 --reproduce
    """
    if reproduce == independent:
        raise ValueError("give exactly one of --reproduce or --independent / 请选择一种复核方式")
    mode = "reproduce" if reproduce else "independent"
    with early_server() as server:
        # The spot-check's own modules are imported while the server boots.
        import assessment.county  # noqa: F401
        import flows.spotcheck  # noqa: F401
        import sampling.design  # noqa: F401
        from flows.central import spot_check

        server.ready()
        r = spot_check(str(data), str(workspace), county, mode, seed,
                       str(field_data) if field_data else None)
    _print_spotcheck(r)
    if mode == "reproduce" and r.get("identical") is False:
        raise typer.Exit(1)


def _print_spotcheck(r: dict[str, Any]) -> None:
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
    out.print(f"written: {r['path']}")


@app.command()
@friendly
def serve(data: DataOpt, workspace: WsOpt, config: ConfigOpt = None,
          cron: Annotated[str, typer.Option(help="When the nightly assess runs.")] = "0 2 * * *"
          ) -> None:
    """Serve a nightly assess and a one-county rerun as Prefect deployments.

    Needs PREFECT_API_URL (a running 'prefect server start'). Example:
    exitcheck serve --data data --workspace ws --cron "0 2 * * *"
    """
    from flows.serve import serve_deployments

    serve_deployments(data, workspace, config=config, cron=cron)


@app.command()
@friendly
def demo(workspace: Annotated[Path, typer.Option(help="Where to put the demo.")]
         = Path("demo-workspace"),
         counties: Annotated[int, typer.Option(help="Counties in the demo.")] = 6,
         scale: Annotated[float, typer.Option(help="County size (1.0 = realistic).")] = 0.5,
         pdf: Annotated[bool, typer.Option(help="Render PDF reports.")] = True) -> None:
    """Run the whole job on a synthetic campaign and print where the reports are.

    Example: exitcheck demo --workspace demo-workspace
    """
    from flows.demo import run_demo

    rc = run_demo(Path(workspace), counties=counties, scale=scale, pdf=pdf, console=out)
    raise typer.Exit(rc)


@app.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as v

    out.print(v("exitcheck"))


def main() -> None:
    """The ``exitcheck`` console command: run it, then end without the interpreter's
    teardown (runtime.quick_exit; measured by ``python -m bench.exit_cost``)."""
    try:
        app()
    except SystemExit as done:
        quick_exit(done.code)
    quick_exit(0)


if __name__ == "__main__":
    main()
