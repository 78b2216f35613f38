"""The layout keeps its promises: calls go one way, no import circles, modules of one concern and modest size.

Read from the source with `ast`, so the test sees every import, also those inside functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "partnergraph"
MAX_LINES = 420

# What each part may import, by rank: a module imports its own part and parts of lower rank only.
# sparql/ and rdf/ are leaves beside each other; api/ and web/ are edges beside each other.
RANK = {"errors": 0, "settings": 0, "namespaces": 0, "resources": 0, "logging_config": 0, "__init__": 0,
        "sparql": 1, "rdf": 1, "store": 2, "services": 3, "api": 4, "web": 4, "app": 5, "cli": 6,
        "__main__": 7}
SPARQL_TEXT = re.compile(r"\b(SELECT|CONSTRUCT|DESCRIBE)\b[\s\S]{0,300}?(\{|\bWHERE\b)|\bASK\s*\{")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def imports(module: str) -> set[str]:
    """The partnergraph modules `module` imports (a `from pkg import sub` counts as the submodule)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("partnergraph")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("partnergraph"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {module: imports(module) for module in MODULES}


def test_no_import_circles():
    index, low, on_stack, stack, circles = {}, {}, set(), [], []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert circles == []


def test_calls_go_one_way():
    wrong = []
    for module, targets in GRAPH.items():
        own = part(module)
        for target in targets:
            other = part(target)
            if other != own and RANK[other] >= RANK[own]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by concern"


def test_no_sparql_text_at_the_edges():
    """api/, web/ and cli/ turn requests into service calls; the queries they run live in services/."""
    found = []
    for module, path in MODULES.items():
        if part(module) not in ("api", "web", "cli", "app"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SPARQL_TEXT.search(node.value):
                found.append(f"{module}: {node.value[:60]!r}")
    assert found == []


def test_no_grab_bag_modules():
    assert not [m for m in MODULES if m.rsplit(".", 1)[-1] in ("utils", "helpers", "misc", "common")]
