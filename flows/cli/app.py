"""The ``exitcheck`` command line. Each command body is a few lines that call a flow.

Exit status: 0 success; 1 a county failed to process (the others' results are written);
2 the input or the command cannot be used (bad data, bad config, unknown county).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from assessment.messages import Lang
from flows.cli.console import err, friendly, out, print_spotcheck, print_summary
from flows.runtime import Runner, early_server, prefect_defaults, quick_exit
from flows.store.ledger import Decision
from registry.errors import ExitcheckError

if TYPE_CHECKING:
    from flows.store.config import CampaignConfig

prefect_defaults()

app = typer.Typer(
    help="exitcheck — independent assessment of poverty exits (贫困退出第三方评估).",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    # Plain help (click's): it wraps at the terminal's width, 80 columns at most, and gives
    # each option's text the whole line instead of a boxed column.
    rich_markup_mode=None, context_settings={"max_content_width": 80},
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version as v

        out.print(f"exitcheck {v('exitcheck')}")
        raise typer.Exit()


@app.callback()
def _main(version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", callback=_print_version,
        is_eager=True)] = False) -> None:
    """exitcheck — independent assessment of poverty exits (贫困退出第三方评估)."""
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


def _precheck(data: Path, config: Path | None, county: list[str] | None) -> CampaignConfig:
    """Refuse a bad config, a missing data folder or an unknown county before any flow starts."""
    from flows.county.inputs import resolve_counties
    from flows.store.config import load_config

    cfg = load_config(config)
    resolve_counties(data, county)
    return cfg


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
    from flows.county.synth import synth_campaign

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
    from flows.county.synth import synth_field

    s = synth_field(data, workspace, truth_dir=truth, seed=seed)
    out.print(f"wrote field rows: {s}")


@app.command()
@friendly
def validate(data: DataOpt, workspace: WsOpt, config: ConfigOpt = None) -> None:
    """Validate a campaign directory; bad rows go to WS/quarantine/<table>.csv.

    Exit status 2 when the data cannot be used.
    Example: exitcheck validate --data data --workspace ws
    """
    from flows.county.validate import render_summary, validate_campaign
    from flows.store.config import load_config

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
    from flows.county.select import select_counties_cli

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

        cfg = _precheck(data, config, county)
        flow = _flow_with_runner(sample_campaign, runner, workers, dask_address)
        server.ready()
        s = flow(data_dir=data, workspace=workspace, config=cfg, counties=county, force=force,
                 progress=True)
    print_summary(s, "sample")
    out.print(f"samples: {Path(workspace).resolve() / 'sample'}\n"
              f"field lists (enumerator lists) / 入户名单: "
              f"{Path(workspace).resolve() / 'fieldwork'}", highlight=False)
    raise typer.Exit(0 if s.ok else 1)


@app.command()
@friendly
def assess(data: DataOpt, workspace: WsOpt, config: ConfigOpt = None, county: CountyOpt = None,
           runner: RunnerOpt = Runner.PROCESSES, dask_address: DaskOpt = None,
           workers: WorkersOpt = None,
           pdf: Annotated[bool, typer.Option(help="Also render PDF reports.")] = True,
           lang: Annotated[Lang, typer.Option(help="Report language: zh or en.")] = "zh",
           force: Annotated[bool, typer.Option(help="Recompute even if cached.")] = False) -> None:
    """Score, estimate, compute signals and render reports for every sampled county.

    Example: exitcheck assess --data data --workspace ws
    """
    with early_server() as server:
        # The province report is rendered here at the end (Jinja2, matplotlib: 1.7 s to
        # import): imported now, while the server boots.
        import matplotlib.figure  # noqa: F401

        import flows.render.reports  # noqa: F401
        from flows.campaign import assess_campaign

        cfg = _precheck(data, config, county)
        flow = _flow_with_runner(assess_campaign, runner, workers, dask_address)
        server.ready()
        s = flow(data_dir=data, workspace=workspace, config=cfg, counties=county, force=force,
                 pdf=pdf, lang=lang, progress=True)
    print_summary(s, "assess")
    out.print(f"reports: {Path(workspace).resolve() / 'reports'}")
    raise typer.Exit(0 if s.ok else 1)


@app.command()
@friendly
def report(workspace: WsOpt, lang: Annotated[Lang, typer.Option(help="zh or en.")] = "zh",
           pdf: Annotated[bool, typer.Option(help="Also render PDF.")] = True,
           db: Annotated[str | None, typer.Option(help="Ledger URL (default SQLite in WS).")]
           = None) -> None:
    """Re-render the county and province reports from the stored results.

    Example: exitcheck report --workspace ws --lang en
    """
    from flows.render.reports import render_all
    from flows.store.ledger import Ledger

    with Ledger(db, workspace=workspace) as ledger:
        summary = render_all(workspace, lang=lang, pdf=pdf, ledger=ledger)
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
    from flows.county.signoff import record_signoff

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
    from flows.county.signoff import verify_signoffs

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
                  "--field-data", help="The central team's own field checks: DIR/field_checks "
                  "or the folder DIR that holds it.")] = None,
              inspector_workspace: Annotated[Path | None, typer.Option(
                  "--inspector-workspace", help="Write the spot-check into this workspace of "
                  "your own; --workspace (the province's) is then only read.")] = None,
              lang: Annotated[Lang, typer.Option(help="Report language: zh or en.")] = "zh",
              pdf: Annotated[bool, typer.Option(help="Also render the PDF report.")] = True,
              ) -> None:
    """Central spot-check of one county: --reproduce or --independent.

    Example: exitcheck spotcheck --data data --workspace ws --county 520324 --reproduce
    """
    if reproduce == independent:
        raise ExitcheckError("give exactly one of --reproduce or --independent / "
                             "请选择一种复核方式")
    mode = "reproduce" if reproduce else "independent"
    with early_server() as server:
        # The spot-check's own modules are imported while the server boots.
        from flows.central import spot_check

        server.ready()
        r = spot_check(data_dir=data, workspace=workspace, county=county, mode=mode, seed=seed,
                       field_dir=field_data, lang=lang, pdf=pdf,
                       inspector_workspace=inspector_workspace)
    print_spotcheck(r)
    if mode == "reproduce" and r.get("identical") is False:
        raise typer.Exit(1)


CronOpt = Annotated[str, typer.Option(
    help="When the nightly assess runs, in the campaign's time zone (config 'timezone', "
         "default Asia/Shanghai).")]
VariablesOpt = Annotated[bool, typer.Option(
    "--variables", help="Keep the paths in Prefect Variables (exitcheck_data_dir, "
                        "exitcheck_workspace) that the team can edit in the UI, not in each "
                        "deployment's parameters.")]
LedgerOpt = Annotated[str | None, typer.Option(
    "--ledger", help="Ledger URL for the report deployment (with --variables: the Variable "
                     "exitcheck_ledger_url).")]


@app.command()
@friendly
def serve(data: DataOpt, workspace: WsOpt, config: ConfigOpt = None,
          cron: CronOpt = "0 2 * * *", variables: VariablesOpt = False,
          ledger: LedgerOpt = None) -> None:
    """Serve the team's jobs as Prefect deployments until interrupted: sample, nightly
    assess (cron), rerun one county, report, spot-check reproduce and independent.

    Needs PREFECT_API_URL (a running 'prefect server start'); see docs/operations.md.

    Example: exitcheck serve --data data --workspace ws --cron "0 2 * * *"
    """
    from flows.serve import serve_deployments

    serve_deployments(data, workspace, config=config, cron=cron, variables=variables,
                      ledger=ledger)


@app.command()
@friendly
def deploy(data: DataOpt, workspace: WsOpt,
           pool: Annotated[str, typer.Option(help="Work pool (created as a process pool if "
                                                  "missing).")],
           config: ConfigOpt = None, cron: CronOpt = "0 2 * * *",
           variables: VariablesOpt = False, ledger: LedgerOpt = None) -> None:
    """Register the same deployments with a work pool; a worker runs them.

    Start the worker with: prefect worker start --pool NAME. Needs PREFECT_API_URL.

    Example: exitcheck deploy --data data --workspace ws --pool exitcheck
    """
    from flows.serve import deploy_to_pool

    for name in deploy_to_pool(data, workspace, pool=pool, config=config, cron=cron,
                               variables=variables, ledger=ledger):
        out.print(f"deployed {name}", highlight=False)
    out.print(f"start a worker: prefect worker start --pool {pool}", highlight=False)


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
    from flows.cli.demo import run_demo

    rc = run_demo(Path(workspace), counties=counties, scale=scale, pdf=pdf, console=out)
    raise typer.Exit(rc)


@app.command()
def version() -> None:
    """Print the version (as exitcheck --version)."""
    _print_version(True)


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
