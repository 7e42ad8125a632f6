"""The CLI's error boundary: a user's mistake is a message and exit 2, a bug is an internal
error and exit 1, and neither shows a traceback."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from flows.cli.console import friendly
from registry.errors import ExitcheckError

runner = CliRunner()


def _app(exc: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @friendly
    def boom() -> None:
        raise exc

    return app


@pytest.mark.parametrize(("exc", "code", "words"), [
    (ExitcheckError("county [520324] has no sample / 尚未抽样"), 2, "[520324] has no sample"),
    (FileNotFoundError("no such file: data/counties.csv"), 2, "data/counties.csv"),
    (ValueError("bug inside pandas"), 1, "internal error"),
    (KeyError("x"), 1, "EXITCHECK_DEBUG=1"),
])
def test_errors_map_to_their_exit_status(exc, code, words, monkeypatch) -> None:
    monkeypatch.delenv("EXITCHECK_DEBUG", raising=False)
    result = runner.invoke(_app(exc), [])
    assert result.exit_code == code, result.output
    assert words in result.output and "Traceback" not in result.output


def test_debug_shows_the_traceback_of_a_bug(monkeypatch) -> None:
    monkeypatch.setenv("EXITCHECK_DEBUG", "1")
    result = runner.invoke(_app(ValueError("bug")), [])
    assert isinstance(result.exception, ValueError)
