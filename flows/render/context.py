"""Typed contexts for the report templates, built from the workspace files.

Each report kind renders from one frozen dataclass. A county's results come from
``flows.store.result_files.read_county_results`` (the ``CountyResults`` the assess step wrote,
with its signals); the households from ``results/<county>.parquet``; the rest from
``WS/manifest.json`` and ``WS/spotcheck/*.json``. Missing optional keys are tolerated.
The stamps that bind a rendered report to its assessment are in ``flows.store.stamps``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from assessment.indicators import INDICATORS as CORE_INDICATORS
from assessment.messages import Lang, explain
from flows.store.ledger import Ledger, SignOff
from flows.store.result_files import (
    ResultsFileError,
    read_county_results,
    read_json_object,
    read_scored_households,
)
from flows.store.results import CountyIdentity, CountyResults, Indicator
from flows.store.stamps import (
    Clock,
    assessment_sha256,
    results_paths,
    results_sha256,
    utc_now,
)
from registry.contract import CHECKS
from registry.masking import mask_id, mask_name, scrub_text

LANGS: tuple[str, ...] = get_args(Lang)
# The core's indicators in the order of the DESIGN.md threshold table (incidence first).
INDICATORS = ("incidence", *(k for k in CORE_INDICATORS if k != "incidence"))
VERDICTS = ("pass", "fail", "borderline")
# Household strata whose failing households are shown by name.
WRONG_EXIT_STRATA = ("exited",)
MISSED_STRATA = ("risk", "other")

#: A workspace file the report needs is missing or unreadable (raised by the store's readers).
ReportInputError = ResultsFileError

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
    """assessment.messages.explain; an unknown code shows as itself."""

    def f(code: str) -> str:
        try:
            return str(explain(code, lang))
        except (KeyError, ValueError, LookupError, TypeError):
            return code

    return f


def _direction(value: str | None, key: str) -> Literal["max", "min"]:
    """"max": the threshold is a maximum; recognition's is a minimum unless the file says."""
    if value == "max":
        return "max"
    if value == "min":
        return "min"
    return "min" if key == "recognition_rate" else "max"


def indicator_rows(indicators: tuple[Indicator, ...]) -> tuple[IndicatorRow, ...]:
    """The four indicators in the DESIGN.md order (others after them), with both rules."""
    by_key = {i.key: i for i in indicators}
    keys = [k for k in INDICATORS if k in by_key] + sorted(set(by_key) - set(INDICATORS))
    rows = []
    for key in keys:
        r = by_key[key]
        value, thr, lo, hi = r.value, r.threshold, r.ci_low, r.ci_high
        direction = _direction(r.direction, key)
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
                key=key, value=value, se=r.se, ci_low=lo, ci_high=hi, threshold=thr,
                direction=direction, verdict=r.verdict, point_meets=point, bound_meets=bound,
                extra_households=r.extra_households, df=r.df, method=r.method,
                n_households=r.n_households,
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
    return tuple((str(k), v) for k, v in d.items()) if isinstance(d, Mapping) else ()


def _sample_summary(r: CountyResults) -> SampleSummary:
    fw, hh, design = r.fieldwork, r.households, r.design
    return SampleSummary(
        households_drawn=r.sample.households_drawn,
        households_completed=r.sample.households_completed,
        response_rate=r.sample.response_rate,
        reserves_used=r.sample.reserves_used,
        villages_drawn=design.villages_drawn,
        village_method=design.village_method,
        unverified_households=hh.unverified_households,
        pending_households=hh.pending_households,
        unapproved_rows=fw.field_counts.get("unapproved_rows"),
        unknown_household_rows=fw.field_counts.get("unknown_household_rows"),
        nonresponse=tuple((k, v or 0) for k, v in hh.nonresponse.items()),
        quarantined_rows=tuple((k, v) for k, v in fw.quarantined_rows.items() if (v or 0) > 0),
    )


def _failure_rows(r: CountyResults) -> tuple[FailureRow, ...]:
    weighted, counts = r.failures_by_check, r.households.failures_by_check_count
    return tuple(
        FailureRow(c, counts.get(c), weighted.get(c))
        for c in [*CHECKS, *sorted(set(weighted) - set(CHECKS))]
        if c in weighted or c in counts
    )


def _signal_rows(r: CountyResults, lang: str) -> tuple[SignalRow, ...]:
    findings = r.signals.findings if r.signals else ()
    return tuple(
        SignalRow(
            code=s.code,
            name=(s.name_en if lang == "en" else s.name_zh) or s.name_zh or s.code,
            flagged=s.flagged, statistic=s.statistic, p_value=s.p_value,
            threshold=s.threshold, n_involved=s.n_involved,
            explanation=scrub_text(s.explanation_en if lang == "en" else s.explanation_zh),
            computed=s.computed,
        )
        for s in findings
    )


def build_county_context(
    workspace: Path,
    county_code: str,
    *,
    lang: str = "zh",
    ledger: Ledger | None = None,
    clock: Clock | None = None,
) -> CountyContext:
    """One county's results (with its signals), households and the manifest, as a context."""
    ws = Path(workspace)
    r = read_county_results(ws, county_code)
    manifest = read_json_object(ws / "manifest.json", required=False)
    frame = read_scored_households(ws, county_code)

    villages = tuple(
        VillageRow(
            village_code=v.village_code, village_name=v.village_name or "",
            village_stratum=v.village_stratum or "", drawn=v.drawn, visited=v.visited,
            approved=v.approved, completed=v.completed, nonresponse=v.nonresponse,
            reserves_used=v.reserves_used, pending=v.pending,
        )
        for v in r.fieldwork.completion
    )
    village_names = {v.village_code: v.village_name for v in villages}
    strata = tuple(StratumRow(s.stratum, s.drawn, s.completed) for s in r.fieldwork.strata)
    indicators = indicator_rows(r.indicators)
    res_sha = results_sha256(ws, county_code) or ""
    ass_sha = assessment_sha256(ws, county_code) or ""
    county_manifest = (manifest.get("counties") or {}).get(county_code) or {}
    config = manifest.get("config") or {}
    thresholds = config.get("thresholds") or {} if isinstance(config, dict) else {}
    who, design = r.identity, r.design
    methodology = Methodology(
        campaign=str(who.campaign or manifest.get("campaign") or ""),
        year=who.year or _i(manifest.get("year")),
        seed=who.seed if who.seed is not None else _i(manifest.get("seed")),
        village_method=design.village_method,
        villages_per_stratum=_pairs(design.villages_per_stratum),
        households_per_village=_pairs(design.households_per_village),
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
        county_name=who.county_name or county_code,
        province_name=who.province_name or "",
        region=who.region or "",
        verdict=r.verdict,
        provisional=r.provisional,
        indicators=indicators,
        sample=_sample_summary(r),
        villages=villages,
        strata=strata,
        failures=_failure_rows(r),
        wrong_exits=_household_rows(frame, WRONG_EXIT_STRATA, village_names, lang),
        missed=_household_rows(frame, MISSED_STRATA, village_names, lang),
        signals=_signal_rows(r, lang),
        revisits_count=r.signals.revisits_count if r.signals else None,
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
    manifest = read_json_object(ws / "manifest.json", required=False)
    rows: list[CountyRow] = []
    provinces: set[str] = set()
    unreadable: list[tuple[str, str]] = []
    for code in county_codes(ws):  # one county at a time: a broken county never hides the rest
        try:
            r = read_county_results(ws, code, signals=False)
        except ReportInputError as e:
            unreadable.append((code, str(e)))
            continue
        if r.identity.province_name:
            provinces.add(r.identity.province_name)
        rows.append(
            CountyRow(
                county_code=code,
                county_name=r.identity.county_name or code,
                region=r.identity.region or "",
                verdict=r.verdict,
                provisional=r.provisional,
                indicators=indicator_rows(r.indicators),
                households_drawn=r.sample.households_drawn,
                households_completed=r.sample.households_completed,
                response_rate=r.sample.response_rate,
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


def _identity(ws: Path, county: str) -> CountyIdentity | None:
    """The county's name and campaign for a spot-check report, if its results can be read."""
    if not county or not results_paths(ws, county)["json"].exists():
        return None
    try:
        return read_county_results(ws, county, signals=False).identity
    except ReportInputError:
        return None


def build_spotcheck_context(
    path: Path, *, lang: str = "zh", clock: Clock | None = None
) -> SpotcheckContext:
    """Read ``WS/spotcheck/<county>-<run>.json`` (and the county's detail, if present)."""
    path = Path(path)
    doc = read_json_object(path)
    county = str(doc.get("county_code", ""))
    ws = path.parent.parent
    who = _identity(ws, county)
    manifest = read_json_object(ws / "manifest.json", required=False)
    prov, cent = doc.get("province") or {}, doc.get("central") or {}
    diff, contra = doc.get("difference") or {}, doc.get("contradicted") or {}
    keys = [k for k in INDICATORS if k in prov or k in cent]
    # An estimate is an object; the blocks also carry the overall "verdict" as a string.
    keys += sorted(k for k in (set(prov) | set(cent)) - set(INDICATORS)
                   if isinstance(prov.get(k, cent.get(k)), Mapping))
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
        campaign=str((who and who.campaign) or manifest.get("campaign") or ""),
        county_code=county,
        county_name=str((who and who.county_name) or county),
        run=run,
        mode=str(doc.get("mode", "")),
        seed=_i(doc.get("seed")),
        identical=None if identical is None else bool(identical),
        rows=rows,
        any_contradicted=any(r.contradicted for r in rows),
    )
