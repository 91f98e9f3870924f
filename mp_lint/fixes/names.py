"""Where names are bound and read, for the fixes that move code.

Moving a statement or a function is only safe when every name it reads
still means the same thing afterwards. The linter's model answers "what is
this pool?"; this answers "which statement binds the `k` this lambda reads?",
using libcst's scope analysis. It is computed only for files being fixed.
"""

from __future__ import annotations

import builtins
import keyword
from typing import Collection, Dict, Iterable, Iterator, List, Optional, Set, Union

import libcst as cst
from mp_lint.fixes.scoping import Access, Assignment, BuiltinScope, FunctionScope, GlobalScope, Resolver, Scope
from mp_lint.model.walk import child_nodes

BaseAssignment = Assignment

#: Names a new module-level name must never take.
RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)


class ModuleNames:
    """Scopes, bindings and reads of one module, and which top-level statement holds a node."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        resolver = Resolver(module)
        self._scope_of = resolver.scope_at
        self.global_scope: GlobalScope = resolver.module_scope
        self._top: Dict[int, int] = {}
        self._numbered: Dict[str, int] = {}
        #: every identifier used as a variable anywhere in the module (not
        #: attribute names after a dot, not keyword-argument names).
        self.identifiers: Set[str] = set()
        not_variables: Set[int] = set()
        for index, statement in enumerate(module.body):
            stack: List[cst.CSTNode] = [statement]
            while stack:
                node = stack.pop()
                self._top[id(node)] = index
                if isinstance(node, cst.Name):
                    if id(node) not in not_variables:
                        self.identifiers.add(node.value)
                elif isinstance(node, cst.Attribute):
                    not_variables.add(id(node.attr))
                elif isinstance(node, cst.Arg) and node.keyword is not None:
                    not_variables.add(id(node.keyword))
                stack.extend(child_nodes(node))
        self.scopes: List[Scope] = list(resolver.scopes)
        # Indexes built once, so that each question below costs what its answer holds,
        # not a walk over every scope of the module (fixing thousands of findings).
        self._children: Dict[int, List[Scope]] = {}
        self._order = {id(scope): position for position, scope in enumerate(self.scopes)}
        #: every read of a name, by the id of the node that reads it.
        self.access_at: Dict[int, Access] = {}
        self._access_order: Dict[int, int] = {}
        #: every read of each name, in any scope.
        self.accesses_of: Dict[str, List[Access]] = {}
        for scope in self.scopes:
            parent = getattr(scope, "parent", None)
            if parent is not None and parent is not scope and not isinstance(scope, (GlobalScope, BuiltinScope)):
                self._children.setdefault(id(parent), []).append(scope)
            for access in scope.accesses:
                self.access_at.setdefault(id(access.node), access)
                self._access_order.setdefault(id(access), len(self._access_order))
                self.accesses_of.setdefault(access.name, []).append(access)
        #: names bound in some scope other than the module's.
        self.locally_bound: Set[str] = set()
        for scope in self.scopes:
            if scope is not self.global_scope and not isinstance(scope, BuiltinScope):
                self.locally_bound.update(assignment.name for assignment in scope.assignments)

    # ------------------------------------------------------------ where
    def top_index(self, node: cst.CSTNode) -> Optional[int]:
        """The index in `module.body` of the top-level statement holding `node`."""
        return self._top.get(id(node))

    def scope_of(self, node: cst.CSTNode) -> Optional[Scope]:
        """The scope `node` is evaluated in."""
        return self._scope_of.get(id(node))

    def subtree_ids(self, node: cst.CSTNode) -> Set[int]:
        """The ids of `node` and every node below it that can hold code."""
        found: Set[int] = set()
        stack: List[cst.CSTNode] = [node]
        while stack:
            current = stack.pop()
            found.add(id(current))
            stack.extend(child_nodes(current))
        return found

    def order_of(self, access: Access) -> int:
        """Where `access` comes in a walk over every scope's reads, scope by scope."""
        return self._access_order.get(id(access), -1)

    # ------------------------------------------------------------ scopes
    @staticmethod
    def runs_at_import(scope: Optional[Scope]) -> bool:
        """Code in `scope` runs while the module is imported (not in a function or lambda)."""
        current = scope
        while current is not None and not isinstance(current, GlobalScope):
            if isinstance(current, FunctionScope):
                return False
            current = current.parent
        return current is not None

    @staticmethod
    def is_within(scope: Scope, outer: Scope) -> bool:
        """`scope` is `outer` or nested inside it."""
        current: Optional[Scope] = scope
        while current is not None:
            if current is outer:
                return True
            if isinstance(current, (GlobalScope, BuiltinScope)):
                return False
            current = current.parent
        return False

    def scopes_within(self, outer: Scope) -> List[Scope]:
        """`outer` and every scope nested inside it."""
        found: List[Scope] = []
        stack: List[Scope] = [outer]
        seen: Set[int] = set()
        while stack:
            scope = stack.pop()
            if id(scope) in seen:
                continue
            seen.add(id(scope))
            found.append(scope)
            stack.extend(self._children.get(id(scope), []))
        return sorted(found, key=lambda scope: self._order[id(scope)])

    def function_scope_of(self, node: Union[cst.FunctionDef, cst.Lambda]) -> Optional[FunctionScope]:
        """The scope a function's or lambda's body runs in."""
        scope = self._scope_of.get(id(node.body))
        if isinstance(scope, FunctionScope) and getattr(scope, "node", None) is node:
            return scope
        return None

    def accesses_within(self, outer: Scope) -> Iterator[Access]:
        """Every read of a name in `outer` and the scopes nested inside it."""
        for scope in self.scopes_within(outer):
            yield from scope.accesses

    # ------------------------------------------------------------ globals
    def global_assignments(self, name: str) -> List[BaseAssignment]:
        """Every binding of `name` in the module namespace (`global` writes in functions too)."""
        if name not in self.global_scope.assignments:
            return []
        return list(self.global_scope.assignments[name])

    def binds_at_import(self, assignment: BaseAssignment) -> bool:
        """The binding runs at import (not a `global` write inside a function)."""
        node = getattr(assignment, "node", None)
        return node is not None and self.runs_at_import(self._scope_of.get(id(node)))

    def is_builtin(self, access: Access) -> bool:
        """The read resolves to a builtin."""
        return bool(access.referents) and all(isinstance(r.scope, BuiltinScope) for r in access.referents)

    def reads_global(self, access: Access) -> bool:
        """The read resolves to the module namespace."""
        return bool(access.referents) and all(isinstance(r.scope, GlobalScope) for r in access.referents)

    def name_is_free(self, name: str, extra_taken: Collection[str] = ()) -> bool:
        """`name` may be introduced at module level without changing any other name."""
        return (
            name.isidentifier()
            and name not in RESERVED
            and name not in self.identifiers
            and name not in extra_taken
            and not name.startswith("__")
        )

    def fresh_name(self, base: str, extra_taken: Iterable[str] = ()) -> str:
        """`base`, or `base_2`, `base_3`... whichever is free first."""
        taken = extra_taken if isinstance(extra_taken, (set, frozenset)) else set(extra_taken)
        if self.name_is_free(base, taken):
            return base
        # Numbers below the last one handed out for `base` were taken then and still are.
        number = self._numbered.get(base, 2)
        while not self.name_is_free(f"{base}_{number}", taken):
            number += 1
        self._numbered[base] = number
        return f"{base}_{number}"
