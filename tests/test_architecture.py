"""The layout stays what it claims: no import cycles, short rule files, modules of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mp_lint"

#: A rule is a short query to the model; its analysis lives in the model.
MAX_RULE_LINES = 150
#: Beyond this a module mixes concerns and should be split.
MAX_MODULE_LINES = 650


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package: Path = PACKAGE) -> Dict[str, Set[str]]:
    """module -> the mp_lint modules it imports, at the top or inside functions.

    `import a.b` and `from a import b` (b a module) import `a.b`; `from a.b
    import name` imports `a.b`. The packages above a module are not counted.
    """
    root = package.parent
    modules = {module_name(path, root): path for path in package.rglob("*.py")}
    graph: Dict[str, Set[str]] = {}
    for name, path in modules.items():
        package_name = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: Set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package_name.split(".")[: len(package_name.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                for alias in node.names:
                    edges.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        graph[name] = {edge for edge in edges if edge in modules and edge != name}
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    assert "mp_lint.cli" in graph and graph["mp_lint.cli"]  # the graph is really read
    assert cycles(graph) == []


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    package = tmp_path / "mp_lint"
    (package / "fixes").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("def run():\n    from mp_lint.fixes import apply\n")
    (package / "fixes" / "__init__.py").write_text("")
    (package / "fixes" / "apply.py").write_text("from mp_lint.cli import run\n")
    assert cycles(import_graph(package)) == [["mp_lint.cli", "mp_lint.fixes.apply"]]


@pytest.mark.parametrize("path", sorted((PACKAGE / "rules").glob("mpl*.py")), ids=lambda p: p.name)
def test_rule_file_is_a_short_query(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_RULE_LINES


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_stays_a_readable_size(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES
