"""The sign-off ledger: record, supersede, refuse stale reports, append-only, verify."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from flows.render import reports
from flows.store.files import sha256_file
from flows.store.ledger import (
    AppendOnlyError,
    Ledger,
    LedgerError,
    NewerAssessmentError,
    ReportNotAssessedError,
)
from flows.store.stamps import results_sha256
from tests.flows.render.test_reports import clock, make_workspace

SIGNED_AT = datetime(2020, 7, 2, 9, 30, tzinfo=UTC)


def later() -> datetime:
    return SIGNED_AT


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path)
    for code in ("130631", "522323"):
        reports.render_county(ws, code, pdf=False, clock=clock)
    return ws


@pytest.fixture
def ledger(ws: Path):
    with Ledger(workspace=ws, clock=later) as led:
        yield led


def test_record_stores_who_when_decision_and_hashes(ws: Path, ledger: Ledger) -> None:
    report = ws / "reports" / "130631.html"
    s = ledger.record("130631", "李审核", "approve", "数据完整，同意退出。", report)
    assert (ws / "ledger.sqlite").exists()
    assert (s.county_code, s.reviewer, s.decision) == ("130631", "李审核", "approve")
    assert s.recorded_at == SIGNED_AT and s.recorded_at.tzinfo is not None
    assert s.report_sha256 == sha256_file(report)
    assert s.results_sha256 == results_sha256(ws, "130631")
    assert s.report_path == "reports/130631.html"
    assert (ws / s.archive_path).read_bytes() == report.read_bytes()
    assert ledger.latest("130631") == s and ledger.latest("522323") is None


def test_later_decision_supersedes_and_history_keeps_all(ws: Path, ledger: Ledger) -> None:
    report = ws / "reports" / "522323.html"
    first = ledger.record("522323", "王", "return", "请补充住房鉴定。", report)
    second = ledger.record("522323", "赵", "reject", "错退率超标。", report)
    assert second.id > first.id
    assert ledger.latest("522323") == second
    assert [h.decision for h in ledger.history("522323")] == ["return", "reject"]
    # a new Ledger on the same file sees the same rows
    with Ledger(workspace=ws) as again:
        assert again.latest("522323") == second


def test_bad_input_is_refused(ws: Path, ledger: Ledger) -> None:
    report = ws / "reports" / "130631.html"
    with pytest.raises(LedgerError, match="approve"):
        ledger.record("130631", "李", "maybe", "", report)
    with pytest.raises(LedgerError, match="reviewer"):
        ledger.record("130631", "  ", "approve", "", report)
    with pytest.raises(ReportNotAssessedError, match=r"not 522323|不是 522323"):
        ledger.record("522323", "李", "approve", "", report)
    foreign = ws / "reports" / "foreign.html"
    foreign.write_text("<html><body>错退率 0%</body></html>", encoding="utf-8")
    with pytest.raises(ReportNotAssessedError, match="no assessment hash"):
        ledger.record("130631", "李", "approve", "", foreign)
    assert ledger.history("130631") == []


def test_refuses_a_report_of_an_earlier_assessment(ws: Path, ledger: Ledger) -> None:
    path = ws / "results" / "130631.json"
    results = json.loads(path.read_text())
    results["indicators"]["wrong_exit_rate"]["value"] = 0.019
    path.write_text(json.dumps(results))
    with pytest.raises(ReportNotAssessedError, match="not the report of the current"):
        ledger.record("130631", "李", "approve", "", ws / "reports" / "130631.html")
    reports.render_county(ws, "130631", pdf=False, clock=clock)
    assert ledger.record("130631", "李", "approve", "", ws / "reports" / "130631.html")


def test_refuses_when_a_newer_assessment_exists(ws: Path, ledger: Ledger) -> None:
    # same county estimates, but the household results were recomputed after rendering
    parquet = ws / "results" / "522323.parquet"
    import pandas as pd

    frame = pd.read_parquet(parquet)
    frame.loc[0, "weight"] = 99.0
    frame.to_parquet(parquet, index=False)
    with pytest.raises(NewerAssessmentError, match="assessed again"):
        ledger.record("522323", "李", "approve", "", ws / "reports" / "522323.html")


def test_direct_sql_update_and_delete_fail(ws: Path, ledger: Ledger) -> None:
    ledger.record("130631", "李", "approve", "ok", ws / "reports" / "130631.html")
    with ledger.engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("UPDATE signoffs SET decision = 'reject'"))
        conn.rollback()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text("DELETE FROM signoffs"))
        conn.rollback()
    # also through a fresh sqlite3 connection, bypassing SQLAlchemy
    import sqlite3

    raw = sqlite3.connect(ws / "ledger.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE signoffs SET reviewer = 'x'")
    raw.close()
    assert ledger.latest("130631").decision == "approve"
    assert len(ledger.history("130631")) == 1


def test_orm_layer_refuses_changes(ws: Path, ledger: Ledger) -> None:
    from flows.store.ledger import _SignOffRow

    ledger.record("130631", "李", "approve", "ok", ws / "reports" / "130631.html")
    assert not {"update", "delete", "remove", "edit"} & {m.lower() for m in dir(Ledger)}
    with ledger._session() as session:
        row = session.scalars(sa.select(_SignOffRow)).one()
        row.decision = "reject"
        with pytest.raises(AppendOnlyError):
            session.flush()
    with Session(ledger.engine) as session:  # a plain session still hits the trigger
        session.get(_SignOffRow, 1).comment = "changed"
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session.commit()
    assert ledger.latest("130631").comment == "ok"


def test_verify_detects_a_tampered_report(ws: Path, ledger: Ledger) -> None:
    report = ws / "reports" / "522323.html"
    s = ledger.record("522323", "李", "reject", "", report)
    assert ledger.verify() == []
    report.write_text(report.read_text("utf-8").replace("未通过", "通过"), encoding="utf-8")
    [m] = ledger.verify(ws)
    assert (m.kind, m.signoff_id, m.county_code) == ("report_changed", s.id, "522323")
    assert m.actual_sha256 == sha256_file(report) != m.expected_sha256
    report.unlink()
    assert [m.kind for m in ledger.verify(ws)] == ["report_missing"]
    (ws / s.archive_path).write_text("tampered")
    assert {m.kind for m in ledger.verify(ws)} == {"report_missing", "archive_changed"}


def test_reassessment_replaces_the_live_report_without_a_false_alarm(ws: Path, ledger: Ledger):
    s = ledger.record("130631", "李", "return", "补充调查", ws / "reports" / "130631.html")
    path = ws / "results" / "130631.json"
    results = json.loads(path.read_text())
    results["provisional"] = True
    path.write_text(json.dumps(results))
    paths = reports.render_county(ws, "130631", pdf=False, clock=clock, ledger=ledger)
    assert not paths.kept_signed
    html = paths.html.read_text("utf-8")
    assert "退回重查" in html and "针对此前的评估结果" in html  # the earlier decision is shown
    assert ledger.verify() == []  # the archived signed copy is intact
    assert (ws / s.archive_path).exists()


def test_a_signed_report_is_not_re_rendered(ws: Path, ledger: Ledger) -> None:
    report = ws / "reports" / "130631.html"
    before = report.read_bytes()
    ledger.record("130631", "李", "approve", "", report)
    paths = reports.render_county(ws, "130631", pdf=False, clock=later, ledger=ledger)
    assert paths.kept_signed and report.read_bytes() == before
    assert ledger.verify() == []
    en = reports.render_county(ws, "130631", lang="en", pdf=False, clock=later, ledger=ledger)
    assert "Approve" in en.html.read_text("utf-8")  # the decision shows in another report
    prov = reports.render_province(ws, pdf=False, clock=later, ledger=ledger).html
    assert "同意退出" in prov.read_text("utf-8")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_pdf_is_signed_through_its_sidecar(ws: Path, ledger: Ledger) -> None:
    paths = reports.render_county(ws, "522323", clock=clock)
    s = ledger.record("522323", "李", "approve", "", paths.pdf)
    assert s.report_sha256 == sha256_file(paths.pdf) and s.archive_path.endswith(".pdf")
    with paths.pdf.open("ab") as f:
        f.write(b"%tampered")
    with pytest.raises(ReportNotAssessedError):
        ledger.record("522323", "李", "approve", "", paths.pdf)
    assert [m.kind for m in ledger.verify()] == ["report_changed"]


# --------------------------------------------------------------------------- PostgreSQL (slow)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


@pytest.fixture
def postgres_url(tmp_path: Path):
    """A throwaway PostgreSQL cluster on 127.0.0.1 in tmp_path; skipped when unavailable."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[pg]')")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    as_user: list[str] = []
    # The cluster lives in its own /tmp folder: pytest's tmp folders are private to their owner.
    base = Path(tempfile.mkdtemp(prefix="exitcheck-pg-"))
    data = base / "data"
    if os.geteuid() == 0:  # initdb refuses to run as root
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
        base.chmod(0o777)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", "exitcheck", "--auth=trust",
                    "-E", "UTF8"], check=True, capture_output=True, timeout=120)
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {base}"
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "pg.log"),
                    "-w", "start"], check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql+psycopg://exitcheck@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
def test_ledger_on_postgresql(ws: Path, postgres_url: str) -> None:
    with Ledger(postgres_url, workspace=ws, clock=later) as led:
        report = ws / "reports" / "130631.html"
        led.record("130631", "李", "return", "", report)
        s = led.record("130631", "王", "approve", "", report)
        assert led.latest("130631") == s and len(led.history("130631")) == 2
        with led.engine.connect() as conn:
            for sql in ("UPDATE signoffs SET decision = 'reject'", "DELETE FROM signoffs",
                        "TRUNCATE signoffs"):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                    conn.execute(sa.text(sql))
                conn.rollback()
        assert led.verify() == []
    with Ledger(postgres_url, workspace=ws) as again:  # reopening does not recreate triggers
        assert again.latest("130631").reviewer == "王"
