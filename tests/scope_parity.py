"""Compare the fixer's name resolution (`mp_lint.fixes.scoping`) with libcst's `ScopeProvider`.

For one source, every read of a plain name that both record must resolve
to the same bindings (the same binding nodes, in scopes of the same kind),
and the module namespace must hold the same bindings per name. The
differences the resolver's docstring lists are told apart and counted,
not compared:

- `dotted`: libcst files a read of `a.b.c` under the dotted name an import
  bound (`import a.b`), at the attribute; the resolver reads `a`, at the name;
- `string annotation`: libcst reads the names inside `x: "Pool"`; the
  resolver does not;
- `nonlocal`: a `nonlocal` write binds in the nearest enclosing function
  that binds the name (across a class body too); libcst always files it
  under the function just around, so a read in the right one misses it
  (and which bindings libcst then reports varies from run to run);
- `walrus order`: in `ord(c) if (c := read()) else 0` Python evaluates the
  test first; libcst takes the parts in the order of the text and finds
  no `c`;
- `comprehension order`: in `[x for row in rows for x in row if x]`, libcst
  counts the bindings of a comprehension's later `for`s as made after the
  iterables and conditions that read them, and looks outside; the resolver
  finds them;
- `match capture`: libcst records the name a `case` pattern binds
  (`case RED:`, `case int(number)`) as a read; Python binds it;
- `walrus`: libcst binds `:=` in a comprehension in the comprehension's
  scope; Python binds it in the function or module around it;
- `match-keyword`: libcst records the keyword of a class pattern
  (`case Point(x=0)`) as a read.

Used by tests/test_scoping.py and runnable on any folders:

    python tests/scope_parity.py FOLDER...
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Set, Tuple

import libcst as cst
from libcst import metadata

from mp_lint.fixes import scoping

_KINDS = {
    metadata.GlobalScope: "module",
    metadata.ClassScope: "class",
    metadata.FunctionScope: "function",
    metadata.ComprehensionScope: "comprehension",
    metadata.BuiltinScope: "builtin",
    scoping.GlobalScope: "module",
    scoping.ClassScope: "class",
    scoping.FunctionScope: "function",
    scoping.ComprehensionScope: "comprehension",
    scoping.BuiltinScope: "builtin",
}


def _kind(scope: object) -> str:
    return _KINDS.get(type(scope), type(scope).__name__)


def _binding(assignment: object) -> Tuple[str, int, str]:
    node = getattr(assignment, "node", None)
    return (_kind(getattr(assignment, "scope")), id(node) if node is not None else 0, getattr(assignment, "name"))


def compare(source: str) -> Tuple[List[str], Counter]:  # type: ignore[type-arg]
    """The disagreements (one line each) and the counts of reads compared and told apart."""
    module = cst.parse_module(source)
    wrapper = metadata.MetadataWrapper(module, unsafe_skip_copy=True)
    theirs = wrapper.resolve(metadata.ScopeProvider)
    ours = scoping.Resolver(module)
    walrus_targets: Set[int] = set()

    class Walruses(cst.CSTVisitor):
        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            walrus_targets.add(id(node.target))

    module.visit(Walruses())
    counts: Counter = Counter()  # type: ignore[type-arg]
    problems: List[str] = []
    their_reads: Dict[int, object] = {}
    seen: Set[int] = set()
    for scope in theirs.values():
        if scope is None or id(scope) in seen:
            continue
        seen.add(id(scope))
        for access in scope.accesses:
            their_reads.setdefault(id(access.node), access)
    our_reads = {id(access.node): access for access in ours.accesses}
    positions = wrapper.resolve(metadata.PositionProvider)
    captures = {
        id(assignment.node)
        for scope in ours.scopes
        for assignment in scope.assignments
        if _is_capture(assignment)
    }
    for key, access in their_reads.items():
        node = getattr(access, "node")
        if not isinstance(node, cst.Name):
            counts["dotted" if isinstance(node, cst.Attribute) else "string annotation"] += 1
            continue
        mine = our_reads.get(key)
        if key in captures:
            counts["match capture"] += 1
            continue
        if mine is None:
            counts["match-keyword" if node.value and _in_match_keyword(module, node) else "missing"] += 1
            if not _in_match_keyword(module, node):
                problems.append(f"{_where(positions, node)}: read of {node.value!r} not recorded")
            continue
        their_set = {_binding(a) for a in getattr(access, "referents")}
        our_set = {_binding(a) for a in mine.referents}
        # libcst names a dotted import binding `a.b`; the resolver `a`: compare the nodes.
        their_nodes = {(kind, node_id) for kind, node_id, _ in their_set}
        our_nodes = {(kind, node_id) for kind, node_id, _ in our_set}
        if their_nodes == our_nodes:
            counts["same"] += 1
            continue
        if any("." in name for _, _, name in their_set):
            counts["dotted"] += 1
            continue
        if {node_id for _, node_id in our_nodes ^ their_nodes} <= captures or (
            mine.referents and all(id(a.node) in captures for a in mine.referents)
        ):
            counts["match capture"] += 1
            continue
        if any(kind == "comprehension" and node_id in walrus_targets for kind, node_id in their_nodes - our_nodes):
            counts["walrus"] += 1
            continue
        if their_nodes < our_nodes and any(ours.scope_at.get(id(a.node)) is not a.scope for a in mine.referents):
            counts["nonlocal"] += 1
            continue
        if not their_set and our_set and all(id(a.node) in walrus_targets for a in mine.referents):
            counts["walrus order"] += 1
            continue
        if (
            our_set
            and all(a.scope is mine.scope and isinstance(a.scope, scoping.ComprehensionScope) for a in mine.referents)
            and not any(kind == "comprehension" for kind, _ in their_nodes)
        ):
            counts["comprehension order"] += 1
            continue
        problems.append(
            f"{_where(positions, node)}: {node.value!r} libcst {sorted(their_nodes)} mp-lint {sorted(our_nodes)}"
        )
    dotted_heads: Set[int] = set()
    for access in their_reads.values():
        head = getattr(access, "node")
        while isinstance(head, cst.Attribute):
            head = head.value
        if head is not getattr(access, "node"):
            dotted_heads.add(id(head))
    for key in set(our_reads) - set(their_reads):
        node = our_reads[key].node
        if key in dotted_heads:
            counts["dotted"] += 1
            continue
        problems.append(f"{_where(positions, node)}: read of {node.value!r} only mp-lint records")
    # The module namespace: the same binding nodes per (plain) name.
    their_global = theirs.get(module)
    assert their_global is not None
    their_names: Dict[str, Set[int]] = {}
    for assignment in their_global.assignments:
        name = assignment.name.split(".")[0]
        their_names.setdefault(name, set()).add(id(getattr(assignment, "node", None)))
    our_names: Dict[str, Set[int]] = {}
    for assignment in ours.module_scope.assignments:
        if id(assignment.node) in walrus_targets and id(assignment.node) not in their_names.get(assignment.name, ()):
            counts["walrus"] += 1  # bound in the module by a `:=` in a comprehension (libcst: in the comprehension)
            continue
        our_names.setdefault(assignment.name, set()).add(id(assignment.node))
    for name in sorted(set(their_names) | set(our_names)):
        if their_names.get(name) != our_names.get(name):
            theirs_count, ours_count = len(their_names.get(name, ())), len(our_names.get(name, ()))
            problems.append(f"module binding {name!r}: libcst {theirs_count} mp-lint {ours_count}")
        else:
            counts["module names"] += 1
    return problems, counts


def _is_capture(assignment: scoping.Assignment) -> bool:
    """A name a `case` pattern binds (`case x:`, `case Point(x=x)`, `case [*rest]`)."""
    return getattr(assignment, "capture", False)


def _in_match_keyword(module: cst.Module, name: cst.Name) -> bool:
    found = []

    class Finder(cst.CSTVisitor):
        def visit_MatchKeywordElement(self, node: cst.MatchKeywordElement) -> None:
            if node.key is name:
                found.append(node)

    module.visit(Finder())
    return bool(found)


def _where(positions: object, node: cst.CSTNode) -> str:
    position = getattr(positions, "get")(node)
    return f"{position.start.line}:{position.start.column}" if position is not None else "?"


def main(paths: List[str]) -> int:
    total: Counter = Counter()  # type: ignore[type-arg]
    failed = 0
    for folder in paths:
        root = Path(folder)
        for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
            try:
                source = path.read_text(encoding="utf-8")
                compile(source, str(path), "exec")
                problems, counts = compare(source)
            except (SyntaxError, ValueError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError, OSError):
                total["files skipped"] += 1
                continue
            except Exception as error:  # libcst's provider rejects some code Python compiles
                total["libcst failed"] += 1
                print(f"{path}: libcst: {type(error).__name__}: {error}"[:200])
                continue
            total["files"] += 1
            total.update(counts)
            for problem in problems:
                failed += 1
                print(f"{path}:{problem}")
    print(dict(total))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
