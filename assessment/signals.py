"""Integrity signals over a county's whole registry: the "paper exits" named by the centre.

Each signal is a finding for the report and for unannounced revisits; none changes a verdict.

1. ``same_year`` 突击式 — registered and exited in the same year. One-sided exact binomial test
   of the county's share against a configured baseline rate, and a minimum share.
2. ``quick_exit`` 指标式 — exited in the year after registration (same-year exits are (1));
   same test as (1).
3. ``quota`` 指标式 — exits per village less dispersed than chance. For each exit year, the
   binomial index of dispersion D = Σ (x_i − n_i p̂)² / (n_i p̂ (1 − p̂)) over villages (n_i
   households at risk of exit that year, x_i exits) is ~ χ²_{k−1} under independent exits
   (Cochran 1954, "Some methods for strengthening the common χ² tests", Biometrics 10; Potthoff
   & Whittinghill 1966). The years' D are summed; the LOWER tail (under-dispersion: counts more
   even than chance, as a quota makes them) is the p-value, computed by a seeded parametric
   bootstrap under the binomial null, which stays exact for small villages.
4. ``bunching`` 算账式 — excess mass of exited households' registry income just above the
   line. Bunching estimator of Saez (2010, AEJ: Economic Policy 2(3)) and Kleven (2016, Annual
   Review of Economics 8): bin incomes (share of the line), fit a Poisson polynomial to the bin
   counts above the excluded window [line, line·1.05), extrapolate it into the window; the
   excess mass is observed − counterfactual there. Its p-value comes from a seeded parametric
   bootstrap of the whole fit (Chetty et al. 2011, QJE 126(2)).
5. ``transfer_dependent`` 一兜了之 — exited, labour present, transfers ≥ 90 % of income.
6. ``income_gap`` 算账式 — in the drawn sample: verified income far below the registry figure,
   or non-countable income carried the household over the line.
7. ``support_withdrawn`` 游走式 — targeted support high before exit and about zero after.
8. ``anomaly`` — the IsolationForest ranking of :mod:`assessment.anomaly` (a ranking, not a test).

The share signals (1, 2, 5, 6, 7) flag when the count is at least ``min_count``, the share at
least ``min_share`` and the exact binomial P(X ≥ x | baseline) below ``alpha``: a county is
flagged only when the pattern is both material and unlikely under the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from assessment.anomaly import anomaly_signal, rank_revisits
from assessment.signal_types import NAMES as NAMES
from assessment.signal_types import RateRule as RateRule
from assessment.signal_types import Signal as Signal
from assessment.signal_types import SignalCode as SignalCode
from assessment.signal_types import SignalSettings as SignalSettings
from assessment.signal_types import column as column
from registry.errors import ExitcheckError

MAX_LISTED = 200

REQUIRED_COLUMNS = (
    "household_id", "village_code", "status", "registration_year", "exit_year",
    "household_size", "labor_count", "income_per_capita", "income_wage", "income_business",
    "income_property", "income_transfer", "dibao", "tekun", "relocated", "dilapidated_house",
    "serious_illness", "elderly_alone",
)
REGISTERED = ("poor", "exited", "returned")


class SignalInputError(ExitcheckError):
    """The registry, field or support-history frame given to the signals is unusable."""


@dataclass(frozen=True, eq=False)
class CountySignals:
    """All signals of a county and its revisit list (no personal data in either)."""

    county_code: str
    year: int
    income_line: float
    n_households: int
    n_exited: int
    signals: tuple[Signal, ...]
    revisits: pd.DataFrame = field(repr=False)

    def signal(self, code: str) -> Signal:
        for s in self.signals:
            if s.code == code:
                return s
        raise KeyError(code)

    @property
    def flagged(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.signals if s.flagged)

    def to_json(self) -> dict[str, Any]:
        """The content of ``WS/signals/<county>.json``."""
        rev = self.revisits
        return {
            "county_code": self.county_code, "year": self.year, "income_line": self.income_line,
            "n_households": self.n_households, "n_exited": self.n_exited,
            "n_flagged": len(self.flagged), "flagged": list(self.flagged),
            "signals": [s.to_json() for s in self.signals],
            "revisits_count": len(rev),
            "revisits": [
                {"rank": int(r.rank), "household_id": str(r.household_id),
                 "village_code": str(r.village_code), "score": round(float(r.score), 6),
                 "reasons_zh": str(r.reasons_zh), "reasons_en": str(r.reasons_en)}
                for r in rev.itertuples(index=False)
            ],
        }


# --------------------------------------------------------------------------- input preparation

def _flag(s: pd.Series) -> np.ndarray:
    if s.dtype == bool:
        return s.to_numpy()
    text = s.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "1.0", "yes", "y", "t", "是"]).fillna(False).to_numpy(bool)


def _float(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _text(s: pd.Series) -> pd.Series:
    return s.astype(str).reset_index(drop=True)


def prepare(households: pd.DataFrame) -> pd.DataFrame:
    """Check the registry columns and return a compact numeric frame the signals share."""
    missing = [c for c in REQUIRED_COLUMNS if c not in households.columns]
    if missing:
        raise SignalInputError(
            f"户表缺少列 {missing}，无法计算诚信信号。 / The households table lacks the "
            f"column(s) {missing}; the integrity signals cannot be computed."
        )
    h = households
    out = pd.DataFrame({
        # Kept as (string) Series: a round trip through an object array costs a re-inference.
        "household_id": _text(h["household_id"]),
        "village_code": _text(h["village_code"]),
        "status": _text(h["status"]),
        "registration_year": _float(h["registration_year"]),
        "exit_year": _float(h["exit_year"]),
        "household_size": _float(h["household_size"]),
        "labor_count": _float(h["labor_count"]),
        "income_per_capita": _float(h["income_per_capita"]),
    })
    parts = [np.nan_to_num(_float(h[c])) for c in
             ("income_wage", "income_business", "income_property", "income_transfer")]
    total = parts[0] + parts[1] + parts[2] + parts[3]
    out["income_total"] = total
    out["income_transfer"] = parts[3]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["transfer_share"] = np.where(total > 0, parts[3] / np.where(total > 0, total, 1), 0.0)
    for c in ("dibao", "tekun", "relocated", "dilapidated_house", "serious_illness",
              "elderly_alone"):
        out[c] = _flag(h[c])
    out["exited"] = out["status"].eq("exited").to_numpy(dtype=bool, na_value=False)
    return out


def county_code_of(households: pd.DataFrame) -> str:
    """The single county of a registry frame (village_code[:6])."""
    codes = pd.unique(households["village_code"].astype(str).str.slice(0, 6))
    if len(codes) != 1:
        shown = ", ".join(map(str, codes[:5]))
        raise SignalInputError(
            f"诚信信号按县计算，但户表包含 {len(codes)} 个县（{shown}）。 / Signals are computed "
            f"one county at a time, but the households span {len(codes)} counties ({shown})."
        )
    return str(codes[0])


# --------------------------------------------------------------------------- helpers

def _ids(ids: np.ndarray) -> tuple[str, ...]:
    return tuple(sorted(map(str, ids))[:MAX_LISTED])


def _not_computed(code: SignalCode, why_zh: str, why_en: str, threshold: str) -> Signal:
    zh, en = NAMES[code]
    return Signal(code.value, zh, en, False, float("nan"), None, threshold, (), 0,
                  f"未计算：{why_zh}", f"Not computed: {why_en}", computed=False)


def _rate_signal(
    code: SignalCode, involved: np.ndarray, ids: np.ndarray, rule: RateRule,
    what_zh: str, what_en: str, base_zh: str, base_en: str,
) -> Signal:
    """A share signal: ``involved`` is a boolean mask over the base population ``ids``."""
    zh, en = NAMES[code]
    threshold = (f"count ≥ {rule.min_count}, share ≥ {rule.min_share:.0%}, binomial "
                 f"P(X ≥ x | {rule.baseline:.0%}) < {rule.alpha:g}")
    n = len(ids)
    if n == 0:
        return _not_computed(code, f"没有{base_zh}。", f"no {base_en}.", threshold)
    x = int(involved.sum())
    share = x / n
    p = float(stats.binom.sf(x - 1, n, rule.baseline))
    flagged = x >= rule.min_count and share >= rule.min_share and p < rule.alpha
    verdict_zh = "达到预警条件" if flagged else "未达到预警条件"
    verdict_en = "flagged" if flagged else "not flagged"
    return Signal(
        code.value, zh, en, flagged, share, p, threshold, _ids(ids[involved]), x,
        f"{n} 户{base_zh}中有 {x} 户（{share:.1%}）{what_zh}；参照比例 {rule.baseline:.0%}，"
        f"单侧二项检验 p = {p:.3g}，{verdict_zh}。",
        f"{x} of {n} {base_en} ({share:.1%}) {what_en}; against a baseline of "
        f"{rule.baseline:.0%} the one-sided binomial p = {p:.3g}: {verdict_en}.",
    )


# --------------------------------------------------------------------------- signals 1, 2, 5

def _exited_with_years(h: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mask of exited households with both years, and their registration and exit years."""
    reg, ext = column(h, "registration_year"), column(h, "exit_year")
    m = column(h, "exited").astype(bool) & ~np.isnan(reg) & ~np.isnan(ext)
    return m, reg[m], ext[m]


def same_year_signal(h: pd.DataFrame, s: SignalSettings) -> Signal:
    """Signal 1 (突击式): registered and exited in the same year."""
    m, reg, ext = _exited_with_years(h)
    inv = ext == reg
    return _rate_signal(SignalCode.SAME_YEAR, inv, column(h, "household_id", m), s.same_year,
                        "当年识别当年脱贫", "were registered and exited in the same year",
                        "脱贫户", "exited households")


def quick_exit_signal(h: pd.DataFrame, s: SignalSettings) -> Signal:
    """Signal 2 (指标式): exited 1..``quick_exit_years`` years after registration.

    Same-year exits are signal 1 and are not counted again here.
    """
    m, reg, ext = _exited_with_years(h)
    gap = ext - reg
    inv = (gap >= 1) & (gap <= s.quick_exit_years)
    k = s.quick_exit_years
    return _rate_signal(SignalCode.QUICK_EXIT, inv, column(h, "household_id", m), s.quick_exit,
                        f"在识别后第 {k} 年内脱贫（不含当年）",
                        f"exited within {k} year(s) after the registration year",
                        "脱贫户", "exited households")


def transfer_signal(h: pd.DataFrame, s: SignalSettings) -> Signal:
    """Signal 5 (一兜了之): labour present, transfers ≥ ``transfer_share`` of total income."""
    m = column(h, "exited").astype(bool) & (column(h, "labor_count") >= 1)
    inv = (column(h, "transfer_share", m) >= s.transfer_share) & (column(h, "income_total", m) > 0)
    return _rate_signal(
        SignalCode.TRANSFER_DEPENDENT, inv, column(h, "household_id", m), s.transfer_dependent,
        f"转移性收入占总收入 {s.transfer_share:.0%} 以上",
        f"draw at least {s.transfer_share:.0%} of their income from transfers",
        "有劳动力的脱贫户", "exited households with labour",
    )


# --------------------------------------------------------------------------- signal 3: quota

def _dispersion(n: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Binomial index of dispersion along the last axis; x may carry leading replicate axes."""
    p = x.sum(axis=-1, keepdims=True) / n.sum()
    var = n * p * (1 - p)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(var > 0, (x - n * p) ** 2 / np.where(var > 0, var, 1), 0.0)
    return d.sum(axis=-1)


def quota_signal(h: pd.DataFrame, s: SignalSettings, rng: np.random.Generator) -> Signal:
    """Signal 3 (指标式): exits per village under-dispersed against the binomial (Cochran 1954)."""
    code = SignalCode.QUOTA
    zh, en = NAMES[code]
    threshold = f"lower-tail P(D ≤ d) < {s.quota_alpha:g} (binomial index of dispersion)"
    reg_year = column(h, "registration_year")
    m = h["status"].isin(REGISTERED).to_numpy(dtype=bool, na_value=False) & ~np.isnan(reg_year)
    reg_year, exit_year = reg_year[m], column(h, "exit_year", m)
    exited = column(h, "exited", m).astype(bool)
    hid = column(h, "household_id", m)
    # Villages in sorted order (as a groupby would have them); a missing code (-1) is no village.
    village, _ = pd.factorize(h["village_code"][m], sort=True)
    n_villages = int(village.max()) + 1 if len(village) else 0
    has_village = village >= 0
    years = np.unique(exit_year[exited & ~np.isnan(exit_year)])
    d_obs = 0.0
    d_sim = np.zeros(s.bootstrap_reps)
    dof = 0
    used: list[int] = []
    ids: list[np.ndarray] = []
    for y in years:  # per exit year (a handful), vectorised over households
        at_risk = (reg_year <= y) & ~(exited & (exit_year < y))
        exit_now = at_risk & exited & (exit_year == y)
        counted = at_risk & has_village
        n_all = np.bincount(village[counted], minlength=n_villages)
        present = n_all > 0  # villages with a household at risk this year
        n_i = n_all[present].astype(float)
        x_i = np.bincount(village[counted & exit_now], minlength=n_villages)[present].astype(float)
        total = x_i.sum()
        if total < s.quota_min_exits or len(n_i) < s.quota_min_villages or total == n_i.sum():
            continue
        p_hat = total / n_i.sum()
        d_obs += float(_dispersion(n_i, x_i))
        sim = rng.binomial(n_i.astype(np.int64), p_hat, size=(s.bootstrap_reps, len(n_i)))
        d_sim += _dispersion(n_i, sim.astype(float))
        dof += len(n_i) - 1
        used.append(int(y))
        ids.append(hid[exit_now])
    if not used:
        return _not_computed(
            code, f"没有哪一年的脱贫户达到 {s.quota_min_exits} 户且分布在 "
            f"{s.quota_min_villages} 个以上的村。",
            f"no exit year has {s.quota_min_exits} exits spread over "
            f"{s.quota_min_villages} or more villages.", threshold)
    p = float((1 + np.sum(d_sim <= d_obs)) / (s.bootstrap_reps + 1))
    flagged = p < s.quota_alpha
    chi2_p = float(stats.chi2.cdf(d_obs, dof))
    ratio = d_obs / dof
    all_ids = np.concatenate(ids)
    n_inv = len(all_ids) if flagged else 0
    listed = _ids(all_ids) if flagged else ()
    yrs = ", ".join(map(str, used))
    return Signal(
        code.value, zh, en, flagged, ratio, p, threshold, listed, n_inv,
        f"{yrs} 年各村脱贫户数的离散指数 D/自由度 = {ratio:.2f}（随机情况下约为 1，越小越均匀），"
        f"D = {d_obs:.1f}，自由度 {dof}，下侧 p = {p:.3g}（χ² 近似 {chi2_p:.3g}）；"
        f"{'各村脱贫数比随机情况更均匀，疑似按指标分配' if flagged else '未见按指标分配的迹象'}。",
        f"Exit years {yrs}: dispersion index D/df = {ratio:.2f} (about 1 by chance, lower is more "
        f"even), D = {d_obs:.1f} on {dof} df, lower-tail p = {p:.3g} (χ² approximation "
        f"{chi2_p:.3g}); " + ("exits are spread more evenly than chance, as a quota would."
                              if flagged else "no sign of a quota."),
    )


# --------------------------------------------------------------------------- signal 4: bunching

def _poisson_fit(x: np.ndarray, y: np.ndarray, iters: int = 30) -> np.ndarray:
    """Poisson regression with log link by IRLS; y may be (reps, bins). Returns coefficients."""
    y2 = np.atleast_2d(y).astype(float)
    beta = np.zeros((y2.shape[0], x.shape[1]))
    beta[:, 0] = np.log(np.maximum(y2.mean(axis=1), 0.5))
    for _ in range(iters):
        eta = np.clip(beta @ x.T, -30, 30)
        mu = np.exp(eta)
        z = eta + (y2 - mu) / mu
        xtwx = np.einsum("rb,bi,bj->rij", mu, x, x) + 1e-9 * np.eye(x.shape[1])
        xtwz = np.einsum("rb,bi,rb->ri", mu, x, z)
        new = np.linalg.solve(xtwx, xtwz[..., None])[..., 0]
        if np.max(np.abs(new - beta)) < 1e-8:
            beta = new
            break
        beta = new
    return beta


def bunching_signal(
    h: pd.DataFrame, income_line: float, s: SignalSettings, rng: np.random.Generator,
) -> Signal:
    """Signal 4 (算账式): excess mass just above the line (Saez 2010; Kleven 2016)."""
    code = SignalCode.BUNCHING
    zh, en = NAMES[code]
    w = s.bunching_window
    threshold = (f"excess in [1, {1 + w:g})×line ≥ {s.bunching_min_ratio:.0%} of counterfactual "
                 f"and bootstrap p < {s.bunching_alpha:g}")
    ex = h[h["exited"] & h["income_per_capita"].notna()]
    r = ex["income_per_capita"].to_numpy() / income_line
    hi = s.bunching_fit_upper
    inside = (r >= 1.0) & (r < hi)
    if inside.sum() < s.bunching_min_households:
        return _not_computed(
            code, f"收入在标准线 1–{hi:g} 倍之间的脱贫户不足 {s.bunching_min_households} 户。",
            f"fewer than {s.bunching_min_households} exited households with income between 1 "
            f"and {hi:g} times the line.", threshold)
    nb = round((hi - 1.0) / s.bunching_bin)
    edges = 1.0 + np.arange(nb + 1) * s.bunching_bin
    edges[-1] = hi
    counts = np.histogram(r[inside], bins=edges)[0].astype(float)
    centres = (edges[:-1] + edges[1:]) / 2
    win = centres < 1.0 + w
    # Polynomial in a centred, scaled variable keeps IRLS well conditioned.
    t = (centres - 1.0) / (hi - 1.0)
    x = np.vander(t, s.bunching_degree + 1, increasing=True)
    beta = _poisson_fit(x[~win], counts[~win])[0]
    mu = np.exp(x @ beta)
    observed = counts[win].sum()
    counterfactual = mu[win].sum()
    excess = observed - counterfactual
    sim = rng.poisson(np.broadcast_to(mu, (s.bunching_reps, len(mu)))).astype(float)
    bsim = _poisson_fit(x[~win], sim[:, ~win])
    excess_sim = sim[:, win].sum(axis=1) - np.exp(bsim @ x[win].T).sum(axis=1)
    p = float((1 + np.sum(excess_sim >= excess)) / (s.bunching_reps + 1))
    ratio = excess / counterfactual if counterfactual > 0 else float("inf")
    flagged = bool(p < s.bunching_alpha and ratio >= s.bunching_min_ratio)
    in_window = (r >= 1.0) & (r < 1.0 + w)
    listed = ex["household_id"].to_numpy()[in_window]
    return Signal(
        code.value, zh, en, flagged, float(ratio), p, threshold,
        _ids(listed) if flagged else (), int(in_window.sum()) if flagged else 0,
        f"收入在标准线至其 {1 + w:g} 倍之间的脱贫户 {observed:.0f} 户，按线上方收入分布推算应约 "
        f"{counterfactual:.0f} 户，多出 {excess:.0f} 户（{ratio:+.0%}），自助法 p = {p:.3g}；"
        f"{'收入明显扎堆在线上方，疑似算账脱贫' if flagged else '未见明显扎堆'}。",
        f"{observed:.0f} exited households have income between the line and {1 + w:g}× it; the "
        f"smooth distribution above predicts about {counterfactual:.0f}, an excess of "
        f"{excess:.0f} ({ratio:+.0%}), bootstrap p = {p:.3g}; "
        f"{'income bunches just above the line' if flagged else 'no clear bunching'}.",
    )


# --------------------------------------------------------------------------- signal 6: income gap

def income_gap_signal(
    h: pd.DataFrame, field_rows: pd.DataFrame | None, income_line: float, s: SignalSettings,
) -> Signal:
    """Signal 6 (算账式): in the sample, verified income far below the registry figure."""
    code = SignalCode.INCOME_GAP
    rule = s.income_gap
    if field_rows is None or len(field_rows) == 0:
        return _not_computed(code, "还没有入户核实数据。", "no field data yet.",
                             f"verified < {s.income_gap_ratio:.0%} of registry income")
    need = ("household_id", "verified_income_per_capita", "income_not_countable")
    missing = [c for c in need if c not in field_rows.columns]
    if missing:
        raise SignalInputError(
            f"入户核实数据缺少列 {missing}。 / The field rows lack the column(s) {missing}."
        )
    f = pd.DataFrame({
        "household_id": field_rows["household_id"].astype(str).to_numpy(),
        "verified": _float(field_rows["verified_income_per_capita"]),
        "not_countable": np.nan_to_num(_float(field_rows["income_not_countable"])),
    })
    f = f[~np.isnan(f["verified"].to_numpy())].drop_duplicates("household_id", keep="last")
    m = f.merge(h.loc[h["exited"], ["household_id", "income_per_capita"]], on="household_id")
    registry = m["income_per_capita"].to_numpy()
    verified = m["verified"].to_numpy()
    nc = m["not_countable"].to_numpy()
    gap = verified < s.income_gap_ratio * np.nan_to_num(registry)
    carried = (nc > 0) & (verified < income_line) & (verified + nc >= income_line)
    sig = _rate_signal(
        code, gap | carried, m["household_id"].to_numpy(), rule,
        f"核实收入低于登记收入的 {s.income_gap_ratio:.0%}，或靠不应计入的收入才越过标准线",
        f"had verified income below {s.income_gap_ratio:.0%} of the registry figure, or were "
        "carried over the line by income that does not count",
        "已核实的样本脱贫户", "verified sampled exited households",
    )
    n_carried = int(carried.sum())
    by_carried = n_carried >= s.income_gap_carried_min
    return replace(
        sig,
        flagged=sig.flagged or by_carried,
        threshold=f"{sig.threshold}; or ≥ {s.income_gap_carried_min} carried over the line",
        explanation_zh=f"{sig.explanation_zh}其中 {n_carried} 户靠不应计入的收入才越过标准线"
        + ("，达到预警条件。" if by_carried else "。"),
        explanation_en=f"{sig.explanation_en} Of them, {n_carried} were carried over the line "
        "by non-countable income" + (": flagged." if by_carried else "."),
    )


# --------------------------------------------------------------------------- signal 7: support

def support_change(
    h: pd.DataFrame, support_history: pd.DataFrame, year: int, s: SignalSettings,
) -> pd.DataFrame:
    """Mean yearly support before and after exit for exited households (missing year = 0).

    Before: the ``support_window_years`` years before the exit year, from registration on;
    after: up to that many years after it, up to ``year`` and the last year of the history.

    Returns household_id, before, after, evaluable (a registered year before and a year
    after the exit inside the history), and for the anomaly features before_window (support
    per year over the window before exit inside the history, years before registration
    counting 0: a household that got little help before its exit) and has_after.
    """
    need = ("household_id", "year", "amount")
    missing = [c for c in need if c not in support_history.columns]
    if missing:
        raise SignalInputError(
            f"帮扶记录缺少列 {missing}。 / The support history lacks the column(s) {missing}."
        )
    k = s.support_window_years
    ex = h.loc[h["exited"] & h["exit_year"].notna(),
               ["household_id", "exit_year", "registration_year"]]
    # Join on integer codes of the ids (same matches as the strings, far cheaper to merge).
    sh_ids = support_history["household_id"].astype(str)
    codes, _ = pd.factorize(pd.concat([ex["household_id"], sh_ids], ignore_index=True))
    ex = ex.assign(key=codes[:len(ex)])
    sh = pd.DataFrame({
        "key": codes[len(ex):],
        "year": _float(support_history["year"]),
        "amount": np.nan_to_num(_float(support_history["amount"])),
    })
    last = min(float(year), float(np.nanmax(sh["year"]))) if len(sh) else float(year)
    first = float(np.nanmin(sh["year"])) if len(sh) else float(year)
    m = sh.merge(ex[["key", "exit_year", "registration_year"]], on="key")
    rel = m["year"].to_numpy() - m["exit_year"].to_numpy()
    registered = ~(m["year"].to_numpy() < m["registration_year"].to_numpy())
    m["before"] = np.where((rel >= -k) & (rel <= -1) & registered, m["amount"], 0.0)
    m["before_window"] = np.where((rel >= -k) & (rel <= -1), m["amount"], 0.0)
    m["after"] = np.where((rel >= 1) & (rel <= k) & (m["year"] <= last), m["amount"], 0.0)
    sums = m.groupby("key")[["before", "before_window", "after"]].sum()
    out = ex.set_index("key").join(sums).fillna(
        {"before": 0.0, "before_window": 0.0, "after": 0.0})
    e = out["exit_year"].to_numpy()
    # Years before registration are not "before exit" support years.
    start = np.fmax(first, out["registration_year"].to_numpy())
    n_before = np.clip(np.minimum(k, e - start), 0, None)
    n_after = np.clip(np.minimum(k, last - e), 0, None)
    # No registered year before the exit (a same-year exit): no support before it, i.e. 0.
    out["before"] = np.where(n_before > 0, out["before"] / np.maximum(n_before, 1), 0.0)
    out["after"] = np.where(n_after > 0, out["after"] / np.maximum(n_after, 1), np.nan)
    n_window = np.clip(np.minimum(k, e - first), 0, None)
    out["before_window"] = np.where(n_window > 0,
                                    out["before_window"] / np.maximum(n_window, 1), 0.0)
    out["has_after"] = n_after > 0
    out["evaluable"] = (n_before > 0) & (n_after > 0)
    return out.reset_index(drop=True)[["household_id", "before", "before_window", "after",
                                       "has_after", "evaluable"]]


def support_signal(change: pd.DataFrame | None, s: SignalSettings) -> Signal:
    """Signal 7 (游走式): support ≥ min before exit and < drop_ratio × before after it."""
    code = SignalCode.SUPPORT_WITHDRAWN
    if change is None:
        return _not_computed(code, "没有帮扶记录（support_history）。", "no support history.",
                             f"after < {s.support_drop_ratio:.0%} of before")
    c = change[change["evaluable"].to_numpy(bool)]
    before = c["before"].to_numpy()
    inv = (before >= s.support_min_before) & (c["after"].to_numpy() < s.support_drop_ratio * before)
    return _rate_signal(
        code, inv, c["household_id"].to_numpy(), s.support_withdrawn,
        f"脱贫前年均帮扶不少于 {s.support_min_before:.0f} 元、脱贫后降到原来的 "
        f"{s.support_drop_ratio:.0%} 以下",
        f"received at least {s.support_min_before:.0f} yuan a year of support before exit and "
        f"less than {s.support_drop_ratio:.0%} of it after",
        "有帮扶记录可比的脱贫户", "exited households with comparable support history",
    )


# --------------------------------------------------------------------------- the county

def county_signals(
    households: pd.DataFrame,
    *,
    year: int,
    income_line: float,
    support_history: pd.DataFrame | None = None,
    field: pd.DataFrame | None = None,
    rng_seed: int,
    settings: SignalSettings = SignalSettings(),  # noqa: B008 — frozen, safe to share
) -> CountySignals:
    """Compute the eight integrity signals of one county.

    Args:
        households: the county's full registry (contract columns).
        year: the assessment year; support after it is ignored.
        income_line: the year's income line (yuan per person).
        support_history: optional household_id, year, amount (targeted support per year).
        field: optional scored sample rows with household_id, verified_income_per_capita and
            income_not_countable (signal 6).
        rng_seed: seeds the bootstraps and the IsolationForest; same seed, same result.
        settings: thresholds (the defaults of :class:`SignalSettings`).

    Returns:
        A :class:`CountySignals` with the signals and the revisit ranking.
    """
    s = settings
    if not income_line > 0:
        raise SignalInputError(
            f"收入标准必须大于 0，得到 {income_line}。 / The income line must be > 0, got "
            f"{income_line}."
        )
    county = county_code_of(households)
    h = prepare(households)
    seeds = np.random.SeedSequence(rng_seed).spawn(2)
    change = (support_change(h, support_history, year, s)
              if support_history is not None else None)
    revisits = rank_revisits(h, income_line=income_line, support=change, rng_seed=rng_seed,
                             settings=s)
    signals = (
        same_year_signal(h, s),
        quick_exit_signal(h, s),
        quota_signal(h, s, np.random.default_rng(seeds[0])),
        bunching_signal(h, income_line, s, np.random.default_rng(seeds[1])),
        transfer_signal(h, s),
        income_gap_signal(h, field, income_line, s),
        support_signal(change, s),
        anomaly_signal(revisits, int(h["exited"].sum()), s),
    )
    return CountySignals(county, int(year), float(income_line), len(h), int(h["exited"].sum()),
                         signals, revisits)
