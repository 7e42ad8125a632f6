"""The append-only, hash-bound sign-off ledger (SQLAlchemy 2; SQLite by default, or PostgreSQL).

A province's decision on a county report (approve / reject / return) is stored with who, when
(UTC), the report's SHA-256 and the SHA-256 of the assessment it shows. Rows are only ever
inserted: the database refuses UPDATE and DELETE (SQLite triggers, a PostgreSQL trigger), and
this module has no method that would issue one. A later decision supersedes an earlier one
(latest by id). The signed bytes are archived under ``WS/reports/signed/`` so that ``verify``
can re-hash every signed report even after a newer assessment replaced the live file.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import (
    DDL,
    CheckConstraint,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from flows.store.files import atomic_write_bytes, sha256_file
from flows.store.stamps import Clock, assessment_sha256, read_report_stamp, results_sha256, utc_now
from registry.errors import ExitcheckError


class Decision(StrEnum):
    """A province's decision on a county report."""

    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


class LedgerError(ExitcheckError):
    """A sign-off the ledger refuses to record."""


class ReportNotAssessedError(LedgerError):
    """The report on disk is not the report of the current assessment."""


class NewerAssessmentError(LedgerError):
    """The county was assessed again after the report was rendered."""


class AppendOnlyError(LedgerError):
    """Something tried to change or delete a ledger row."""


class _Base(DeclarativeBase):
    pass


class _SignOffRow(_Base):
    __tablename__ = "signoffs"
    __table_args__ = (
        CheckConstraint("decision IN ('approve', 'reject', 'return')", name="ck_decision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    report_path: Mapped[str] = mapped_column(String(500))
    report_sha256: Mapped[str] = mapped_column(String(64))
    results_sha256: Mapped[str] = mapped_column(String(64))
    assessment_sha256: Mapped[str] = mapped_column(String(64))
    archive_path: Mapped[str] = mapped_column(String(500))


_TABLE = _SignOffRow.__table__
for _op in ("UPDATE", "DELETE"):
    event.listen(
        _TABLE,
        "after_create",
        DDL(
            f"CREATE TRIGGER signoffs_no_{_op.lower()} BEFORE {_op} ON signoffs "
            f"BEGIN SELECT RAISE(ABORT, 'the sign-off ledger is append-only: {_op} refused'); "
            "END"
        ).execute_if(dialect="sqlite"),
    )
event.listen(
    _TABLE,
    "after_create",
    DDL(
        "CREATE OR REPLACE FUNCTION exitcheck_ledger_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION USING MESSAGE = "
        "'the sign-off ledger is append-only: ' || TG_OP || ' refused'; END; $$"
    ).execute_if(dialect="postgresql"),
)
event.listen(
    _TABLE,
    "after_create",
    DDL(
        "CREATE TRIGGER signoffs_append_only BEFORE UPDATE OR DELETE ON signoffs "
        "FOR EACH ROW EXECUTE FUNCTION exitcheck_ledger_append_only()"
    ).execute_if(dialect="postgresql"),
)
event.listen(
    _TABLE,
    "after_create",
    DDL(
        "CREATE TRIGGER signoffs_no_truncate BEFORE TRUNCATE ON signoffs "
        "FOR EACH STATEMENT EXECUTE FUNCTION exitcheck_ledger_append_only()"
    ).execute_if(dialect="postgresql"),
)


@dataclass(frozen=True)
class SignOff:
    """One recorded decision (read-only)."""

    id: int
    county_code: str
    reviewer: str
    decision: str
    comment: str
    recorded_at: datetime
    report_path: str
    report_sha256: str
    results_sha256: str
    assessment_sha256: str
    archive_path: str


@dataclass(frozen=True)
class Mismatch:
    """A signed report whose bytes no longer match the ledger."""

    signoff_id: int
    county_code: str
    path: str
    kind: str  # "report_changed" | "report_missing" | "archive_changed" | "archive_missing"
    expected_sha256: str
    actual_sha256: str | None
    message: str


def _row_to_signoff(r: _SignOffRow) -> SignOff:
    at = r.recorded_at if r.recorded_at.tzinfo else r.recorded_at.replace(tzinfo=UTC)
    return SignOff(
        id=r.id, county_code=r.county_code, reviewer=r.reviewer, decision=r.decision,
        comment=r.comment, recorded_at=at.astimezone(UTC), report_path=r.report_path,
        report_sha256=r.report_sha256, results_sha256=r.results_sha256,
        assessment_sha256=r.assessment_sha256, archive_path=r.archive_path,
    )


def _refuse_changes(session: Session, _ctx: object, _instances: object) -> None:
    if any(isinstance(o, _SignOffRow) for o in (*session.dirty, *session.deleted)):
        raise AppendOnlyError(
            "签字记录只能追加，不能修改或删除。 / The sign-off ledger is append-only."
        )


_SCHEMA_LOCK = threading.Lock()


def _create_schema(engine: Engine, attempts: int = 5) -> None:
    """Create the table and its append-only triggers once, even when county tasks in several
    threads or processes open the same new ledger at the same moment."""
    with _SCHEMA_LOCK:
        for attempt in range(attempts):
            try:
                _Base.metadata.create_all(engine)
                return
            except OperationalError as exc:  # another process won the race between check and create
                if "already exists" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))


class Ledger:
    """The sign-off ledger of a workspace (``sqlite:///WS/ledger.sqlite`` unless ``url``)."""

    def __init__(
        self, url: str | None = None, *, workspace: Path, clock: Clock | None = None
    ) -> None:
        self.workspace = Path(workspace)
        if url is None:
            self.workspace.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{(self.workspace / 'ledger.sqlite').resolve()}"
        self.url = url
        self._clock = clock or utc_now
        self.engine: Engine = create_engine(url)
        _create_schema(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _session(self) -> Session:
        session = Session(self.engine, expire_on_commit=False)
        event.listen(session, "before_flush", _refuse_changes)
        return session

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.workspace.resolve()).as_posix()
        except ValueError:
            return str(path.resolve())

    def _absolute(self, stored: str) -> Path:
        p = Path(stored)
        return p if p.is_absolute() else self.workspace / p

    def record(
        self,
        county: str,
        reviewer: str,
        decision: Decision | str,
        comment: str,
        report_path: Path,
    ) -> SignOff:
        """Record a decision on the report at ``report_path``; refuse a stale or foreign report."""
        try:
            decision = Decision(decision)
        except ValueError:
            raise LedgerError(
                f"决定必须是 approve（同意）、reject（不同意）或 return（退回），而不是 "
                f"“{decision}”。 / The decision must be approve, reject or return, not "
                f"'{decision}'."
            ) from None
        if not reviewer or not reviewer.strip():
            raise LedgerError("请填写审核人姓名。 / The reviewer's name is required.")
        report = Path(report_path)
        if not report.exists():
            raise LedgerError(
                f"报告文件不存在：{report}。 / The report {report} does not exist."
            )
        current = results_sha256(self.workspace, county)
        if current is None:
            raise ReportNotAssessedError(
                f"{county} 县没有评估结果（results/{county}.json），不能签字。 / County {county} "
                f"has no assessment results (results/{county}.json); nothing to sign."
            )
        stamp = read_report_stamp(report)
        if stamp is None:
            raise ReportNotAssessedError(
                f"报告 {report} 没有评估结果的校验信息（不是由 exitcheck 生成，或生成后被改动），"
                f"不能签字。请重新生成报告。 / The report {report} carries no assessment hash "
                "(not rendered by exitcheck, or changed since); re-render it before signing."
            )
        if stamp.county_code != county:
            raise ReportNotAssessedError(
                f"报告 {report} 属于 {stamp.county_code} 县，不是 {county} 县。 / The report "
                f"{report} is the report of county {stamp.county_code}, not {county}."
            )
        if stamp.results_sha256 != current:
            raise ReportNotAssessedError(
                f"报告 {report} 不是当前评估结果的报告（报告中的结果校验值 "
                f"{stamp.results_sha256[:12]}… 与 results/{county}.json 的 {current[:12]}… 不符）。"
                f"请重新生成报告后再签字。 / The report {report} is not the report of the current "
                f"assessment (its results hash {stamp.results_sha256[:12]}… differs from "
                f"results/{county}.json {current[:12]}…). Re-render it, then sign."
            )
        assessed = assessment_sha256(self.workspace, county) or ""
        if stamp.assessment_sha256 != assessed:
            raise NewerAssessmentError(
                f"{county} 县在报告 {report} 生成之后又做了评估（结果明细或住户表已更新）。"
                f"请重新生成报告后再签字。 / County {county} was assessed again after the report "
                f"{report} was rendered (detail or household results changed). Re-render it, "
                "then sign."
            )
        data = report.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        name = report.name.split(".", 1)
        archive = (
            self.workspace / "reports" / "signed" / f"{name[0]}-{digest[:16]}.{name[1]}"
        )
        if not archive.exists():
            atomic_write_bytes(archive, data)
        row = _SignOffRow(
            county_code=county, reviewer=reviewer.strip(), decision=decision.value,
            comment=comment or "", recorded_at=self._clock().astimezone(UTC),
            report_path=self._relative(report), report_sha256=digest,
            results_sha256=current, assessment_sha256=assessed,
            archive_path=self._relative(archive),
        )
        with self._session() as session, session.begin():
            session.add(row)
        return _row_to_signoff(row)

    def history(self, county: str) -> list[SignOff]:
        """Every decision on a county, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(_SignOffRow).where(_SignOffRow.county_code == county)
                .order_by(_SignOffRow.id)
            ).all()
            return [_row_to_signoff(r) for r in rows]

    def latest(self, county: str) -> SignOff | None:
        """The decision in force: the latest by id."""
        with self._session() as session:
            row = session.scalars(
                select(_SignOffRow).where(_SignOffRow.county_code == county)
                .order_by(_SignOffRow.id.desc()).limit(1)
            ).first()
            return None if row is None else _row_to_signoff(row)

    def all(self) -> list[SignOff]:
        """Every decision, oldest first."""
        with self._session() as session:
            rows = session.scalars(select(_SignOffRow).order_by(_SignOffRow.id)).all()
            return [_row_to_signoff(r) for r in rows]

    def verify(self, workspace: Path | None = None) -> list[Mismatch]:
        """Re-hash every signed report; an empty list means nothing was tampered with.

        The archived copy of every signed report must still hash to the ledger value. The live
        report of the latest decision per (county, report) must too, unless the county has been
        assessed again since (then the live file is a newer report, not a tampered one).
        """
        ws = Path(workspace) if workspace is not None else self.workspace
        out: list[Mismatch] = []
        signoffs = self.all()
        latest: dict[tuple[str, str], SignOff] = {}
        for s in signoffs:
            latest[(s.county_code, s.report_path)] = s
            out.extend(self._check(s, s.archive_path, "archive"))
        for s in latest.values():
            if assessment_sha256(ws, s.county_code) != s.assessment_sha256:
                continue
            out.extend(self._check(s, s.report_path, "report"))
        return out

    def _check(self, s: SignOff, stored: str, what: str) -> list[Mismatch]:
        path = self._absolute(stored)
        actual = sha256_file(path) if path.exists() else None
        if actual == s.report_sha256:
            return []
        kind = f"{what}_missing" if actual is None else f"{what}_changed"
        zh = "已不存在" if actual is None else "签字后被改动"
        en = "is missing" if actual is None else "changed after sign-off"
        return [
            Mismatch(
                signoff_id=s.id, county_code=s.county_code, path=stored, kind=kind,
                expected_sha256=s.report_sha256, actual_sha256=actual,
                message=(
                    f"{s.county_code} 县第 {s.id} 号签字的报告 {stored} {zh}。 / The report "
                    f"{stored} signed in ledger entry {s.id} (county {s.county_code}) {en}."
                ),
            )
        ]
