"""Function summaries: what calling a function of another module does.

A summary says whether a function starts processes (itself, or through the
functions it calls) and which of its parameters reach a child process (as a
pool or executor task, a `Process` target, an initializer; through
`functools.partial`, a rename, or `*args` / `**kwargs` forwarded whole).
A parameter that is only used in the parent (`key=`, a `callback=`, called
as `fn()`) is not in it.

Parameters are named by *slots*, the way a caller can fill them: `"0"` for
the first positional argument, `"fn"` for the keyword. A wrapper that builds
its pool from a class it is given (tqdm's `_executor_map(PoolExecutor, fn,
...)`) hands `fn` to a child only if that class is a process pool: such
hand-offs are kept conditional on the class's slot (`hands_if`,
`starts_if`) until a caller passes a class the catalogue knows.

Summaries are plain data (JSON-ready) so that they can be cached on disk.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import EXECUTOR_TASK_METHODS, POOL_TASK_METHODS, Family, Kind, Value
from mp_lint.model.module import BindingKind, CallSite, FunctionInfo, Handoff, ModuleModel, Role, Scope, call_argument
from mp_lint.model.body import always_true, body_of
from mp_lint.model.positions import node_starts
from mp_lint.model.summary_types import EMPTY, Evidence, Summary
from mp_lint.model.walk import child_nodes

#: Methods whose first argument runs in a child when the receiver is a process pool.
_TASK_METHODS = POOL_TASK_METHODS | EXECUTOR_TASK_METHODS

_POOL_NAMES = {
    Kind.POOL: "Pool", Kind.EXECUTOR: "ProcessPoolExecutor", Kind.PROCESS: "Process", Kind.MANAGER: "Manager",
}


#: Looks up the summary of an imported dotted name from a module: (summary, file) or None.
ImportedSummary = Callable[[str], Optional[Tuple[Summary, str]]]


class _Slots:
    """The slots of a function's parameters."""

    def __init__(self, info: FunctionInfo) -> None:
        params = info.node.params
        self.keys: Dict[str, List[str]] = {}
        positional = list(params.posonly_params) + list(params.params)
        for index, param in enumerate(positional):
            keys = [str(index)]
            if param not in params.posonly_params:
                keys.append(param.name.value)
            self.keys[param.name.value] = keys
        for param in params.kwonly_params:
            self.keys[param.name.value] = [param.name.value]
        star = params.star_arg
        self.star = star.name.value if isinstance(star, cst.Param) else None
        self.star_index = len(positional)
        self.star_kwarg = params.star_kwarg.name.value if params.star_kwarg is not None else None


class Summarizer:
    """Summaries of the functions of one module model, computed on demand."""

    def __init__(self, model: ModuleModel, path: str, imported: ImportedSummary) -> None:
        self.model = model
        self.path = path
        self.imported = imported
        self._done: Dict[int, Summary] = {}
        self._lines: Dict[int, int] = {}

    def of(self, info: FunctionInfo) -> Summary:
        key = id(info)
        if key not in self._done:
            self._done[key] = EMPTY  # recursion: a cycle adds nothing
            self._done[key] = self._summarize(info)
        return self._done[key]

    # ---------------------------------------------------------------- parts
    def _line(self, node: cst.CSTNode) -> int:
        if id(node) not in self._lines:
            self._lines[id(node)] = node_starts(self.model.module, [node]).get(id(node), (1, 0))[0]
        return self._lines[id(node)]

    def _evidence(self, node: cst.CSTNode, api: str, role: str, value: Value) -> Evidence:
        return Evidence(api, self.path, self._line(node), role, value.family.value, value.start_method)

    def _summarize(self, info: FunctionInfo) -> Summary:
        model = self.model
        slots = _Slots(info)
        summary = Summary()
        for start in model.process_starts():
            if start.site.function is info and summary.starts is None and self._certain(info, start.site.node, slots):
                started = "()" if start.constructor is start.site.node else ".start()"
                api = _POOL_NAMES.get(start.instance.kind, "Pool") + started
                summary.starts = self._evidence(start.site.node, api, "start", start.instance)
        for handoff in model.handoffs():
            if handoff.site.function is info and handoff.api.family is Family.PICKLE:
                evidence = self._evidence(handoff.site.node, _describe(handoff), handoff.role.value, handoff.api)
                for key in self._handed_slots(handoff, slots):
                    if self._certain(info, handoff.site.node, slots, key):
                        summary.hands.setdefault(key, evidence)
        for site in info.calls:
            if self._certain(info, site.node, slots):
                self._class_parameter_pool(site, info, slots, summary)
                self._call(site, info, slots, summary)
        self._returns(info, summary)
        return summary

    def _certain(self, info: FunctionInfo, node: cst.CSTNode, slots: _Slots, key: str = "") -> bool:
        """Whether `node` runs whenever `info` runs, as far as a reader can tell.

        Not under an `if`, a conditional expression, a `while` (other than
        `while True:`), an `except` or a `match` case; and, for the slot
        `key`, after no `if` that returns having used that parameter itself
        (a serial fallback: `if n_jobs == 1: return [fn(x) for x in xs]`).
        Precision first: what only may run gives no finding.
        """
        body = body_of(self.model, info.node)
        current: cst.CSTNode = node
        while True:
            parent = body.parent_of(current)
            if parent is None or parent is info.node:
                break
            if isinstance(parent, _CONDITIONAL) or (isinstance(parent, cst.While) and not always_true(parent.test)):
                return False
            if isinstance(parent, cst.IndentedBlock) and body.parent_of(parent) is info.node:
                break
            current = parent
        names = {name for name, keys in slots.keys.items() if key in keys}
        if slots.star is not None and key.isdigit() and int(key) >= slots.star_index:
            names.add(slots.star)
        if slots.star_kwarg is not None and not key.isdigit() and key not in slots.keys:
            names.add(slots.star_kwarg)
        if not names or not isinstance(info.node.body, cst.IndentedBlock):
            return True
        for statement in info.node.body.body:
            if statement is current:
                break
            if isinstance(statement, cst.If) and _returns_using(statement, names):
                return False
        return True

    def _handed_slots(self, handoff: Handoff, slots: _Slots) -> List[str]:
        scope = handoff.site.scope
        keys = self.param_slots(handoff.callable_expr, scope, slots)
        if handoff.method not in ("map", "imap", "imap_unordered", "starmap", "map_async", "starmap_async"):
            for argument in handoff.arguments:
                keys += self.param_slots(argument, scope, slots)
        return keys

    def param_slots(self, expr: Optional[cst.BaseExpression], scope: Scope, slots: _Slots) -> List[str]:
        """The slots of the parameters `expr` is, or wraps in `partial(...)`."""
        model = self.model
        found: List[str] = []
        pending: List[Tuple[Optional[cst.BaseExpression], Scope]] = [(expr, scope)]
        for _ in range(16):
            if not pending:
                break
            node, where = pending.pop()
            if isinstance(node, cst.Call) and model.value_of(node.func, where).kind is Kind.PARTIAL:
                pending += [(arg.value, where) for arg in node.args if not arg.star]
            elif isinstance(node, cst.Name):
                bindings = model.lookup(node.value, where)
                if not bindings or len(bindings) != 1:
                    continue
                binding = bindings[0]
                if binding.kind is BindingKind.PARAM and node.value in slots.keys:
                    found += slots.keys[node.value]
                elif binding.kind is BindingKind.ASSIGN and binding.unpack_index is None and not binding.from_with:
                    pending.append((binding.expr, binding.scope))
        return found

    def _class_parameter_pool(self, site: CallSite, info: FunctionInfo, slots: _Slots, summary: Summary) -> None:
        """`with PoolExecutor(...) as ex: ex.map(fn, ...)`, `PoolExecutor` a parameter."""
        func = site.node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _TASK_METHODS:
            return
        constructor = self.model.constructor_call(func.value, site.scope)
        if constructor is None or not isinstance(constructor.func, cst.Name):
            return
        name = constructor.func.value
        bindings = self.model.lookup(name, site.scope)
        if not bindings or len(bindings) != 1 or bindings[0].kind is not BindingKind.PARAM or name not in slots.keys:
            return
        method = func.attr.value
        evidence = Evidence(f"{method}()", self.path, self._line(site.node), Role.TASK.value, Family.PICKLE.value)
        target = call_argument(site.node, 0, "fn") or call_argument(site.node, 0, "func")
        for class_key in slots.keys[name]:
            summary.starts_if.setdefault(class_key, evidence)
            for key in self.param_slots(target, site.scope, slots):
                if self._certain(info, site.node, slots, key):
                    summary.hands_if.setdefault(key, {}).setdefault(class_key, evidence)

    def _callee(self, site: CallSite) -> Optional[Tuple[Summary, str]]:
        local = self.model.function_called(site.node.func, site.scope)
        if local is not None:
            return (self.of(local), self.path) if local.outer is self.model.module_scope else None
        qualname = _imported_name(self.model, site.node.func, site.scope)
        return self.imported(qualname) if qualname else None

    def _call(self, site: CallSite, info: FunctionInfo, slots: _Slots, summary: Summary) -> None:
        found = self._callee(site)
        if found is None:
            return
        callee, _ = found
        summary.deps += [dep for dep in callee.deps if dep not in summary.deps]
        if callee.starts is not None and summary.starts is None:
            summary.starts = callee.starts
        for key, evidence in callee.hands.items():
            for mine in self._caller_slots(site, key, slots):
                if self._certain(info, site.node, slots, mine):
                    summary.hands.setdefault(mine, evidence)
        for class_key, evidence in callee.starts_if.items():
            resolved = self._pool_class(site, class_key)
            if resolved is not None and summary.starts is None:
                summary.starts = evidence.with_class(resolved)
            for mine in self._caller_slots(site, class_key, slots):
                summary.starts_if.setdefault(mine, evidence)
        for key, by_class in callee.hands_if.items():
            for class_key, evidence in by_class.items():
                resolved = self._pool_class(site, class_key)
                for mine in self._caller_slots(site, key, slots):
                    if resolved is not None:
                        summary.hands.setdefault(mine, evidence.with_class(resolved))
                    for class_mine in self._caller_slots(site, class_key, slots):
                        summary.hands_if.setdefault(mine, {}).setdefault(class_mine, evidence)

    def _pool_class(self, site: CallSite, key: str) -> Optional[str]:
        """The name of the process pool class a call passes in slot `key`, if it is one."""
        expr = argument_for_slot(site.node, key)
        if expr is None:
            return None
        value = self.model.value_of(expr, site.scope)
        if value.family is not Family.PICKLE:
            return None
        if value.kind is Kind.LAZY_POOL_CLASS:
            return "ProcessPoolExecutor"
        if value.kind is Kind.POOL_CLASS:
            return "Pool"
        return None

    def _caller_slots(self, site: CallSite, key: str, slots: _Slots) -> List[str]:
        """The caller's parameter slots that fill the callee's slot `key` at `site`."""
        call = site.node
        expr = argument_for_slot(call, key)
        if expr is not None:
            return self.param_slots(expr, site.scope, slots)
        if key.isdigit() and slots.star is not None:
            before = 0
            for arg in call.args:
                if arg.keyword is not None:
                    continue
                if arg.star == "*":
                    if isinstance(arg.value, cst.Name) and arg.value.value == slots.star:
                        index = int(key) - before
                        return [str(slots.star_index + index)] if index >= 0 else []
                    return []
                if arg.star:
                    return []
                before += 1
        if not key.isdigit() and slots.star_kwarg is not None:
            for arg in call.args:
                if arg.star == "**" and isinstance(arg.value, cst.Name) and arg.value.value == slots.star_kwarg:
                    return [key]
        return []

    def _returns(self, info: FunctionInfo, summary: Summary) -> None:
        for node in _returned(info.node):
            value = self.model.value_of(node, info.scope)
            if value.kind in (Kind.POOL, Kind.MANAGER) and isinstance(node, cst.Call):
                summary.returns_pool = self._evidence(node, _POOL_NAMES[value.kind] + "()", "start", value)
                return


_CONDITIONAL = (
    cst.If, cst.IfExp, cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchCase, cst.CompIf, cst.BooleanOperation,
)


def _returns_using(statement: cst.If, names: Set[str]) -> bool:
    """An `if` that returns somewhere inside and reads one of `names` there."""
    returns = False
    uses = False
    stack: List[cst.CSTNode] = [statement]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(current, cst.Return):
            returns = True
        elif isinstance(current, cst.Name) and current.value in names:
            uses = True
        stack.extend(child_nodes(current))
    return returns and uses


def argument_for_slot(call: cst.Call, key: str) -> Optional[cst.BaseExpression]:
    """The argument a call gives for slot `key` (a position or a keyword)."""
    if key.isdigit():
        index = int(key)
        position = 0
        for arg in call.args:
            if arg.keyword is not None:
                continue
            if arg.star:
                return None
            if position == index:
                return arg.value
            position += 1
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == key:
            return arg.value
    return None


def _returned(node: cst.FunctionDef) -> List[cst.BaseExpression]:
    """The values of `return` statements of a function, not of nested ones."""
    found: List[cst.BaseExpression] = []
    stack: List[cst.CSTNode] = [node.body]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Return):
            if current.value is not None:
                found.append(current.value)
            continue
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(current, cst.BaseExpression):
            continue  # no statement below an expression
        stack.extend(child_nodes(current))
    return found


def _describe(handoff: Handoff) -> str:
    if handoff.role is Role.TARGET:
        return "Process(target=)"
    if handoff.role is Role.INITIALIZER:
        return f"{handoff.method}(initializer=)"
    return f"{_POOL_NAMES.get(handoff.api.kind, 'Pool')}.{handoff.method}()"


def _imported_name(model: ModuleModel, func: cst.BaseExpression, scope: Scope) -> Optional[str]:
    """The dotted name an imported callee has (`utils.f`, `.helpers.g`), if any."""
    value = model.value_of(func, scope)
    if value.kind is Kind.QUALNAME:
        return value.name
    relative: Dict[str, str] = model.derived.get("summaries.relative") or {}
    if "summaries.relative" not in model.derived:
        relative = _relative_imports(model)
    parts: List[str] = []
    while isinstance(func, cst.Attribute):
        parts.append(func.attr.value)
        func = func.value
    if not isinstance(func, cst.Name) or func.value not in relative:
        return None
    bindings = model.lookup(func.value, scope)
    if not bindings or len(bindings) != 1 or bindings[0].scope is not model.module_scope:
        return None
    return ".".join([relative[func.value]] + list(reversed(parts)))


def _relative_imports(model: ModuleModel) -> Dict[str, str]:
    """Names bound by the module's top-level relative imports (`from .a import f`: f -> .a.f)."""
    found: Dict[str, str] = {}
    for statement in model.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or not small.relative or isinstance(small.names, cst.ImportStar):
                continue
            base = "." * len(small.relative) + (_dotted(small.module) if small.module is not None else "")
            for alias in small.names:
                if not isinstance(alias.name, cst.Name):
                    continue
                local = alias.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                found[local] = base + alias.name.value if base.endswith(".") else f"{base}.{alias.name.value}"
    model.derived["summaries.relative"] = found
    return found


def _dotted(node: cst.BaseExpression) -> str:
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    return ".".join(reversed(parts))


def imported_name(model: ModuleModel, func: cst.BaseExpression, scope: Scope) -> Optional[str]:
    """The dotted name (relative names keep their dots) of an imported callee."""
    return _imported_name(model, func, scope)
