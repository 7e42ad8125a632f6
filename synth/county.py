"""One synthetic county: the registry tables and, kept apart, the planted truth.

:func:`generate_county` builds a realistic county: villages (poor, remote), the household
registry (建档立卡 households and the non-registered rural households), members, the yearly
targeted-support history and the *truth*: which households really fail which exit check, who
accepts the result, and which planted integrity pattern touched a household. The assessment is
validated by sampling and scoring this data and comparing its estimates with the truth.

It runs one step per thing it plants, in a fixed order (the order of the random draws is part
of the output: the same generator gives the same county). Everything is vectorised over
households and members (loops run over villages, years or checks only).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from registry.contract import (
    CHECKS,
    HOUSEHOLDS,
    INSURANCE,
    MEMBERS,
    POVERTY_CAUSES,
    RELATIONS,
    SCHOOL_STATUSES,
    STATUSES,
)
from synth.acceptance import plant_acceptance
from synth.arrow import STR, decode, strings
from synth.failures import INCOME, plant_failures, plant_registry_echoes
from synth.households import ST, plant_flags, plant_registration, plant_status
from synth.identities import plant_identities
from synth.incomes import plant_components, plant_incomes
from synth.members import plant_members
from synth.patterns import plant_patterns
from synth.plan import PlantSpec, SynthError
from synth.support import plant_support_history
from synth.villages import plant_villages

TRUTH_COLUMNS = (
    "household_id",
    "status",
    *(f"true_fail_{c}" for c in CHECKS),
    "true_meets",
    "accepts",
    "pattern",
    "true_income_per_capita",
    "income_not_countable",
)


@dataclass(frozen=True)
class SynthCounty:
    """One generated county: the four registry tables and the planted truth."""

    county_code: str
    villages: pd.DataFrame
    households: pd.DataFrame
    members: pd.DataFrame
    support_history: pd.DataFrame
    truth: pd.DataFrame


def _county_fields(county: pd.Series | dict) -> tuple[str, float, int | None]:
    get = county.get
    code = str(get("county_code", ""))
    if len(code) != 6 or not code.isdigit():
        raise SynthError(f"county_code must be 6 digits, got {code!r} / 县代码须为6位数字")
    pop = get("population_10k")
    pop_f = float(pop) if pop is not None and not pd.isna(pop) else 30.0
    ey = get("exit_year")
    exit_year = int(ey) if ey is not None and not pd.isna(ey) else None
    return code, pop_f, exit_year


def generate_county(
    county: pd.Series | dict,
    *,
    year: int,
    scale: float,
    rng: np.random.Generator,
    plant: PlantSpec,
    income_line: float,
) -> SynthCounty:
    """Generate one county's registry tables and its planted truth.

    Args:
        county: a row of the county frame (needs county_code; uses population_10k, exit_year).
        year: the campaign (assessment) year, 2015–2030.
        scale: 1.0 is a realistic county (50–150 villages, ~300–600 households each); smaller
            values keep the villages and shrink the households per village (at least 8).
        rng: the county's random generator.
        plant: the rates and integrity patterns to plant.
        income_line: the income line of ``year`` (yuan per person).

    Returns:
        A :class:`SynthCounty` whose tables have exactly the contract columns.
    """
    if not 2015 <= year <= 2030:
        raise SynthError(f"year must lie in 2015–2030, got {year} / 年度须在2015–2030之间")
    if not scale > 0:
        raise SynthError(f"scale must be > 0, got {scale} / 规模系数须大于0")
    if not income_line > 0:
        raise SynthError(f"income_line must be > 0, got {income_line} / 收入标准须大于0")
    code, pop10k, county_exit = _county_fields(county)
    county_exit = county_exit if county_exit is not None else year
    quota = "quota" in plant.patterns
    line = float(income_line)

    vil = plant_villages(code, pop10k, scale, rng)
    n_vil = len(vil.frame)
    reg = plant_registration(vil, quota, rng)
    registered, size, vidx = reg.registered, reg.size, reg.vidx
    st = plant_status(reg, n_vil, year=year, county_exit=county_exit, quota=quota, rng=rng)
    mem = plant_members(size, registered, st.reg_idx, rng)
    remote = vil.frame["remote"].to_numpy()[vidx]
    flags = plant_flags(size=size, head_age=mem.head_age, registered=registered,
                        labor=mem.labor, remote=remote, illness=mem.illness,
                        any_chronic=mem.any_chronic, rng=rng)

    village_effect = np.exp(rng.normal(0.0, 0.6, n_vil))[vidx] * np.where(
        vil.vtype[vidx] == 0, 1.5, 1.0)
    poor_now = (st.status == ST["poor"]) | (st.status == ST["returned"])
    fl = plant_failures(plant=plant, year=year, size=size, registered=registered,
                        exited=st.exited, poor_now=poor_now, risk=flags.risk, kids=mem.kids,
                        dilapidated=flags.dilapidated, village_effect=village_effect, rng=rng)
    school, insurance = plant_registry_echoes(fl.fails, mem, rng)

    nonreg = ~registered
    inc = plant_incomes(line=line, exited=st.exited, poor_now=poor_now, nonreg=nonreg,
                        income_fails=fl.fails[INCOME], paper=fl.paper, rng=rng)
    pat = plant_patterns(plant=plant, year=year, line=line, exited=st.exited, paper=fl.paper,
                         income_fails=fl.fails[INCOME], labor=mem.labor, reg_year=st.reg_year,
                         exit_year=st.exit_year, reg_pc=inc.reg_pc, true_pc=inc.true_pc,
                         rng=rng)
    inc = replace(inc, reg_pc=pat.reg_pc, true_pc=pat.true_pc)
    comp, income_pc_out = plant_components(
        inc=inc, size=size, labor=mem.labor, registered=registered, nonreg=nonreg,
        paper=fl.paper, transfer_dependent=pat.transfer_dependent, rng=rng)
    accepts = plant_acceptance(recognition_rate=plant.recognition_rate, registered=registered,
                               fail_any=fl.fail_any, rng=rng)
    ids = plant_identities(code=code, year=year, village_codes=vil.codes, vidx=vidx,
                           head_male=mem.head_male, head_age=mem.head_age, rng=rng)

    households = pd.DataFrame(
        {
            "household_id": strings(ids.household_id),
            "village_code": strings(ids.village_codes),
            "head_name": strings(ids.head_name),
            "head_id_number": strings(ids.head_id),
            "phone": ids.phone,
            "status": decode(st.status, STATUSES),
            "registration_year": pd.array(
                np.where(registered, pat.reg_year, 0), dtype="Int64"
            ),
            "exit_year": pd.array(st.exit_year, dtype="Int64"),
            "household_size": size,
            "labor_count": mem.labor,
            "poverty_cause": decode(mem.cause, POVERTY_CAUSES),
            "income_per_capita": income_pc_out,
            "income_wage": comp.wage,
            "income_business": comp.business,
            "income_property": comp.prop,
            "income_transfer": comp.transfer,
            "dibao": flags.dibao,
            "tekun": flags.tekun,
            "relocated": flags.relocated,
            "dilapidated_house": flags.dilapidated,
            "serious_illness": flags.serious,
            "elderly_alone": flags.elderly_alone,
        },
        columns=HOUSEHOLDS.names,
    )
    households.loc[~registered, "registration_year"] = pd.NA
    households.loc[~st.exited, "exit_year"] = pd.NA

    members = pd.DataFrame(
        {
            "household_id": strings(ids.household_id, mem.m_h),
            "member_no": (mem.k + 1).astype(np.int64),
            "relation": decode(mem.relation, RELATIONS),
            "sex": decode(np.where(mem.sex_male, 0, 1), ("M", "F")),
            "birth_year": (year - mem.age).astype(np.int64),
            "disability_grade": mem.disability,
            "chronic_illness": mem.chronic,
            "school_status": decode(school, SCHOOL_STATUSES),
            "medical_insurance": decode(insurance, INSURANCE),
        },
        columns=MEMBERS.names,
    )

    support = plant_support_history(
        ids.household_id, registered, st.exited, pat.reg_year, st.exit_year, pat.withdrawn,
        year, rng,
    )

    truth = pd.DataFrame(
        {
            "household_id": households["household_id"],
            "status": households["status"],
            **{f"true_fail_{c}": fl.fails[c] for c in CHECKS},
            "true_meets": ~fl.fail_any,
            "accepts": accepts,
            "pattern": pd.Series(pat.pattern, dtype=STR),
            "true_income_per_capita": np.round(inc.true_pc, 2),
            "income_not_countable": np.round(inc.not_countable, 2),
        },
        columns=list(TRUTH_COLUMNS),
    )
    return SynthCounty(code, vil.frame, households, members, support, truth)


def realised_rates(sc: SynthCounty) -> dict[str, float]:
    """The planted rates as realised in a generated county (person-weighted, whole registry).

    wrong_exit_rate: people in exited households not meeting the standard / people in exited
    households; missed_rate: the same among non-registered households; recognition_rate:
    accepting households / registered households; incidence: (people in poor or returned
    households + people in wrong exits + missed people) / all people.
    """
    t = sc.truth
    size = sc.households["household_size"].to_numpy(dtype=float)
    status = t["status"].to_numpy()
    fail = ~t["true_meets"].to_numpy(dtype=bool)
    ex = status == "exited"
    nr = status == "not_registered"
    poor = np.isin(status, ("poor", "returned"))
    reg = ~nr

    def share(num: np.ndarray, den: np.ndarray) -> float:
        d = float(size[den].sum())
        return float(size[num & den].sum()) / d if d else float("nan")

    acc = t["accepts"].to_numpy(dtype=bool)
    return {
        "wrong_exit_rate": share(fail, ex),
        "missed_rate": share(fail, nr),
        "recognition_rate": float(acc[reg].mean()) if reg.any() else float("nan"),
        "incidence": float(size[poor | (fail & (ex | nr))].sum()) / float(size.sum()),
        "households": float(len(t)),
        "people": float(size.sum()),
    }
