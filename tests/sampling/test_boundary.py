"""The sampling core stays pure: no Prefect, Jinja2, file or environment access, no asserts."""

import ast
from pathlib import Path

import sampling

FORBIDDEN_MODULES = {"prefect", "jinja2", "os", "pathlib", "shutil", "io", "openpyxl", "flows"}
FORBIDDEN_CALLS = {"open", "seed"}  # builtins.open, np.random.seed


def test_sampling_core_is_pure():
    root = Path(sampling.__file__).parent
    problems = []
    for path in sorted(root.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                    node.module or ""]
                problems += [f"{path.name}: import {n}" for n in names
                             if n.split(".")[0] in FORBIDDEN_MODULES]
            elif isinstance(node, ast.Assert):
                problems.append(f"{path.name}:{node.lineno}: assert")
            elif isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(
                    f, ast.Attribute) else ""
                if name in FORBIDDEN_CALLS:
                    problems.append(f"{path.name}:{node.lineno}: {name}()")
    assert problems == []
