"""The fixer's name resolution: Python's rules, and libcst's answers on real code."""

from __future__ import annotations

import sysconfig
from pathlib import Path
from typing import Dict, List, Set

import libcst as cst
import pytest

from mp_lint.fixes import scoping
from tests.scope_parity import compare

ROOT = Path(__file__).resolve().parent.parent


def resolve(source: str) -> Dict[str, List[Set[str]]]:
    """For each name read, in the order of the text: what binds it (`scope kind:binding node`)."""
    module = cst.parse_module(source)
    resolver = scoping.Resolver(module)
    positions = cst.metadata.MetadataWrapper(module, unsafe_skip_copy=True).resolve(cst.metadata.PositionProvider)
    found: Dict[str, List[Set[str]]] = {}
    starts = {id(a.node): (positions[a.node].start.line, positions[a.node].start.column) for a in resolver.accesses}
    for access in sorted(resolver.accesses, key=lambda a: starts[id(a.node)]):
        described = set()
        for assignment in access.referents:
            node = assignment.node
            kind = type(assignment.scope).__name__.replace("Scope", "").lower().replace("global", "module")
            what = "builtin" if node is None else type(node).__name__
            described.add(f"{kind}:{what}")
        found.setdefault(access.name, []).append(described)
    return found


def reads(source: str, name: str) -> List[Set[str]]:
    return resolve(source)[name]


def test_function_reads_an_enclosing_parameter_and_skips_class_bodies() -> None:
    source = """\
def outer(k):
    class Inner:
        k = 1

        def method(self):
            return k
    return Inner
"""
    # `k` in method() is outer's parameter: a class body is not an enclosing scope.
    assert reads(source, "k") == [{"function:Param"}]


def test_global_and_nonlocal_move_bindings() -> None:
    source = """\
def setup():
    global counter
    counter = 0


def outer():
    def inner():
        nonlocal total
        total = 1
        return total
    total = 0
    return inner, counter
"""
    module = cst.parse_module(source)
    resolver = scoping.Resolver(module)
    assert [type(a.node).__name__ for a in resolver.module_scope.assignments["counter"]] == ["Name"]
    outer = next(s for s in resolver.scopes if isinstance(s.node, cst.FunctionDef) and s.node.name.value == "outer")
    # inner's `total = 1` binds outer's `total`, though outer binds it only further down.
    assert len(outer.assignments["total"]) == 2
    assert reads(source, "counter") == [{"module:Name"}]
    assert reads(source, "total") == [{"function:Name"}]


def test_comprehension_first_iterable_runs_outside_and_walrus_binds_outside() -> None:
    source = """\
def f(rows):
    found = [last := row for row in rows if row]
    return last, [x for x in x]
"""
    assert reads(source, "rows") == [{"function:Param"}]
    assert reads(source, "row") == [{"comprehension:Name"}, {"comprehension:Name"}]
    assert reads(source, "last") == [{"function:Name"}]
    # `[x for x in x]`: the first iterable's `x` is not the comprehension's.
    assert reads(source, "x") == [{"comprehension:Name"}, set()]


def test_defaults_annotations_and_decorators_run_in_the_enclosing_scope() -> None:
    source = """\
def job(k):
    @wraps(k)
    def helper(x: k = k) -> k:
        return x
    return lambda y, z=k: y + z
"""
    assert reads(source, "k") == [{"function:Param"}] * 5
    assert reads(source, "x") == [{"function:Param"}]
    assert reads(source, "wraps") == [set()]


def test_module_reads_see_bindings_before_them_then_builtins() -> None:
    source = """\
print(len)
len = 3
print(len)
with open("f") as handle:
    handle.read()
try:
    pass
except OSError as error:
    print(error)
"""
    assert reads(source, "len") == [{"builtin:builtin"}, {"module:Name"}]
    assert reads(source, "handle") == [{"module:Name"}]
    assert reads(source, "error") == [{"module:Name"}]


def test_imports_bind_their_first_name() -> None:
    source = "import os.path\nimport numpy as np\nfrom x import y as z\nos.path.join(np, z)\n"
    resolver = scoping.Resolver(cst.parse_module(source))
    assert sorted(a.name for a in resolver.module_scope.assignments) == ["np", "os", "z"]
    assert [a.name for a in resolver.accesses] == ["os", "np", "z"]
    imports = {cst.Import, cst.ImportFrom}
    assert all(a.referents and {type(r.node) for r in a.referents} <= imports for a in resolver.accesses)


def test_attribute_names_and_keywords_are_not_reads() -> None:
    source = "def f(pool, data):\n    return pool.map(func=abs, iterable=data)\n"
    assert sorted(resolve(source)) == ["abs", "data", "pool"]


def _sources(folders: List[Path]) -> List[Path]:
    return [path for folder in folders if folder.is_dir() for path in sorted(folder.rglob("*.py"))]


def _check(paths: List[Path]) -> int:
    problems: List[str] = []
    compared = 0
    for path in paths:
        source = path.read_text(encoding="utf-8")
        try:
            compile(source, str(path), "exec")
        except SyntaxError:
            continue  # the fixer never looks at a file Python rejects
        found, counts = compare(source)
        problems.extend(f"{path}:{problem}" for problem in found)
        compared += counts["same"]
    assert problems == []
    return compared


def test_same_answers_as_libcst_on_the_fixtures_and_examples() -> None:
    compared = _check(_sources([ROOT / "fixtures", ROOT / "examples"]))
    assert compared > 3000  # reads resolved the same way, not just files that were skipped


@pytest.mark.slow
def test_same_answers_as_libcst_on_the_standard_librarys_process_packages() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    compared = _check(_sources([stdlib / "multiprocessing", stdlib / "concurrent", stdlib / "asyncio"]))
    assert compared > 15000
