"""Design-based survey estimation: mean, total, ratio and proportion, by domain.

The method is the textbook one that R ``survey`` (Lumley 2004, 2010) implements, and the
tests reproduce its published outputs on the California API data:

- Estimators are Horvitz–Thompson / Hájek weighted sums; a mean and a proportion are ratios
  to the estimated population size.
- Variance by Taylor linearisation (Särndal, Swensson & Wretman 1992, §5.5; Lohr, *Sampling*,
  §9.1): each estimate is turned into per-row scores z, and the variance of Σz is estimated.
- Ultimate cluster variance: stage-1 PSUs are treated as drawn with replacement within
  strata (Cochran 1977, §11.8; Kalton 1979). Later stages need no separate terms:
  var = Σ_h (1 − f_h) · n_h/(n_h − 1) · Σ_i (t_hi − t̄_h)², where t_hi is PSU i's score total.
- FPC as R does for a single stage: the ``fpc`` column holds either the population number
  of PSUs N_h of the stratum (every value ≥ 1), then f_h = n_h/N_h, or the sampling
  fraction f_h itself (every value ≤ 1). It must be constant within a stratum.
- No ``psu`` → each row is its own PSU; no ``strata`` → a single stratum. PSU labels are
  read within strata (R's ``nest=TRUE``).
- Domains (``subset``) keep the whole design: rows outside the domain get score 0, so strata
  and PSUs without domain members still count (Lohr §10.3; R's domain estimation).
- Degrees of freedom (``df_rule``): ``"design"`` (default) df = #PSU − #strata of the FULL
  design, whatever the domain (Korn & Graubard 1999, §5.2; Stata's svy convention; R's
  ``degf()`` on a subset counts only the PSUs that hold domain rows, so domain intervals can
  differ slightly from R's); ``"satterthwaite"``: per estimate, (Σ_c V_c)² / Σ_c V_c²/d_c
  over the variance components c (each stage-1 stratum with d = n_h − 1, each stage-2 stratum
  of a PSU with d = m_k − 1, weighted by f₁ᵢ) — Satterthwaite (1946); Korn & Graubard 1999,
  §5.2 — rounded down, at least 1, never above the design df plus the stage-2 df.
- Two stages (``fpc2``, optionally ``strata2``): the variance of R's ``multistage``
  (``svydesign(ids=~psu+unit, strata=~strata+strata2, fpc=~fpc+fpc2, nest=TRUE)`` with
  ``survey.ultimate.cluster=FALSE``; Särndal, Swensson & Wretman 1992, §4.3, eq. 4.3.33):
  V = V₁ + Σ_i f₁ᵢ · V₂ᵢ, where V₁ is the stage-1 term above, f₁ᵢ = n_h/N_h the stage-1
  sampling fraction of PSU i's stratum, and V₂ᵢ the same formula applied to the rows of PSU i
  within its stage-2 strata, with FPC 1 − m_k/M_k (M_k = ``fpc2``). A stratum taken whole
  (f = 1, e.g. certainty villages) adds nothing at stage 1, so a certainty PSU contributes only
  its stage-2 variance; a PSU drawn with small f₁ adds almost nothing at stage 2.
- Lonely PSU (a stratum with a single PSU), as R ``options(survey.lonely.psu=...)``:
  ``adjust`` (default) centres that PSU's total at the grand mean of all PSU totals
  (Σ_i t_i / Σ_h n_h) instead of the undefined stratum mean, with scale 1 − f (no
  n/(n−1)): R survey ≥ 4.3's ``onestage``/``onestrat`` (R/multistage.R, the
  ``recentering`` attribute), at both stages. R survey 4.1 (Debian 12's ``r-cran-survey``)
  centres a lonely PSU at 0 instead; the two agree for means, ratios and proportions (whose
  scores add up to 0) and differ for totals — see docs/methods.md for the measured size;
  ``remove`` and ``certainty`` let the stratum contribute 0 to the variance (``certainty``
  is for self-representing PSUs, ``remove`` accepts the under-estimate); ``fail`` refuses.
- Intervals: see ``assessment.ci``. mean/total/ratio use value ± t_df·se (R's ``confint``
  defaults to normal quantiles; we always use t with the design df).

Missing values are never dropped silently: exclude them with ``subset`` (that is what R's
``na.rm=TRUE`` does — a domain estimate).
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Hashable
from dataclasses import KW_ONLY, dataclass, field
from enum import StrEnum
from typing import Literal

import numpy as np
import pandas as pd

from assessment.ci import (
    EstimationError,
    korn_graubard_interval,
    logit_interval,
    t_interval,
)

__all__ = ["DfRule", "Estimate", "EstimationError", "LonelyPSU", "SurveyDesign", "by"]


class DfRule(StrEnum):
    """Degrees of freedom of an interval; the default first (see the module docstring)."""

    DESIGN = "design"
    SATTERTHWAITE = "satterthwaite"


class LonelyPSU(StrEnum):
    """Treatment of a stratum with a single PSU; the default (R's "adjust") first."""

    ADJUST = "adjust"
    REMOVE = "remove"
    CERTAINTY = "certainty"
    FAIL = "fail"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error, confidence interval and design df."""

    value: float
    se: float
    ci_low: float
    ci_high: float
    df: int
    method: str


@dataclass(frozen=True)
class _Structure:
    """The design's sampling structure as integer codes (built once per design)."""

    w: np.ndarray  # row weights
    psu: np.ndarray  # row → PSU index 0..n_psu-1 (PSUs nested in strata)
    psu_stratum: np.ndarray  # PSU → stratum index 0..n_strata-1
    n_h: np.ndarray  # PSUs per stratum (float)
    one_minus_f: np.ndarray  # 1 − sampling fraction per stratum
    stratum_labels: tuple[Hashable, ...]
    # Stage 2 (None: one stage): row → cell (PSU × stage-2 stratum), per-cell scale and FPC,
    # per-PSU stage-1 fraction f₁ and rows per PSU.
    cell: np.ndarray | None = None
    cell_psu: np.ndarray | None = None
    m_k: np.ndarray | None = None
    cell_one_minus_f: np.ndarray | None = None
    f1_psu: np.ndarray | None = None
    rows_psu: np.ndarray | None = None


def _where(data: pd.DataFrame, bad: np.ndarray) -> tuple[str, str]:
    """Chinese and English words for the first bad row and how many there are."""
    i = int(np.flatnonzero(bad)[0])
    count = int(np.count_nonzero(bad))
    if "source_row" in data.columns:
        row = data["source_row"].iloc[i]
        src = data["source_file"].iloc[i] if "source_file" in data.columns else None
        zh = f"{src} 第 {row} 行" if src is not None else f"第 {row} 行"
        en = f"{src}, row {row}" if src is not None else f"row {row}"
    else:
        zh = f"索引为 {data.index[i]!r} 的行"
        en = f"the row with index {data.index[i]!r}"
    if count > 1:
        zh += f"（共 {count} 行）"
        en += f" ({count} rows in all)"
    return zh, en


def _column(data: pd.DataFrame, col: str, role_zh: str, role_en: str) -> pd.Series:
    if not isinstance(col, str) or col not in data.columns:
        raise EstimationError(
            f"数据中没有{role_zh}列 {col!r}。 / The data has no {role_en} column {col!r}."
        )
    return data[col]


def _numeric(data: pd.DataFrame, col: str, role_zh: str, role_en: str) -> np.ndarray:
    s = _column(data, col, role_zh, role_en)
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise EstimationError(
            f"{role_zh}列 {col!r} 必须是数字，实际类型为 {s.dtype}。 / "
            f"The {role_en} column {col!r} must hold numbers; it is of type {s.dtype}."
        )
    return s.to_numpy(dtype=float, na_value=np.nan)


def _codes(data: pd.DataFrame, col: str, role_zh: str, role_en: str) -> np.ndarray:
    s = _column(data, col, role_zh, role_en)
    codes, _ = pd.factorize(s, sort=True)
    if (codes < 0).any():
        zh, en = _where(data, codes < 0)
        raise EstimationError(
            f"{role_zh}列 {col!r} 有空值：{zh}。 / The {role_en} column {col!r} is empty in {en}."
        )
    return codes


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A stratified cluster sample: data, weights, strata, PSUs, FPC and a domain.

    Immutable: ``subset`` returns a new design over the same rows and PSUs.
    """

    data: pd.DataFrame = field(repr=False)
    _: KW_ONLY
    weights: str
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    strata2: str | None = None
    fpc2: str | None = None
    lonely_psu: LonelyPSU = LonelyPSU.ADJUST
    df_rule: DfRule = DfRule.DESIGN
    _s: _Structure = field(init=False, repr=False)
    _domain: np.ndarray | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.data, pd.DataFrame):
            raise EstimationError(
                "调查数据必须是一个表（DataFrame）。 / The survey data must be a DataFrame."
            )
        object.__setattr__(self, "lonely_psu", LonelyPSU(self.lonely_psu))
        object.__setattr__(self, "df_rule", DfRule(self.df_rule))
        object.__setattr__(self, "_s", self._build())

    def _build(self) -> _Structure:
        data, n = self.data, len(self.data)
        if n == 0:
            raise EstimationError("调查数据没有任何行。 / The survey data has no rows.")
        w = _numeric(data, self.weights, "权重", "weight")
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            zh, en = _where(data, bad)
            raise EstimationError(
                f"权重列 {self.weights!r} 必须是非负数，且不能为空：{zh} 不符合。 / "
                f"The weight column {self.weights!r} must be a non-negative number, never "
                f"empty: {en} is not."
            )
        if not w.sum() > 0:
            raise EstimationError("所有权重之和为 0。 / The weights add up to 0.")
        if self.strata is None:
            h = np.zeros(n, dtype=np.intp)
            labels: tuple[Hashable, ...] = (None,)
        else:
            s = _column(data, self.strata, "分层", "stratum")
            h, uniq = pd.factorize(s, sort=True)
            if (h < 0).any():
                zh, en = _where(data, h < 0)
                raise EstimationError(
                    f"分层列 {self.strata!r} 有空值：{zh}。 / "
                    f"The stratum column {self.strata!r} is empty in {en}."
                )
            labels = tuple(uniq)
        n_strata = len(labels)
        if self.psu is None:
            psu = np.arange(n, dtype=np.intp)
        else:
            p = _codes(data, self.psu, "初级抽样单位（PSU）", "PSU")
            psu, _ = pd.factorize(h.astype(np.int64) * (int(p.max()) + 1) + p, sort=True)
        n_psu = int(psu.max()) + 1
        psu_stratum = np.empty(n_psu, dtype=np.intp)
        psu_stratum[psu] = h
        n_h = np.bincount(psu_stratum, minlength=n_strata).astype(float)
        one_minus_f = self._fpc(h, n_h, n_strata)
        lonely = n_h == 1
        if self.lonely_psu is LonelyPSU.FAIL and lonely.any():
            names = ", ".join(str(labels[i]) for i in np.flatnonzero(lonely))
            raise EstimationError(
                f"以下分层只有一个初级抽样单位（PSU），无法估计方差：{names}。请合并分层，或选择"
                f"其他单 PSU 处理方式。 / These strata have a single PSU, so their variance "
                f"cannot be estimated: {names}. Merge strata or choose another lonely-PSU rule."
            )
        if self.fpc2 is None:
            if self.strata2 is not None:
                raise EstimationError(
                    "给出了第二阶段分层（strata2）却没有第二阶段 FPC（fpc2）。 / strata2 was given "
                    "without fpc2: the second stage needs its population sizes."
                )
            return _Structure(w, psu, psu_stratum, n_h, one_minus_f, labels)
        return self._stage2(_Structure(w, psu, psu_stratum, n_h, one_minus_f, labels))

    def _stage2(self, s: _Structure) -> _Structure:
        """The stage-2 cells (PSU × stage-2 stratum) and their FPC (R ``multistage``)."""
        n = len(self.data)
        if self.strata2 is None:
            g = np.zeros(n, dtype=np.int64)
        else:
            g = _codes(self.data, self.strata2, "第二阶段分层", "stage-2 stratum").astype(np.int64)
        cell, _ = pd.factorize(s.psu.astype(np.int64) * (int(g.max()) + 1) + g, sort=True)
        n_cell = int(cell.max()) + 1
        cell_psu = np.empty(n_cell, dtype=np.intp)
        cell_psu[cell] = s.psu
        m_k = np.bincount(cell, minlength=n_cell).astype(float)
        v = _numeric(self.data, self.fpc2, "第二阶段 FPC", "stage-2 FPC")
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            zh, en = _where(self.data, bad)
            raise EstimationError(
                f"第二阶段 FPC 列 {self.fpc2!r} 必须是正数：{zh} 不符合。 / "
                f"The stage-2 FPC column {self.fpc2!r} must be a positive number: {en} is not."
            )
        lo = np.full(n_cell, np.inf)
        hi = np.full(n_cell, -np.inf)
        np.minimum.at(lo, cell, v)
        np.maximum.at(hi, cell, v)
        if not np.allclose(lo, hi, rtol=1e-9, atol=0):
            raise EstimationError(
                f"第二阶段 FPC 列 {self.fpc2!r} 在同一单元内取值不同。 / The stage-2 FPC column "
                f"{self.fpc2!r} differs within a PSU × stage-2 stratum; it must be constant."
            )
        if (v > 1).any():
            if (lo < m_k - 1e-9).any():
                raise EstimationError(
                    f"第二阶段 FPC 列 {self.fpc2!r} 小于样本数。 / The stage-2 FPC column "
                    f"{self.fpc2!r} gives fewer population units than were sampled."
                )
            cell_omf = np.maximum(1.0 - m_k / lo, 0.0)
        else:
            cell_omf = 1.0 - lo
        f1_psu = (1.0 - s.one_minus_f)[s.psu_stratum] if self.fpc is not None else \
            np.zeros(len(s.psu_stratum))
        rows_psu = np.bincount(s.psu, minlength=len(s.psu_stratum)).astype(float)
        return _Structure(s.w, s.psu, s.psu_stratum, s.n_h, s.one_minus_f, s.stratum_labels,
                          cell, cell_psu, m_k, cell_omf, f1_psu, rows_psu)

    def _fpc(self, h: np.ndarray, n_h: np.ndarray, n_strata: int) -> np.ndarray:
        if self.fpc is None:
            return np.ones(n_strata)
        v = _numeric(self.data, self.fpc, "有限总体校正（FPC）", "FPC")
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            zh, en = _where(self.data, bad)
            raise EstimationError(
                f"FPC 列 {self.fpc!r} 必须是正数：{zh} 不符合。 / "
                f"The FPC column {self.fpc!r} must be a positive number: {en} is not."
            )
        lo = np.full(n_strata, np.inf)
        hi = np.full(n_strata, -np.inf)
        np.minimum.at(lo, h, v)
        np.maximum.at(hi, h, v)
        if not np.allclose(lo, hi, rtol=1e-9, atol=0):
            raise EstimationError(
                f"FPC 列 {self.fpc!r} 在同一分层内取值不同。 / "
                f"The FPC column {self.fpc!r} differs within a stratum; it must be constant."
            )
        if (v > 1).any() and (v < 1).any():
            raise EstimationError(
                f"FPC 列 {self.fpc!r} 要么全是总体规模（≥1），要么全是抽样比例（≤1），不能混用。 / "
                f"The FPC column {self.fpc!r} must hold either population sizes (all ≥ 1) or "
                "sampling fractions (all ≤ 1), not both."
            )
        if (v > 1).any():
            if (lo < n_h).any():
                raise EstimationError(
                    f"FPC 列 {self.fpc!r} 中的总体 PSU 数小于样本 PSU 数。 / "
                    f"The FPC column {self.fpc!r} gives fewer population PSUs than were sampled."
                )
            return 1.0 - n_h / lo
        return 1.0 - lo

    # ------------------------------------------------------------------ design facts
    @property
    def df(self) -> int:
        """Design degrees of freedom: #PSU − #strata of the full design (R ``degf``)."""
        return int(len(self._s.psu_stratum) - len(self._s.n_h))

    @property
    def n_psu(self) -> int:
        """Number of PSUs in the full design."""
        return len(self._s.psu_stratum)

    @property
    def n_strata(self) -> int:
        """Number of strata in the full design."""
        return len(self._s.n_h)

    def subset(self, mask: pd.Series | np.ndarray) -> SurveyDesign:
        """A domain of this design: rows outside ``mask`` score 0 but keep their PSUs.

        Args:
            mask: booleans, one per row (a Series aligned on ``data.index`` or an array).
                Missing values count as False, as in R's ``subset``.

        Returns:
            A new design whose domain is this one's domain AND ``mask``.
        """
        if isinstance(mask, pd.Series):
            if not mask.index.equals(self.data.index):
                raise EstimationError(
                    "子总体条件的行索引与调查数据不一致。 / The domain mask's index does not "
                    "match the survey data's index."
                )
            mask = mask.to_numpy()
        m = np.asarray(mask)
        if m.shape != (len(self.data),):
            raise EstimationError(
                f"子总体条件应有 {len(self.data)} 个值，实际 {m.size} 个。 / The domain mask "
                f"needs {len(self.data)} values, got {m.size}."
            )
        if m.dtype != bool:
            try:  # nullable booleans (True/False/NA): NA is outside the domain
                m = pd.array(m, dtype="boolean").fillna(False).to_numpy(dtype=bool)
            except (TypeError, ValueError):
                raise EstimationError(
                    "子总体条件必须是真/假值。 / The domain mask must hold True/False values."
                ) from None
        new = copy.copy(self)
        dom = m if self._domain is None else (self._domain & m)
        object.__setattr__(new, "_domain", dom)
        return new

    # ------------------------------------------------------------------ internals
    def _wd(self) -> np.ndarray:
        """Weights with out-of-domain rows set to 0."""
        w = self._s.w
        return w if self._domain is None else np.where(self._domain, w, 0.0)

    def _in_domain(self) -> np.ndarray:
        d = self._domain
        return np.ones(len(self.data), dtype=bool) if d is None else d

    def _values(self, col: str) -> np.ndarray:
        """Numeric column with out-of-domain rows set to 0; missing inside is an error."""
        y = _numeric(self.data, col, "分析", "analysis")
        inside = self._in_domain()
        bad = inside & ~np.isfinite(y)
        if bad.any():
            zh, en = _where(self.data, bad)
            raise EstimationError(
                f"分析列 {col!r} 有空值或无效值：{zh}。请先用 subset 排除这些行。 / "
                f"The column {col!r} is empty or not a finite number in {en}. Exclude those "
                "rows with subset() first."
            )
        return np.where(inside, y, 0.0)

    def _variance(self, z: np.ndarray) -> float:
        """Linearised variance of Σz (see the module docstring)."""
        return float(self._components(z)[0].sum())

    def _components(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The variance components of Σz and their degrees of freedom.

        Stage-1 strata first (d = n_h − 1), then the stage-2 cells, each already multiplied
        by its PSU's stage-1 fraction f₁ (d = m_k − 1). Vectorised: bincounts over PSUs and
        cells, no loop over strata.
        """
        s = self._s
        n_psu, n_strata = len(s.psu_stratum), len(s.n_h)
        t = np.bincount(s.psu, weights=z, minlength=n_psu)
        v1, _ = _stratum_terms(t, s.psu_stratum, s.n_h, s.one_minus_f, n_strata,
                               t.sum() / s.n_h.sum(), self.lonely_psu)
        d1 = np.maximum(s.n_h - 1.0, 1.0)
        if s.cell is None:
            return v1, d1
        # Stage 2 within each PSU: the rows are the units, cells the strata; a lonely row is
        # centred at its PSU's mean row (R's recentering within the PSU).
        grand = (t / np.maximum(s.rows_psu, 1.0))[s.cell_psu][s.cell]
        v2, _ = _stratum_terms(z, s.cell, s.m_k, s.cell_one_minus_f, len(s.m_k), grand,
                               self.lonely_psu)
        v2 = v2 * s.f1_psu[s.cell_psu]
        return np.r_[v1, v2], np.r_[d1, np.maximum(s.m_k - 1.0, 1.0)]

    def _df_for(self, z: np.ndarray) -> int:
        """The interval's df under ``df_rule`` for the scores z."""
        if self.df_rule is DfRule.DESIGN:
            return self.df
        v, d = self._components(z)
        keep = v > 0
        total = float(v.sum())
        if not total > 0:
            return self.df
        sat = total**2 / float(np.sum(v[keep] ** 2 / d[keep]))
        cap = self.df + (0 if self._s.m_k is None else int(np.sum(self._s.m_k - 1.0)))
        return int(max(1, min(math.floor(sat + 1e-9), max(cap, 1))))

    def _need_df(self) -> int:
        if self.df < 1:
            raise EstimationError(
                "设计只有一个初级抽样单位（自由度为 0），无法给出置信区间。 / The design has no "
                "degrees of freedom (one PSU per stratum overall), so no interval can be given."
            )
        return self.df

    def _population(self, wd: np.ndarray) -> float:
        total = float(wd.sum())
        if not total > 0:
            raise EstimationError(
                "该子总体没有任何样本（权重之和为 0）。 / The domain is empty (its weights add "
                "up to 0)."
            )
        return total

    def _t_estimate(self, value: float, z: np.ndarray, level: float, kind: str) -> Estimate:
        self._need_df()
        df = self._df_for(z)
        se = float(np.sqrt(self._variance(z)))
        low, high = t_interval(value, se, df, level)
        return Estimate(value, se, low, high, df, f"{kind}: Taylor linearisation, t(df) interval")

    # ------------------------------------------------------------------ estimators
    def mean(self, col: str, level: float = 0.95) -> Estimate:
        """Weighted mean Σwy/Σw over the domain (R ``svymean``).

        Args:
            col: numeric column.
            level: confidence level of the t interval.

        Returns:
            The estimate.
        """
        wd = self._wd()
        y = self._values(col)
        n_hat = self._population(wd)
        value = float(wd @ y) / n_hat
        return self._t_estimate(value, wd * (y - value) / n_hat, level, "mean")

    def total(self, col: str, level: float = 0.95) -> Estimate:
        """Horvitz–Thompson total Σwy over the domain (R ``svytotal``).

        Args:
            col: numeric column.
            level: confidence level of the t interval.

        Returns:
            The estimate.
        """
        wd = self._wd()
        y = self._values(col)
        z = wd * y
        return self._t_estimate(float(z.sum()), z, level, "total")

    def ratio(self, num: str, den: str, level: float = 0.95) -> Estimate:
        """Ratio of totals Σwy/Σwx over the domain (R ``svyratio``).

        Person-weighted rates are ratios: ``ratio("size_x_fails", "size")``.

        Args:
            num: numerator column y.
            den: denominator column x.
            level: confidence level of the t interval.

        Returns:
            The estimate.
        """
        wd = self._wd()
        y, x = self._values(num), self._values(den)
        x_hat = float(wd @ x)
        if x_hat == 0:
            raise EstimationError(
                f"比率的分母列 {den!r} 在该子总体中合计为 0。 / The denominator {den!r} adds up "
                "to 0 in this domain."
            )
        value = float(wd @ y) / x_hat
        return self._t_estimate(value, wd * (y - value * x) / x_hat, level, "ratio")

    def proportion(
        self, col: str, ci: Literal["logit", "beta"] = "logit", level: float = 0.95,
        min_deff: float | None = None,
    ) -> Estimate:
        """Proportion of a 0/1 column with a logit or Korn–Graubard interval (R ``svyciprop``).

        With ``ci="logit"`` and p̂ = 0 or 1 the logit is undefined; the Korn–Graubard bound is
        used instead and ``method`` says so.

        Args:
            col: column of 0/1 (or True/False) values.
            ci: "logit" (default, R's default) or "beta" (Korn & Graubard 1998).
            level: confidence level.
            min_deff: for "beta", a floor on the design effect (None: R's behaviour; 1.0: the
                effective sample size never exceeds n, Korn & Graubard 1998, NCHS 2017).

        Returns:
            The estimate; ``se`` is the linearised standard error of p̂.
        """
        if ci not in ("logit", "beta"):
            raise EstimationError(
                f"比例的置信区间方法只能是 'logit' 或 'beta'，收到 {ci!r}。 / The interval for a "
                f"proportion must be 'logit' or 'beta', got {ci!r}."
            )
        wd = self._wd()
        y = self._values(col)
        inside = self._in_domain()
        bad = inside & (y != 0) & (y != 1)
        if bad.any():
            zh, en = _where(self.data, bad)
            raise EstimationError(
                f"比例只能对取值为 0/1（是/否）的列计算，列 {col!r} 不是：{zh}。 / A proportion "
                f"needs a 0/1 (yes/no) column; {col!r} is not: {en}."
            )
        self._need_df()
        n_hat = self._population(wd)
        p = float(wd @ y) / n_hat
        z = wd * (y - p) / n_hat
        var = self._variance(z)
        df = self._df_for(z)
        se = float(np.sqrt(var))
        if ci == "logit" and 0.0 < p < 1.0:
            low, high = logit_interval(p, se, df, level)
            method = "proportion: logit"
        else:
            low, high, _ = korn_graubard_interval(p, var, int(inside.sum()), df, level,
                                                  min_deff=min_deff)
            method = "proportion: beta (Korn-Graubard)"
            if not 0.0 < p < 1.0:
                method = "proportion: beta (Korn-Graubard, p=0 or 1: n_eff = n)"
                if ci == "logit":
                    method = "proportion: logit undefined at p=0 or 1; " + method[12:]
        return Estimate(p, se, low, high, df, method)


def _stratum_terms(
    t: np.ndarray, unit_stratum: np.ndarray, n_h: np.ndarray, one_minus_f: np.ndarray,
    n_strata: int, grand: float | np.ndarray, lonely_psu: LonelyPSU,
) -> tuple[np.ndarray, np.ndarray]:
    """Σ_h (1 − f_h)·n_h/(n_h − 1)·Σ_i (t_hi − t̄_h)² per stratum (R ``onestrat``).

    A lonely unit (n_h = 1) is centred at ``grand`` with scale 1 − f_h under "adjust" and adds
    0 otherwise; a stratum taken whole (1 − f_h = 0) adds 0 whatever its size.
    """
    mean = np.bincount(unit_stratum, weights=t, minlength=n_strata) / n_h
    centre = mean[unit_stratum]
    lonely = n_h == 1
    factor = np.where(lonely, 1.0, n_h / np.maximum(n_h - 1.0, 1.0)) * one_minus_f
    if lonely.any():
        if lonely_psu is LonelyPSU.ADJUST:
            centre = np.where(lonely[unit_stratum], grand, centre)
        else:  # REMOVE, CERTAINTY: the stratum contributes nothing
            factor = np.where(lonely, 0.0, factor)
    ss = np.bincount(unit_stratum, weights=(t - centre) ** 2, minlength=n_strata)
    return factor * ss, lonely


def by(
    design: SurveyDesign, col: str, estimator: Callable[[SurveyDesign], Estimate]
) -> dict[Hashable, Estimate]:
    """Apply ``estimator`` to each domain defined by the values of ``col`` (R ``svyby``).

    Args:
        design: the (full or domain) design.
        col: grouping column; rows where it is missing belong to no group.
        estimator: e.g. ``lambda d: d.mean("income")``.

    Returns:
        {group value: estimate}, groups in sorted order where sortable.
    """
    keys = _column(design.data, col, "分组", "grouping")
    present = keys[design._in_domain() & keys.notna().to_numpy()]
    groups = list(pd.unique(present))
    with contextlib.suppress(TypeError):  # mixed types: keep the order of appearance
        groups.sort()
    out: dict[Hashable, Estimate] = {}
    for g in groups:
        key = g.item() if isinstance(g, np.generic) else g
        out[key] = estimator(design.subset((keys == g).to_numpy()))
    return out
