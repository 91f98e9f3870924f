"""Where `multiprocessing` shared objects and `Manager()` proxies flow, and where workers start.

The base of the sharing analysis (`mp_lint.model.sharing`): values followed
through assignments, through the parameters of this module's functions
(from `Process(args=)`, `initargs=`, `apply(args=)`, `submit`, `starmap`
literals, `partial` and direct calls), and through a global an initializer
sets from its parameter; which functions run in workers, started how.
Whatever cannot be followed is unknown, and unknown never produces a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Set, Tuple, Union

import libcst as cst

from mp_lint.model.apis import Family, Kind
from mp_lint.model.body import FunctionBody, body_of
from mp_lint.model.module import (
    Binding,
    BindingKind,
    CallSite,
    FunctionInfo,
    Handoff,
    IterationSite,
    ModuleModel,
    Role,
    Scope,
    call_argument,
)
from mp_lint.model.workers import handed_function, workers

#: Methods that put into or change a container in place (RULES.md MPL701).
CONTAINER_FILLS = frozenset({"append", "appendleft", "extend", "extendleft", "update", "add", "insert", "setdefault"})
#: Methods that change any object in place (MPL705: the change goes to a copy).
IN_PLACE = CONTAINER_FILLS | frozenset(
    {"pop", "popitem", "popleft", "remove", "discard", "clear", "sort", "reverse", "__setitem__", "__delitem__"}
)
#: A parent statement that only puts into a container does not read it.
PARENT_FILLS = CONTAINER_FILLS - {"setdefault"} | {"clear", "remove", "discard"}
PLAIN_BUILTINS = frozenset({"list", "dict", "set", "bytearray"})
PLAIN_COLLECTIONS = frozenset(
    {"collections.defaultdict", "collections.OrderedDict", "collections.Counter", "collections.deque"}
)
#: `multiprocessing` shared memory whose updates need a lock.
SHARED_MEMORY = frozenset({"Value", "Array", "RawValue", "RawArray"})
LOCKS = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Value", "Array"})
LOCKISH_NAME = re.compile(r"lock|mutex|sem|cond|critical", re.IGNORECASE)
#: Proxies whose items are copies when read.
CONTAINER_PROXIES = frozenset({"dict", "list", "Namespace"})
PROXY_METHODS = frozenset({"dict", "list", "Namespace", "Value", "Array", "Queue", "JoinableQueue"})
MAX_DEPTH = 6


@dataclass(frozen=True)
class Start:
    """A place that makes a worker function run in a child."""

    #: the call that hands the function over or starts the process.
    node: Optional[cst.CSTNode]
    #: the function the call is in (None: module level).
    owner: Optional[FunctionInfo]
    #: the child re-imports the module (spawn or forkserver).
    spawned: bool
    #: several processes run the function (a pool, a loop of `Process`).
    many: bool


@dataclass(frozen=True)
class SharedRef:
    """A `multiprocessing` shared object or `Manager()` proxy an expression is."""

    kind: Kind  # Kind.SYNC or Kind.PROXY
    name: str  # "Value", "Lock", "dict", ...
    #: the constructor calls it may come from.
    constructors: Tuple[cst.Call, ...]


@dataclass(frozen=True)
class GlobalWrite:
    """MPL701: a worker changes a module-level name the parent reads later."""

    function: FunctionInfo
    name: str
    node: cst.CSTNode
    rebinds: bool


@dataclass(frozen=True)
class StaleRead:
    """MPL702: a worker reads a module-level name only the parent sets."""

    function: FunctionInfo
    name: str
    node: cst.Name


@dataclass(frozen=True)
class ImportTimeObject:
    """MPL703: a shared object built at import and used by a worker by name."""

    constructor: cst.Call
    name: str  # the global name
    what: str  # "Value", "Lock", ...


@dataclass(frozen=True)
class UnlockedUpdate:
    """MPL704: a read-modify-write of shared memory that holds no lock."""

    statement: cst.CSTNode
    target: str  # `counter.value`, `totals[i]`
    lock: str  # what to hold, for the message
    lock_zh: str


@dataclass(frozen=True)
class CopyMutation:
    """MPL705: an in-place change of a copy read from a Manager proxy."""

    node: cst.CSTNode
    proxy: str  # "dict", "list", "Namespace"


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _is_none(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def store_statement(body: FunctionBody, node: cst.CSTNode) -> Optional[cst.CSTNode]:
    """The assignment or `del` whose target is `node`, if it is one."""
    parent = body.parent_of(node)
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return body.parent_of(parent)
    if isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.Del)) and parent.target is node:
        return parent
    return None


_OUT_OF_SIGHT = object()
#: What `_follow` gives for a value that flows only from itself.
_CYCLE = SharedRef(Kind.UNKNOWN, "", ())
#: Stand-ins for arguments out of sight: `*unknown` and `**unknown`.
_UNKNOWN_POSITIONAL = cst.Arg(cst.Ellipsis(), star="*")
_UNKNOWN_KEYWORDS = cst.Arg(cst.Ellipsis(), star="**")


class SharingBase:
    """Workers, their starts, and shared objects followed to where they are used."""

    def __init__(self, model: ModuleModel) -> None:
        self.model = model
        self.team = workers(model)
        self.worker_ids: FrozenSet[int] = frozenset(id(info) for info in self.team.every)
        self.initializer_ids: FrozenSet[int] = frozenset(id(info) for info in self.team.initializer)
        self._module_body: Optional[FunctionBody] = None
        self._by_def: Dict[int, FunctionInfo] = {}
        self._shared: Dict[int, Optional[SharedRef]] = {}
        self._resolving: Set[int] = set()
        self._arguments: Dict[Tuple[int, str], Optional[List[Tuple[cst.BaseExpression, Scope]]]] = {}
        self._handed: Dict[int, List[Handoff]] = {}
        self._starts: Dict[int, List[Start]] = {}
        self._callers: Optional[Dict[int, List[CallSite]]] = None
        self._holds: Dict[Tuple[int, ...], bool] = {}
        self._cycled = False
        self._collect_starts()

    @property
    def module_body(self) -> FunctionBody:
        """The index of the whole module: built only when a question needs it."""
        if self._module_body is None:
            self._module_body = body_of(self.model, self.model.module)
            self._by_def = {id(info.node): info for info in self.model.functions}
        return self._module_body

    def callers(self, info: FunctionInfo) -> List[CallSite]:
        """The calls of `info` by its name in this module."""
        if self._callers is None:
            self._callers = {}
            for site in self.model.calls:
                callee = self.model.function_called(site.node.func, site.scope)
                if callee is not None:
                    self._callers.setdefault(id(callee), []).append(site)
        return self._callers.get(id(info), [])

    def _collect_starts(self) -> None:
        model = self.model
        for handoff in model.handoffs():
            info = handed_function(model, handoff)
            if info is None or handoff.api.family is not Family.PICKLE:
                continue
            self._handed.setdefault(id(info), []).append(handoff)
            many = handoff.site.in_loop or handoff.role is Role.INITIALIZER or (
                handoff.role is Role.TASK and handoff.method not in ("apply", "apply_async", "submit")
            )
            start = Start(handoff.site.node, handoff.site.function, model.pickles_like_spawn(handoff.api), many)
            self._reach(info, start)
        for klass in model.classes:
            run = klass.methods.get("run")
            value = model.class_value(klass)
            if run is None or value.kind is not Kind.PROCESS_CLASS or value.family is not Family.PICKLE:
                continue
            spawned = model.pickles_like_spawn(value)
            starts = [
                Start(start.site.node, start.site.function, spawned, _in_loop(start.site))
                for start in model.process_starts()
                if start.instance.kind is Kind.PROCESS and start.instance.name == klass.name
            ]
            for start in starts or [Start(None, None, spawned, False)]:
                self._reach(run, start)

    def _reach(self, root: FunctionInfo, start: Start) -> None:
        for info in self.model.reachable_functions([root]):
            self._starts.setdefault(id(info), []).append(start)

    def starts_of(self, info: FunctionInfo) -> List[Start]:
        """The places that make `info` run in a child process."""
        return self._starts.get(id(info), [])

    def spawned(self, info: FunctionInfo) -> bool:
        """Whether `info` runs in a child that re-imported the module."""
        return any(start.spawned for start in self.starts_of(info))

    def owner_of(self, node: cst.CSTNode) -> Optional[FunctionInfo]:
        """The innermost def around `node` (None at module level)."""
        body = self.module_body
        current = body.parent_of(node)
        while current is not None:
            if isinstance(current, cst.FunctionDef):
                return self._by_def.get(id(current))
            current = body.parent_of(current)
        return None

    def module_bindings(self, name: str, scope: Scope) -> Optional[List[Binding]]:
        """The module-level bindings `name` refers to from `scope`, if it does."""
        bindings = self.model.lookup(name, scope)
        if bindings is None or bindings is not self.model.module_scope.bindings.get(name):
            return None
        return bindings

    def called_by_parent(self) -> FrozenSet[int]:
        """Ids of the functions that code outside the workers calls directly."""
        cached: Optional[FrozenSet[int]] = self.model.derived.get("sharing.called_by_parent")
        if cached is None:
            roots = []
            for site in self.model.calls:
                if site.function is None or id(site.function) not in self.worker_ids:
                    callee = self.model.function_called(site.node.func, site.scope)
                    if callee is not None:
                        roots.append(callee)
            cached = frozenset(id(info) for info in self.model.reachable_functions(roots))
            self.model.derived["sharing.called_by_parent"] = cached
        return cached

    def shared_object(self, expr: cst.BaseExpression, scope: Scope) -> Optional[SharedRef]:
        """The shared object or proxy `expr` is, when every way it gets a value agrees."""
        self._cycled = False
        found = self._follow(expr, scope, 0)
        return None if found is _CYCLE else found

    def _follow(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[SharedRef]:
        """`shared_object`, or `_CYCLE` for a value that flows only from itself.

        `counter = None; def init(c): global counter; counter = c` with
        `initargs=(counter,)`: the initializer's binding comes back to
        `counter`, and adds nothing to what its other bindings give.
        """
        key = id(expr)
        if key in self._shared:
            return self._shared[key]
        if key in self._resolving:
            self._cycled = True
            return _CYCLE
        if depth > MAX_DEPTH:
            return None
        outer_cycled, self._cycled = self._cycled, False
        self._resolving.add(key)
        try:
            found = self._resolve(expr, scope, depth)
        finally:
            self._resolving.discard(key)
        if not self._cycled:  # an answer found inside a cycle may be partial: not kept
            self._shared[key] = found
        self._cycled = self._cycled or outer_cycled
        return found

    def _resolve(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[SharedRef]:
        if isinstance(expr, cst.Call):
            value = self.model.value_of(expr, scope)
            if value.kind in (Kind.SYNC, Kind.PROXY) and value.family is Family.PICKLE:
                return SharedRef(value.kind, value.name, (expr,))
            return None
        if not isinstance(expr, cst.Name):
            return None
        bindings = self.model.lookup(expr.value, scope)
        if not bindings:
            return None
        refs: List[SharedRef] = []
        for binding in bindings:
            if binding.kind is BindingKind.ASSIGN and binding.expr is not None and not binding.from_with:
                if _is_none(binding.expr):
                    continue  # a placeholder, set for real elsewhere
                ref = self._follow(binding.expr, binding.scope, depth + 1)
            elif binding.kind is BindingKind.PARAM:
                ref = self._parameter(expr.value, scope, depth)
            else:
                return None
            if ref is None:
                return None
            refs.append(ref)
        return _merge(refs)

    def _parameter(self, name: str, scope: Scope, depth: int) -> Optional[SharedRef]:
        current: Optional[Scope] = scope
        while current is not None and name not in current.bindings:
            current = current.parent
        info = current.function if current is not None else None
        if info is None or info.outer is not self.model.module_scope:
            return None
        sources = self.arguments_for(info, name)
        if not sources:
            return None
        refs = []
        for expr, where in sources:
            if _is_none(expr):
                continue
            ref = self._follow(expr, where, depth + 1)
            if ref is None:
                return None
            refs.append(ref)
        return _merge(refs)

    def arguments_for(self, info: FunctionInfo, param: str) -> Optional[List[Tuple[cst.BaseExpression, Scope]]]:
        """Every expression passed to `param` of `info` in this module, or None if some are out of sight."""
        key = (id(info), param)
        if key not in self._arguments:
            self._arguments[key] = self._compute_arguments(info, param)
        return self._arguments[key]

    def _compute_arguments(self, info: FunctionInfo, param: str) -> Optional[List[Tuple[cst.BaseExpression, Scope]]]:
        params = info.node.params
        positional = [p.name.value for p in list(params.posonly_params) + list(params.params)]
        keywords = set(positional) | {p.name.value for p in params.kwonly_params}
        if param not in keywords:
            return None  # *args, **kwargs
        index = positional.index(param) if param in positional else None
        default = next(
            (p.default for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
             if p.name.value == param and p.default is not None),
            None,
        )
        found: List[Tuple[cst.BaseExpression, Scope]] = []
        handoff_callables: Set[int] = set()
        calls: List[Tuple[List[cst.Arg], Scope]] = []
        for handoff in self._handed.get(id(info), []):
            handoff_callables.add(id(handoff.callable_expr))
            calls.extend((arg_list, handoff.site.scope) for arg_list in _handed_arguments(handoff))
        for site in self.callers(info):
            calls.append((list(site.node.args), site.scope))
        for read in self.module_body.reads.get(info.name, ()):
            parent = self.module_body.parent_of(read)
            if isinstance(parent, cst.Call) and parent.func is read:
                continue
            if id(read) in handoff_callables:
                continue
            arg = parent
            partial = self.module_body.parent_of(arg) if isinstance(arg, cst.Arg) else None
            if isinstance(partial, cst.Call) and id(partial) in handoff_callables:
                continue
            return None  # passed on somewhere we do not follow
        for args, where in calls:
            value = _argument(args, index, param)
            if value is _OUT_OF_SIGHT:
                return None
            if isinstance(value, cst.BaseExpression):
                found.append((value, where))
            elif default is not None:
                found.append((default, info.outer))
        return found


def _merge(refs: List[SharedRef]) -> Optional[SharedRef]:
    """The one shared object all the ways agree on (cycles add nothing), else None."""
    real = [ref for ref in refs if ref is not _CYCLE]
    if not real:
        return _CYCLE if refs else None
    if any((ref.kind, ref.name) != (real[0].kind, real[0].name) for ref in real):
        return None
    return SharedRef(real[0].kind, real[0].name, tuple({id(c): c for ref in real for c in ref.constructors}.values()))


def _argument(args: List[cst.Arg], index: Optional[int], keyword: str) -> object:
    """The expression given for a parameter, None when not given, or _OUT_OF_SIGHT."""
    position = 0
    for arg in args:
        if arg.star:
            return _OUT_OF_SIGHT
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
            continue
        if position == index:
            return arg.value
        position += 1
    return None


def _elements(node: Optional[cst.BaseExpression]) -> List[cst.Arg]:
    """`args=(a, b)` as arguments; a stand-in when it is not a literal."""
    if node is None:
        return []
    if isinstance(node, (cst.Tuple, cst.List)) and all(isinstance(e, cst.Element) for e in node.elements):
        return [cst.Arg(element.value) for element in node.elements]
    return [_UNKNOWN_POSITIONAL]


def _keywords(node: Optional[cst.BaseExpression]) -> List[cst.Arg]:
    """`kwargs={"a": x}` as keyword arguments; a stand-in when it is not a literal."""
    if node is None:
        return []
    found = []
    if isinstance(node, cst.Dict):
        for element in node.elements:
            key = element.key.evaluated_value if isinstance(element, cst.DictElement) and isinstance(
                element.key, cst.SimpleString) else None
            if not isinstance(key, str) or not key.isidentifier():
                return [_UNKNOWN_KEYWORDS]
            found.append(cst.Arg(element.value, keyword=cst.Name(key)))
        return found
    return [_UNKNOWN_KEYWORDS]


def _handed_arguments(handoff: Handoff) -> List[List[cst.Arg]]:
    """The argument lists a hand-off calls its function with (stand-ins where out of sight)."""
    bound: List[cst.Arg] = []
    callable_expr = handoff.callable_expr
    if isinstance(callable_expr, cst.Call):  # functools.partial(f, ...)
        bound = list(callable_expr.args[1:])
    call = handoff.site.node
    if handoff.role is Role.TARGET:
        lists = [_elements(call_argument(call, 3, "args")) + _keywords(call_argument(call, 4, "kwargs"))]
    elif handoff.role is Role.INITIALIZER:
        lists = [_elements(call_argument(call, 2 if handoff.method == "Pool" else 3, "initargs"))]
    elif handoff.method in ("apply", "apply_async"):
        lists = [_elements(call_argument(call, 1, "args")) + _keywords(call_argument(call, 2, "kwds"))]
    elif handoff.method == "submit":
        lists = [list(call.args[1:])]
    else:  # map, starmap...: one call per item
        lists = _item_arguments(call_argument(call, 1, "iterable"), handoff.method.startswith("starmap"))
    return [bound + arg_list for arg_list in lists]


def _item_arguments(iterable: Optional[cst.BaseExpression], star: bool) -> List[List[cst.Arg]]:
    items: List[cst.BaseExpression]
    if isinstance(iterable, (cst.ListComp, cst.GeneratorExp)):
        items = [iterable.elt]
    elif isinstance(iterable, (cst.List, cst.Tuple)) and all(isinstance(e, cst.Element) for e in iterable.elements):
        items = [element.value for element in iterable.elements]
    else:
        return [[_UNKNOWN_POSITIONAL]]
    if not star:
        return [[cst.Arg(item)] for item in items]
    return [_elements(item) for item in items]


def _in_loop(site: Union[CallSite, IterationSite]) -> bool:
    """A process start inside a loop (a DataLoader's iteration is not one)."""
    return isinstance(site, CallSite) and site.in_loop


def method_name(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.func.attr.value
    return ""
