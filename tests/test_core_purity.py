"""The pure core (registry/, sampling/, assessment/, every module, no exemption) and the
synthetic generator (synth/) do no I/O, read no environment and use no global randomness:
checked on the syntax tree so a violation names its file and line."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ("registry", "sampling", "assessment")
# The generator lives outside the core but is held to the same rule: it takes a Generator.
GENERATOR = ("synth",)
FORBIDDEN_MODULES = ("prefect", "jinja2")
FORBIDDEN_CALLS = {"open", "input", "exec", "eval"}
TARGET_KEYWORDS = {"path", "path_or_buf", "excel_writer", "buf", "fname", "where"}
# to_* methods that convert in memory and never touch a file.
IN_MEMORY = {
    "to_numpy", "to_dict", "to_list", "to_frame", "to_records", "to_string", "to_pandas",
    "to_pydatetime", "to_period", "to_timestamp", "to_datetime", "to_numeric",
    "to_timedelta", "to_series", "to_flat_index", "to_pylist", "to_json_dict", "to_py",
    "to_offset", "to_arrow", "to_tuples", "to_native_types", "to_markdown_table",
}


def package_files(packages: tuple[str, ...]) -> list[Path]:
    return [p for pkg in packages for p in sorted((ROOT / pkg).rglob("*.py"))]


def core_files() -> list[Path]:
    return package_files(CORE)


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ROOT)
    out = []

    def bad(node: ast.AST, what: str) -> None:
        out.append(f"{rel}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    bad(node, f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
                bad(node, f"imports from {node.module}")
        elif isinstance(node, ast.Assert):
            bad(node, "uses assert (raise a ValueError subclass for bad input)")
        elif isinstance(node, ast.Attribute):
            if node.attr == "environ" or node.attr == "getenv":
                bad(node, f"reads the environment ({node.attr})")
            if node.attr == "seed" and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "random":
                bad(node, "sets global random state (np.random.seed)")
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in FORBIDDEN_CALLS:
                bad(node, f"calls {f.id}()")
            if isinstance(f, ast.Attribute):
                name = f.attr
                # read_* always names a source; to_* writes a file only when given a target
                # (df.to_json() with no argument returns a string).
                has_target = bool(node.args) or any(
                    k.arg in TARGET_KEYWORDS for k in node.keywords)
                if (name.startswith("read_") and name not in IN_MEMORY) or (
                        name.startswith("to_") and name not in IN_MEMORY and has_target):
                    bad(node, f"file I/O call .{name}()")
                if name in {"read_text", "read_bytes", "write_text", "write_bytes", "open"}:
                    bad(node, f"file I/O call .{name}()")
    return out


def test_core_is_pure() -> None:
    problems = [v for p in core_files() for v in violations(p)]
    assert not problems, "impure core:\n" + "\n".join(problems)


def test_core_has_no_exemption() -> None:
    # Every module of the three packages is scanned, including the check catalogue.
    scanned = {p.relative_to(ROOT).as_posix() for p in core_files()}
    on_disk = {p.relative_to(ROOT).as_posix() for pkg in CORE for p in (ROOT / pkg).rglob("*.py")}
    assert scanned == on_disk
    assert "registry/checks/catalogue.py" in scanned and "registry/validation.py" in scanned


def test_generator_is_pure() -> None:
    files = package_files(GENERATOR)
    assert any(p.name == "county.py" for p in files)
    problems = [v for p in files for v in violations(p)]
    assert not problems, "impure generator:\n" + "\n".join(problems)


def test_scanner_allows_in_memory_conversions(tmp_path: Path) -> None:
    path = ROOT / "registry" / "_purity_probe_ok.py"
    try:
        path.write_text("d = x.to_json()\ns = df.to_numpy()\nt = df.to_csv()\n", "utf-8")
        assert violations(path) == []
    finally:
        path.unlink(missing_ok=True)


@pytest.mark.parametrize("source", [
    "import prefect", "from jinja2 import Template", "open('x')", "import os\nos.environ['A']",
    "import numpy as np\nnp.random.seed(1)", "assert 1", "import pandas as pd\npd.read_csv('x')",
    "df.to_parquet('x')", "df.to_csv(path_or_buf=p)",
])
def test_scanner_catches(tmp_path: Path, source: str) -> None:
    path = ROOT / "registry" / "_purity_probe.py"  # relative_to(ROOT) must work
    try:
        path.write_text(source, encoding="utf-8")
        found = violations(path)
    finally:
        path.unlink(missing_ok=True)
    assert found and found[0].startswith("registry/_purity_probe.py:")
