"""MPL201, MPL202: lift a lambda or a nested function to a module-level `def`.

pickle ships a function as "module + qualified name", and a worker finds
it again by importing that module. A lambda has no usable name and a
function defined inside another function is not an attribute of any module,
so neither can travel. The fix defines the function at module level, just
before the top-level statement that held it, and hands over its name.

What the moved code reads decides whether it can move:

- its own parameters and locals, and builtins: always fine;
- module-level names bound at import outside the `__main__` guard: fine,
  since a worker imports them too;
- a parameter of an enclosing function that is never rebound: it becomes
  a keyword-only parameter, and the hand-off passes it along with
  `functools.partial(name, k=k)`, evaluated where the callable was;
- anything else (a local variable, a loop variable, a name only set under
  the guard, a `nonlocal` write, a decorator, `super()`): no fix, and the
  reason names what is in the way.

A lambda gets a name made from its body (`lambda x: x * x` becomes
`x_times_x`), a nested function keeps its own when that changes no other
name in the module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from mp_lint.fixes.analysis import Analysis, Located
from mp_lint.fixes.base import SAFE, UNSAFE, Declined, FamilyResult, blank_lines, with_blank_lines
from mp_lint.fixes.lambda_names import lambda_name
from mp_lint.fixes.names import RESERVED, ModuleNames
from mp_lint.fixes.scoping import Access, ComprehensionScope, FunctionScope, GlobalScope, Scope
from mp_lint.fixes.scoping import Assignment as BaseAssignment
from mp_lint.fixes.text import Reason
from mp_lint.model import ModuleModel
from mp_lint.model.apis import Kind
from mp_lint.model.guard import main_guard_polarity
from mp_lint.model.module import BindingKind, CallableKind, Handoff
from mp_lint.model.walk import child_nodes
from mp_lint.rules.handoff import pickled_handoffs

CODES = ("MPL201", "MPL202")

_Target = Union[cst.Lambda, cst.FunctionDef]


@dataclass
class _Lift:
    """One callable to define at module level."""

    target: _Target
    #: index of the top-level statement the new def goes before.
    anchor: int
    name: str
    #: enclosing parameters passed with functools.partial, in order.
    bound: List[str] = field(default_factory=list)
    #: MPL202: the names that refer to the nested function.
    references: List[cst.Name] = field(default_factory=list)
    renamed: bool = False


def fix(analysis: Analysis, wanted: Sequence[Located], allow_unsafe: bool = True) -> FamilyResult:
    """Lift the callables behind `wanted` findings, or say why not.

    A lift is safe when the callable reads nothing from the function around
    it; one that needs `functools.partial` to pass enclosing variables along
    is unsafe (they are now read when the task is handed over, not when it
    runs), and is held back unless `allow_unsafe`.
    """
    module, model = analysis.module, analysis.model
    names = analysis.names
    body = list(module.body)
    sites: Dict[int, List[Handoff]] = {}
    for handoff in pickled_handoffs(model):
        sites.setdefault(id(handoff.site.node), []).append(handoff)
    lifts: Dict[int, _Lift] = {}
    owners: Dict[int, List[Located]] = {}
    declined: List[Declined] = []
    taken: Set[str] = set()
    spelling: Optional[_Partial] = None
    for located in sorted(wanted, key=lambda item: (item.line, item.col)):
        found = _targets(model, names, sites.get(id(located.report.node), []), located.code)
        if isinstance(found, Reason):
            declined.append(Declined.of(located, found))
            continue
        for handoff, target in found:
            if id(target) in lifts:
                owners[id(target)].append(located)
                continue
            if isinstance(target, cst.Lambda):
                planned = _plan_lambda(names, body, target, handoff, taken)
            else:
                planned = _plan_function(names, body, target, taken)
            if isinstance(planned, _Lift) and planned.bound and spelling is None:
                spelling = _partial_spelling(model, names)
                if spelling is None:
                    planned = Reason.of("lift.partial-clash")
            if isinstance(planned, Reason):
                declined.append(Declined.of(located, planned))
                continue
            lifts[id(target)] = planned
            owners[id(target)] = [located]
            taken.add(planned.name)
    result = FamilyResult(None, declined)
    for key, lift in lifts.items():
        for located in owners[key]:
            rating = UNSAFE if lift.bound else SAFE
            if result.applicability.get(located.key) != UNSAFE:
                result.applicability[located.key] = rating
    if not allow_unsafe:
        for key in [key for key, lift in lifts.items() if lift.bound]:
            why = Reason.of("unsafe.partial", names=", ".join(repr(name) for name in lifts[key].bound))
            result.held_back.extend(Declined.of(located, why) for located in owners[key])
            del lifts[key]
    _drop_nested(names, lifts)
    if not lifts:
        return result
    result.applied = sorted({located.key for key in lifts for located in owners[key]})
    lifter = _Lifter(list(lifts.values()), spelling if any(lift.bound for lift in lifts.values()) else None, body)
    for lift in lifts.values():
        if isinstance(lift.target, cst.Lambda):
            result.dropped["lambda"] += 1
        elif lift.renamed:
            result.dropped[lift.target.name.value] += 1 + len(lift.references)
    # Only the top-level statements that hold a lifted callable or a reference to one change.
    touched = {lift.anchor for lift in lifts.values()}
    for lift in lifts.values():
        touched.update(index for index in map(names.top_index, lift.references) if index is not None)
    result.module = lifter.apply(module, touched)
    return result


# ------------------------------------------------------------------ targets


def _targets(
    model: ModuleModel, names: ModuleNames, handoffs: Sequence[Handoff], code: str
) -> Union[Reason, List[Tuple[Handoff, _Target]]]:
    """The lambdas (MPL201) or nested functions (MPL202) a finding is about."""
    found: List[Tuple[Handoff, _Target]] = []
    for handoff in handoffs:
        kind, decided = model.callable_kind(handoff.callable_expr, handoff.site.scope)
        if code == "MPL201" and kind is CallableKind.LAMBDA and isinstance(decided, cst.Lambda):
            found.append((handoff, decided))
        elif code == "MPL202" and kind is CallableKind.LOCAL_CLASS:
            return Reason.of("lift.local-class")
        elif code == "MPL202" and kind is CallableKind.LOCAL_METHOD:
            return Reason.of("lift.local-method")
        elif code == "MPL202" and kind is CallableKind.LOCAL_FUNCTION and isinstance(decided, cst.Name):
            definition = _definition_of(names, decided)
            if isinstance(definition, Reason):
                return definition
            found.append((handoff, definition))
    if not found:
        return Reason.of("lift.not-located")
    return found


def _definition_of(names: ModuleNames, name: cst.Name) -> Union[Reason, cst.FunctionDef]:
    scope = names.scope_of(name)
    assignments = list(scope[name.value]) if scope is not None else []
    if len(assignments) != 1 or not isinstance(getattr(assignments[0], "node", None), cst.FunctionDef):
        return Reason.of("lift.bound-twice-where-used", name=name.value)
    node = getattr(assignments[0], "node")
    assert isinstance(node, cst.FunctionDef)
    return node


def _drop_nested(names: ModuleNames, lifts: Dict[int, _Lift]) -> None:
    """A target inside another target moves with it; the next round lifts it."""
    inside: Set[int] = set()
    for key, lift in lifts.items():
        inside |= names.subtree_ids(lift.target) - {key}
    for key in [key for key in lifts if key in inside]:
        del lifts[key]


# ------------------------------------------------------------------ free variables


def _access_name(access: Access) -> str:
    node = access.node
    if isinstance(node, cst.Name):
        return node.value
    for referent in access.referents:
        return referent.name
    return "?"


def _owner(scope: Scope) -> Union[str, Reason]:
    node = getattr(scope, "node", None)
    return f"{node.name.value}()" if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else Reason.of("owner.enclosing")


def _global_reason(names: ModuleNames, body: Sequence[cst.BaseStatement], name: str) -> Optional[Reason]:
    """Why a worker importing the module would not see `name` as the parent does, if so."""
    assignments = names.global_assignments(name)
    if not assignments:
        return Reason.of("lift.undefined", name=name)
    for assignment in assignments:
        if not names.binds_at_import(assignment):
            return Reason.of("lift.global-assigned-in-function", name=name)
        node = getattr(assignment, "node", None)
        index = names.top_index(node) if node is not None else None
        if index is None:
            return Reason.of("lift.binding-not-found", name=name)
        statement = body[index]
        if isinstance(statement, cst.If) and main_guard_polarity(statement.test) is not None:
            return Reason.of("lift.set-under-guard", name=name)
    return None


@dataclass
class _Free:
    """What the moved code reads from outside itself."""

    #: enclosing parameters it reads, with their binding.
    bound: Dict[str, BaseAssignment] = field(default_factory=dict)
    #: it refers to its own name (recursion).
    recursive: bool = False


def _free_variables(
    names: ModuleNames,
    body: Sequence[cst.BaseStatement],
    inner: Scope,
    itself: Optional[BaseAssignment] = None,
) -> Union[Reason, _Free]:
    free = _Free()
    for access in names.accesses_within(inner):
        name = _access_name(access)
        referents = access.referents
        if not referents:
            return Reason.of("lift.undefined", name=name)
        if all(names.is_within(referent.scope, inner) for referent in referents):
            continue
        if names.is_builtin(access):
            if name in ("super", "__class__"):
                return Reason.of("lift.super")
            continue
        if names.reads_global(access):
            reason = _global_reason(names, body, name)
            if reason is not None:
                return reason
            continue
        if itself is not None and referents == {itself}:
            free.recursive = True
            continue
        if len(referents) != 1:
            scope = next(iter(referents)).scope
            return Reason.of("lift.bound-twice-in", name=name, owner=_owner(scope))
        referent = next(iter(referents))
        scope = referent.scope
        node = getattr(referent, "node", None)
        if isinstance(scope, ComprehensionScope):
            return Reason.of("lift.loop-variable", name=name)
        if isinstance(scope, FunctionScope) and isinstance(getattr(scope, "node", None), cst.FunctionDef):
            if isinstance(node, cst.Param):
                free.bound.setdefault(name, referent)
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                return Reason.of("lift.uses-local-definition", name=name, owner=_owner(scope))
            return Reason.of("lift.local-variable", name=name, owner=_owner(scope))
        return Reason.of("lift.reads-from", name=name, owner=_owner(scope))
    return free


def _header_reason(
    names: ModuleNames, body: Sequence[cst.BaseStatement], header: Sequence[cst.CSTNode], anchor: int
) -> Optional[Reason]:
    """Defaults and annotations run where the def (or lambda) is; moved, they run at import."""
    ids: Set[int] = set()
    for node in header:
        ids |= names.subtree_ids(node)
    if not ids:
        return None
    header_accesses = [names.access_at[key] for key in ids if key in names.access_at]
    header_accesses.sort(key=lambda access: names.order_of(access))
    for access in header_accesses:
        if names.is_builtin(access):
            continue
        name = _access_name(access)
        if not names.reads_global(access):
            return Reason.of("lift.header-not-global", name=name)
        reason = _global_reason(names, body, name)
        if reason is not None:
            return reason
        for assignment in names.global_assignments(name):
            index = names.top_index(getattr(assignment, "node"))
            if index is None or index >= anchor:
                return Reason.of("lift.header-bound-later", name=name)
    return None


def _parameter_parts(params: cst.Parameters) -> List[cst.CSTNode]:
    """Defaults and annotations of `params`: the parts evaluated at definition time."""
    parts: List[cst.CSTNode] = []
    every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    for extra in (params.star_arg, params.star_kwarg):
        if isinstance(extra, cst.Param):
            every.append(extra)
    for param in every:
        if param.default is not None:
            parts.append(param.default)
        if param.annotation is not None:
            parts.append(param.annotation)
    return parts


# ------------------------------------------------------------------ plans


def _plan_lambda(
    names: ModuleNames, body: Sequence[cst.BaseStatement], lam: cst.Lambda, handoff: Handoff, taken: Set[str]
) -> Union[Reason, _Lift]:
    anchor = names.top_index(lam)
    inner = names.function_scope_of(lam)
    if anchor is None or inner is None:
        return Reason.of("lift.lambda-not-located")
    free = _free_variables(names, body, inner)
    if isinstance(free, Reason):
        return free
    reason = _header_reason(names, body, _parameter_parts(lam.params), anchor)
    if reason is not None:
        return reason
    name = names.fresh_name(lambda_name(lam, handoff), taken)
    return _Lift(lam, anchor, name, list(free.bound))


def _plan_function(
    names: ModuleNames, body: Sequence[cst.BaseStatement], definition: cst.FunctionDef, taken: Set[str]
) -> Union[Reason, _Lift]:
    name = definition.name.value
    outer = names.scope_of(definition)
    enclosing = getattr(outer, "node", None)
    if not isinstance(outer, FunctionScope) or not isinstance(enclosing, cst.FunctionDef):
        return Reason.of("lift.not-in-function", name=name)
    owner = enclosing.name.value
    if not isinstance(enclosing.body, cst.IndentedBlock) or not any(s is definition for s in enclosing.body.body):
        return Reason.of("lift.in-block", name=name, owner=f"{owner}()")
    if definition.asynchronous is not None:
        return Reason.of("lift.coroutine", name=name)
    if definition.decorators:
        return Reason.of("lift.decorated", name=name, owner=f"{owner}()")
    assignments = list(outer.assignments[name])
    if len(assignments) != 1:
        return Reason.of("lift.function-bound-twice", name=name, owner=f"{owner}()")
    itself = assignments[0]
    inner = names.function_scope_of(definition)
    anchor = names.top_index(definition)
    if inner is None or anchor is None:
        return Reason.of("lift.function-not-located", name=name)
    free = _free_variables(names, body, inner, itself)
    if isinstance(free, Reason):
        return free
    inside = names.subtree_ids(definition)
    scope: Optional[Scope] = outer
    while scope is not None and not isinstance(scope, GlobalScope):
        for assignment in scope.assignments:
            if assignment is not itself and id(getattr(assignment, "node", None)) in inside:
                return Reason.of("lift.nonlocal", name=assignment.name, owner=_owner(scope))
        scope = scope.parent
    header: List[cst.CSTNode] = _parameter_parts(definition.params)
    if definition.returns is not None:
        header.append(definition.returns)
    reason = _header_reason(names, body, header, anchor)
    if reason is not None:
        return reason
    references: List[cst.Name] = []
    for access in names.accesses_within(outer):
        if itself not in access.referents or id(access.node) in inside:
            continue
        if access.referents != {itself} or not isinstance(access.node, cst.Name):
            return Reason.of("lift.used-oddly", name=name)
        for variable, binding in free.bound.items():
            if access.scope[variable] != {binding}:
                return Reason.of("lift.shadowed", variable=variable, name=name)
        references.append(access.node)
    # "partial" and "functools" may yet be imported for a closure.
    keep = name not in taken and name not in ("partial", "functools") and _may_keep_name(names, name, outer)
    if free.recursive and (free.bound or not keep):
        return Reason.of("lift.recursive-closure" if free.bound else "lift.recursive-rename", name=name)
    new_name = name if keep else names.fresh_name(name, taken)
    return _Lift(definition, anchor, new_name, list(free.bound), references, renamed=not keep)


def _may_keep_name(names: ModuleNames, name: str, outer: Scope) -> bool:
    """A module-level `name` would change what no other code refers to."""
    if name in RESERVED or names.global_assignments(name):
        return False
    for access in names.accesses_of.get(name, ()):
        if not access.referents or names.reads_global(access) or names.is_builtin(access):
            return False
    # An enclosing function binding the name would hide the module-level def.
    scope = outer.parent
    while scope is not None and not isinstance(scope, GlobalScope):
        if name in scope.assignments:
            return False
        scope = scope.parent
    return True


# ------------------------------------------------------------------ functools.partial


@dataclass(frozen=True)
class _Partial:
    """How to spell functools.partial in this module, and the import to add, if any."""

    expression: str  # "partial" or "functools.partial"
    import_line: Optional[str] = None


def _partial_spelling(model: ModuleModel, names: ModuleNames) -> Optional[_Partial]:
    spellings = (("functools", "functools.partial"), ("partial", "partial"))
    # The module's own import first, whichever spelling it uses.
    for local, spelled in spellings:
        bindings = model.module_scope.bindings.get(local, [])
        if len(bindings) != 1 or bindings[0].kind is not BindingKind.IMPORT:
            continue
        if any(local in scope.assignments for scope in names.scopes if scope is not names.global_scope):
            continue  # shadowed somewhere
        qualname = bindings[0].qualname
        if qualname == "functools" or model.catalogue.lookup(qualname).kind is Kind.PARTIAL:
            return _Partial(spelled)
    if "partial" not in names.identifiers:
        return _Partial("partial", "from functools import partial")
    if "functools" not in names.identifiers:
        return _Partial("functools.partial", "import functools")
    return None


def _reference(lift: _Lift, spelling: Optional[_Partial]) -> cst.BaseExpression:
    name = cst.Name(lift.name)
    if not lift.bound:
        return name
    assert spelling is not None
    tight = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    arguments = [cst.Arg(name)] + [
        cst.Arg(value=cst.Name(variable), keyword=cst.Name(variable), equal=tight) for variable in lift.bound
    ]
    return cst.Call(func=cst.parse_expression(spelling.expression), args=arguments)


# ------------------------------------------------------------------ the transform


def _with_keyword_only(params: cst.Parameters, extra: Sequence[str]) -> cst.Parameters:
    if not extra:
        return params
    star = params.star_arg
    if not isinstance(star, (cst.Param, cst.ParamStar)):
        star = cst.ParamStar()
    added = [cst.Param(cst.Name(variable)) for variable in extra]
    return params.with_changes(star_arg=star, kwonly_params=list(params.kwonly_params) + added)


def _def_from_lambda(lam: cst.Lambda, lift: _Lift) -> cst.FunctionDef:
    value = lam.body
    if "\n" in cst.Module([]).code_for_node(value) and not value.lpar:
        # A lambda spread over lines inside a call needs brackets of its own after `return`.
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.FunctionDef(
        name=cst.Name(lift.name),
        params=_with_keyword_only(lam.params, lift.bound),
        body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[cst.Return(value=value)])]),
    )


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _import_position(body: Sequence[cst.BaseStatement]) -> int:
    """After the docstring and the imports that open the module."""
    position = 0
    for index, statement in enumerate(body):
        if (index == 0 and _is_docstring(statement)) or _is_import_line(statement):
            position = index + 1
            continue
        break
    return position


def _blank_lines_above(statement: cst.BaseStatement) -> int:
    return blank_lines(getattr(statement, "leading_lines", ()))


def _paths_to(statement: cst.CSTNode, wanted: Set[int]) -> Set[int]:
    """The ids of the nodes from `statement` down to every node whose id is in `wanted`."""
    found: Set[int] = set()
    path: List[int] = []
    stack: List[Tuple[int, cst.CSTNode]] = [(0, statement)]
    while stack:
        depth, node = stack.pop()
        del path[depth:]
        path.append(id(node))
        if id(node) in wanted:
            found.update(path)
        stack.extend((depth + 1, child) for child in child_nodes(node))
    return found


class _Lifter(cst.CSTTransformer):
    """Replaces lifted callables by their new names and defines them at module level."""

    def __init__(self, lifts: List[_Lift], spelling: Optional[_Partial], body: Sequence[cst.BaseStatement]) -> None:
        super().__init__()
        self.lifts = {id(lift.target): lift for lift in lifts}
        self.order = lifts
        self.spelling = spelling
        self.original_body = body
        self.created: Dict[int, cst.FunctionDef] = {}
        self.references: Dict[int, _Lift] = {}
        #: ids of the nodes on the way from a top-level statement down to one that changes.
        self.on_the_way: Set[int] = set()
        for lift in lifts:
            if lift.bound or lift.renamed:
                for reference in lift.references:
                    self.references[id(reference)] = lift

    def leave_Lambda(self, original_node: cst.Lambda, updated_node: cst.Lambda) -> cst.BaseExpression:
        lift = self.lifts.get(id(original_node))
        if lift is None:
            return updated_node
        self.created[id(original_node)] = _def_from_lambda(updated_node, lift)
        return _reference(lift, self.spelling).with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        lift = self.references.get(id(original_node))
        if lift is None:
            return updated_node
        return _reference(lift, self.spelling).with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> Union[cst.BaseStatement, cst.RemovalSentinel]:
        lift = self.lifts.get(id(original_node))
        if lift is None:
            return updated_node
        moved = updated_node.with_changes(params=_with_keyword_only(updated_node.params, lift.bound))
        if lift.renamed:
            moved = moved.with_changes(name=cst.Name(lift.name))
        self.created[id(original_node)] = moved
        return cst.RemoveFromParent()

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        # A block that lost its first statement starts without blank lines.
        if original_node.body and id(original_node.body[0]) in self.lifts and updated_node.body:
            first = with_blank_lines(updated_node.body[0], 0)
            return updated_node.with_changes(body=[first, *updated_node.body[1:]])
        return updated_node

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Only the way down to a lifted callable or a reference is walked (and rebuilt).
        return id(node) in self.on_the_way

    def apply(self, module: cst.Module, touched: Set[int]) -> cst.Module:
        """`module` with the statements at `touched` transformed and the new definitions in place."""
        statements: List[cst.BaseStatement] = list(module.body)
        wanted = set(self.lifts) | set(self.references)
        for index in touched:
            self.on_the_way.update(_paths_to(statements[index], wanted))
        for index in sorted(touched):
            changed = statements[index].visit(self)
            assert isinstance(changed, cst.BaseStatement)  # a lifted def is never a top-level one
            statements[index] = changed
        return self._assemble(module, statements)

    def _assemble(self, updated_node: cst.Module, statements: List[cst.BaseStatement]) -> cst.Module:
        inserted: Dict[int, List[cst.BaseStatement]] = {}
        for lift in self.order:
            made = self.created.get(id(lift.target))
            if made is not None:
                inserted.setdefault(lift.anchor, []).append(made)
        import_at = -1
        if self.spelling is not None and self.spelling.import_line is not None:
            import_at = _import_position(self.original_body)
        body: List[cst.BaseStatement] = []
        for index in range(len(statements) + 1):
            statement: Optional[cst.BaseStatement] = statements[index] if index < len(statements) else None
            added_import = index == import_at
            if added_import:
                assert self.spelling is not None and self.spelling.import_line is not None
                line = cst.parse_statement(self.spelling.import_line + "\n")
                after_docstring = index > 0 and _is_docstring(statements[index - 1])
                body.append(with_blank_lines(line, 1 if after_docstring else 0))
            defs = inserted.get(index, [])
            for definition in defs:
                body.append(with_blank_lines(definition, 2 if body else 0))
            if statement is None:
                break
            if defs:
                statement = with_blank_lines(statement, max(_blank_lines_above(statement), 2))
            elif added_import and not _is_import_line(statement):
                wanted = 2 if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) else 1
                statement = with_blank_lines(statement, max(_blank_lines_above(statement), wanted))
            body.append(statement)
        return updated_node.with_changes(body=body)
