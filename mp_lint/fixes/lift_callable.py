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

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import Access, BaseAssignment, ComprehensionScope, FunctionScope, GlobalScope, Scope

from mp_lint.fixes.analysis import Analysis, Located
from mp_lint.fixes.base import Declined, FamilyResult, blank_lines, with_blank_lines
from mp_lint.fixes.names import RESERVED, ModuleNames
from mp_lint.model import ModuleModel
from mp_lint.model.apis import Kind
from mp_lint.model.guard import main_guard_polarity
from mp_lint.model.module import BindingKind, CallableKind, Handoff, Role
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


def fix(analysis: Analysis, wanted: Sequence[Located]) -> FamilyResult:
    """Lift the callables behind `wanted` findings, or say why not."""
    module, model = analysis.module, analysis.model
    names = ModuleNames(module)
    body = list(module.body)
    sites: Dict[int, List[Handoff]] = {}
    for handoff in pickled_handoffs(model):
        sites.setdefault(id(handoff.site.node), []).append(handoff)
    lifts: Dict[int, _Lift] = {}
    declined: List[Declined] = []
    taken: Set[str] = set()
    spelling: Optional[_Partial] = None
    for located in sorted(wanted, key=lambda item: (item.line, item.col)):
        found = _targets(model, names, sites.get(id(located.report.node), []), located.code)
        if isinstance(found, str):
            declined.append(Declined.of(located, found))
            continue
        for handoff, target in found:
            if id(target) in lifts:
                continue
            if isinstance(target, cst.Lambda):
                planned = _plan_lambda(names, body, target, handoff, taken)
            else:
                planned = _plan_function(names, body, target, taken)
            if isinstance(planned, _Lift) and planned.bound and spelling is None:
                spelling = _partial_spelling(model, names)
                if spelling is None:
                    planned = "functools.partial cannot be named here without a clash; bind it by hand"
            if isinstance(planned, str):
                declined.append(Declined.of(located, planned))
                continue
            lifts[id(target)] = planned
            taken.add(planned.name)
    _drop_nested(names, lifts)
    if not lifts:
        return FamilyResult(None, declined)
    lifter = _Lifter(list(lifts.values()), spelling, body)
    dropped: Counter[str] = Counter()
    for lift in lifts.values():
        if isinstance(lift.target, cst.Lambda):
            dropped["lambda"] += 1
        elif lift.renamed:
            dropped[lift.target.name.value] += 1 + len(lift.references)
    return FamilyResult(module.visit(lifter), declined, dropped)


# ------------------------------------------------------------------ targets


def _targets(
    model: ModuleModel, names: ModuleNames, handoffs: Sequence[Handoff], code: str
) -> Union[str, List[Tuple[Handoff, _Target]]]:
    """The lambdas (MPL201) or nested functions (MPL202) a finding is about."""
    found: List[Tuple[Handoff, _Target]] = []
    for handoff in handoffs:
        kind, decided = model.callable_kind(handoff.callable_expr, handoff.site.scope)
        if code == "MPL201" and kind is CallableKind.LAMBDA and isinstance(decided, cst.Lambda):
            found.append((handoff, decided))
        elif code == "MPL202" and kind is CallableKind.LOCAL_CLASS:
            return "a class defined in a function is not moved automatically; define it at module level"
        elif code == "MPL202" and kind is CallableKind.LOCAL_METHOD:
            return "a method of a class defined in a function is not moved automatically; move the class"
        elif code == "MPL202" and kind is CallableKind.LOCAL_FUNCTION and isinstance(decided, cst.Name):
            definition = _definition_of(names, decided)
            if isinstance(definition, str):
                return definition
            found.append((handoff, definition))
    if not found:
        return "the callable could not be located again"
    return found


def _definition_of(names: ModuleNames, name: cst.Name) -> Union[str, cst.FunctionDef]:
    scope = names.scope_of(name)
    assignments = list(scope[name.value]) if scope is not None else []
    if len(assignments) != 1 or not isinstance(getattr(assignments[0], "node", None), cst.FunctionDef):
        return f"'{name.value}' is bound more than once where it is used"
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


def _owner(scope: Scope) -> str:
    node = getattr(scope, "node", None)
    return f"{node.name.value}()" if isinstance(node, (cst.FunctionDef, cst.ClassDef)) else "an enclosing scope"


def _global_reason(names: ModuleNames, body: Sequence[cst.BaseStatement], name: str) -> Optional[str]:
    """Why a worker importing the module would not see `name` as the parent does, if so."""
    assignments = names.global_assignments(name)
    if not assignments:
        return f"it reads '{name}', which this module does not define"
    for assignment in assignments:
        if not names.binds_at_import(assignment):
            return f"'{name}' is also assigned inside a function, so a worker may see another value"
        node = getattr(assignment, "node", None)
        index = names.top_index(node) if node is not None else None
        if index is None:
            return f"where '{name}' is bound could not be found"
        statement = body[index]
        if isinstance(statement, cst.If) and main_guard_polarity(statement.test) is not None:
            return f"'{name}' is set under the __main__ guard, which workers do not run"
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
) -> Union[str, _Free]:
    free = _Free()
    for access in names.accesses_within(inner):
        name = _access_name(access)
        referents = access.referents
        if not referents:
            return f"it reads '{name}', which this module does not define"
        if all(names.is_within(referent.scope, inner) for referent in referents):
            continue
        if names.is_builtin(access):
            if name in ("super", "__class__"):
                return "it calls super(), which needs the class it was defined in"
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
            return f"it reads '{name}', which is bound more than once in {_owner(scope)}"
        referent = next(iter(referents))
        scope = referent.scope
        node = getattr(referent, "node", None)
        if isinstance(scope, ComprehensionScope):
            return f"it reads the loop variable '{name}'"
        if isinstance(scope, FunctionScope) and isinstance(getattr(scope, "node", None), cst.FunctionDef):
            if isinstance(node, cst.Param):
                free.bound.setdefault(name, referent)
                continue
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                return f"it uses '{name}', defined inside {_owner(scope)}; move that to module level first"
            return f"it reads '{name}', a local variable of {_owner(scope)}; make it a parameter"
        return f"it reads '{name}' from {_owner(scope)}"
    return free


def _header_reason(
    names: ModuleNames, body: Sequence[cst.BaseStatement], header: Sequence[cst.CSTNode], anchor: int
) -> Optional[str]:
    """Defaults and annotations run where the def (or lambda) is; moved, they run at import."""
    ids: Set[int] = set()
    for node in header:
        ids |= names.subtree_ids(node)
    if not ids:
        return None
    for scope in names.scopes:
        for access in scope.accesses:
            if id(access.node) not in ids or names.is_builtin(access):
                continue
            name = _access_name(access)
            if not names.reads_global(access):
                return f"its defaults or annotations read '{name}', which is not a module-level name"
            reason = _global_reason(names, body, name)
            if reason is not None:
                return reason
            for assignment in names.global_assignments(name):
                index = names.top_index(getattr(assignment, "node"))
                if index is None or index >= anchor:
                    return f"its defaults or annotations read '{name}', which is bound further down"
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
) -> Union[str, _Lift]:
    anchor = names.top_index(lam)
    inner = names.function_scope_of(lam)
    if anchor is None or inner is None:
        return "the lambda could not be located again"
    free = _free_variables(names, body, inner)
    if isinstance(free, str):
        return free
    reason = _header_reason(names, body, _parameter_parts(lam.params), anchor)
    if reason is not None:
        return reason
    name = names.fresh_name(_lambda_name(lam, handoff), taken)
    return _Lift(lam, anchor, name, list(free.bound))


def _plan_function(
    names: ModuleNames, body: Sequence[cst.BaseStatement], definition: cst.FunctionDef, taken: Set[str]
) -> Union[str, _Lift]:
    name = definition.name.value
    outer = names.scope_of(definition)
    enclosing = getattr(outer, "node", None)
    if not isinstance(outer, FunctionScope) or not isinstance(enclosing, cst.FunctionDef):
        return f"'{name}' is not defined directly in a function"
    owner = enclosing.name.value
    if not isinstance(enclosing.body, cst.IndentedBlock) or not any(s is definition for s in enclosing.body.body):
        return f"'{name}' is defined inside a block of {owner}(); move it by hand"
    if definition.asynchronous is not None:
        return f"'{name}' is a coroutine function"
    if definition.decorators:
        return f"'{name}' is decorated, and its decorator runs in {owner}()"
    assignments = list(outer.assignments[name])
    if len(assignments) != 1:
        return f"'{name}' is bound more than once in {owner}()"
    itself = assignments[0]
    inner = names.function_scope_of(definition)
    anchor = names.top_index(definition)
    if inner is None or anchor is None:
        return f"'{name}' could not be located again"
    free = _free_variables(names, body, inner, itself)
    if isinstance(free, str):
        return free
    inside = names.subtree_ids(definition)
    scope: Optional[Scope] = outer
    while scope is not None and not isinstance(scope, GlobalScope):
        for assignment in scope.assignments:
            if assignment is not itself and id(getattr(assignment, "node", None)) in inside:
                return f"it assigns '{assignment.name}' of {_owner(scope)} (nonlocal)"
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
            return f"'{name}' is used in a way the fix cannot follow"
        for variable, binding in free.bound.items():
            if access.scope[variable] != {binding}:
                return f"'{variable}' means something else where '{name}' is used"
        references.append(access.node)
    # "partial" and "functools" may yet be imported for a closure.
    keep = name not in taken and name not in ("partial", "functools") and _may_keep_name(names, name, outer)
    if free.recursive and (free.bound or not keep):
        return f"'{name}' calls itself and needs {'its closure' if free.bound else 'a new name'}; move it by hand"
    new_name = name if keep else names.fresh_name(name, taken)
    return _Lift(definition, anchor, new_name, list(free.bound), references, renamed=not keep)


def _may_keep_name(names: ModuleNames, name: str, outer: Scope) -> bool:
    """A module-level `name` would change what no other code refers to."""
    if name in RESERVED or names.global_assignments(name):
        return False
    for scope in names.scopes:
        if name not in scope.accesses:
            continue
        for access in scope.accesses[name]:
            if not access.referents or names.reads_global(access) or names.is_builtin(access):
                return False
    # An enclosing function binding the name would hide the module-level def.
    scope = outer.parent
    while scope is not None and not isinstance(scope, GlobalScope):
        if name in scope.assignments:
            return False
        scope = scope.parent
    return True


# ------------------------------------------------------------------ names for lambdas

_OPERATORS = {
    cst.Add: "plus", cst.Subtract: "minus", cst.Multiply: "times", cst.Divide: "over",
    cst.FloorDivide: "div", cst.Modulo: "mod", cst.Power: "pow", cst.MatrixMultiply: "matmul",
    cst.BitAnd: "and", cst.BitOr: "or", cst.BitXor: "xor", cst.LeftShift: "lshift", cst.RightShift: "rshift",
    cst.Equal: "eq", cst.NotEqual: "ne", cst.LessThan: "lt", cst.LessThanEqual: "le",
    cst.GreaterThan: "gt", cst.GreaterThanEqual: "ge", cst.In: "in", cst.NotIn: "not_in",
    cst.Is: "is", cst.IsNot: "is_not",
}  # fmt: skip
_MAX_WORDS = 5
_MAX_LENGTH = 32


def _words(node: cst.BaseExpression, depth: int = 0) -> Optional[List[str]]:
    """A few words that say what an expression computes, or None."""
    if depth > 3:
        return None
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, cst.Integer):
        return [node.value] if re.fullmatch(r"[0-9]{1,6}", node.value) else None
    if isinstance(node, cst.Attribute):
        value = _words(node.value, depth + 1) if isinstance(node.value, cst.Name) else None
        return (value or []) + [node.attr.value]  # c.values -> c_values
    if isinstance(node, cst.Call):
        func = _words(node.func, depth + 1)
        if func is None:
            return None
        if len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star:
            argument = _words(node.args[0].value, depth + 1)
            if argument is not None and isinstance(node.func, cst.Name):
                return func + ["of"] + argument  # len(x) -> len_of_x
        return func if len(func) > 1 else ["call"] + func  # print("hi") -> call_print
    if isinstance(node, cst.Subscript):
        value = _words(node.value, depth + 1)
        return None if value is None else value + ["item"]
    if isinstance(node, cst.BinaryOperation):
        left, right = _words(node.left, depth + 1), _words(node.right, depth + 1)
        word = _OPERATORS.get(type(node.operator))
        return None if left is None or right is None or word is None else left + [word] + right
    if isinstance(node, cst.UnaryOperation):
        operand = _words(node.expression, depth + 1)
        word = {cst.Minus: "minus", cst.Not: "not", cst.BitInvert: "invert"}.get(type(node.operator))
        return None if operand is None or word is None else [word] + operand
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        target = node.comparisons[0]
        left, right = _words(node.left, depth + 1), _words(target.comparator, depth + 1)
        word = _OPERATORS.get(type(target.operator))
        return None if left is None or right is None or word is None else left + [word] + right
    return None


def _lambda_name(lam: cst.Lambda, handoff: Handoff) -> str:
    words = _words(lam.body)
    # One word would only repeat a name (`lambda x: x` -> `x`): not a description.
    if words and 1 < len(words) <= _MAX_WORDS:
        name = "_".join(words)
        if len(name) <= _MAX_LENGTH and name.isidentifier() and not name[0].isdigit():
            return name
    if handoff.role is Role.TARGET:
        return "process_target"
    if handoff.role is Role.INITIALIZER:
        return "init_worker"
    return f"{handoff.method}_task"


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

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        inserted: Dict[int, List[cst.BaseStatement]] = {}
        for lift in self.order:
            made = self.created.get(id(lift.target))
            if made is not None:
                inserted.setdefault(lift.anchor, []).append(made)
        import_at = -1
        if self.spelling is not None and self.spelling.import_line is not None:
            import_at = _import_position(self.original_body)
        body: List[cst.BaseStatement] = []
        statements: List[cst.BaseStatement] = list(updated_node.body)
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
