"""The data contract as code: tables, columns, Chinese header aliases, types and code lists.

This module is the single declaration of ``docs/data-contract.md``. Loaders, schemas, the
synthetic generator, sampling and assessment all take their column names from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

ColumnKind = Literal["code", "str", "int", "float", "bool", "date", "category"]


class TableName(StrEnum):
    """The five input tables of a campaign."""

    COUNTIES = "counties"
    VILLAGES = "villages"
    HOUSEHOLDS = "households"
    MEMBERS = "members"
    FIELD_CHECKS = "field_checks"
    SUPPORT_HISTORY = "support_history"


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``length`` is set for administrative codes, which are fixed-length digit strings.
    ``choices`` lists the allowed values of a category column.
    """

    name: str
    zh: str
    kind: ColumnKind
    nullable: bool = False
    length: int | None = None
    choices: tuple[str, ...] | None = None
    personal: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A table: its columns, its key, and the file stem it is stored under."""

    name: TableName
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # False where the key identifies rows but may repeat: a household can be visited twice on
    # one day by one enumerator (not at home, then a call back).
    unique: bool = True

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def aliases(self) -> dict[str, str]:
        """Chinese header → English column name."""
        return {c.zh: c.name for c in self.columns}


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
HOUSING_SAFETY = ("appraised_safe", "renovated", "relocated", "unsafe", "unappraised")
RECOGNITION = ("yes", "no", "unsure")

# Sampling strata (stage 1: villages; stage 2: households within a village).
VILLAGE_STRATA = ("poor_remote", "poor", "non_poor")
HOUSEHOLD_STRATA = ("exited", "poor", "risk", "other")
ROLES = ("main", "reserve")

# Check results.
CHECKS = ("income", "food", "clothing", "education", "medical", "housing", "water")
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
        C("population_10k", "人口(万)", "float", nullable=True),
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
        C("household_size", "家庭人口", "int"),
        C("labor_count", "劳动力人数", "int"),
        C("poverty_cause", "主要致贫原因", "category", nullable=True, choices=POVERTY_CAUSES),
        C("income_per_capita", "人均纯收入", "float", nullable=True),
        C("income_wage", "工资性收入", "float"),
        C("income_business", "生产经营性收入", "float"),
        C("income_property", "财产性收入", "float"),
        C("income_transfer", "转移性收入", "float"),
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
        C("member_no", "人编号", "int"),
        C("relation", "与户主关系", "category", choices=RELATIONS),
        C("sex", "性别", "category", choices=SEXES),
        C("birth_year", "出生年份", "int"),
        C("disability_grade", "残疾等级", "int"),
        C("chronic_illness", "是否慢性病", "bool"),
        C("school_status", "在校生状况", "category", choices=SCHOOL_STATUSES),
        C("medical_insurance", "医疗保险", "category", choices=INSURANCE),
    ),
    key=("household_id", "member_no"),
)

FIELD_CHECKS = TableSpec(
    TableName.FIELD_CHECKS,
    (
        C("household_id", "户编号", "str"),
        C("visit_date", "走访日期", "date"),
        C("enumerator_id", "调查员编号", "str"),
        C("supervisor_approved", "督导审核通过", "bool"),
        C("outcome", "走访结果", "category", choices=OUTCOMES),
        C("food_stable", "主食稳定充足", "bool", nullable=True),
        C("protein_regular", "肉蛋奶豆常有", "bool", nullable=True),
        C("clothing_ok", "四季衣被齐全", "bool", nullable=True),
        C("school_age_children", "适龄儿童人数", "int", nullable=True),
        C("children_out_of_school", "失学辍学人数", "int", nullable=True),
        C("uninsured_members", "未参保人数", "int", nullable=True),
        C("housing_safety", "住房安全", "category", nullable=True, choices=HOUSING_SAFETY),
        C("water_piped", "自来水入户", "bool", nullable=True),
        C("water_fetch_minutes", "取水往返分钟", "float", nullable=True),
        C("water_quality_ok", "水质达标", "bool", nullable=True),
        C("water_quantity_ok", "水量达标", "bool", nullable=True),
        C("water_cut_days", "年断水天数", "int", nullable=True),
        C("verified_income_per_capita", "核实人均纯收入", "float", nullable=True),
        C("income_not_countable", "不应计入收入", "float", nullable=True),
        C("recognition", "认可度", "category", nullable=True, choices=RECOGNITION),
        C("notes", "备注", "str", nullable=True),
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
        C("amount", "帮扶金额", "float"),
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
