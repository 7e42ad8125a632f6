"""The one catalogue of reason codes: household checks, the standard, indicator notes.

Each code maps to (Chinese, English) text written for a provincial clerk and for the
household concerned: it states the observed fact, never a policy quiz.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["MESSAGES", "UnknownReasonError", "explain"]

Lang = Literal["zh", "en"]

MESSAGES: dict[str, tuple[str, str]] = {
    # income
    "INCOME_OK": (
        "核实的人均纯收入达到当年扶贫标准。",
        "Verified net income per person reaches the year's poverty line.",
    ),
    "INCOME_BELOW_LINE": (
        "核实的人均纯收入低于当年扶贫标准。",
        "Verified net income per person is below the year's poverty line.",
    ),
    "INCOME_NOT_COUNTABLE": (
        "核实的人均纯收入低于扶贫标准；只有把专项补贴、一次性救助、未售出的农产品或预期收入"
        "算进去才能达标（“算账式”脱贫）。",
        "Verified net income per person is below the poverty line; it only reaches the line if "
        "earmarked subsidies, one-off relief, unsold produce or expected income are counted "
        "(a paper exit by arithmetic).",
    ),
    "INCOME_MISSING": (
        "没有核实的人均纯收入，需要补充核实。",
        "Net income per person was not verified; it must be verified on a return visit.",
    ),
    # food
    "FOOD_OK": (
        "主食稳定充足，肉蛋奶或豆制品经常有。",
        "Staple food is stable and sufficient; meat, eggs, milk or soy are eaten regularly.",
    ),
    "FOOD_STAPLE_SHORT": (
        "主食不稳定或不充足。",
        "Staple food is not stable or not sufficient.",
    ),
    "FOOD_PROTEIN_IRREGULAR": (
        "肉蛋奶或豆制品不能经常吃上。",
        "Meat, eggs, milk or soy are not eaten regularly.",
    ),
    "FOOD_MISSING": (
        "吃的情况没有核实完整，需要补充核实。",
        "Food was not fully verified; it must be checked on a return visit.",
    ),
    # clothing
    "CLOTHING_OK": (
        "四季衣服和被褥齐全。",
        "Clothes and bedding for every season are present.",
    ),
    "CLOTHING_LACKING": (
        "缺少应季衣服或被褥。",
        "Clothes or bedding for some season are lacking.",
    ),
    "CLOTHING_MISSING": (
        "穿的情况没有核实，需要补充核实。",
        "Clothing was not verified; it must be checked on a return visit.",
    ),
    # education
    "EDU_OK": (
        "家中 6–15 岁的孩子都在上学、送教上门或因身体原因免学。",
        "Every child aged 6–15 in the household is enrolled, taught at home or physically exempt.",
    ),
    "EDU_NO_CHILDREN": (
        "家中没有义务教育阶段（6–15 岁）的孩子，本项不适用。",
        "No child of compulsory-school age (6–15) lives in the household; not applicable.",
    ),
    "EDU_OUT_OF_SCHOOL": (
        "有义务教育阶段的孩子失学或辍学。",
        "A child of compulsory-school age is out of school (never enrolled or dropped out).",
    ),
    "EDU_DROPOUT_REGISTRY": (
        "走访没有核实孩子上学情况，而建档立卡系统登记有适龄孩子辍学。",
        "The visit did not verify schooling, and the registry lists a school-age child as a "
        "dropout.",
    ),
    "EDU_REGISTRY_DISAGREES": (
        "走访核实孩子上学情况正常（或家中无适龄孩子），但系统登记有适龄孩子辍学；以走访为准，"
        "请更正系统数据。",
        "The visit found schooling in order (or no school-age child), but the registry lists a "
        "school-age dropout; the visit prevails — correct the registry.",
    ),
    "EDU_MISSING": (
        "孩子上学情况没有核实，需要补充核实。",
        "Schooling was not verified; it must be checked on a return visit.",
    ),
    # medical
    "MEDICAL_OK": (
        "家庭成员全部参加基本医疗保险。",
        "Every household member has basic medical insurance.",
    ),
    "MEDICAL_UNINSURED": (
        "有家庭成员没有参加基本医疗保险。",
        "At least one household member has no basic medical insurance.",
    ),
    "MEDICAL_MISSING": (
        "参保情况没有核实，需要补充核实。",
        "Medical insurance was not verified; it must be checked on a return visit.",
    ),
    # housing
    "HOUSING_APPRAISED_SAFE": (
        "住房经鉴定安全（A/B 级）。",
        "The house is appraised safe (grade A or B).",
    ),
    "HOUSING_RENOVATED": (
        "危房已改造，住房安全。",
        "The dilapidated house has been renovated and is safe.",
    ),
    "HOUSING_RELOCATED": (
        "已搬迁安置，住房安全。",
        "The household has been relocated into safe housing.",
    ),
    "HOUSING_UNSAFE": (
        "住房为 C/D 级危房且未改造。",
        "The house is grade C or D (unsafe) and has not been renovated.",
    ),
    "HOUSING_UNAPPRAISED": (
        "住房没有安全鉴定，需要鉴定后再判断。",
        "The house has not been appraised; it must be appraised before a judgement.",
    ),
    "HOUSING_MISSING": (
        "住房安全情况没有核实，需要补充核实。",
        "Housing safety was not verified; it must be checked on a return visit.",
    ),
    # water
    "WATER_OK": (
        "饮水水质、水量达标，取水方便，供水有保障。",
        "Drinking water is adequate in quality and quantity, close at hand and reliably "
        "supplied.",
    ),
    "WATER_QUALITY_BAD": (
        "饮用水水质不达标。",
        "The drinking water's quality is not adequate.",
    ),
    "WATER_QUANTITY_SHORT": (
        "饮用水水量不够。",
        "There is not enough drinking water.",
    ),
    "WATER_FETCH_TOO_FAR": (
        "没有自来水入户，取水往返超过规定时间（默认 20 分钟）。",
        "No piped water, and a round trip to fetch water takes longer than allowed (20 minutes "
        "by default).",
    ),
    "WATER_SUPPLY_CUTS": (
        "一年中断水天数超过规定（默认 36 天）。",
        "The supply is cut on more days a year than allowed (36 by default).",
    ),
    "WATER_MISSING": (
        "饮水安全情况没有核实完整，需要补充核实。",
        "Drinking water was not fully verified; it must be checked on a return visit.",
    ),
    "WATER_NOT_IN_FORCE": (
        "该年度尚未把饮水安全列入检查（默认 2019 年起检查），本项不适用。",
        "Safe drinking water was not yet checked in this year (from 2019 by default); not "
        "applicable.",
    ),
    # the household standard
    "STANDARD_MEETS": (
        "各项检查均符合，达到脱贫标准。",
        "Every check is met: the household meets the exit standard.",
    ),
    "STANDARD_FAILS": (
        "至少一项检查不符合，未达到脱贫标准。",
        "At least one check is not met: the household does not meet the exit standard.",
    ),
    "STANDARD_UNVERIFIED": (
        "没有不符合的检查，但有未核实的项目，需要补充走访后再判断。",
        "No check failed, but some were not verified: a return visit is needed before a "
        "judgement.",
    ),
    # county indicators
    "INDICATOR_EMPTY_DOMAIN": (
        "该指标还没有可用的已完成且已核实的样本户，无法估计；在补齐样本前按“临界”处理。",
        "No completed and verified household is available for this indicator yet, so it "
        "cannot be estimated; it is treated as borderline until the sample is complete.",
    ),
    "INDICATOR_NO_DF": (
        "样本村太少（每层只有一个村），无法计算置信区间；在补齐样本前按“临界”处理。",
        "Too few sampled villages (one per stratum) to compute a confidence interval; it is "
        "treated as borderline until the sample is complete.",
    ),
}


class UnknownReasonError(KeyError):
    """A reason code that is not in the catalogue."""


def explain(code: str, lang: Lang = "zh") -> str:
    """The text of a reason code, or of several codes joined with ";".

    Args:
        code: a catalogue code such as "INCOME_BELOW_LINE", or "A;B".
        lang: "zh" (default) or "en".

    Returns:
        The message; joined codes give their messages joined with a space.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"language must be 'zh' or 'en', got {lang!r} / 语言只能是 zh 或 en")
    i = 0 if lang == "zh" else 1
    parts = [c.strip() for c in str(code).split(";") if c.strip()]
    unknown = [c for c in parts if c not in MESSAGES]
    if unknown or not parts:
        raise UnknownReasonError(f"未知的原因代码 / unknown reason code: {code!r}")
    return " ".join(MESSAGES[c][i] for c in parts)
