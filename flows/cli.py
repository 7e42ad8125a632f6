"""The ``exitcheck`` command line."""

import typer

app = typer.Typer(help="exitcheck: third-party assessment of poverty exits.", no_args_is_help=True)


@app.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as v

    typer.echo(v("exitcheck"))
