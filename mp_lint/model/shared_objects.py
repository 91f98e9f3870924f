"""Shared objects built at import (MPL703), updated without a lock (MPL704), or
changed through a copy read from a Manager proxy (MPL705)."""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import SYNC_NAMES, Family, Kind
from mp_lint.model.body import FunctionBody, body_of
from mp_lint.model.module import (
    BindingKind,
    FunctionInfo,
    Scope,
    call_argument,
)
from mp_lint.model.workers import handed_function
from mp_lint.model.shared_refs import (
    CONTAINER_PROXIES,
    CopyMutation,
    IN_PLACE,
    ImportTimeObject,
    LOCKISH_NAME,
    LOCKS,
    MAX_DEPTH,
    PROXY_METHODS,
    SHARED_MEMORY,
    SharedRef,
    UnlockedUpdate,
    code,
    store_statement,
    SharingBase,
)


class SharedObjects(SharingBase):
    """How workers use `multiprocessing` shared objects and proxies."""

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
                statement = store_statement(body, access)
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
                yield UnlockedUpdate(statement, code(access), lock, lock_zh), ref

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
            return value.name in LOCKS
        if value.kind is not Kind.UNKNOWN and value.kind is not Kind.QUALNAME:
            return False  # a pool, a process, a manager...
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value == "get_lock":
                return True
            return bool(LOCKISH_NAME.search(code(func)))
        return True  # a name or attribute we cannot resolve may hold a lock

    def _called_under_lock(self, info: FunctionInfo) -> bool:
        for site in self.callers(info):
            caller = site.function
            if caller is None or self.holds_lock(body_of(self.model, caller.node), site.node, caller):
                return True
        return False

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
                    if ref is None or ref.kind is not Kind.PROXY or ref.name not in CONTAINER_PROXIES:
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
            if api.value.kind is Kind.PROXY_FACTORY and api.value.name in CONTAINER_PROXIES:
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
                    statement = store_statement(body, parent)
                    if isinstance(statement, (cst.Assign, cst.AugAssign, cst.AnnAssign)) and statement.value:
                        values.append(statement.value)
                    call = body.parent_of(parent)
                    if isinstance(parent, cst.Attribute) and isinstance(call, cst.Call) and call.func is parent:
                        if parent.attr.value in IN_PLACE:
                            values.extend(arg.value for arg in call.args)
                    found.extend((value, use.node, scope) for value in values)
        self.model.derived["sharing.stores"] = found
        return found

    def _may_be_proxy(self, expr: cst.BaseExpression, scope: Scope, depth: int, deep: bool = False) -> bool:
        if depth > MAX_DEPTH:
            return True
        ref = self.shared_object(expr, scope)
        if ref is not None:
            return ref.kind is Kind.PROXY
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in PROXY_METHODS:
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
    if store_statement(body, first) is not None:
        return None  # `d[k] = v`, `ns.x = v`: stored into the proxy itself
    current = first
    for _ in range(8):
        outer = body.parent_of(current)
        if isinstance(outer, cst.Attribute) and outer.value is current:
            call = body.parent_of(outer)
            if isinstance(call, cst.Call) and call.func is outer:
                return (call, step) if outer.attr.value in IN_PLACE else None
        elif not (isinstance(outer, cst.Subscript) and outer.value is current):
            return None
        statement = store_statement(body, outer)
        if statement is not None:
            return statement, step
        current = outer
    return None
