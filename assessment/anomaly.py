"""Anomaly ranking of exited households for unannounced revisits (signal 8).

An Isolation Forest (Liu, Ting & Zhou 2008, "Isolation Forest", ICDM; scikit-learn's
``IsolationForest``) is fitted on the registry features of a county's exited households (a
seeded subsample of at most ``forest_fit_max`` of them) and scores all of them; the most easily
isolated come first. The forest is seeded (``random_state``) and single-threaded, so the same
seed gives the same ranking.

Reasons. The forest has no per-feature attribution, so each listed household's reasons are
the features on which it is most extreme within the county's exited households: for value v,
the empirical tail share min(P(X ≥ v), P(X ≤ v)). The (up to) three rarest features with a
tail share ≤ ``reason_max_tail`` are listed, rarest first, e.g. "transfer share 97 % (top 2 %
in the county)". A rank-based tail treats flags, counts and amounts alike and needs no
distributional assumption (it is the ECDF version of a robust z-score).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from assessment.signal_types import NAMES, Signal, SignalCode, SignalSettings, column

Kind = Literal["ratio", "share", "years", "count", "flag", "yuan"]


@dataclass(frozen=True)
class Feature:
    """One forest feature with its names for the reasons.

    ``log_offset``: the forest sees log10(value + offset) when set. The forest splits uniformly
    between a feature's min and max, so the scale matters to it (the reasons, being ranks, do
    not): on a log scale a margin of 1 % above the line is far from the bulk of 30–100 %.
    """

    name: str
    zh: str
    en: str
    kind: Kind
    log_offset: float | None = None


FEATURES: tuple[Feature, ...] = (
    Feature("income_margin", "登记收入超出标准线的幅度", "registry income above the line by",
            "share", log_offset=0.005),
    Feature("labor_transfer_share", "有劳动力户的转移性收入占比",
            "transfer share of income, with labour present", "share"),
    Feature("income_mismatch", "登记人均收入与分项收入之差/标准线",
            "registry income minus itemised income, per line", "ratio"),
    Feature("years_to_exit", "识别到脱贫年数", "years from registration to exit", "years"),
)
SUPPORT_FEATURES: tuple[Feature, ...] = (
    Feature("support_before", "脱贫前三年年均帮扶（元）",
            "support per year in the 3 years before exit (yuan)", "yuan", log_offset=1.0),
    Feature("support_drop", "脱贫后帮扶降幅（相对脱贫前三年）",
            "drop in support after exit (vs the 3 years before)", "share"),
)
REVISIT_COLUMNS = ("rank", "household_id", "village_code", "score", "reasons_zh", "reasons_en")


def features(
    h: pd.DataFrame, *, income_line: float, support: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The forest's features (display scale) of the exited households of a registry frame.

    ``h`` is :func:`assessment.signals.prepare` output; ``support`` is
    :func:`assessment.signals.support_change` output. Missing values become the county median
    so that a gap in the registry is not itself an anomaly. Below-line registry incomes get a
    margin of 0 (the most extreme value: an exit the registry itself does not support).
    """
    m = h["exited"].to_numpy(bool)
    size = column(h, "household_size", m)
    size = np.where(np.isfinite(size) & (size >= 1), size, np.nan)
    pc = column(h, "income_per_capita", m)
    itemised = column(h, "income_total", m) / size
    labor = column(h, "labor_count", m)
    f = pd.DataFrame({
        "income_margin": np.clip(pc / income_line - 1.0, 0.0, None),
        "labor_transfer_share": np.where(labor >= 1, column(h, "transfer_share", m), 0.0),
        "income_mismatch": (pc - itemised) / income_line,
        "years_to_exit": column(h, "exit_year", m) - column(h, "registration_year", m),
    }, index=pd.Index(column(h, "household_id", m), name="household_id"))
    if support is not None:
        sup = support.set_index("household_id").reindex(f.index)
        before = sup["before_window"].to_numpy()
        after = sup["after"].to_numpy()
        ok = sup["has_after"].fillna(False).to_numpy(bool) & (before > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            drop = np.where(ok, 1.0 - after / np.where(ok, before, 1.0), 0.0)
        f["support_before"] = before
        # ≈ 1: support withdrawn after exit (游走式); negative: support rose after the exit,
        # i.e. it arrived only around the exit and the household was not helped into it.
        f["support_drop"] = drop
    # Rounding keeps float noise (e.g. 1e-13 between equal incomes) from looking extreme.
    f = f.round(3)
    med = f.median(numeric_only=True)
    return f.fillna(med).fillna(0.0)


def forest_matrix(f: pd.DataFrame, feats: tuple[Feature, ...]) -> np.ndarray:
    """The forest's input: the features, log-scaled where the feature says so."""
    cols = []
    for ft in feats:
        v = f[ft.name].to_numpy(float)
        cols.append(np.log10(np.clip(v, 0.0, None) + ft.log_offset)
                    if ft.log_offset is not None else v)
    return np.column_stack(cols)


def _tails(values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per feature, the tail share of ``values[rows]`` and whether it is the upper tail."""
    n = values.shape[0]
    srt = np.sort(values, axis=0)
    tail = np.empty((len(rows), values.shape[1]))
    upper = np.empty_like(tail, dtype=bool)
    for j in range(values.shape[1]):  # per feature, not per household
        v = values[rows, j]
        ge = 1.0 - np.searchsorted(srt[:, j], v, side="left") / n
        le = np.searchsorted(srt[:, j], v, side="right") / n
        upper[:, j] = ge < le
        tail[:, j] = np.minimum(ge, le)
    return tail, upper


def _pct(t: float) -> str:
    return "≤1%" if t < 0.01 else f"{t:.0%}"


def _fmt(kind: Kind, v: float, zh: bool) -> str:
    if kind == "flag":
        return ("是" if v >= 0.5 else "否") if zh else ("yes" if v >= 0.5 else "no")
    if kind == "share":
        return f"{v:.0%}"
    if kind == "ratio":
        return f"{v:.2f}"
    if kind == "yuan":
        return f"{v:,.0f}"
    return f"{v:g}"


def _reasons(
    f: pd.DataFrame, rows: np.ndarray, feats: tuple[Feature, ...], s: SignalSettings,
) -> tuple[list[str], list[str]]:
    values = f[[x.name for x in feats]].to_numpy(float)
    tail, upper = _tails(values, rows)
    order = np.argsort(tail, axis=1, kind="stable")[:, : s.reasons_per_household]
    zh_out: list[str] = []
    en_out: list[str] = []
    for i, r in enumerate(rows):  # top-N rows only (≤ revisit_top_n): text assembly
        zh_parts: list[str] = []
        en_parts: list[str] = []
        for j in order[i]:
            t = tail[i, j]
            if t > s.reason_max_tail:
                continue
            ft = feats[j]
            v = values[r, j]
            side_zh = "最高" if upper[i, j] else "最低"
            side_en = "top" if upper[i, j] else "bottom"
            if ft.kind == "flag":
                zh_parts.append(
                    f"{ft.zh}：{_fmt(ft.kind, v, True)}（县内仅 {_pct(t)} 的脱贫户如此）")
                en_parts.append(f"{ft.en}: {_fmt(ft.kind, v, False)} (only {_pct(t)} of exited "
                                "households in the county)")
            else:
                zh_parts.append(f"{ft.zh} {_fmt(ft.kind, v, True)}（县内{side_zh} {_pct(t)}）")
                en_parts.append(f"{ft.en} {_fmt(ft.kind, v, False)} ({side_en} {_pct(t)} in the "
                                "county)")
        zh_out.append("；".join(zh_parts) or "多项特征组合少见")
        en_out.append("; ".join(en_parts) or "an unusual combination of features")
    return zh_out, en_out


def rank_revisits(
    h: pd.DataFrame,
    *,
    income_line: float,
    support: pd.DataFrame | None = None,
    rng_seed: int,
    settings: SignalSettings | None = None,
    top_n: int | None = None,
) -> pd.DataFrame:
    """Rank exited households by Isolation Forest score; return the top-N with reasons.

    Args:
        h: :func:`assessment.signals.prepare` output for one county.
        income_line: the year's line (yuan per person).
        support: :func:`assessment.signals.support_change` output, or None.
        rng_seed: the forest's ``random_state`` and the fitting subsample's seed.
        settings: signal settings (trees, fit subsample, top-N, reasons).
        top_n: overrides ``settings.revisit_top_n``; ``0`` returns every exited household.

    Returns:
        rank (1 = most anomalous), household_id, village_code, score (higher = more anomalous,
        0–1), reasons_zh, reasons_en.
    """
    s = settings or SignalSettings()
    f = features(h, income_line=income_line, support=support)
    n = len(f)
    if n < 10:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            REVISIT_COLUMNS, ("int64", "str", "str", "float64", "str", "str"), strict=True)})
    feats = FEATURES + (SUPPORT_FEATURES if support is not None else ())
    x = forest_matrix(f, feats)
    rng = np.random.default_rng(np.random.SeedSequence(rng_seed).spawn(3)[2])
    fit_rows = (np.sort(rng.choice(n, size=s.forest_fit_max, replace=False))
                if n > s.forest_fit_max else slice(None))
    # random_state must fit in 32 bits; derive it from the seed rather than truncate it.
    state = int(np.random.SeedSequence(rng_seed).generate_state(1)[0])
    forest = IsolationForest(n_estimators=s.forest_trees, max_samples=min(256, n),
                             random_state=state, n_jobs=1)
    forest.fit(x[fit_rows])
    score = -forest.score_samples(x)
    ids = f.index.to_numpy().astype(str)
    order = np.lexsort((ids, -score))  # highest score first, ties by household_id
    k = n if top_n == 0 else min(n, top_n if top_n is not None else s.revisit_top_n)
    top = order[:k]
    zh, en = _reasons(f, top, feats, s)
    # features() keeps the exited rows of h in order: row i of f is the i-th exited household.
    village = column(h, "village_code", h["exited"].to_numpy(bool))[top]
    return pd.DataFrame({
        "rank": np.arange(1, k + 1, dtype=np.int64),
        "household_id": ids[top],
        "village_code": village.astype(str),
        "score": score[top],
        "reasons_zh": zh,
        "reasons_en": en,
    })


def anomaly_signal(revisits: pd.DataFrame, n_exited: int, s: SignalSettings) -> Signal:
    """Signal 8 as a report entry: a ranking for revisits, never flagged by itself."""
    zh, en = NAMES[SignalCode.ANOMALY]
    k = len(revisits)
    return Signal(
        SignalCode.ANOMALY.value, zh, en, False,
        float(revisits["score"].iloc[0]) if k else float("nan"), None,
        f"ranking only: top {s.revisit_top_n} for unannounced revisits",
        tuple(revisits["household_id"].astype(str)), k,
        f"孤立森林在 {n_exited} 户脱贫户中挑出最少见的 {k} 户，列入暗访名单"
        "（仅供复核，不作结论）。",
        f"An isolation forest ranked {n_exited} exited households; the {k} most unusual are "
        "listed for unannounced revisits (for checking only, not a finding).",
    )
