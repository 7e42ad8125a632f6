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
