"""Typed contexts for the report templates, built from the workspace files.

Each report kind renders from one frozen dataclass. The builders read
``WS/results/<county>.json|.detail.json|.parquet``, ``WS/signals/<county>.json``,
``WS/manifest.json`` and ``WS/spotcheck/*.json`` and tolerate missing optional keys.
The stamp helpers bind a rendered report to the assessment it shows (used by the ledger).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from flows.io import sha256_file
from registry.contract import CHECKS
from registry.masking import mask_id, mask_name, scrub_text

if TYPE_CHECKING:
    from flows.ledger import Ledger, SignOff

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")
# Order of the DESIGN.md threshold table.
INDICATORS = ("incidence", "wrong_exit_rate", "missed_rate", "recognition_rate")
VERDICTS = ("pass", "fail", "borderline")
# Household strata whose failing households are shown by name.
WRONG_EXIT_STRATA = ("exited",)
MISSED_STRATA = ("risk", "other")

META_COUNTY = "exitcheck:county"
META_RESULTS = "exitcheck:results-sha256"
META_ASSESSMENT = "exitcheck:assessment-sha256"
META_GENERATED = "exitcheck:generated-at"
META_LANG = "exitcheck:lang"

Clock = Callable[[], datetime]


class ReportInputError(ValueError):
    """A workspace file the report needs is missing or unreadable."""


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- hashing / stamps


def results_paths(workspace: Path, county_code: str) -> dict[str, Path]:
    """The three assessment output files of a county."""
    base = Path(workspace) / "results"
    return {
        "json": base / f"{county_code}.json",
        "detail": base / f"{county_code}.detail.json",
        "parquet": base / f"{county_code}.parquet",
    }


def results_sha256(workspace: Path, county_code: str) -> str | None:
    """SHA-256 of ``WS/results/<county>.json``, or None when it does not exist."""
    p = results_paths(workspace, county_code)["json"]
    return sha256_file(p) if p.exists() else None


def assessment_sha256(workspace: Path, county_code: str) -> str | None:
    """One hash over the county's results json, detail json and parquet (those present)."""
    paths = results_paths(workspace, county_code)
    if not paths["json"].exists():
        return None
    lines = [f"{k}:{sha256_file(p) if p.exists() else '-'}" for k, p in paths.items()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass(frozen=True)
class ReportStamp:
    """What a rendered report says about the assessment it shows."""

    county_code: str
    results_sha256: str
    assessment_sha256: str
    lang: str
    generated_at: str


def sidecar_path(report: Path) -> Path:
    """``<county>.html`` / ``<county>.pdf`` → ``<county>.meta.json`` (``.en`` kept)."""
    name = report.name
    stem = name.rsplit(".", 1)[0]
    return report.with_name(f"{stem}.meta.json")


_META_RE = re.compile(r'<meta name="(exitcheck:[a-z0-9-]+)" content="([^"]*)">')


def read_report_stamp(report: Path) -> ReportStamp | None:
    """The stamp of a rendered report; None when the file carries none (not ours, or changed).

    An HTML report carries its stamp in ``<meta name="exitcheck:...">`` tags. A PDF cannot be
    read without a PDF parser, so its stamp comes from the sidecar ``<stem>.meta.json`` written
    with it, and only when the sidecar lists the PDF's current SHA-256.
    """
    report = Path(report)
    if report.suffix == ".html":
        head = report.read_text(encoding="utf-8", errors="replace")[:20000]
        meta = dict(_META_RE.findall(head))
    else:
        side = sidecar_path(report)
        if not side.exists():
            return None
        data = json.loads(side.read_text(encoding="utf-8"))
        if data.get("files", {}).get(report.name) != sha256_file(report):
            return None
        meta = {
            META_COUNTY: data.get("county_code", ""),
            META_RESULTS: data.get("results_sha256", ""),
            META_ASSESSMENT: data.get("assessment_sha256", ""),
            META_LANG: data.get("lang", ""),
            META_GENERATED: data.get("generated_at", ""),
        }
    if not meta.get(META_RESULTS):
        return None
    return ReportStamp(
        county_code=meta.get(META_COUNTY, ""),
        results_sha256=meta[META_RESULTS],
        assessment_sha256=meta.get(META_ASSESSMENT, ""),
        lang=meta.get(META_LANG, ""),
        generated_at=meta.get(META_GENERATED, ""),
    )


# --------------------------------------------------------------------------- context types


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator against its threshold: the official rule and the confidence verdict."""

    key: str
    value: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None
    direction: Literal["max", "min"]  # "max": the threshold is a maximum
    verdict: str
    point_meets: bool | None  # official rule: the point estimate meets the threshold
    bound_meets: bool | None  # the 95 % confidence bound meets it too
    extra_households: int | None = None
    df: int | None = None
    method: str | None = None
    n_households: int | None = None


@dataclass(frozen=True)
class SampleSummary:
    """Sample size, response and fieldwork state of a county."""

    households_drawn: int | None
    households_completed: int | None
    response_rate: float | None
    reserves_used: int | None
    villages_drawn: int | None = None
    village_method: str | None = None
    unverified_households: int | None = None
    pending_households: int | None = None
    unapproved_rows: int | None = None
    unknown_household_rows: int | None = None
    nonresponse: tuple[tuple[str, int], ...] = ()
    #: Rows of the county's input set aside by validation, per table (only tables with any).
    quarantined_rows: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class VillageRow:
    """Completion of one sampled village."""

    village_code: str
    village_name: str
    village_stratum: str
    drawn: int
    visited: int
    approved: int
    completed: int
    nonresponse: int
    reserves_used: int
    pending: int


@dataclass(frozen=True)
class StratumRow:
    """Drawn and completed households of one household stratum."""

    stratum: str
    drawn: int
    completed: int


@dataclass(frozen=True)
class FailureRow:
    """Households and weighted people failing one check."""

    check: str
    households: int | None
    weighted_people: float | None


@dataclass(frozen=True)
class Reason:
    """Why one check failed for one household."""

    check: str
    code: str
    text: str


@dataclass(frozen=True)
class HouseholdRow:
    """A failing household shown in the report, with masked personal data."""

    household_id: str
    village_code: str
    village_name: str
    stratum: str
    head_name_masked: str
    head_id_masked: str
    household_size: int | None
    weight: float | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class SignalRow:
    """One integrity signal (a finding, never a verdict)."""

    code: str
    name: str
    flagged: bool
    statistic: float | None
    p_value: float | None
    threshold: str  # the rule as text, e.g. "share > 5 % and binomial p < 0.01"
    n_involved: int | None
    explanation: str
    computed: bool = True  # False when the data for it are absent (e.g. no support history)


@dataclass(frozen=True)
class Methodology:
    """What is needed to understand and rerun the estimates."""

    campaign: str
    year: int | None
    seed: int | None
    village_method: str | None
    villages_per_stratum: tuple[tuple[str, int], ...]
    households_per_village: tuple[tuple[str, int], ...]
    ci_methods: tuple[str, ...]
    dfs: tuple[int, ...]
    confidence: float
    inputs: tuple[tuple[str, str], ...]
    county_inputs_sha256: str | None
    versions: tuple[tuple[str, str], ...]
    results_sha256: str
    assessment_sha256: str


@dataclass(frozen=True)
class SignoffView:
    """The latest ledger decision on a county, as shown in a report."""

    reviewer: str
    decision: str
    recorded_at: datetime
    comment: str
    report_sha256: str
    current: bool  # the decision was taken on the assessment this report shows


@dataclass(frozen=True)
class CountyContext:
    """Everything the county report shows."""

    lang: str
    generated_at: datetime
    campaign: str
    year: int | None
    county_code: str
    county_name: str
    province_name: str
    region: str
    verdict: str
    provisional: bool
    indicators: tuple[IndicatorRow, ...]
    sample: SampleSummary
    villages: tuple[VillageRow, ...]
    strata: tuple[StratumRow, ...]
    failures: tuple[FailureRow, ...]
    wrong_exits: tuple[HouseholdRow, ...]
    missed: tuple[HouseholdRow, ...]
    signals: tuple[SignalRow, ...]
    revisits_count: int | None
    methodology: Methodology
    signoff: SignoffView | None
    results_sha256: str
    assessment_sha256: str


@dataclass(frozen=True)
class CountyRow:
    """One county in the province summary."""

    county_code: str
    county_name: str
    region: str
    verdict: str
    provisional: bool
    indicators: tuple[IndicatorRow, ...]
    households_drawn: int | None
    households_completed: int | None
    response_rate: float | None
    signoff: SignoffView | None


@dataclass(frozen=True)
class Chart:
    """One inline SVG chart."""

    indicator: str
    svg: str


@dataclass(frozen=True)
class ProvinceTotals:
    """Counts over all counties of the summary."""

    counties: int
    by_verdict: tuple[tuple[str, int], ...]
    provisional: int
    households_drawn: int
    households_completed: int
    response_rate: float | None
    by_decision: tuple[tuple[str, int], ...]
    unsigned: int


@dataclass(frozen=True)
class ProvinceContext:
    """Everything the province summary shows."""

    lang: str
    generated_at: datetime
    campaign: str
    year: int | None
    province_names: tuple[str, ...]
    counties: tuple[CountyRow, ...]
    totals: ProvinceTotals
    unreadable: tuple[tuple[str, str], ...]  # (county_code, error) of counties not shown
    charts: tuple[Chart, ...] = field(default=())


@dataclass(frozen=True)
class SpotcheckRow:
    """One indicator as estimated by the province and by the centre."""

    key: str
    province: tuple[float | None, float | None, float | None]
    central: tuple[float | None, float | None, float | None]
    difference: tuple[float | None, float | None, float | None]
    contradicted: bool | None


@dataclass(frozen=True)
class SpotcheckContext:
    """The central spot-check compared with the province's result."""

    lang: str
    generated_at: datetime
    campaign: str
    county_code: str
    county_name: str
    run: str
    mode: str
    seed: int | None
    identical: bool | None
    rows: tuple[SpotcheckRow, ...]
    any_contradicted: bool


# --------------------------------------------------------------------------- readers


def _read_json(path: Path, *, required: bool = True) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ReportInputError(
                f"报告所需文件不存在：{path}。请先运行评估（exitcheck assess）。 / "
                f"The report needs {path}, which does not exist. Run `exitcheck assess` first."
            )
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ReportInputError(
            f"文件 {path} 不是有效的 JSON（{e}）。 / {path} is not valid JSON ({e})."
        ) from e
    if not isinstance(data, dict):
        raise ReportInputError(f"文件 {path} 应为 JSON 对象。 / {path} must hold a JSON object.")
    return data


def _f(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _i(x: Any) -> int | None:
    try:
        return None if x is None or pd.isna(x) else int(x)
    except (TypeError, ValueError):
        return None


def _explainer(lang: str) -> Callable[[str], str]:
    """assessment.messages.explain when available; otherwise the code itself."""
    try:
        from assessment.messages import explain  # type: ignore[import-not-found]
    except ImportError:
        return lambda code: code

    def f(code: str) -> str:
        try:
            return str(explain(code, lang))
        except (KeyError, ValueError, LookupError, TypeError):
            return code

    return f


def _default_direction(key: str) -> Literal["max", "min"]:
    return "min" if key == "recognition_rate" else "max"


def indicator_rows(results: dict[str, Any], detail: dict[str, Any]) -> tuple[IndicatorRow, ...]:
    """The four indicators in the DESIGN.md order (others after them), with both rules."""
    inds: dict[str, Any] = results.get("indicators") or {}
    extra: dict[str, Any] = detail.get("indicators") or {}
    keys = [k for k in INDICATORS if k in inds] + sorted(k for k in inds if k not in INDICATORS)
    rows = []
    for key in keys:
        r, d = inds[key] or {}, extra.get(key) or {}
        value, thr = _f(r.get("value")), _f(r.get("threshold"))
        lo, hi = _f(r.get("ci_low")), _f(r.get("ci_high"))
        direction = d.get("direction") if d.get("direction") in ("max", "min") else None
        direction = direction or _default_direction(key)
        point = bound = None
        if value is not None and thr is not None:
            # Thresholds: "< 2 %" for the rates, "≥ 90 %" for recognition (DESIGN.md).
            if direction == "max":
                point = value < thr
                bound = hi is not None and hi < thr
            else:
                point = value >= thr
                bound = lo is not None and lo >= thr
        rows.append(
            IndicatorRow(
                key=key, value=value, se=_f(r.get("se")), ci_low=lo, ci_high=hi, threshold=thr,
                direction=direction, verdict=str(r.get("verdict", "")), point_meets=point,
                bound_meets=bound, extra_households=_i(d.get("extra_households")),
                df=_i(d.get("df")), method=d.get("method"), n_households=_i(d.get("n_households")),
            )
        )
    return tuple(rows)


def _household_rows(
    frame: pd.DataFrame, strata: tuple[str, ...], village_names: dict[str, str], lang: str
) -> tuple[HouseholdRow, ...]:
    """Failing households of the given strata with their reasons; personal data re-masked."""
    if frame.empty or "stratum" not in frame or "standard" not in frame:
        return ()
    hh = frame[frame["stratum"].isin(strata) & (frame["standard"] == "fails")].copy()
    if hh.empty:
        return ()
    hh["household_id"] = hh["household_id"].astype(str)
    hh = hh.sort_values(["village_code", "household_id"], kind="stable")
    # Masking again is idempotent and protects the report from an unmasked upstream column.
    names = mask_name(hh.get("head_name_masked", pd.Series("", index=hh.index)))
    ids = mask_id(hh.get("head_id_masked", pd.Series("", index=hh.index)))
    parts = []
    for check in CHECKS:  # a loop over the seven checks, not over households
        res, why = f"{check}_result", f"{check}_reason"
        if res not in hh:
            continue
        failed = hh.loc[hh[res] == "fail", ["household_id"]].copy()
        failed["check"] = check
        failed["code"] = hh.loc[failed.index, why].astype(str) if why in hh else ""
        failed["order"] = CHECKS.index(check)
        parts.append(failed)
    reasons = pd.concat(parts) if parts else pd.DataFrame(columns=["household_id", "check", "code"])
    explain = _explainer(lang)
    texts = {c: scrub_text(explain(c)) for c in reasons["code"].unique()}
    reasons["text"] = reasons["code"].map(texts)
    by_hh = {
        h: tuple(Reason(c, k, t) for c, k, t in zip(g["check"], g["code"], g["text"], strict=True))
        for h, g in reasons.groupby("household_id", sort=False)
    }
    records = pd.DataFrame(
        {
            "household_id": hh["household_id"],
            "village_code": hh["village_code"].astype(str),
            "stratum": hh["stratum"].astype(str),
            "name": names.fillna(""),
            "id": ids.fillna(""),
            "size": hh.get("household_size"),
            "weight": hh.get("weight"),
        }
    ).to_dict("records")
    return tuple(
        HouseholdRow(
            household_id=r["household_id"], village_code=r["village_code"],
            village_name=village_names.get(r["village_code"], ""), stratum=r["stratum"],
            head_name_masked=r["name"], head_id_masked=r["id"], household_size=_i(r["size"]),
            weight=_f(r["weight"]), reasons=by_hh.get(r["household_id"], ()),
        )
        for r in records
    )


def _signoff_view(ledger: Ledger | None, county: str, current_results: str) -> SignoffView | None:
    if ledger is None:
        return None
    s: SignOff | None = ledger.latest(county)
    if s is None:
        return None
    return SignoffView(
        reviewer=s.reviewer, decision=s.decision, recorded_at=s.recorded_at, comment=s.comment,
        report_sha256=s.report_sha256, current=s.results_sha256 == current_results,
    )


def _pairs(d: Any) -> tuple[tuple[str, Any], ...]:
    return tuple((str(k), v) for k, v in (d or {}).items()) if isinstance(d, dict) else ()


def build_county_context(
    workspace: Path,
    county_code: str,
    *,
    lang: str = "zh",
    ledger: Ledger | None = None,
    clock: Clock | None = None,
) -> CountyContext:
    """Read one county's results, detail, households, signals and manifest into a context."""
    ws = Path(workspace)
    paths = results_paths(ws, county_code)
    results = _read_json(paths["json"])
    detail = _read_json(paths["detail"], required=False)
    manifest = _read_json(ws / "manifest.json", required=False)
    signals_doc = _read_json(ws / "signals" / f"{county_code}.json", required=False)
    frame = pd.read_parquet(paths["parquet"]) if paths["parquet"].exists() else pd.DataFrame()

    completion = [c for c in detail.get("completion") or [] if isinstance(c, dict)]
    villages = tuple(
        VillageRow(
            village_code=str(c.get("village_code", "")),
            village_name=str(c.get("village_name", "")),
            village_stratum=str(c.get("village_stratum", "")),
            **{k: _i(c.get(k)) or 0 for k in (
                "drawn", "visited", "approved", "completed", "nonresponse", "reserves_used",
                "pending")},
        )
        for c in completion
    )
    village_names = {v.village_code: v.village_name for v in villages}
    strata = tuple(
        StratumRow(str(s.get("stratum", "")), _i(s.get("drawn")) or 0, _i(s.get("completed")) or 0)
        for s in detail.get("strata") or []
        if isinstance(s, dict)
    )
    design = detail.get("design") or {}
    sample = results.get("sample") or {}
    summary = SampleSummary(
        households_drawn=_i(sample.get("households_drawn")),
        households_completed=_i(sample.get("households_completed")),
        response_rate=_f(sample.get("response_rate")),
        reserves_used=_i(sample.get("reserves_used")),
        villages_drawn=_i(design.get("villages_drawn")),
        village_method=design.get("village_method"),
        unverified_households=_i(detail.get("unverified_households")),
        pending_households=_i(detail.get("pending_households")),
        unapproved_rows=_i(detail.get("unapproved_rows")),
        unknown_household_rows=_i(detail.get("unknown_household_rows")),
        nonresponse=tuple((k, _i(v) or 0) for k, v in (detail.get("nonresponse") or {}).items()),
        quarantined_rows=tuple((k, n) for k, v in (detail.get("quarantined_rows") or {}).items()
                               if (n := _i(v) or 0) > 0),
    )
    weighted = results.get("failures_by_check") or {}
    counts = detail.get("failures_by_check_count") or {}
    failures = tuple(
        FailureRow(c, _i(counts.get(c)), _f(weighted.get(c)))
        for c in [*CHECKS, *sorted(set(weighted) - set(CHECKS))]
        if c in weighted or c in counts
    )
    indicators = indicator_rows(results, detail)
    signals = tuple(
        SignalRow(
            code=str(s.get("code", "")),
            name=str(s.get(f"name_{lang}") or s.get("name_zh") or s.get("code", "")),
            flagged=bool(s.get("flagged")),
            statistic=_f(s.get("statistic")), p_value=_f(s.get("p_value")),
            threshold=str(s.get("threshold") or ""), n_involved=_i(s.get("n_involved")),
            explanation=scrub_text(str(s.get(f"explanation_{lang}") or "")),
            computed=bool(s.get("computed", True)),
        )
        for s in signals_doc.get("signals") or []
        if isinstance(s, dict)
    )
    res_sha = results_sha256(ws, county_code) or ""
    ass_sha = assessment_sha256(ws, county_code) or ""
    county_manifest = (manifest.get("counties") or {}).get(county_code) or {}
    config = manifest.get("config") or {}
    thresholds = config.get("thresholds") or {} if isinstance(config, dict) else {}
    methodology = Methodology(
        campaign=str(detail.get("campaign") or manifest.get("campaign") or ""),
        year=_i(detail.get("year") or manifest.get("year")),
        seed=_i(detail.get("seed") if detail.get("seed") is not None else manifest.get("seed")),
        village_method=design.get("village_method"),
        villages_per_stratum=_pairs(design.get("villages_per_stratum")),
        households_per_village=_pairs(design.get("households_per_village")),
        ci_methods=tuple(sorted({r.method for r in indicators if r.method})),
        dfs=tuple(sorted({r.df for r in indicators if r.df is not None})),
        confidence=_f(thresholds.get("confidence")) or 0.95,
        inputs=tuple(sorted(_pairs(manifest.get("inputs")))),
        county_inputs_sha256=county_manifest.get("inputs_sha256"),
        versions=tuple(sorted(_pairs(manifest.get("versions")))),
        results_sha256=res_sha,
        assessment_sha256=ass_sha,
    )
    return CountyContext(
        lang=lang,
        generated_at=(clock or utc_now)(),
        campaign=methodology.campaign,
        year=methodology.year,
        county_code=county_code,
        county_name=str(detail.get("county_name") or county_code),
        province_name=str(detail.get("province_name") or ""),
        region=str(detail.get("region") or ""),
        verdict=str(results.get("verdict", "")),
        provisional=bool(results.get("provisional", False)),
        indicators=indicators,
        sample=summary,
        villages=villages,
        strata=strata,
        failures=failures,
        wrong_exits=_household_rows(frame, WRONG_EXIT_STRATA, village_names, lang),
        missed=_household_rows(frame, MISSED_STRATA, village_names, lang),
        signals=signals,
        revisits_count=_i(signals_doc.get("revisits_count")),
        methodology=methodology,
        signoff=_signoff_view(ledger, county_code, res_sha),
        results_sha256=res_sha,
        assessment_sha256=ass_sha,
    )


def county_codes(workspace: Path) -> list[str]:
    """Counties with a results json, sorted."""
    folder = Path(workspace) / "results"
    if not folder.is_dir():
        return []
    return sorted(
        p.name[: -len(".json")]
        for p in folder.glob("*.json")
        if not p.name.endswith(".detail.json")
    )


def build_province_context(
    workspace: Path,
    *,
    lang: str = "zh",
    ledger: Ledger | None = None,
    clock: Clock | None = None,
) -> ProvinceContext:
    """All counties with a results json; a county whose files cannot be read is listed apart."""
    ws = Path(workspace)
    manifest = _read_json(ws / "manifest.json", required=False)
    rows: list[CountyRow] = []
    provinces: set[str] = set()
    unreadable: list[tuple[str, str]] = []
    for code in county_codes(ws):  # one county at a time: a broken county never hides the rest
        try:
            results = _read_json(results_paths(ws, code)["json"])
            detail = _read_json(results_paths(ws, code)["detail"], required=False)
        except ReportInputError as e:
            unreadable.append((code, str(e)))
            continue
        sample = results.get("sample") or {}
        if detail.get("province_name"):
            provinces.add(str(detail["province_name"]))
        rows.append(
            CountyRow(
                county_code=code,
                county_name=str(detail.get("county_name") or code),
                region=str(detail.get("region") or ""),
                verdict=str(results.get("verdict", "")),
                provisional=bool(results.get("provisional", False)),
                indicators=indicator_rows(results, detail),
                households_drawn=_i(sample.get("households_drawn")),
                households_completed=_i(sample.get("households_completed")),
                response_rate=_f(sample.get("response_rate")),
                signoff=_signoff_view(ledger, code, results_sha256(ws, code) or ""),
            )
        )
    drawn = sum(r.households_drawn or 0 for r in rows)
    done = sum(r.households_completed or 0 for r in rows)
    decisions = [r.signoff.decision for r in rows if r.signoff is not None]
    totals = ProvinceTotals(
        counties=len(rows),
        by_verdict=tuple((v, sum(r.verdict == v for r in rows)) for v in VERDICTS),
        provisional=sum(r.provisional for r in rows),
        households_drawn=drawn,
        households_completed=done,
        response_rate=done / drawn if drawn else None,
        by_decision=tuple((d, decisions.count(d)) for d in ("approve", "reject", "return")),
        unsigned=len(rows) - len(decisions),
    )
    return ProvinceContext(
        lang=lang,
        generated_at=(clock or utc_now)(),
        campaign=str(manifest.get("campaign") or ""),
        year=_i(manifest.get("year")),
        province_names=tuple(sorted(provinces)),
        counties=tuple(rows),
        totals=totals,
        unreadable=tuple(unreadable),
    )


def _triple(d: Any) -> tuple[float | None, float | None, float | None]:
    d = d if isinstance(d, dict) else {}
    return (_f(d.get("value")), _f(d.get("ci_low")), _f(d.get("ci_high")))


def build_spotcheck_context(
    path: Path, *, lang: str = "zh", clock: Clock | None = None
) -> SpotcheckContext:
    """Read ``WS/spotcheck/<county>-<run>.json`` (and the county's detail, if present)."""
    path = Path(path)
    doc = _read_json(path)
    county = str(doc.get("county_code", ""))
    ws = path.parent.parent
    detail = _read_json(results_paths(ws, county)["detail"], required=False) if county else {}
    manifest = _read_json(ws / "manifest.json", required=False)
    prov, cent = doc.get("province") or {}, doc.get("central") or {}
    diff, contra = doc.get("difference") or {}, doc.get("contradicted") or {}
    keys = [k for k in INDICATORS if k in prov or k in cent]
    keys += sorted((set(prov) | set(cent)) - set(INDICATORS))
    rows = tuple(
        SpotcheckRow(
            key=k, province=_triple(prov.get(k)), central=_triple(cent.get(k)),
            difference=_triple(diff.get(k)),
            contradicted=None if contra.get(k) is None else bool(contra.get(k)),
        )
        for k in keys
    )
    run = path.stem[len(county) + 1 :] if path.stem.startswith(county + "-") else path.stem
    identical = doc.get("identical")
    return SpotcheckContext(
        lang=lang,
        generated_at=(clock or utc_now)(),
        campaign=str(detail.get("campaign") or manifest.get("campaign") or ""),
        county_code=county,
        county_name=str(detail.get("county_name") or county),
        run=run,
        mode=str(doc.get("mode", "")),
        seed=_i(doc.get("seed")),
        identical=None if identical is None else bool(identical),
        rows=rows,
        any_contradicted=any(r.contradicted for r in rows),
    )
