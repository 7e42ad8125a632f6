"""docs/data-contract.md and registry/contract.py declare the same tables and columns."""

import re
from pathlib import Path

import pytest

from registry.contract import TABLES, TableName

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"
HEADINGS = {
    TableName.COUNTIES: "### counties", TableName.VILLAGES: "### villages",
    TableName.HOUSEHOLDS: "### households", TableName.MEMBERS: "### members",
    TableName.FIELD_CHECKS: "### field checks", TableName.SUPPORT_HISTORY: "### support_history",
}


def _doc_columns(heading: str) -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(heading)
    nxt = re.search(r"\n##", text[start + 3:])
    section = text[start: start + 3 + (nxt.start() if nxt else len(text))]
    rows = re.findall(r"^\| ([a-z_0-9]+) \| ([^|]+?) \|", section, flags=re.M)
    return [(en, zh.strip()) for en, zh in rows if en != "column"]


@pytest.mark.parametrize("table", list(TABLES))
def test_doc_table_matches_code(table: TableName) -> None:
    documented = _doc_columns(HEADINGS[table])
    declared = [(c.name, c.zh) for c in TABLES[table].columns]
    assert documented == declared, f"{table}: docs/data-contract.md and registry/contract.py differ"
