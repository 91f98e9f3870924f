"""Module-level names workers write (MPL701) or read while only the parent sets them (MPL702)."""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Set

import libcst as cst

from mp_lint.model.apis import Kind
from mp_lint.model.body import FunctionBody, WriteKind, body_of
from mp_lint.model.module import (
    Binding,
    BindingKind,
    FunctionInfo,
)
from mp_lint.model.workers import parent_only_functions
from mp_lint.model.shared_refs import (
    method_name,
    CONTAINER_FILLS,
    GlobalWrite,
    PARENT_FILLS,
    PLAIN_BUILTINS,
    PLAIN_COLLECTIONS,
    StaleRead,
    store_statement,
    SharingBase,
)


class GlobalState(SharingBase):
    """Which globals worker code changes or reads stale."""

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
                write.kind is WriteKind.METHOD and method_name(write.node) in CONTAINER_FILLS
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
            if isinstance(func, cst.Name) and func.value in PLAIN_BUILTINS:
                return self.model.lookup(func.value, binding.scope) is None
            value = self.model.value_of(func, binding.scope)
            return value.kind is Kind.QUALNAME and value.name in PLAIN_COLLECTIONS
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
            return isinstance(call, cst.Call) and call.func is parent and parent.attr.value in PARENT_FILLS
        if isinstance(parent, cst.Subscript) and parent.value is read:
            statement = store_statement(self.module_body, parent)
            return statement is not None and not isinstance(statement, cst.AugAssign)
        return False

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
