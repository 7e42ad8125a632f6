"""exitcheck against svy on the same data: the stratified selection and the proportions.

Selection, per county: ours is ``sampling.design.draw_county_sample`` (πps systematic villages
within the three village strata, then SRS of main + reserve households within each village ×
household stratum). svy does the same: ``pps_sys`` on the village frame stratified by village
stratum with the household count as size, then ``srs`` of min(n + reserves, N) households in
each village × household-stratum cell. Both get the county's frames already in memory in their
native form (pandas for us, polars for svy); reading and converting is not timed. The draws
differ (different random numbers), so what must agree is the design: villages per stratum and
households per cell.

Estimation, per county: the three proportions of ``assessment.indicators`` (wrong-exit and
missed rates, person-weighted; recognition, household-weighted) on the county's scored sample
(WS/results/<county>.parquet), strata ``var_stratum``, PSU ``var_psu``, lonely PSU centred
(R "adjust" = svy "center"), Korn–Graubard intervals. Ours: ``SurveyDesign`` + ``subset`` +
``proportion``; svy: ``Sample`` + ``estimation.prop(where=...)``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DOMAINS = (  # name, weight, domain, 0/1 column
    ("wrong_exit_rate", "_pw", "_exited", "_fails"),
    ("missed_rate", "_pw", "_nonreg", "_fails"),
    ("recognition_rate", "_w", "_interviewed", "_yes"),
)


def _select(data: Path, codes: list[str]) -> dict[str, Any]:
    import polars as pl
    import svy

    from flows.store import tables
    from registry.contract import HOUSEHOLD_STRATA, TableName
    from sampling.design import household_strata, village_strata
    from sampling.settings import SamplingSettings
    from sampling.streams import county_rng

    st = SamplingSettings()
    want = {s: st.households_per_village[s] + st.reserves_per_stratum[s]
            for s in HOUSEHOLD_STRATA}
    ours_s = svy_s = 0.0
    same = True
    for c in codes:
        raw = tables.load_county(data, c, tables=(TableName.VILLAGES, TableName.HOUSEHOLDS))
        v, h = raw[TableName.VILLAGES], raw[TableName.HOUSEHOLDS]
        hh = pl.DataFrame({"household_id": h["household_id"].to_numpy(dtype=str),
                           "village_code": h["village_code"].to_numpy(dtype=str),
                           "stratum": household_strata(h).to_numpy(dtype=str)})
        vv = pl.DataFrame({"village_code": v["village_code"].to_numpy(dtype=str),
                           "village_stratum": village_strata(v).to_numpy(dtype=str)})

        t0 = time.perf_counter()
        from sampling.design import draw_county_sample

        ours = draw_county_sample(v, h, st, county_rng(1, c), seed=1, county_code=c)
        ours_s += time.perf_counter() - t0

        t0 = time.perf_counter()
        frame = vv.join(hh.group_by("village_code").len("M"), on="village_code", how="inner")
        sizes = frame.group_by("village_stratum").len("N")
        n1 = {r[0]: min(st.villages_per_stratum[r[0]], r[1]) for r in sizes.iter_rows()}
        s1 = svy.Sample(frame, svy.Design(stratum="village_stratum", mos="M"))
        s1 = s1.sampling.pps_sys(n1, certainty_threshold=1.0, rstate=1)
        chosen = s1.data.select("village_code", "village_stratum")
        h2 = hh.join(chosen.select("village_code"), on="village_code", how="semi")
        cells = h2.group_by("village_code", "stratum").len("N")
        n2 = {(r[0], r[1]): min(want[r[1]], r[2]) for r in cells.iter_rows()}
        s2 = svy.Sample(h2, svy.Design(stratum=("village_code", "stratum")))
        s2 = s2.sampling.srs(n2, rstate=1)
        svy_s += time.perf_counter() - t0

        # Same design: the same villages per stratum, and in every village × stratum cell
        # of the villages each drew, min(n + reserves, N) households.
        ours_v = ours.drop_duplicates("village_code")["village_stratum"].value_counts()
        svy_v = chosen["village_stratum"].value_counts().to_pandas().set_index(
            "village_stratum")["count"]
        g = ours.groupby(["village_code", "stratum"])
        got = g.size()
        need = np.minimum(g["N_vh"].first(), got.index.get_level_values(1).map(want))
        svy_got = {(r[0], r[1]): r[2]
                   for r in s2.data.group_by("village_code", "stratum").len().iter_rows()}
        same &= bool(ours_v.sort_index().to_dict() == svy_v.sort_index().to_dict()
                     and np.array_equal(got.to_numpy(), need.to_numpy())
                     and svy_got == {k: n for k, n in n2.items() if n > 0})
    return {"ours": ours_s, "svy": svy_s, "same_design": same}


def _analysis(results: Path) -> pd.DataFrame:
    from assessment.indicators import _analysis_frame, _prepare
    from sampling.design import variance_design_columns

    scored = variance_design_columns(pd.read_parquet(results))
    scored, completed, _, _ = _prepare(scored)
    d = _analysis_frame(scored, completed).reset_index(drop=True)
    return d[["var_stratum", "var_psu", "_w", "_pw", "_exited", "_nonreg", "_interviewed",
              "_fails", "_yes"]]


def _svy_value(est: Any) -> tuple[float, float, float, float]:
    rows = {int(p.y_level): p for p in est.estimates}
    if 1 in rows:
        p = rows[1]
        return p.est, p.se, p.lci, p.uci
    p = rows[0]  # no "1" in the domain: p̂ = 0
    return 1.0 - p.est, p.se, 1.0 - p.uci, 1.0 - p.lci


def _estimate(ws: Path, codes: list[str]) -> dict[str, Any]:
    import polars as pl
    import svy

    from assessment.estimation import SurveyDesign

    ours_s = svy_s = 0.0
    diff = {"value": 0.0, "se": 0.0, "ci": 0.0}
    n_est = 0
    for c in codes:
        d = _analysis(ws / "results" / f"{c}.parquet")
        p = pl.from_pandas(d).with_columns(pl.col("_fails").cast(pl.Int64),
                                           pl.col("_yes").cast(pl.Int64))
        t0 = time.perf_counter()
        ours = {}
        designs = {w: SurveyDesign(d, weights=w, strata="var_stratum", psu="var_psu")
                   for w in ("_pw", "_w")}
        for name, w, dom, col in DOMAINS:
            mask = d[dom].to_numpy(dtype=bool)
            if mask.any():
                ours[name] = designs[w].subset(mask).proportion(col, ci="beta")
        ours_s += time.perf_counter() - t0

        t0 = time.perf_counter()
        theirs = {}
        samples = {w: svy.Sample(p, svy.Design(stratum="var_stratum", psu="var_psu", wgt=w,
                                               singleton="center"))
                   for w in ("_pw", "_w")}
        for name, w, dom, col in DOMAINS:
            if name in ours:
                theirs[name] = _svy_value(samples[w].estimation.prop(
                    col, where=pl.col(dom), ci_method="korn-graubard"))
        svy_s += time.perf_counter() - t0

        for name, e in ours.items():
            v, se, lo, hi = theirs[name]
            diff["value"] = max(diff["value"], abs(e.value - v))
            diff["se"] = max(diff["se"], abs(e.se - se))
            diff["ci"] = max(diff["ci"], abs(e.ci_low - lo), abs(e.ci_high - hi))
            n_est += 1
    return {"ours": ours_s, "svy": svy_s, "max_abs_diff": diff, "estimates": n_est}


def compare(data: Path, ws: Path, counties: int | None) -> dict[str, Any]:
    """Time both libraries on every county; the parent prints the ratios."""
    from flows.store import tables
    codes = tables.county_codes(data)[: counties or None]
    return {"selection": _select(data, codes), "estimation": _estimate(ws, codes),
            "counties": len(codes)}
