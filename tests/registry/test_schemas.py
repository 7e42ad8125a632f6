"""pandera schemas of the clean tables."""

import pandas as pd
import pandera.errors
import pytest
from hypothesis import HealthCheck, given, settings

from registry.contract import TABLES, TableName
from registry.schemas import schema_for
from registry.validation import validate_county
from tests.registry.conftest import YEAR, make_tables


def test_every_table_has_a_schema_with_its_columns() -> None:
    for name, spec in TABLES.items():
        schema = schema_for(name)
        assert set(spec.names) <= set(schema.columns)


def test_schemas_reject_what_validation_would_quarantine() -> None:
    clean = validate_county(make_tables(), year=YEAR).clean
    v = clean[TableName.VILLAGES].copy()
    v.loc[0, "village_code"] = "52032410000"
    with pytest.raises(pandera.errors.SchemaError):
        schema_for(TableName.VILLAGES).validate(v)
    m = clean[TableName.MEMBERS].copy()
    m.loc[0, "disability_grade"] = 5
    with pytest.raises(pandera.errors.SchemaError):
        schema_for("members").validate(m)
    h = clean[TableName.HOUSEHOLDS]
    with pytest.raises(pandera.errors.SchemaError):
        schema_for("households").validate(pd.concat([h, h.iloc[[0]]], ignore_index=True))


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(schema_for(TableName.SUPPORT_HISTORY).strategy(size=3))
def test_schema_strategy_draws_valid_frames(frame: pd.DataFrame) -> None:
    # pandera builds the strategy from the checks (slow: seconds per draw, hence slow).
    schema_for(TableName.SUPPORT_HISTORY).validate(frame)
    assert len(frame) == 3 and frame["amount"].ge(0).all()


def test_code_checks_keep_pandera_names_and_reject_non_digits() -> None:
    schema = schema_for(TableName.HOUSEHOLDS)
    check = schema.columns["head_id_number"].checks[0]
    assert (check.name, check.statistics) == ("str_matches", {"pattern": r"^[0-9]{17}[0-9X]$"})
    h = validate_county(make_tables(), year=YEAR).clean[TableName.HOUSEHOLDS]
    ok = h.copy()
    ok.loc[0, "head_id_number"] = ok.loc[0, "head_id_number"][:17] + "X"
    schema.validate(ok)
    for bad in ("52032419650304123x", "5203241965030412", "５" * 18):
        broken = h.copy()
        broken.loc[0, "head_id_number"] = bad
        with pytest.raises(pandera.errors.SchemaError):
            schema.validate(broken)
    wrong_dtype = h.astype({"village_code": "string[python]"})
    with pytest.raises(pandera.errors.SchemaError):
        schema.validate(wrong_dtype)
