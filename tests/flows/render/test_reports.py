"""Reports: golden HTML, catalogue completeness, masking scan, PDF text, charts, Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import report_templates
from flows.render import reports
from flows.render.context import INDICATORS, build_county_context
from flows.store.stamps import read_report_stamp, results_sha256
from registry.contract import CHECKS, HOUSEHOLD_STRATA, OUTCOMES, VILLAGE_STRATA
from registry.masking import find_unmasked
from tests.flows.render.assessed import SEED, Assessed, assessed_workspace

GOLDEN = Path(__file__).parent / "golden"
TEMPLATES = Path(report_templates.__file__).parent
FIXED = datetime(2020, 6, 30, 8, 0, tzinfo=UTC)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def clock() -> datetime:
    return FIXED


# --------------------------------------------------------------------------- fixture workspace

COUNTIES = {
    # code: (name zh, name en, region, verdict, provisional)
    "130631": ("望都县", "Wangdu", "central", "pass", False),
    "522323": ("普安县", "Pu'an", "west", "fail", False),
    "622426": ("渭源县", "Weiyuan", "west", "borderline", True),
}

# value, se, ci_low, ci_high per county and indicator
ESTIMATES = {
    "130631": {"incidence": (0.004, 0.002, 0.001, 0.011),
               "wrong_exit_rate": (0.003, 0.002, 0.0004, 0.012),
               "missed_rate": (0.002, 0.001, 0.0003, 0.009),
               "recognition_rate": (0.97, 0.01, 0.94, 0.985)},
    "522323": {"incidence": (0.041, 0.008, 0.027, 0.060),
               "wrong_exit_rate": (0.052, 0.011, 0.033, 0.079),
               "missed_rate": (0.015, 0.005, 0.007, 0.030),
               "recognition_rate": (0.88, 0.02, 0.84, 0.92)},
    "622426": {"incidence": (0.012, 0.006, 0.004, 0.034),
               "wrong_exit_rate": (0.016, 0.006, 0.007, 0.033),
               "missed_rate": (0.008, 0.004, 0.002, 0.021),
               "recognition_rate": (0.95, 0.01, 0.92, 0.97)},
}
THRESHOLDS = {"incidence": {"central": 0.02, "west": 0.03}, "wrong_exit_rate": 0.02,
              "missed_rate": 0.02, "recognition_rate": 0.90}

# Reason codes of assessment.messages (shown as bare codes when that module is absent).
FAIL_CODES = {"income": "INCOME_NOT_COUNTABLE", "housing": "HOUSING_UNSAFE",
              "water": "WATER_FETCH_TOO_FAR"}
# An ID number and phone that must never appear unmasked (GB 11643 check digit is valid).
RAW_ID = "110101199003074514"
RAW_PHONE = "13812345678"


def _verdict(key: str, est: tuple[float, ...], thr: float) -> str:
    v, _, lo, hi = est
    if key == "recognition_rate":
        return "fail" if v < thr else ("pass" if lo >= thr else "borderline")
    return "fail" if v >= thr else ("pass" if hi < thr else "borderline")


def make_workspace(root: Path, *, ascii_data: bool = False, leak: bool = False) -> Path:
    """A small, fixed workspace following the layout contract (three counties).

    ``ascii_data`` writes only ASCII data values (for the untranslated-text scan of English
    reports); ``leak`` plants an unmasked ID number and phone in upstream columns.
    """
    ws = root / "ws"
    for d in ("results", "signals", "spotcheck", "reports"):
        (ws / d).mkdir(parents=True, exist_ok=True)
    manifest = {
        "campaign": "2020-exit-A", "seed": 20200601, "year": 2020,
        "config": {"thresholds": {"confidence": 0.95}},
        "inputs": {"data/counties.csv": "a" * 64, "data/households/130631.parquet": "b" * 64},
        "versions": {"exitcheck": "0.1.0", "numpy": "2.2.0", "pandas": "2.2.3"},
        "counties": {c: {"inputs_sha256": f"{i}" * 64, "timings": {"assess": 1.5}}
                     for i, c in enumerate(COUNTIES)},
        "created_at": "2020-06-29T12:00:00+00:00",
    }
    (ws / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for code, (zh, en, region, verdict, provisional) in COUNTIES.items():
        name = en if ascii_data else zh
        inds = {}
        for key, est in ESTIMATES[code].items():
            thr = THRESHOLDS[key][region] if isinstance(THRESHOLDS[key], dict) else THRESHOLDS[key]
            inds[key] = dict(zip(("value", "se", "ci_low", "ci_high"), est, strict=True))
            inds[key] |= {"threshold": thr, "verdict": _verdict(key, est, thr)}
        results = {
            "county_code": code, "verdict": verdict, "indicators": inds,
            "sample": {"households_drawn": 1100, "households_completed": 1043,
                       "response_rate": 1043 / 1100, "reserves_used": 41},
            "failures_by_check": {"income": 812.5, "housing": 301.0, "water": 120.25}
            if code != "130631" else {"income": 40.0},
            "provisional": provisional,
        }
        (ws / "results" / f"{code}.json").write_text(json.dumps(results), encoding="utf-8")
        villages = [
            {"village_code": f"{code}10{i}001", "village_name": f"Village {i}" if ascii_data
             else f"{'东西南北'[i]}河村", "village_stratum": VILLAGE_STRATA[i % 3], "drawn": 46,
             "visited": 45, "approved": 44, "completed": 43, "nonresponse": 3,
             "reserves_used": 2, "pending": 0 if not provisional else 2}
            for i in range(3)
        ]
        detail = {
            "county_code": code, "county_name": name,
            "province_name": {"13": "Hebei", "52": "Guizhou", "62": "Gansu"}[code[:2]]
            if ascii_data else {"13": "河北省", "52": "贵州省", "62": "甘肃省"}[code[:2]],
            "region": region, "year": 2020, "campaign": "2020-exit-A", "seed": 20200601,
            "indicators": {
                k: {"df": 21, "method": "beta", "n_households": 900,
                    "extra_households": 380 if inds[k]["verdict"] == "borderline" else None,
                    "direction": "min" if k == "recognition_rate" else "max"}
                for k in inds
            },
            "failures_by_check_count": {"income": 9, "housing": 4, "water": 2}
            if code != "130631" else {"income": 1},
            "unverified_households": 3, "nonresponse": {"not_home": 30, "refused": 12,
                                                         "moved": 15},
            "pending_households": 6 if provisional else 0, "unapproved_rows": 2,
            "unknown_household_rows": 1, "completion": villages,
            "strata": [{"stratum": s, "drawn": 275, "completed": 260} for s in HOUSEHOLD_STRATA],
            "design": {"villages_drawn": 24, "village_method": "pps_systematic",
                       "villages_per_stratum": {"poor_remote": 8, "poor": 10, "non_poor": 6},
                       "households_per_village": {"exited": 24, "poor": 6, "risk": 8,
                                                  "other": 8}},
        }
        (ws / "results" / f"{code}.detail.json").write_text(
            json.dumps(detail, ensure_ascii=False), encoding="utf-8")
        _households(code, villages, ascii_data, leak).to_parquet(
            ws / "results" / f"{code}.parquet", index=False)
        if code == "522323":
            signals = {"county_code": code, "revisits_count": 25, "signals": [
                {"code": "bunching", "name_zh": "算账式：收入扎堆于标准线之上",
                 "name_en": "Income bunching above the line", "flagged": True,
                 "statistic": 3.41, "p_value": 0.0007, "threshold": 0.01, "n_involved": 57,
                 "explanation_zh": "已脱贫户收入集中在标准线以上 10% 以内。" if not ascii_data
                 else "Incomes bunch just above the line.",
                 "explanation_en": f"Incomes bunch just above the line (call {RAW_PHONE})."
                 if leak else "Incomes bunch just above the line."},
                {"code": "same_year", "name_zh": "突击式：当年识别当年脱贫",
                 "name_en": "Registered and exited in the same year", "flagged": False,
                 "statistic": 0.01, "p_value": 0.4, "threshold": 0.05, "n_involved": 3,
                 "explanation_zh": "未见异常。" if not ascii_data else "Nothing unusual.",
                 "explanation_en": "Nothing unusual."},
            ]}
            (ws / "signals" / f"{code}.json").write_text(
                json.dumps(signals, ensure_ascii=False), encoding="utf-8")
    spot = {
        "county_code": "522323", "mode": "independent", "seed": 77,
        "province": {k: dict(zip(("value", "ci_low", "ci_high"), (e[0], e[2], e[3]), strict=True))
                     for k, e in ESTIMATES["522323"].items()},
        "central": {k: {"value": e[0] * 1.3, "ci_low": e[2] * 1.3, "ci_high": e[3] * 1.3}
                    for k, e in ESTIMATES["522323"].items()},
        "difference": {k: {"value": e[0] * 0.3, "ci_low": -0.01, "ci_high": e[3]}
                       for k, e in ESTIMATES["522323"].items()},
        "contradicted": {k: k == "wrong_exit_rate" for k in ESTIMATES["522323"]},
        "identical": None,
    }
    (ws / "spotcheck" / "522323-r1.json").write_text(json.dumps(spot), encoding="utf-8")
    return ws


def _households(code: str, villages: list[dict], ascii_data: bool, leak: bool) -> pd.DataFrame:
    n = 24
    strata = [HOUSEHOLD_STRATA[i % 4] for i in range(n)]
    fails = code != "130631"
    rows = []
    for i in range(n):
        v = villages[i % 3]["village_code"]
        failing = (fails and i % 5 == 0) or (not fails and i == 4)
        row = {
            "household_id": f"{v}{i:04d}", "county_code": code, "village_code": v,
            "village_stratum": VILLAGE_STRATA[i % 3], "stratum": strata[i], "role": "main",
            "reserve_rank": 0, "pi_village": 0.3, "pi_household": 0.1, "weight": 33.3 + i,
            "household_size": 1 + i % 5,
            "head_name_masked": ("Z*" if ascii_data else "张*"),
            "head_id_masked": RAW_ID if (leak and i == 0) else "110101********4514",
            "recognition": "yes",
        }
        for check in CHECKS:
            bad = failing and check in (("income", "housing") if i % 2 == 0 else ("water",))
            row[f"{check}_result"] = "fail" if bad else "pass"
            row[f"{check}_reason"] = FAIL_CODES[check] if bad else f"{check.upper()}_OK"
        row["standard"] = "fails" if failing else "meets"
        row["failed_checks"] = ";".join(c for c in CHECKS if row[f"{c}_result"] == "fail")
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path)


# --------------------------------------------------------------------------- catalogue


def test_catalogue_has_both_languages_for_every_key() -> None:
    cat = reports.catalogue()
    assert len(cat) > 100
    for key, texts in cat.items():
        assert set(texts) == {"zh", "en"}, key
        allowed_empty = {"page.after"}
        for lang in ("zh", "en"):
            assert isinstance(texts[lang], str), (key, lang)
            assert texts[lang] or key in allowed_empty, (key, lang)
        # a Chinese text that is not Chinese is an untranslated copy of the English one
        if texts["zh"] and key not in {"threshold.max", "threshold.min", "page.after"}:
            assert CJK.search(texts["zh"]) or texts["zh"] == texts["en"] == "", key
        assert not CJK.search(texts["en"]), key


def test_catalogue_covers_every_code_the_reports_can_show() -> None:
    cat = reports.catalogue()
    needed = [f"check.{c}" for c in CHECKS] + [f"stratum.{s}" for s in HOUSEHOLD_STRATA]
    needed += [f"vstratum.{s}" for s in VILLAGE_STRATA] + [f"outcome.{o}" for o in OUTCOMES]
    needed += [f"ind.{k}" for k in INDICATORS] + [f"verdict.{v}" for v in
                                                   ("pass", "fail", "borderline", "none")]
    needed += [f"decision.{d}" for d in ("approve", "reject", "return")]
    needed += [f"region.{r}" for r in ("east", "central", "west")]
    assert [k for k in needed if k not in cat] == []


def test_every_static_key_used_in_templates_exists() -> None:
    cat = reports.catalogue()
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", path.read_text("utf-8")))
    assert len(used) > 50
    static = {k for k in used if not k.endswith(".")}  # "check." ~ code: dynamic
    assert sorted(static - set(cat)) == []


def test_templates_have_no_visible_text_outside_the_catalogue() -> None:
    """Strip Jinja tags, <style> and HTML tags: whatever text remains must carry no words."""
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text("utf-8")
        text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)
        text = re.sub(r"<[^>]*>", "", text)
        text = text.replace("&nbsp;", " ")
        words = re.findall(r"[A-Za-z\u3400-\u9fff]+", text)
        assert words == [], f"{path.name}: visible text outside t(): {words}"


def test_missing_key_raises() -> None:
    t = reports.translator("en")
    assert t("ind.wrong_exit_rate") == "Wrong-exit rate"
    with pytest.raises(reports.MissingMessageError):
        t("no.such.key")
    with pytest.raises(reports.UnknownLanguageError):
        reports.translator("fr")


def test_english_report_has_no_chinese_outside_data(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, ascii_data=True)
    for code in COUNTIES:
        html = reports.render_county(ws, code, lang="en", pdf=False, clock=clock).html
        assert html.name == f"{code}.en.html"
        found = CJK.findall(html.read_text("utf-8"))
        assert found == [], f"untranslated text in {html.name}: {''.join(found[:40])}"
    prov = reports.render_province(ws, lang="en", pdf=False, clock=clock).html
    assert CJK.findall(prov.read_text("utf-8")) == []
    spot = reports.render_spotcheck(ws / "spotcheck" / "522323-r1.json", lang="en", pdf=False,
                                    clock=clock).html
    assert CJK.findall(spot.read_text("utf-8")) == []


# --------------------------------------------------------------------------- golden files


def _normalise(html: str) -> str:
    # Chart SVG paths depend on the installed fonts and matplotlib: compared elsewhere.
    html = re.sub(r"<svg\b.*?</svg>", "<svg><!-- chart --></svg>", html, flags=re.S)
    # The assessment hash covers detail.json, which records the installed package versions.
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", html)


def _golden(name: str, html: str) -> None:
    path = GOLDEN / name
    got = _normalise(html)
    if os.environ.get("EXITCHECK_REGEN_GOLDEN") == "1":
        path.write_text(got, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"golden file {path} missing: run with EXITCHECK_REGEN_GOLDEN=1")
    assert got == path.read_text("utf-8"), f"{name} differs from the golden file"


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Assessed:
    """Two tiny synthetic counties, written by the real sample → field → assess work units."""
    return assessed_workspace(tmp_path_factory.mktemp("assessed"))


def test_golden_county_and_province(assessed: Assessed) -> None:
    """The reports of what the assess step really wrote (fixed seed and clock)."""
    code = assessed.counties[0]
    county = reports.render_county(assessed.ws, code, pdf=False, clock=clock)
    _golden(f"county-{code}.html", county.html.read_text("utf-8"))
    province = reports.render_province(assessed.ws, pdf=False, clock=clock)
    _golden("province.html", province.html.read_text("utf-8"))
    # rendering twice with the same clock gives identical bytes (charts included)
    again = reports.render_province(assessed.ws, pdf=False, clock=clock)
    assert again.html.read_bytes() == province.html.read_bytes()


def test_golden_comparison_detects_a_change(assessed: Assessed) -> None:
    code = assessed.counties[0]
    html = reports.render_county(assessed.ws, code, pdf=False, clock=clock).html.read_text("utf-8")
    assert "错退率" in html
    changed = html.replace("错退率", "错误率", 1)
    assert _normalise(changed) != (GOLDEN / f"county-{code}.html").read_text("utf-8")


def test_the_report_reads_everything_the_assess_step_wrote(assessed: Assessed) -> None:
    """Each figure the county report shows is the one in the files the assess step wrote."""
    code = assessed.counties[0]
    results = json.loads((assessed.ws / "results" / f"{code}.json").read_text("utf-8"))
    detail = json.loads((assessed.ws / "results" / f"{code}.detail.json").read_text("utf-8"))
    signals = json.loads((assessed.ws / "signals" / f"{code}.json").read_text("utf-8"))
    ctx = build_county_context(assessed.ws, code, clock=clock)
    assert (ctx.county_name, ctx.province_name, ctx.region) == (
        detail["county_name"], detail["province_name"], detail["region"])
    assert (ctx.campaign, ctx.year, ctx.methodology.seed) == ("golden-2019", 2019, SEED)
    assert (ctx.verdict, ctx.provisional) == (results["verdict"], results["provisional"])
    assert [r.key for r in ctx.indicators] == list(INDICATORS)
    for row in ctx.indicators:
        written, how = results["indicators"][row.key], detail["indicators"][row.key]
        assert (row.value, row.ci_low, row.ci_high, row.verdict) == (
            written["value"], written["ci_low"], written["ci_high"], written["verdict"])
        assert (row.df, row.method, row.n_households, row.direction) == (
            how["df"], how["method"], how["n_households"], how["direction"])
    s = ctx.sample
    assert (s.households_drawn, s.households_completed, s.reserves_used) == tuple(
        results["sample"][k] for k in ("households_drawn", "households_completed",
                                       "reserves_used"))
    assert (s.unapproved_rows, s.unknown_household_rows, s.pending_households) == (
        detail["unapproved_rows"], detail["unknown_household_rows"],
        detail["pending_households"])
    assert (s.villages_drawn, s.village_method) == (detail["design"]["villages_drawn"],
                                                     detail["design"]["village_method"])
    assert dict(s.nonresponse) == detail["nonresponse"]
    assert [v.village_code for v in ctx.villages] == [
        c["village_code"] for c in detail["completion"]]
    assert sum(v.completed for v in ctx.villages) == s.households_completed
    assert [(r.stratum, r.drawn) for r in ctx.strata] == [
        (r["stratum"], r["drawn"]) for r in detail["strata"]]
    assert {f.check: f.households for f in ctx.failures} == detail["failures_by_check_count"]
    assert [r.code for r in ctx.signals] == [r["code"] for r in signals["signals"]]
    assert ctx.revisits_count == signals["revisits_count"]
    assert dict(ctx.methodology.villages_per_stratum) == detail["design"]["villages_per_stratum"]


# --------------------------------------------------------------------------- content


def test_county_report_content(ws: Path) -> None:
    html = reports.render_county(ws, "522323", pdf=False, clock=clock).html.read_text("utf-8")
    for text in ("错退率", "漏评率", "群众认可度", "综合贫困发生率", "未通过",
                 "w = 1 / (π村 × π户|村)",
                 "Korn–Graubard", "20200601", "a" * 64, "numpy 2.2.0", "算账式", "张*",
                 "110101********4514", "尚无签字记录", "2020-06-30 08:00 UTC"):
        assert text in html, text
    assert "临时结果" not in html
    stamp = read_report_stamp(ws / "reports" / "522323.html")
    assert stamp is not None and stamp.results_sha256 == results_sha256(ws, "522323")


def test_borderline_and_provisional(ws: Path) -> None:
    html = reports.render_county(ws, "622426", pdf=False, clock=clock).html.read_text("utf-8")
    assert "临时结果" in html
    assert "约需再调查 380 户" in html
    assert "数据真实性信号" not in html  # no signals file for this county: no section


def test_both_rules_side_by_side() -> None:
    from flows.render.context import indicator_rows
    from flows.store.results import CountyResults

    res = {"indicators": {
        "wrong_exit_rate": {"value": 0.015, "ci_low": 0.008, "ci_high": 0.028, "threshold": 0.02,
                            "verdict": "borderline"},
        "recognition_rate": {"value": 0.93, "ci_low": 0.91, "ci_high": 0.95, "threshold": 0.9,
                             "verdict": "pass"}}}
    indicators = CountyResults.from_json(res, {}).indicators
    rows = {r.key: r for r in indicator_rows(indicators)}
    assert (rows["wrong_exit_rate"].point_meets, rows["wrong_exit_rate"].bound_meets) == (True,
                                                                                         False)
    assert (rows["recognition_rate"].point_meets, rows["recognition_rate"].bound_meets) == (True,
                                                                                           True)
    assert [r.key for r in indicator_rows(indicators)] == ["wrong_exit_rate", "recognition_rate"]


def test_missing_optional_inputs_still_render(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "results").mkdir(parents=True)
    (ws / "results" / "130631.json").write_text(json.dumps({
        "county_code": "130631", "verdict": "pass", "indicators": {}, "sample": {},
        "failures_by_check": {}, "provisional": False}))
    html = reports.render_county(ws, "130631", pdf=False, clock=clock).html.read_text("utf-8")
    assert "130631" in html and "没有住户在任何检查项上不达标" in html


def test_missing_results_is_a_clear_error(tmp_path: Path) -> None:
    from flows.render.context import ReportInputError

    with pytest.raises(ReportInputError, match="exitcheck assess"):
        reports.render_county(tmp_path, "130631", pdf=False)


def test_reasons_fall_back_to_code_or_use_explain(ws: Path) -> None:
    ctx = build_county_context(ws, "522323", clock=clock)
    assert len(ctx.wrong_exits) == 2 and len(ctx.missed) == 2
    reasons = {r.check: r for h in ctx.wrong_exits for r in h.reasons}
    assert set(reasons) == {"income", "housing"}
    assert {r.code for r in reasons.values()} == {"INCOME_NOT_COUNTABLE", "HOUSING_UNSAFE"}
    try:
        from assessment.messages import explain
    except ImportError:
        assert all(r.text == r.code for r in reasons.values())
    else:
        assert reasons["income"].text == explain("INCOME_NOT_COUNTABLE", "zh")
    parquet = ws / "results" / "522323.parquet"
    frame = pd.read_parquet(parquet)
    frame["income_reason"] = "NO_SUCH_CODE"  # an unknown code is shown as itself
    frame.to_parquet(parquet, index=False)
    odd = build_county_context(ws, "522323", clock=clock)
    texts = {r.text for h in odd.wrong_exits for r in h.reasons if r.check == "income"}
    assert texts == {"NO_SUCH_CODE"}
    assert all(h.head_id_masked == "110101********4514" for h in ctx.wrong_exits)


# --------------------------------------------------------------------------- masking scan


def _pdftotext(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60)
    return out.stdout.decode("utf-8")


def test_scan_finds_unmasked_numbers() -> None:
    assert find_unmasked(f"x {RAW_ID} y {RAW_PHONE}") == [RAW_ID, RAW_PHONE]
    assert find_unmasked("110101********4514 138****5678 130631101001000 " + "1" * 64) == []


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, reports.ReportPaths]:
    """A workspace whose upstream columns leak an ID and a phone, and its rendered PDF."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) missing")
    ws = make_workspace(tmp_path_factory.mktemp("leaky"), leak=True)
    return ws, reports.render_county(ws, "522323", clock=clock)


def test_no_unmasked_personal_data_in_any_report(leaky) -> None:
    """No rendered report (HTML or the PDF's text) shows the leaked ID or phone."""
    ws, county = leaky
    assert RAW_ID in pd.read_parquet(ws / "results" / "522323.parquet").to_string()
    written = [
        county,
        reports.render_county(ws, "522323", lang="en", pdf=False),
        reports.render_county(ws, "130631", pdf=False),
        reports.render_province(ws, pdf=False),
        reports.render_spotcheck(ws / "spotcheck" / "522323-r1.json", lang="en", pdf=False),
    ]
    texts = {p.html: p.html.read_text("utf-8") for p in written}
    texts |= {p.pdf: _pdftotext(p.pdf) for p in written if p.pdf}
    assert any(p.suffix == ".pdf" for p in texts)
    for path, text in texts.items():
        assert find_unmasked(text) == [], path
    assert "138****5678" in texts[ws / "reports" / "522323.en.html"]
    assert "110101********4514" in texts[ws / "reports" / "522323.html"]


# --------------------------------------------------------------------------- PDF, charts, files


def test_pdf_renders_with_chinese_text(leaky) -> None:
    ws, paths = leaky
    assert paths.pdf == ws / "reports" / "522323.pdf"
    assert paths.pdf.read_bytes()[:5] == b"%PDF-"
    text = _pdftotext(paths.pdf)
    assert "错退率" in text and "普安县" in text
    assert re.search(r"第 1 页，共 \d+ 页", text)  # page numbers from @page
    assert "2020-exit-A · 普安县" in text  # running header
    side = json.loads((ws / "reports" / "522323.meta.json").read_text())
    assert set(side["files"]) == {"522323.html", "522323.pdf"}
    assert read_report_stamp(paths.pdf) is not None


def test_province_charts_are_self_contained_svg(ws: Path) -> None:
    html = reports.render_province(ws, pdf=False, clock=clock).html.read_text("utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert "<text" not in svg  # text drawn as paths: no font needed
        assert "stroke-dasharray" in svg  # the threshold line
    assert "http://" not in re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)
    assert "https://" not in html and "<link" not in html and "<script" not in html
    assert "3 " in html and "未签字" in html


def test_writes_are_atomic_and_leave_no_temp_files(ws: Path) -> None:
    reports.render_all(ws, pdf=False, clock=clock)
    names = sorted(p.name for p in (ws / "reports").iterdir())
    assert not [n for n in names if n.endswith(".tmp")]
    assert {"130631.html", "522323.html", "622426.html", "province.html"} <= set(names)


def test_render_all_keeps_going_when_one_county_breaks(ws: Path) -> None:
    (ws / "results" / "622426.json").write_text("{not json")
    summary = reports.render_all(ws, pdf=False, clock=clock)
    assert list(summary.failed) == ["622426"]
    assert (ws / "reports" / "130631.html").exists() and (ws / "reports" / "province.html").exists()
    assert "622426" in (ws / "reports" / "province.html").read_text("utf-8")


# --------------------------------------------------------------------------- Chromium (slow)


def _chromium(html: Path, profile: Path) -> tuple[str, list[str]]:
    """Load ``html`` in headless Chromium: (the DOM, console messages and page errors)."""
    proc = subprocess.run(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", html.as_uri()],
        capture_output=True, timeout=120, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines()
              if "CONSOLE" in line or "Uncaught" in line or "Failed to load" in line]
    return proc.stdout, errors


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium missing")
def test_html_renders_in_headless_chromium_without_console_errors(ws: Path, tmp_path: Path):
    # the check itself can fail: a page with a console error is caught
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>console.error('boom')</script></body></html>")
    assert _chromium(bad, tmp_path / "profile-bad")[1]
    county = reports.render_county(ws, "522323", pdf=False, clock=clock).html
    province = reports.render_province(ws, pdf=False, clock=clock).html
    for html in (county, province):
        dom, errors = _chromium(html, tmp_path / f"profile-{html.stem}")
        assert errors == [], errors
        assert "</html>" in dom and "错退率" in dom
    assert dom.count("<svg") == 4


def test_chart_ids_are_unique_across_the_charts_of_a_page() -> None:
    """Several matplotlib SVGs on one page must not share ids (duplicate anchors in PDF)."""
    import re

    from flows.render.reports import _namespace_ids

    svg = ('<svg><defs><path id="g1"/><clipPath id="c1"/></defs>'
           '<use xlink:href="#g1"/><g clip-path="url(#c1)"/><a href="#elsewhere"/></svg>')
    a, b = _namespace_ids(svg, "wrong_exit_rate"), _namespace_ids(svg, "missed_rate")
    ids = re.findall(r'\bid="([^"]+)"', a + b)
    assert len(ids) == len(set(ids)) == 4
    assert 'xlink:href="#wrong_exit_rate-g1"' in a and "url(#missed_rate-c1)" in b
    assert 'href="#elsewhere"' in a  # a reference to no id of the chart is left alone
