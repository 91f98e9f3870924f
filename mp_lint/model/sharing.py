"""State a child process does not share with its parent.

A child has its own copy of every module-level name: under fork a snapshot
taken when it started, under spawn and forkserver what the re-import of the
module produces. This module answers the questions the MPL7xx rules ask:

- which module-level names worker code changes, and whether code outside the
  workers reads them after the workers were started (MPL701);
- which module-level names worker code reads that the parent sets only under
  the `__main__` guard or in functions only it runs (MPL702);
- which `multiprocessing` objects built at import are used by workers by
  their global name rather than handed over (MPL703);
- which read-modify-writes of a shared `Value`/`Array` in worker code hold no
  lock (MPL704);
- which in-place changes go to a copy read from a `Manager()` proxy (MPL705).

Values are followed through assignments, through the parameters of this
module's functions (from `Process(args=)`, `initargs=`, `apply(args=)`,
`submit`, `starmap` literals, `partial` and direct calls), and through a
global an initializer sets from its parameter. Whatever cannot be followed
is unknown, and unknown never produces a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, Union

import libcst as cst

from mp_lint.model.apis import SYNC_NAMES, Family, Kind
from mp_lint.model.body import FunctionBody, WriteKind, body_of
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
from mp_lint.model.workers import handed_function, parent_only_functions, workers

__all__ = [
    "Sharing",
    "SharedRef",
    "Start",
    "sharing_for",
]

#: Methods that put into or change a container in place (RULES.md MPL701).
_CONTAINER_FILLS = frozenset({"append", "appendleft", "extend", "extendleft", "update", "add", "insert", "setdefault"})
#: Methods that change any object in place (MPL705: the change goes to a copy).
_IN_PLACE = _CONTAINER_FILLS | frozenset(
    {"pop", "popitem", "popleft", "remove", "discard", "clear", "sort", "reverse", "__setitem__", "__delitem__"}
)
#: A parent statement that only puts into a container does not read it.
_PARENT_FILLS = _CONTAINER_FILLS - {"setdefault"} | {"clear", "remove", "discard"}
_PLAIN_BUILTINS = frozenset({"list", "dict", "set", "bytearray"})
_PLAIN_COLLECTIONS = frozenset(
    {"collections.defaultdict", "collections.OrderedDict", "collections.Counter", "collections.deque"}
)
#: `multiprocessing` shared memory whose updates need a lock.
SHARED_MEMORY = frozenset({"Value", "Array", "RawValue", "RawArray"})
_LOCKS = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition", "Value", "Array"})
_LOCKISH_NAME = re.compile(r"lock|mutex|sem|cond|critical", re.IGNORECASE)
#: Proxies whose items are copies when read.
_CONTAINER_PROXIES = frozenset({"dict", "list", "Namespace"})
_PROXY_METHODS = frozenset({"dict", "list", "Namespace", "Value", "Array", "Queue", "JoinableQueue"})
_MAX_DEPTH = 6


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


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _is_none(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _store_statement(body: FunctionBody, node: cst.CSTNode) -> Optional[cst.CSTNode]:
    """The assignment or `del` whose target is `node`, if it is one."""
    parent = body.parent_of(node)
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return body.parent_of(parent)
    if isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.Del)) and parent.target is node:
        return parent
    return None


class Sharing:
    """The MPL7xx questions about one module, answered on demand."""

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

    # ------------------------------------------------------------ where code runs
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

    # ----------------------------------------------------------------- MPL701
    def worker_global_writes(self) -> Iterator[GlobalWrite]:
        """Changes of module-level names in workers that the parent reads after the start."""
        module_bindings = self.model.module_scope.bindings
        containers = {
            name for name, bindings in module_bindings.items() if all(self._plain_container(b) for b in bindings)
        }
        for info in self.team.every:
            if id(info) in self.initializer_ids:
                continue  # setting globals is an initializer's job
            candidates = containers | (info.scope.global_names & module_bindings.keys())
            if not candidates:
                continue
            body = body_of(self.model, info.node)
            for name in candidates & body.names.keys():
                write = self._first_global_write(info, body, name)
                if write is None or id(info) in self.called_by_parent():
                    continue  # none; or the function runs in the parent too
                if self._read_after_start(name, info):
                    yield write

    def _first_global_write(self, info: FunctionInfo, body: FunctionBody, name: str) -> Optional[GlobalWrite]:
        bindings = self.module_bindings(name, info.scope)
        if bindings is None:
            return None
        nested = {id(use.node) for use in body.uses(name) if use.nested}
        for write in body.writes(name):
            if id(write.name) in nested:
                continue
            if write.kind is WriteKind.BIND:
                if name in info.scope.global_names and self._plain_global(bindings):
                    return GlobalWrite(info, name, write.node, True)
            elif write.kind is WriteKind.SUBSCRIPT or (
                write.kind is WriteKind.METHOD and _method_name(write.node) in _CONTAINER_FILLS
            ):
                if all(self._plain_container(binding) for binding in bindings):
                    return GlobalWrite(info, name, write.node, False)
        return None

    def _plain_global(self, bindings: List[Binding]) -> bool:
        """No import, def, shared object or proxy among the bindings."""
        for binding in bindings:
            if binding.kind in (BindingKind.IMPORT, BindingKind.DEF, BindingKind.CLASS):
                return False
            if binding.expr is not None and self.model.value_of(binding.expr, binding.scope).kind in (
                Kind.SYNC, Kind.PROXY
            ):
                return False
        return True

    def _plain_container(self, binding: Binding) -> bool:
        """A list, dict, set or `collections` container built right here."""
        expr = binding.expr
        if binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None or binding.from_with:
            return False
        if isinstance(expr, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
            return True
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Name) and func.value in _PLAIN_BUILTINS:
                return self.model.lookup(func.value, binding.scope) is None
            value = self.model.value_of(func, binding.scope)
            return value.kind is Kind.QUALNAME and value.name in _PLAIN_COLLECTIONS
        return False

    def _read_after_start(self, name: str, writer: FunctionInfo) -> bool:
        """Code outside the workers reads `name` after a start of `writer`."""
        first: Dict[int, int] = {}
        position = self.module_body.position
        for start in self.starts_of(writer):
            if start.node is None:
                continue
            key = id(start.owner) if start.owner is not None else 0
            at = position(start.node)
            first[key] = min(first.get(key, at), at)
        late = self._late_functions(first)
        for read in self.module_body.reads.get(name, ()):
            owner = self.owner_of(read)
            if owner is not None and id(owner) in self.worker_ids:
                continue
            scope = owner.scope if owner is not None else self.model.module_scope
            if self.module_bindings(name, scope) is None or self._only_fills(read):
                continue
            key = id(owner) if owner is not None else 0
            if (key in first and position(read) > first[key]) or (owner is not None and id(owner) in late):
                return True
        return False

    def _late_functions(self, first: Dict[int, int]) -> Set[int]:
        """Functions called after a start (and everything they call)."""
        position = self.module_body.position
        late: Set[int] = set()
        pending: List[FunctionInfo] = []
        for site in self.model.calls:
            key = id(site.function) if site.function is not None else 0
            if key in first and position(site.node) > first[key]:
                callee = self.model.function_called(site.node.func, site.scope)
                if callee is not None:
                    pending.append(callee)
        for info in self.model.reachable_functions(pending):
            late.add(id(info))
        return late

    def _only_fills(self, read: cst.Name) -> bool:
        """`RESULTS.append(x)`, `RESULTS[k] = v` in the parent: not a read of the contents."""
        parent = self.module_body.parent_of(read)
        if isinstance(parent, cst.Attribute) and parent.value is read:
            call = self.module_body.parent_of(parent)
            return isinstance(call, cst.Call) and call.func is parent and parent.attr.value in _PARENT_FILLS
        if isinstance(parent, cst.Subscript) and parent.value is read:
            statement = _store_statement(self.module_body, parent)
            return statement is not None and not isinstance(statement, cst.AugAssign)
        return False

    # ----------------------------------------------------------------- MPL702
    def stale_reads(self) -> Iterator[StaleRead]:
        """Reads in spawned workers of names the parent sets only under the guard."""
        if self.model.interactive:
            return  # a notebook is never re-imported: its workers fail otherwise (MPL205)
        module_scope = self.model.module_scope
        if not any(
            binding.guarded or binding.scope is not module_scope
            for bindings in module_scope.bindings.values()
            for binding in bindings
        ):
            return  # every global is set at import: children see what the parent sees
        for info in self.team.every:
            if not self.spawned(info):
                continue
            body = body_of(self.model, info.node)
            for name, uses in body.names.items():
                bindings = self.module_bindings(name, info.scope)
                if bindings is None or not self._set_only_by_parent(bindings):
                    continue
                reads = {id(read) for read in body.own_reads(name)}
                for use in uses:
                    if id(use.node) in reads:
                        yield StaleRead(info, name, use.node)
                        break

    def _set_only_by_parent(self, bindings: List[Binding]) -> bool:
        module_scope = self.model.module_scope
        at_import = {b.qualname for b in bindings if b.scope is module_scope and not b.guarded and b.qualname}
        by_parent = False
        if any(binding.scope.function is not None and id(binding.scope.function) in self.worker_ids
               for binding in bindings):
            return False  # set in a worker or an initializer
        for binding in bindings:
            if binding.scope is module_scope:
                if binding.guarded and not (binding.kind is BindingKind.IMPORT and binding.qualname in at_import):
                    by_parent = True
                continue
            function = binding.scope.function
            if function is None or id(function) not in parent_only_functions(self.model):
                return False  # set in a worker, an initializer, or code we cannot place
            by_parent = True
        return by_parent

    # ----------------------------------------------------------------- MPL703
    def import_time_objects(self) -> Iterator[ImportTimeObject]:
        """Shared objects built at import that spawned workers use by their global name."""
        if self.model.interactive:
            return  # a notebook is never re-imported: nothing is built again
        module_scope = self.model.module_scope
        reported: Set[int] = set()
        for info in self.team.every:
            if not self.spawned(info):
                continue
            body = body_of(self.model, info.node)
            for name in body.names:
                bindings = self.module_bindings(name, info.scope)
                if bindings is None or len(bindings) != 1 or not any(True for _ in body.own_reads(name)):
                    continue
                binding = bindings[0]
                expr = binding.expr
                if (
                    binding.kind is not BindingKind.ASSIGN
                    or binding.scope is not module_scope
                    or binding.guarded
                    or binding.from_with
                    or not isinstance(expr, cst.Call)
                    or id(expr) in reported
                ):
                    continue
                value = self.model.value_of(expr, module_scope)
                if value.kind is Kind.SYNC and value.family is Family.PICKLE and value.name in SYNC_NAMES:
                    reported.add(id(expr))
                    yield ImportTimeObject(expr, name, value.name)

    # ----------------------------------------------------------------- MPL704
    def unlocked_updates(self) -> Iterator[UnlockedUpdate]:
        """Read-modify-writes of shared Value/Array memory in workers that hold no lock."""
        if not any(
            api.value.kind is Kind.SYNC_FACTORY and api.value.name in SHARED_MEMORY for api in self.model.api_calls()
        ):
            return
        groups: Dict[int, List[Tuple[UnlockedUpdate, FunctionInfo]]] = {}
        refs: Dict[int, SharedRef] = {}
        order: List[int] = []
        for info in self.team.every:
            body = body_of(self.model, info.node)
            if self._called_under_lock(info):
                continue
            for update, ref in self._updates_in(info, body):
                key = id(ref.constructors[0])
                if key not in groups:
                    order.append(key)
                    refs[key] = ref
                groups.setdefault(key, []).append((update, info))
        in_loops = {id(site.node) for site in self.model.calls if site.in_loop} if order else set()
        for key in order:
            found = groups[key]
            if any(id(c) in in_loops for c in refs[key].constructors):
                continue  # a new Value per loop turn: maybe one per process, nothing shared
            starts = {id(s.node): s for _, info in found for s in self.starts_of(info)}
            if len(starts) > 1 or any(start.many for start in starts.values()):
                for update, _ in found:
                    yield update

    def _updates_in(self, info: FunctionInfo, body: FunctionBody) -> Iterator[Tuple[UnlockedUpdate, SharedRef]]:
        for name, uses in body.names.items():
            for use in uses:
                if use.nested:
                    continue
                access = body.parent_of(use.node)
                if isinstance(access, cst.Attribute) and access.value is use.node and access.attr.value == "value":
                    wanted = ("Value", "RawValue")
                elif isinstance(access, cst.Subscript) and access.value is use.node:
                    wanted = ("Array", "RawArray")
                else:
                    continue
                statement = _store_statement(body, access)
                if not _read_modify_write(statement, access):
                    continue
                assert statement is not None
                ref = self.shared_object(use.node, info.scope)
                if ref is None or ref.kind is not Kind.SYNC or ref.name not in wanted:
                    continue
                if self.holds_lock(body, statement, info):
                    continue
                lock = _lock_hint(ref, name)
                lock_zh = "multiprocessing.Lock" if lock.startswith("a ") else lock
                yield UnlockedUpdate(statement, _code(access), lock, lock_zh), ref

    def holds_lock(self, body: FunctionBody, node: cst.CSTNode, info: FunctionInfo) -> bool:
        """`node` sits in a `with` block that may hold a lock, or after an `acquire()`."""
        for block in body.with_blocks_around(node):
            for item in block.items:
                if self._may_be_lock(item.item, info.scope):
                    return True
        at = body.position(node)
        for site in info.calls:
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "acquire" and body.position(site.node) < at:
                return True
        return False

    def _may_be_lock(self, expr: cst.BaseExpression, scope: Scope) -> bool:
        value = self.model.value_of(expr, scope)
        if value.kind in (Kind.SYNC, Kind.PROXY):
            return value.name in _LOCKS
        if value.kind is not Kind.UNKNOWN and value.kind is not Kind.QUALNAME:
            return False  # a pool, a process, a manager...
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value == "get_lock":
                return True
            return bool(_LOCKISH_NAME.search(_code(func)))
        return True  # a name or attribute we cannot resolve may hold a lock

    def _called_under_lock(self, info: FunctionInfo) -> bool:
        for site in self.callers(info):
            caller = site.function
            if caller is None or self.holds_lock(body_of(self.model, caller.node), site.node, caller):
                return True
        return False

    # ----------------------------------------------------------------- MPL705
    def copy_mutations(self) -> Iterator[CopyMutation]:
        """In-place changes of values read from a Manager dict/list/Namespace proxy."""
        for body, scope in self._proxy_bodies():
            for uses in body.names.values():
                for use in uses:
                    found = _mutation_through(body, use.node)
                    if found is None:
                        continue
                    node, step = found
                    ref = self.shared_object(use.node, scope)
                    if ref is None or ref.kind is not Kind.PROXY or ref.name not in _CONTAINER_PROXIES:
                        continue
                    if (step == "attribute") != (ref.name == "Namespace") or (step == "get" and ref.name != "dict"):
                        continue
                    if not self._holds_proxies(ref):
                        yield CopyMutation(node, ref.name)

    def _proxy_bodies(self) -> List[Tuple[FunctionBody, Scope]]:
        """The code a container proxy made in this module can reach: where it is made, what
        that code calls or hands to a child, and every worker (with the scope names resolve in)."""
        cached: Optional[List[Tuple[FunctionBody, Scope]]] = self.model.derived.get("sharing.proxy_bodies")
        if cached is not None:
            return cached
        model = self.model
        makers: Set[int] = set()
        module_level = False
        for api in model.api_calls():
            if api.value.kind is Kind.PROXY_FACTORY and api.value.name in _CONTAINER_PROXIES:
                if api.site.function is None:
                    module_level = True
                else:
                    makers.add(id(api.site.function))
        roots = [info for info in model.functions if id(info) in makers]
        for site in model.calls:
            if (site.function is None and module_level) or (site.function is not None and id(site.function) in makers):
                callee = model.function_called(site.node.func, site.scope)
                if callee is not None:
                    roots.append(callee)
        for handoff in model.handoffs():
            owner = handoff.site.function
            if (owner is None and module_level) or (owner is not None and id(owner) in makers):
                info = handed_function(model, handoff)
                if info is not None:
                    roots.append(info)
        functions = {id(info): info for info in model.reachable_functions(roots)}
        if roots:
            functions.update((id(info), info) for info in self.team.every)
        bodies = [(body_of(model, info.node), info.scope) for info in functions.values()]
        if module_level:
            for statement in model.module.body:
                if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                    bodies.append((FunctionBody(statement, model.module_scope), model.module_scope))
        model.derived["sharing.proxy_bodies"] = bodies
        return bodies

    def _holds_proxies(self, ref: SharedRef) -> bool:
        """Whether the proxy's items may themselves be proxies (then changes do reach them)."""
        key = tuple(id(c) for c in ref.constructors)
        cached = self._holds.get(key)
        if cached is not None:
            return cached
        result = any(self._may_be_proxy(arg.value, self.model.module_scope, 0, deep=True)
                     for constructor in ref.constructors for arg in constructor.args)
        if not result:
            constructors = {id(c) for c in ref.constructors}
            for value, target, scope in self._stores_into_proxies():
                other = self.shared_object(target, scope)
                if other is not None and constructors & {id(c) for c in other.constructors}:
                    if self._may_be_proxy(value, scope, 0, deep=True):
                        result = True
                        break
        self._holds[key] = result
        return result

    def _stores_into_proxies(self) -> List[Tuple[cst.BaseExpression, cst.Name, Scope]]:
        """(value, container name, scope) of every `x[k] = v`, `x.a = v`, `x.update(v)`... proxies reach."""
        cached: Optional[List[Tuple[cst.BaseExpression, cst.Name, Scope]]] = self.model.derived.get("sharing.stores")
        if cached is not None:
            return cached
        found: List[Tuple[cst.BaseExpression, cst.Name, Scope]] = []
        for body, scope in self._proxy_bodies():
            for uses in body.names.values():
                for use in uses:
                    parent = body.parent_of(use.node)
                    if not isinstance(parent, (cst.Attribute, cst.Subscript)) or parent.value is not use.node:
                        continue
                    values: List[cst.BaseExpression] = []
                    statement = _store_statement(body, parent)
                    if isinstance(statement, (cst.Assign, cst.AugAssign, cst.AnnAssign)) and statement.value:
                        values.append(statement.value)
                    call = body.parent_of(parent)
                    if isinstance(parent, cst.Attribute) and isinstance(call, cst.Call) and call.func is parent:
                        if parent.attr.value in _IN_PLACE:
                            values.extend(arg.value for arg in call.args)
                    found.extend((value, use.node, scope) for value in values)
        self.model.derived["sharing.stores"] = found
        return found

    def _may_be_proxy(self, expr: cst.BaseExpression, scope: Scope, depth: int, deep: bool = False) -> bool:
        if depth > _MAX_DEPTH:
            return True
        ref = self.shared_object(expr, scope)
        if ref is not None:
            return ref.kind is Kind.PROXY
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in _PROXY_METHODS:
                owner = self.model.value_of(func.value, scope)
                if owner.kind in (Kind.UNKNOWN, Kind.MANAGER):
                    return True
        if isinstance(expr, cst.Name):
            bindings = self.model.lookup(expr.value, scope) or []
            return any(
                b.kind is BindingKind.ASSIGN and b.expr is not None and self._may_be_proxy(b.expr, b.scope, depth + 1)
                for b in bindings
            )
        if deep or isinstance(expr, (cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.DictComp)):
            stack: List[cst.CSTNode] = [expr]
            while stack:
                node = stack.pop()
                if node is not expr and isinstance(node, (cst.Call, cst.Name)):
                    if self._may_be_proxy(node, scope, depth + 1):
                        return True
                    continue
                stack.extend(node.children)
        return False

    # -------------------------------------------------- shared objects, followed
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
        if depth > _MAX_DEPTH:
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


_OUT_OF_SIGHT = object()
#: What `_follow` gives for a value that flows only from itself.
_CYCLE = SharedRef(Kind.UNKNOWN, "", ())


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


#: Stand-ins for arguments out of sight: `*unknown` and `**unknown`.
_UNKNOWN_POSITIONAL = cst.Arg(cst.Ellipsis(), star="*")
_UNKNOWN_KEYWORDS = cst.Arg(cst.Ellipsis(), star="**")


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


def _method_name(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.func.attr.value
    return ""


def _read_modify_write(statement: Optional[cst.CSTNode], access: cst.BaseExpression) -> bool:
    """`x.value += 1`, or `x.value = <expression reading x.value>`."""
    if isinstance(statement, cst.AugAssign):
        return True
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return False
    stack: List[cst.CSTNode] = [statement.value]
    while stack:
        node = stack.pop()
        if type(node) is type(access) and node.deep_equals(access):
            return True
        stack.extend(node.children)
    return False


def _lock_hint(ref: SharedRef, name: str) -> str:
    if ref.name.startswith("Raw"):
        return "a multiprocessing Lock"
    for constructor in ref.constructors:
        lock = call_argument(constructor, 99, "lock")
        if isinstance(lock, cst.Name) and lock.value == "False":
            return "a multiprocessing Lock"
    return f"with {name}.get_lock():"


def _mutation_through(body: FunctionBody, name: cst.Name) -> Optional[Tuple[cst.CSTNode, str]]:
    """The in-place change of something read from `name` (`name[k].append(x)`...).

    Returns the node to report and how the value was read from `name`
    ("item", "get" or "attribute"); None when `name` itself is what changes.
    """
    parent = body.parent_of(name)
    first: cst.CSTNode
    if isinstance(parent, cst.Subscript) and parent.value is name:
        first, step = parent, "item"
    elif isinstance(parent, cst.Attribute) and parent.value is name:
        call = body.parent_of(parent)
        if isinstance(call, cst.Call) and call.func is parent:
            if parent.attr.value not in ("get", "setdefault"):
                return None
            first, step = call, "get"
        else:
            first, step = parent, "attribute"
    else:
        return None
    if _store_statement(body, first) is not None:
        return None  # `d[k] = v`, `ns.x = v`: stored into the proxy itself
    current = first
    for _ in range(8):
        outer = body.parent_of(current)
        if isinstance(outer, cst.Attribute) and outer.value is current:
            call = body.parent_of(outer)
            if isinstance(call, cst.Call) and call.func is outer:
                return (call, step) if outer.attr.value in _IN_PLACE else None
        elif not (isinstance(outer, cst.Subscript) and outer.value is current):
            return None
        statement = _store_statement(body, outer)
        if statement is not None:
            return statement, step
        current = outer
    return None


def sharing_for(model: ModuleModel) -> Sharing:
    """The (cached) sharing analysis of `model`."""
    cached: Optional[Sharing] = model.derived.get("sharing")
    if cached is None:
        cached = model.derived["sharing"] = Sharing(model)
    return cached


def _in_loop(site: Union[CallSite, IterationSite]) -> bool:
    """A process start inside a loop (a DataLoader's iteration is not one)."""
    return isinstance(site, CallSite) and site.in_loop
