"""MPL101, MPL102, MPL103: move what starts processes at import under the `__main__` guard.

Under spawn every child re-imports the main module and runs its top level
again. The fix moves the offending top-level statements (the pool, the
bare `main()`, the `set_start_method`) into an `if __name__ == "__main__":`
block at the end of the module.

Which statements move, in their original order:

- the statements that hold a finding;
- every later statement that reads, at import, a name one of them binds
  (`print(pool.map(...))` after `pool = Pool(2)`), and so on transitively;
- the script tail: statements after the last `def`/`class` that do
  something (a call, a print, a loop), so the parent's output keeps its
  order: left at module level they would now run before the moved code, and
  in every child that imports the module.

What stays: definitions (`def`, `class`, imports), a tail assignment whose
name a function reads, because children need them at import, and a tail
line that only binds a computed value (`x = 1`, `SIZES = (1, 2)`) that no
moved statement needs: running it before the moved code instead of after
changes nothing anyone can see. Anything that reads a moved name at import
moves with it.

An existing guard takes the statements in: those from above it run first
in its body, those from below it last. It moves down to the end only past
definitions; otherwise it stays put and a second guard at the end takes the
statements that followed it. When a definition needs a moved name at
import, a moved block defines something functions need, or two bindings of
one name would swap order, there is no fix, and the reason says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from mp_lint.fixes.analysis import Analysis, Located
from mp_lint.fixes.base import UNSAFE, Declined, FamilyResult, blank_lines, decline_all, with_blank_lines
from mp_lint.fixes.names import ModuleNames
from mp_lint.fixes.text import Reason
from mp_lint.model.guard import main_guard_polarity
from mp_lint.model.positions import node_starts
from mp_lint.model.walk import child_nodes

CODES = ("MPL101", "MPL102", "MPL103")

_DEFINITIONS = (cst.FunctionDef, cst.ClassDef)


def fix(analysis: Analysis, wanted: Sequence[Located], allow_unsafe: bool = True) -> FamilyResult:
    """Move the statements behind `wanted` findings under the guard, or say why not.

    Every move is unsafe: what runs at import changes (for the parent, and
    for any module importing this one), so it is held back unless `allow_unsafe`.
    """
    module = analysis.module
    names = analysis.names
    body = list(module.body)
    declined: List[Declined] = []
    seeds: Dict[int, List[Located]] = {}
    for located in wanted:
        index = names.top_index(located.report.node)
        reason = _unmovable(body[index] if index is not None else None)
        if reason is not None or index is None:
            declined.append(Declined.of(located, reason or Reason.of("guard.not-found")))
            continue
        seeds.setdefault(index, []).append(located)
    if not seeds:
        return FamilyResult(None, declined)
    plan = _plan(module, body, names, set(seeds))
    if isinstance(plan, Reason):
        for group in seeds.values():
            declined.extend(decline_all(group, plan))
        return FamilyResult(None, declined)
    result = FamilyResult(None, declined)
    planned = [located for group in seeds.values() for located in group]
    result.applicability.update((located.key, UNSAFE) for located in planned)
    if not allow_unsafe:
        result.held_back.extend(decline_all(planned, Reason.of("unsafe.guard")))
        return result
    result.applied = sorted(located.key for located in planned)
    result.module = _apply(module, body, plan)
    return result


def _unmovable(statement: Optional[cst.BaseStatement]) -> Optional[Reason]:
    if statement is None:
        return Reason.of("guard.not-found")
    if isinstance(statement, cst.ClassDef):
        return Reason.of("guard.in-class", name=statement.name.value)
    if isinstance(statement, cst.FunctionDef):
        return Reason.of("guard.in-def-header", name=statement.name.value)
    if _guard_polarity(statement) is not None:
        return Reason.of("guard.in-name-test")
    return None


def _guard_polarity(statement: cst.BaseStatement) -> Optional[bool]:
    if isinstance(statement, cst.If):
        return main_guard_polarity(statement.test)
    return None


def _is_simple_guard(statement: cst.BaseStatement) -> bool:
    """`if __name__ == "__main__":` with no other condition and no else."""
    return (
        isinstance(statement, cst.If)
        and statement.orelse is None
        and isinstance(statement.test, cst.Comparison)
        and main_guard_polarity(statement.test) is True
    )


def _is_definition(statement: cst.BaseStatement) -> bool:
    if isinstance(statement, _DEFINITIONS):
        return True
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


#: Expressions that only compute a value: no call, no attribute or item lookup
#: (either can run code), no await or yield.
_QUIET_EXPRESSIONS = (
    cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
    cst.Tuple, cst.List, cst.Set, cst.Dict, cst.Element, cst.StarredElement, cst.DictElement,
    cst.StarredDictElement, cst.UnaryOperation, cst.BinaryOperation, cst.BooleanOperation,
    cst.Comparison, cst.ComparisonTarget, cst.IfExp, cst.Ellipsis,
)  # fmt: skip


def _is_quiet(statement: cst.BaseStatement) -> bool:
    """A line of plain bindings of computed values (`x = 1`, `SIZES = (1, 2)`): nothing to see, nothing to wait for.

    Moved code now runs after it instead of before: no output, no error and
    no process can change order, so it may stay at module level.
    """
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Assign):
            targets = [target.target for target in small.targets]
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            targets = [small.target]
        else:
            return False
        if not all(isinstance(target, cst.Name) for target in targets):
            return False
        value = small.value
        assert value is not None
        stack: List[cst.CSTNode] = [value]
        while stack:
            node = stack.pop()
            if not isinstance(node, _QUIET_EXPRESSIONS):
                return False
            if isinstance(node, cst.BinaryOperation) or isinstance(node, cst.UnaryOperation):
                # Only on numbers and strings is an operator sure to run no user code.
                operands = [node.left, node.right] if isinstance(node, cst.BinaryOperation) else [node.expression]
                if any(isinstance(operand, cst.Name) for operand in operands):
                    return False
            stack.extend(child_nodes(node))
    return True


@dataclass(frozen=True)
class _Plan:
    moved: List[int]  # indices into the module body, in order
    guard: Optional[int]  # the existing guard reused, if any
    #: the existing guard goes to the end to take in statements that followed it.
    guard_moves: bool = False


@dataclass
class _Facts:
    """Per top-level statement: names it binds, names it reads at import."""

    binds: List[Set[str]]
    reads: List[Set[str]]
    #: the names among `binds` bound by a def, a class or an import.
    defines: List[Set[str]]
    #: module names read by code that runs later (function and lambda bodies).
    read_later: Set[str]


def _facts(body: Sequence[cst.BaseStatement], names: ModuleNames) -> _Facts:
    binds: List[Set[str]] = [set() for _ in body]
    defines: List[Set[str]] = [set() for _ in body]
    reads: List[Set[str]] = [set() for _ in body]
    read_later: Set[str] = set()
    for assignment in names.global_scope.assignments:
        node = getattr(assignment, "node", None)
        index = names.top_index(node) if node is not None else None
        if index is not None and names.binds_at_import(assignment):
            binds[index].add(assignment.name)
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Import, cst.ImportFrom)):
                defines[index].add(assignment.name)
    for scope in names.scopes:
        at_import = names.runs_at_import(scope)
        for access in scope.accesses:
            if not names.reads_global(access):
                continue  # builtins, locals, and names never bound here
            name = next(iter(access.referents)).name
            if not at_import:
                read_later.add(name)
                continue
            index = names.top_index(access.node)
            if index is not None:
                reads[index].add(name)
    return _Facts(binds, reads, defines, read_later)


def _plan(
    module: cst.Module, body: Sequence[cst.BaseStatement], names: ModuleNames, seeds: Set[int]
) -> Union[_Plan, Reason]:
    """Which statements move, and into which guard; or why there is no safe move."""
    facts = _facts(body, names)
    first = min(seeds)
    guards = [index for index, statement in enumerate(body) if _guard_polarity(statement) is not None]
    simple = [index for index in guards if _is_simple_guard(body[index])]
    guard = simple[-1] if simple else None
    if any(index != guard and index > first for index in guards):
        return Reason.of("guard.many-tests")

    def where(index: int) -> int:
        return _line_of(module, body[index])

    moved = set(seeds)
    last_definition = max((i for i, s in enumerate(body) if isinstance(s, _DEFINITIONS)), default=-1)
    for index in range(max(first, last_definition) + 1, len(body)):
        if index in moved or index in guards or _is_definition(body[index]):
            continue
        if facts.binds[index] & facts.read_later:
            continue  # a constant that functions read: children need it
        if _is_quiet(body[index]):
            continue  # binds a value and does nothing else: its order against the moved code does not show
        moved.add(index)
    # Whatever reads a moved name at import has to move along.
    changed = True
    while changed:
        changed = False
        moved_names = set().union(*(facts.binds[index] for index in moved))
        for index in range(first + 1, len(body)):
            if index in moved or index == guard:
                continue
            needed = facts.reads[index] & moved_names
            if not needed:
                continue
            if _is_definition(body[index]) or index in guards:
                return Reason.of("guard.needed-at-import", line=where(index), name=sorted(needed)[0])
            moved.add(index)
            changed = True
    for index in sorted(moved):
        # A def, class or import inside a moved block: workers look those up at import.
        needed = facts.defines[index] & facts.read_later
        if needed:
            return Reason.of("guard.defines-needed", line=where(index), name=sorted(needed)[0])
    # A statement that stays behind moved code now runs before it: harmless for a
    # first binding, not for a name bound before (the moved code, or functions it
    # calls, would see the new value).
    bound: Set[str] = set()
    for index in range(len(body)):
        again = facts.binds[index] & bound
        if again and index > first and index not in moved and index != guard:
            return Reason.of("guard.bound-again", name=sorted(again)[0], line=where(index))
        bound |= facts.binds[index]
    return _Plan(sorted(moved), guard, guard is not None and _guard_may_move(body, facts, moved, guard))


def _guard_may_move(body: Sequence[cst.BaseStatement], facts: _Facts, moved: Set[int], guard: int) -> bool:
    """Whether the guard can go to the end, past what follows it, to take in later statements.

    Only definitions may stay between (their order against the guard's body
    does not matter) and they must share no name with it. Otherwise the
    guard stays put and a second guard at the end takes the later statements.
    """
    if not any(index > guard for index in moved):
        return False
    guard_names = facts.binds[guard] | facts.reads[guard]
    for index in range(guard + 1, len(body)):
        if index in moved:
            continue
        if not _is_definition(body[index]):
            return False
        if facts.reads[index] & facts.binds[guard] or facts.binds[index] & guard_names:
            return False
    return True


def _line_of(module: cst.Module, statement: cst.BaseStatement) -> int:
    """The line a statement's code starts on (past the blank lines and comments above it)."""
    start = node_starts(module, [statement]).get(id(statement), (1, 0))[0]
    return start + len(getattr(statement, "leading_lines", ()))


def _as_indented_block(suite: cst.BaseSuite) -> cst.IndentedBlock:
    if isinstance(suite, cst.IndentedBlock):
        return suite
    assert isinstance(suite, cst.SimpleStatementSuite)
    # `if __name__ == "__main__": main()` on one line: give it a block to grow.
    line = cst.SimpleStatementLine(body=list(suite.body), trailing_whitespace=suite.trailing_whitespace)
    return cst.IndentedBlock(body=[line])


def _new_guard(statements: Sequence[cst.BaseStatement], spacing: int) -> cst.If:
    return cst.If(
        test=cst.parse_expression('__name__ == "__main__"'),
        body=cst.IndentedBlock(body=_into_block(statements)),
        leading_lines=[cst.EmptyLine()] * spacing,
    )


def _into_block(statements: Sequence[cst.BaseStatement], first: int = 0) -> List[cst.BaseStatement]:
    """Top-level statements as the body of a block: at most `first` blank lines above the first, one between."""
    result: List[cst.BaseStatement] = []
    for statement in statements:
        lines = list(getattr(statement, "leading_lines", ()))
        blank = blank_lines(lines)
        keep = min(blank, 1 if result else first)
        # Blank lines inside a block must not be indented (no trailing whitespace).
        rest = [
            line.with_changes(indent=False, whitespace=cst.SimpleWhitespace("")) if line.comment is None else line
            for line in lines[blank:]
        ]
        result.append(statement.with_changes(leading_lines=[cst.EmptyLine(indent=False)] * keep + rest))
    return result


def _extend_guard(guard: cst.If, before: Sequence[cst.BaseStatement], after: Sequence[cst.BaseStatement]) -> cst.If:
    """`guard` with `before` run ahead of its body and `after` behind it."""
    block = _as_indented_block(guard.body)
    inner = _into_block(before) + list(block.body) + _into_block(after, first=1)
    return guard.with_changes(body=block.with_changes(body=inner))


def _spacing(first_moved: cst.BaseStatement, kept: Sequence[cst.BaseStatement]) -> int:
    """Blank lines above a new guard: those the first moved statement had, PEP 8 at least."""
    spacing = blank_lines(getattr(first_moved, "leading_lines", ()))
    if not kept:
        return 0
    return max(spacing, 2 if isinstance(kept[-1], _DEFINITIONS) else 1)


def _after_definitions(guard: cst.If, preceding: Sequence[cst.BaseStatement]) -> cst.If:
    """Two blank lines above the guard when it now follows a def or class (PEP 8)."""
    if preceding and isinstance(preceding[-1], _DEFINITIONS) and blank_lines(guard.leading_lines) < 2:
        return with_blank_lines(guard, 2)  # type: ignore[return-value]
    return guard


def _remaining(body: Sequence[cst.BaseStatement], gone: Set[int]) -> List[Tuple[int, cst.BaseStatement]]:
    """The statements not in `gone`, each keeping at least the blank lines of what was removed above it."""
    remaining: List[Tuple[int, cst.BaseStatement]] = []
    gap: Optional[int] = None
    for index, statement in enumerate(body):
        if index in gone:
            if gap is None:
                gap = blank_lines(getattr(statement, "leading_lines", ()))
            continue
        if gap is not None and remaining:
            statement = with_blank_lines(statement, max(gap, blank_lines(getattr(statement, "leading_lines", ()))))
        gap = None
        remaining.append((index, statement))
    return remaining


def _apply(module: cst.Module, body: Sequence[cst.BaseStatement], plan: _Plan) -> cst.Module:
    moved = set(plan.moved)
    guard_index = plan.guard
    if guard_index is None:
        kept = [statement for _, statement in _remaining(body, moved)]
        statements = [body[i] for i in plan.moved]
        return module.with_changes(body=kept + [_new_guard(statements, _spacing(statements[0], kept))])
    existing = body[guard_index]
    assert isinstance(existing, cst.If)
    before = [body[i] for i in plan.moved if i < guard_index]
    after = [body[i] for i in plan.moved if i > guard_index]
    if plan.guard_moves:
        kept = [statement for _, statement in _remaining(body, moved | {guard_index})]
        return module.with_changes(body=kept + [_after_definitions(_extend_guard(existing, before, after), kept)])
    # The guard stays where it is; statements that followed it get a guard of their own at the end.
    new_body: List[cst.BaseStatement] = []
    for index, statement in _remaining(body, moved):
        if index == guard_index:
            extended = _extend_guard(statement, before, ())  # type: ignore[arg-type]
            new_body.append(_after_definitions(extended, new_body))
        else:
            new_body.append(statement)
    if after:
        new_body.append(_new_guard(after, _spacing(after[0], new_body)))
    return module.with_changes(body=new_body)
