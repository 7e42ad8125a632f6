"""The data contract as code: tables, columns, Chinese header aliases, types, bounds and code
lists.

This module is the single declaration of ``docs/data-contract.md``. Loaders, schemas, the
synthetic generator, sampling and assessment all take their column names from here. The
field-check columns that belong to a household check, and ``CHECKS``, are derived from the
checks (:mod:`registry.checks`), each of which declares its own columns.
"""

from __future__ import annotations

from registry.checks.catalogue import household_checks
from registry.checks.housing import HOUSING_SAFETY as HOUSING_SAFETY
from registry.columns import NON_NEGATIVE, Bounds, Column, TableName, TableSpec
from registry.columns import ColumnKind as ColumnKind

REGIONS = ("east", "central", "west")
STATUSES = ("not_registered", "poor", "exited", "returned")
POVERTY_CAUSES = (
    "illness", "disability", "education", "disaster", "land", "water", "skills", "labor",
    "capital", "transport", "motivation", "other",
)
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "other")
SEXES = ("M", "F")
SCHOOL_STATUSES = ("enrolled", "dropout", "home_teaching", "exempt_physical", "not_school_age")
INSURANCE = ("resident", "employee", "other", "none")
OUTCOMES = ("completed", "not_home", "refused", "moved", "deceased", "not_found")
RECOGNITION = ("yes", "no", "unsure")

# Sampling strata (stage 1: villages; stage 2: households within a village).
VILLAGE_STRATA = ("poor_remote", "poor", "non_poor")
HOUSEHOLD_STRATA = ("exited", "poor", "risk", "other")
ROLES = ("main", "reserve")

# The household checks (registry.checks), in report order, and their results.
CHECKS: tuple[str, ...] = tuple(c.name for c in household_checks())
CHECK_RESULTS = ("pass", "fail", "not_applicable", "unverified")

C = Column

COUNTIES = TableSpec(
    TableName.COUNTIES,
    (
        C("county_code", "行政区划代码", "code", length=6),
        C("county_name", "县域名称", "str"),
        C("prefecture_name", "所属城市", "str"),
        C("province_name", "所属省份", "str"),
        C("province_code", "省代码", "code", length=2),
        C("region", "所属地域", "category", choices=REGIONS),
        C("exit_year", "摘帽时间", "int", nullable=True),
        C("population_10k", "人口(万)", "float", nullable=True, bounds=NON_NEGATIVE),
    ),
    key=("county_code",),
)

VILLAGES = TableSpec(
    TableName.VILLAGES,
    (
        C("village_code", "村代码", "code", length=12),
        C("village_name", "村名", "str"),
        C("township_code", "乡镇代码", "code", length=9),
        C("township_name", "乡镇名", "str"),
        C("poor_village", "是否贫困村", "bool"),
        C("remote", "是否偏远", "bool"),
    ),
    key=("village_code",),
)

HOUSEHOLDS = TableSpec(
    TableName.HOUSEHOLDS,
    (
        C("household_id", "户编号", "str"),
        C("village_code", "村代码", "code", length=12),
        C("head_name", "户主姓名", "str", personal=True),
        C("head_id_number", "户主证件号码", "str", personal=True),
        C("phone", "联系电话", "str", nullable=True, personal=True),
        C("status", "户状态", "category", choices=STATUSES),
        C("registration_year", "识别年度", "int", nullable=True),
        C("exit_year", "脱贫年度", "int", nullable=True),
        C("household_size", "家庭人口", "int", bounds=Bounds(1, rule="household_size_min")),
        C("labor_count", "劳动力人数", "int", bounds=Bounds(
            0, rule="negative_value", not_above="household_size",
            not_above_rule="labor_exceeds_size")),
        C("poverty_cause", "主要致贫原因", "category", nullable=True, choices=POVERTY_CAUSES),
        C("income_per_capita", "人均纯收入", "float", nullable=True, bounds=NON_NEGATIVE),
        C("income_wage", "工资性收入", "float", bounds=NON_NEGATIVE),
        C("income_business", "生产经营性收入", "float"),
        C("income_property", "财产性收入", "float", bounds=NON_NEGATIVE),
        C("income_transfer", "转移性收入", "float", bounds=NON_NEGATIVE),
        C("dibao", "是否低保", "bool"),
        C("tekun", "是否特困供养", "bool"),
        C("relocated", "是否易地搬迁", "bool"),
        C("dilapidated_house", "是否危房户", "bool"),
        C("serious_illness", "是否大病慢性病户", "bool"),
        C("elderly_alone", "是否独居老人", "bool"),
    ),
    key=("household_id",),
)

MEMBERS = TableSpec(
    TableName.MEMBERS,
    (
        C("household_id", "户编号", "str"),
        C("member_no", "人编号", "int", bounds=NON_NEGATIVE),
        C("relation", "与户主关系", "category", choices=RELATIONS),
        C("sex", "性别", "category", choices=SEXES),
        C("birth_year", "出生年份", "int"),
        C("disability_grade", "残疾等级", "int", bounds=Bounds(0, 4, rule="disability_grade")),
        C("chronic_illness", "是否慢性病", "bool"),
        C("school_status", "在校生状况", "category", choices=SCHOOL_STATUSES),
        C("medical_insurance", "医疗保险", "category", choices=INSURANCE),
    ),
    key=("household_id", "member_no"),
)


def _check_columns() -> tuple[Column, ...]:
    """The columns of every check, ordered by the checks' form rank (then report order)."""
    ranked = sorted(household_checks(), key=lambda c: c.form_rank)  # stable: ties keep order
    return tuple(col for check in ranked for col in check.columns)


FIELD_CHECKS = TableSpec(
    TableName.FIELD_CHECKS,
    (
        C("household_id", "户编号", "str"),
        C("visit_date", "走访日期", "date"),
        C("enumerator_id", "调查员编号", "str"),
        C("supervisor_approved", "督导审核通过", "bool"),
        C("outcome", "走访结果", "category", choices=OUTCOMES),
        *_check_columns(),
        C("recognition", "认可度", "category", nullable=True, choices=RECOGNITION),
        C("notes", "备注", "str", nullable=True, max_length=2000),
    ),
    # A household may be visited several times, even twice a day: the key orders visits but is
    # not unique; only an exact repeat of a row is a duplicate.
    key=("household_id", "visit_date", "enumerator_id"),
    unique=False,
)

# Optional: targeted support received per household and year. Only the 游走式 signal uses it.
SUPPORT_HISTORY = TableSpec(
    TableName.SUPPORT_HISTORY,
    (
        C("household_id", "户编号", "str"),
        C("year", "年度", "int"),
        C("amount", "帮扶金额", "float", bounds=NON_NEGATIVE),
    ),
    key=("household_id", "year"),
)

TABLES: dict[TableName, TableSpec] = {
    t.name: t for t in (COUNTIES, VILLAGES, HOUSEHOLDS, MEMBERS, FIELD_CHECKS, SUPPORT_HISTORY)
}
# Tables a campaign may lack: field rows arrive during fieldwork; support history is optional.
OPTIONAL_TABLES = (TableName.FIELD_CHECKS, TableName.SUPPORT_HISTORY)

# Risk flags that put a non-registered household in the "risk" stage-2 stratum.
# "no labour" is derived: labor_count == 0.
RISK_FLAGS = ("dibao", "dilapidated_house", "serious_illness", "elderly_alone")

# Columns of WS/sample/<county>.parquet, in order.
SAMPLE_COLUMNS = (
    "household_id", "county_code", "village_code", "village_stratum", "stratum", "role",
    "reserve_rank", "pi_village", "pi_household", "weight", "seed",
)
