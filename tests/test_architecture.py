"""The house's rules, checked on the syntax tree (docs/architecture.md):

- no import circle anywhere, counting imports inside functions too (a deferred import may save
  start-up time, but never dodge a circle);
- every arrow points down: cli → flows → county → render → store → core, and inside the core
  registry → sampling → assessment → synth.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("registry", "sampling", "assessment", "synth", "flows", "report_templates")

#: The rooms, top to bottom. A module may import its own room and the rooms below it.
ROOMS: tuple[tuple[str, int], ...] = (
    ("flows.cli", 60),
    ("flows.county", 40),
    ("flows.render", 30),
    ("flows.store", 20),
    ("flows", 50),  # the Prefect flows themselves: flows/*.py
    ("synth", 13),
    ("assessment", 12),
    ("sampling", 11),
    ("registry", 10),
    ("report_templates", 10),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            out[module_name(p)] = p
    return out


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """Every project module ``name`` imports, wherever the import statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # import a.b.c → the deepest project module named
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(path, name, known) for name, path in mods.items()}


def room(module: str) -> tuple[str, int]:
    for prefix, rank in ROOMS:
        if module == prefix or module.startswith(prefix + "."):
            return prefix, rank
    raise AssertionError(f"{module} is in no room: add it to ROOMS and docs/architecture.md")


def test_there_is_no_import_circle() -> None:
    try:
        tuple(graphlib.TopologicalSorter(graph()).static_order())
    except graphlib.CycleError as exc:
        cycle = " → ".join(exc.args[1])
        pytest.fail(f"import circle: {cycle}")


def test_every_arrow_points_down() -> None:
    wrong = []
    for mod, targets in graph().items():
        here, rank = room(mod)
        for t in sorted(targets):
            there, trank = room(t)
            if trank > rank or (trank == rank and there != here):
                wrong.append(f"{mod} ({here}) imports {t} ({there})")
    assert not wrong, "imports that point up or sideways:\n" + "\n".join(wrong)


def test_the_checker_sees_a_circle_and_an_upward_arrow(tmp_path: Path) -> None:
    """The two rules above can fail: a planted circle and a planted upward import are found."""
    pkg = tmp_path / "flows"
    (pkg / "store").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "store" / "__init__.py").write_text("")
    (pkg / "store" / "a.py").write_text("def f():\n    from flows.store import b\n")
    (pkg / "store" / "b.py").write_text("import flows.store.a\nfrom flows.cli import app\n")
    names = {"flows", "flows.store", "flows.store.a", "flows.store.b", "flows.cli"}
    a = imports_of(pkg / "store" / "a.py", "flows.store.a", names)
    b = imports_of(pkg / "store" / "b.py", "flows.store.b", names)
    assert a == {"flows.store.b"} and b == {"flows.store.a", "flows.cli"}
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"flows.store.a": a, "flows.store.b": b}).static_order())
    assert room("flows.cli")[1] > room("flows.store.b")[1]


def test_every_room_is_in_the_architecture_doc() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [prefix for prefix, _ in ROOMS if f"`{prefix.replace('.', '/')}/" not in doc]
    assert not missing, f"docs/architecture.md does not describe: {missing}"
