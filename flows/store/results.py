"""A county's assessment results as one frozen type: what the assess step writes, what a report
reads.

``CountyResults.to_json()`` gives the two documents of ``WS/results/`` exactly as
docs/data-contract.md describes them (``<county>.json``: the contract's keys;
``<county>.detail.json``: everything else the report needs), key for key and in order, and
``CountyResults.from_json()`` reads them back (a missing optional key becomes ``None`` or empty,
so an older or hand-written file still reads). The signals summary comes from
``WS/signals/<county>.json``, which ``flows.store.revisits`` writes with the revisit list.

Pure: no file is opened here; ``flows.store.result_files`` reads and writes the files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

V = TypeVar("V")

#: The field-row counts of ``assessment.county.effective_visits`` (flat keys of detail.json).
FIELD_COUNT_KEYS = ("field_rows", "unknown_household_rows", "unapproved_rows",
                    "unapproved_pending")


# --------------------------------------------------------------------------- lenient parsing
# A value of the wrong type reads as missing: a report shows "—" rather than failing.


def _obj(x: Any) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}


def _float(x: Any) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _int(x: Any) -> int | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        return int(x)
    except (TypeError, ValueError, OverflowError):
        return None


def _str(x: Any) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return str(x)


@dataclass(frozen=True)
class FrozenMap(Mapping[str, V], Generic[V]):
    """An immutable str → value mapping that keeps its key order (the order of the JSON)."""

    pairs: tuple[tuple[str, V], ...] = ()

    @classmethod
    def of(cls, mapping: Any, convert: Callable[[Any], Any] | None = None) -> FrozenMap[Any]:
        """The pairs of a mapping in its order, values through ``convert``; a non-mapping is
        empty."""
        items = _obj(mapping).items()
        return cls(tuple((str(k), convert(v) if convert else v) for k, v in items))

    def __getitem__(self, key: str) -> V:
        for k, v in self.pairs:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def to_json(self) -> dict[str, V]:
        return dict(self.pairs)


# --------------------------------------------------------------------------- the parts


@dataclass(frozen=True)
class CountyIdentity:
    """Who and what was assessed: the county, its region, and the campaign's year and seed."""

    county_code: str
    county_name: str | None = None
    prefecture_name: str | None = None
    province_name: str | None = None
    region: str | None = None
    year: int | None = None
    campaign: str | None = None
    seed: int | None = None
    income_line: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "county_code": self.county_code, "county_name": self.county_name,
            "prefecture_name": self.prefecture_name, "province_name": self.province_name,
            "region": self.region, "year": self.year, "campaign": self.campaign,
            "seed": self.seed, "income_line": self.income_line,
        }

    @classmethod
    def from_json(cls, county_code: str, d: Mapping[str, Any]) -> CountyIdentity:
        return cls(
            county_code=county_code, county_name=_str(d.get("county_name")),
            prefecture_name=_str(d.get("prefecture_name")),
            province_name=_str(d.get("province_name")), region=_str(d.get("region")),
            year=_int(d.get("year")), campaign=_str(d.get("campaign")), seed=_int(d.get("seed")),
            income_line=_float(d.get("income_line")),
        )


@dataclass(frozen=True)
class Indicator:
    """One indicator: the estimate and verdict of results.json, and how detail.json says it was
    estimated (design df, interval method, households, extra households for a borderline)."""

    key: str
    value: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: float | None
    verdict: str
    direction: str | None = None  # "max": the threshold is a maximum; "min": a minimum
    df: int | None = None
    method: str | None = None  # "beta", "logit" or "t"
    method_detail: str | None = None
    n_households: int | None = None
    extra_households: int | None = None
    reason: str | None = None  # a catalogue code when it could not be estimated

    def results_json(self) -> dict[str, Any]:
        return {"value": self.value, "se": self.se, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "threshold": self.threshold, "verdict": self.verdict}

    def detail_json(self) -> dict[str, Any]:
        return {"direction": self.direction, "df": self.df, "method": self.method,
                "method_detail": self.method_detail, "n_households": self.n_households,
                "extra_households": self.extra_households, "reason": self.reason}

    @classmethod
    def from_json(cls, key: str, r: Mapping[str, Any], d: Mapping[str, Any]) -> Indicator:
        return cls(
            key=key, value=_float(r.get("value")), se=_float(r.get("se")),
            ci_low=_float(r.get("ci_low")), ci_high=_float(r.get("ci_high")),
            threshold=_float(r.get("threshold")), verdict=str(r.get("verdict") or ""),
            direction=_str(d.get("direction")), df=_int(d.get("df")), method=_str(d.get("method")),
            method_detail=_str(d.get("method_detail")), n_households=_int(d.get("n_households")),
            extra_households=_int(d.get("extra_households")), reason=_str(d.get("reason")),
        )


@dataclass(frozen=True)
class SampleCounts:
    """The ``sample`` block of results.json."""

    households_drawn: int | None = None
    households_completed: int | None = None
    response_rate: float | None = None
    reserves_used: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"households_drawn": self.households_drawn,
                "households_completed": self.households_completed,
                "response_rate": self.response_rate, "reserves_used": self.reserves_used}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SampleCounts:
        return cls(_int(d.get("households_drawn")), _int(d.get("households_completed")),
                   _float(d.get("response_rate")), _int(d.get("reserves_used")))


@dataclass(frozen=True)
class HouseholdCounts:
    """Households behind the indicators: failing per check, unverified, non-response, pending."""

    failures_by_check_count: FrozenMap[int] = FrozenMap()
    unverified_households: int | None = None
    unverified_by_stratum: FrozenMap[int] = FrozenMap()
    nonresponse: FrozenMap[int] = FrozenMap()  # non-completed outcome → households
    pending_households: int | None = None  # in play, no effective visit yet
    households_completed: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "failures_by_check_count": self.failures_by_check_count.to_json(),
            "unverified_households": self.unverified_households,
            "unverified_by_stratum": self.unverified_by_stratum.to_json(),
            "nonresponse": self.nonresponse.to_json(),
            "pending_households": self.pending_households,
            "households_completed": self.households_completed,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> HouseholdCounts:
        return cls(
            failures_by_check_count=FrozenMap.of(d.get("failures_by_check_count"), _int),
            unverified_households=_int(d.get("unverified_households")),
            unverified_by_stratum=FrozenMap.of(d.get("unverified_by_stratum"), _int),
            nonresponse=FrozenMap.of(d.get("nonresponse"), _int),
            pending_households=_int(d.get("pending_households")),
            households_completed=_int(d.get("households_completed")),
        )


@dataclass(frozen=True)
class IncidenceComponents:
    """The registry counts and estimated totals behind the composite incidence."""

    people_poor_registry: int | None = None
    people_total_registry: int | None = None
    people_failing_exited: float | None = None
    people_failing_not_registered: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"people_poor_registry": self.people_poor_registry,
                "people_total_registry": self.people_total_registry,
                "people_failing_exited": self.people_failing_exited,
                "people_failing_not_registered": self.people_failing_not_registered}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> IncidenceComponents:
        return cls(_int(d.get("people_poor_registry")), _int(d.get("people_total_registry")),
                   _float(d.get("people_failing_exited")),
                   _float(d.get("people_failing_not_registered")))


@dataclass(frozen=True)
class VillageCompletion:
    """Fieldwork completion of one sampled village (``sampling.substitution`` counts)."""

    village_code: str
    village_name: str | None = None
    village_stratum: str | None = None
    drawn: int = 0
    visited: int = 0
    approved: int = 0
    completed: int = 0
    nonresponse: int = 0
    pending: int = 0
    reserves_used: int = 0
    unreplaced_nonresponse: int = 0
    visited_not_in_play: int = 0
    collapsed_cells: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "village_code": self.village_code, "village_name": self.village_name,
            "village_stratum": self.village_stratum, "drawn": self.drawn,
            "visited": self.visited, "approved": self.approved, "completed": self.completed,
            "nonresponse": self.nonresponse, "pending": self.pending,
            "reserves_used": self.reserves_used,
            "unreplaced_nonresponse": self.unreplaced_nonresponse,
            "visited_not_in_play": self.visited_not_in_play,
            "collapsed_cells": self.collapsed_cells,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> VillageCompletion:
        counts = {k: _int(d.get(k)) or 0 for k in (
            "drawn", "visited", "approved", "completed", "nonresponse", "pending",
            "reserves_used", "unreplaced_nonresponse", "visited_not_in_play", "collapsed_cells")}
        return cls(village_code=str(d.get("village_code", "")),
                   village_name=_str(d.get("village_name")),
                   village_stratum=_str(d.get("village_stratum")), **counts)


@dataclass(frozen=True)
class StratumCompletion:
    """Drawn, in-play and completed households of one household stratum."""

    stratum: str
    drawn: int = 0
    in_play: int = 0
    completed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"stratum": self.stratum, "drawn": self.drawn, "in_play": self.in_play,
                "completed": self.completed}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> StratumCompletion:
        return cls(str(d.get("stratum", "")), _int(d.get("drawn")) or 0,
                   _int(d.get("in_play")) or 0, _int(d.get("completed")) or 0)


@dataclass(frozen=True)
class Fieldwork:
    """What came back from the field: field rows, rows set aside, completion per village and
    per stratum."""

    #: The core's field-row counts in its own order (``FIELD_COUNT_KEYS``).
    field_counts: FrozenMap[int | None] = FrozenMap()
    #: Rows of the county's input set aside by validation, per table.
    quarantined_rows: FrozenMap[int] = FrozenMap()
    completion: tuple[VillageCompletion, ...] = ()
    strata: tuple[StratumCompletion, ...] = ()

    def totals(self) -> dict[str, int]:
        """Households drawn, visited, approved, completed, reserves used and pending, summed
        over the villages."""
        keys = ("drawn", "visited", "approved", "completed", "reserves_used", "pending")
        return {k: sum(getattr(v, k) for v in self.completion) for k in keys}


@dataclass(frozen=True)
class SampleDesign:
    """The sample design the county was drawn with."""

    villages_drawn: int | None = None
    village_method: str | None = None
    villages_per_stratum: FrozenMap[int] = FrozenMap()
    households_per_village: FrozenMap[int] = FrozenMap()
    reserves_per_stratum: FrozenMap[int] = FrozenMap()

    def to_json(self) -> dict[str, Any]:
        return {"villages_drawn": self.villages_drawn, "village_method": self.village_method,
                "villages_per_stratum": self.villages_per_stratum.to_json(),
                "households_per_village": self.households_per_village.to_json(),
                "reserves_per_stratum": self.reserves_per_stratum.to_json()}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SampleDesign:
        return cls(_int(d.get("villages_drawn")), _str(d.get("village_method")),
                   FrozenMap.of(d.get("villages_per_stratum"), _int),
                   FrozenMap.of(d.get("households_per_village"), _int),
                   FrozenMap.of(d.get("reserves_per_stratum"), _int))


@dataclass(frozen=True)
class SignalFinding:
    """One integrity signal as a report shows it (a finding, never a verdict)."""

    code: str
    name_zh: str = ""
    name_en: str = ""
    flagged: bool = False
    computed: bool = True  # False when its data are absent (e.g. no support history)
    statistic: float | None = None
    p_value: float | None = None
    threshold: str = ""  # the rule as text
    n_involved: int | None = None
    explanation_zh: str = ""
    explanation_en: str = ""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SignalFinding:
        return cls(
            code=str(d.get("code", "")), name_zh=str(d.get("name_zh") or ""),
            name_en=str(d.get("name_en") or ""), flagged=bool(d.get("flagged")),
            computed=bool(d.get("computed", True)), statistic=_float(d.get("statistic")),
            p_value=_float(d.get("p_value")), threshold=str(d.get("threshold") or ""),
            n_involved=_int(d.get("n_involved")),
            explanation_zh=str(d.get("explanation_zh") or ""),
            explanation_en=str(d.get("explanation_en") or ""),
        )


@dataclass(frozen=True)
class SignalSummary:
    """The county's integrity signals and the length of its revisit list (no household IDs)."""

    findings: tuple[SignalFinding, ...] = ()
    revisits_count: int | None = None

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SignalSummary:
        signals = d.get("signals")
        return cls(tuple(SignalFinding.from_json(s) for s in
                         (signals if isinstance(signals, list) else []) if isinstance(s, Mapping)),
                   _int(d.get("revisits_count")))


# --------------------------------------------------------------------------- the whole


@dataclass(frozen=True)
class CountyResults:
    """Everything the assessment of one county produced that a report or a check reads."""

    identity: CountyIdentity
    verdict: str
    provisional: bool
    indicators: tuple[Indicator, ...]
    sample: SampleCounts
    failures_by_check: FrozenMap[float | None]  # weighted people failing each check
    households: HouseholdCounts = HouseholdCounts()
    incidence: IncidenceComponents = IncidenceComponents()
    registry: FrozenMap[int] = FrozenMap()  # assessment.indicators.RegistryCounts
    notes: FrozenMap[str] = FrozenMap()  # indicator → reason code
    fieldwork: Fieldwork = Fieldwork()
    design: SampleDesign = SampleDesign()
    inputs_sha256: FrozenMap[str] = FrozenMap()
    versions: FrozenMap[str] = FrozenMap()
    #: From ``WS/signals/<county>.json`` (not part of ``to_json``); None when not computed.
    signals: SignalSummary | None = None

    @property
    def county_code(self) -> str:
        return self.identity.county_code

    def indicator(self, key: str) -> Indicator | None:
        """The indicator named ``key``, if estimated."""
        return next((i for i in self.indicators if i.key == key), None)

    def to_json(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(results, detail)``: the content of ``<county>.json`` and ``<county>.detail.json``."""
        results = {
            "county_code": self.county_code,
            "verdict": self.verdict,
            "indicators": {i.key: i.results_json() for i in self.indicators},
            "sample": self.sample.to_json(),
            "failures_by_check": self.failures_by_check.to_json(),
            "provisional": self.provisional,
        }
        fw = self.fieldwork
        detail = {
            **self.identity.to_json(),
            "indicators": {i.key: i.detail_json() for i in self.indicators},
            **self.households.to_json(),
            "incidence_components": self.incidence.to_json(),
            "registry": self.registry.to_json(),
            "notes": self.notes.to_json(),
            **fw.field_counts.to_json(),
            "quarantined_rows": fw.quarantined_rows.to_json(),
            "completion": [v.to_json() for v in fw.completion],
            "strata": [s.to_json() for s in fw.strata],
            "design": self.design.to_json(),
            "inputs_sha256": self.inputs_sha256.to_json(),
            "versions": self.versions.to_json(),
        }
        return results, detail

    @classmethod
    def from_json(cls, results: Mapping[str, Any], detail: Mapping[str, Any] | None = None, *,
                  signals: Mapping[str, Any] | None = None) -> CountyResults:
        """Read the two documents back (and a signals document, if given).

        Args:
            results: the content of ``<county>.json``.
            detail: the content of ``<county>.detail.json`` (missing: an empty detail).
            signals: the content of ``signals/<county>.json`` (missing: ``signals`` is None).
        """
        detail = _obj(detail)
        code = str(results.get("county_code") or detail.get("county_code") or "")
        extra = _obj(detail.get("indicators"))
        indicators = tuple(Indicator.from_json(str(k), _obj(r), _obj(extra.get(k)))
                           for k, r in _obj(results.get("indicators")).items())
        completion, strata = detail.get("completion"), detail.get("strata")
        fieldwork = Fieldwork(
            field_counts=FrozenMap.of({k: v for k, v in detail.items() if k in FIELD_COUNT_KEYS},
                                      _int),
            quarantined_rows=FrozenMap.of(detail.get("quarantined_rows"), _int),
            completion=tuple(VillageCompletion.from_json(c) for c in
                             (completion if isinstance(completion, list) else [])
                             if isinstance(c, Mapping)),
            strata=tuple(StratumCompletion.from_json(s) for s in
                         (strata if isinstance(strata, list) else []) if isinstance(s, Mapping)),
        )
        return cls(
            identity=CountyIdentity.from_json(code, detail),
            verdict=str(results.get("verdict") or ""),
            provisional=bool(results.get("provisional", False)),
            indicators=indicators,
            sample=SampleCounts.from_json(_obj(results.get("sample"))),
            failures_by_check=FrozenMap.of(results.get("failures_by_check"), _float),
            households=HouseholdCounts.from_json(detail),
            incidence=IncidenceComponents.from_json(_obj(detail.get("incidence_components"))),
            registry=FrozenMap.of(detail.get("registry"), _int),
            notes=FrozenMap.of(detail.get("notes"), _str),
            fieldwork=fieldwork,
            design=SampleDesign.from_json(_obj(detail.get("design"))),
            inputs_sha256=FrozenMap.of(detail.get("inputs_sha256"), _str),
            versions=FrozenMap.of(detail.get("versions"), _str),
            signals=None if signals is None else SignalSummary.from_json(signals),
        )
