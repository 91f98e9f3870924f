"""Pools kept on an object: `self.pool = Pool()` and whether anything shuts them down.

A pool or `ProcessPoolExecutor` built straight into an attribute of `self`
(in `__init__`, or lazily in any method) lives as long as the object. It is
shut down when some code of the module calls `close()`/`terminate()` (a
pool) or `shutdown()` (an executor) on an attribute of that name: a
`close()`, `__exit__` or `__del__` method, or any other. The analysis looks
at every occurrence of the attribute's name in the module, on any object:
besides assignments to it, task calls (`self.pool.map(...)`) and tests
(`if self.pool is None`), any other use (passed on, returned, stored
elsewhere, `with self.pool:`, named in a string for `getattr`) may shut it
down out of sight, and the pool counts as handled. So does a class with a
base that is not a class of this module (the base may close it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import EXECUTOR_TASK_METHODS, POOL_TASK_METHODS, Family, Kind
from mp_lint.model.module import BindingKind, ClassInfo, ModuleModel
from mp_lint.model.walk import child_nodes

__all__ = ["KeptPool", "kept_pools"]

_POOL_CLOSERS = frozenset({"close", "terminate"})
_EXECUTOR_CLOSERS = frozenset({"shutdown"})
#: uses of a kept pool that neither shut it down nor hand it elsewhere.
_NEUTRAL_METHODS = POOL_TASK_METHODS | EXECUTOR_TASK_METHODS | {"join"}


@dataclass(frozen=True)
class KeptPool:
    """A pool built into `self.<attribute>` that no code of the module shuts down."""

    klass: ClassInfo
    attribute: str
    constructor: cst.Call
    #: "Pool()" or "ProcessPoolExecutor()".
    api: str


def _kept_constructors(model: ModuleModel) -> List[KeptPool]:
    found = []
    for klass in model.classes:
        if not _own_bases(model, klass, set()):
            continue
        for attribute, bindings in klass.attributes.items():
            for binding in bindings:
                if binding.kind is not BindingKind.ASSIGN or not isinstance(binding.expr, cst.Call):
                    continue
                if binding.from_with or binding.unpack_index is not None:
                    continue
                value = model.value_of(binding.expr.func, binding.scope)
                if value.family is not Family.PICKLE:
                    continue
                if value.kind is Kind.POOL_CLASS and value.name == "Pool":
                    found.append(KeptPool(klass, attribute, binding.expr, "Pool()"))
                elif value.kind is Kind.LAZY_POOL_CLASS:
                    found.append(KeptPool(klass, attribute, binding.expr, "ProcessPoolExecutor()"))
    return found


def _own_bases(model: ModuleModel, klass: ClassInfo, seen: Set[int]) -> bool:
    """No base, `object`, or classes of this module with the same property."""
    if id(klass) in seen:
        return False
    seen.add(id(klass))
    for base in klass.node.bases:
        expr = base.value
        if base.keyword is not None or (isinstance(expr, cst.Name) and expr.value == "object"):
            continue
        binding = model.binding_of(expr.value, klass.outer) if isinstance(expr, cst.Name) else None
        if binding is None or binding.kind is not BindingKind.CLASS or not isinstance(binding.definition, ClassInfo):
            return False
        if not _own_bases(model, binding.definition, seen):
            return False
    return True


#: an attribute node, its parent and grandparent, and the class statement around it.
_Use = Tuple[cst.Attribute, cst.CSTNode, cst.CSTNode, Optional[cst.ClassDef]]


def _attribute_uses(module: cst.Module, names: Set[str]) -> Tuple[Dict[str, List[_Use]], Set[str]]:
    """For each name: its `.name` attribute nodes with their two parents and
    class; and the names that occur as string literals."""
    uses: Dict[str, List[_Use]] = {name: [] for name in names}
    strings: Set[str] = set()
    stack: List[Tuple[cst.CSTNode, cst.CSTNode, cst.CSTNode, Optional[cst.ClassDef]]] = [
        (module, module, module, None)
    ]
    while stack:
        node, parent, grandparent, klass = stack.pop()
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            continue  # `from multiprocessing.pool import ...` names a module
        if isinstance(node, cst.Attribute) and node.attr.value in uses:
            uses[node.attr.value].append((node, parent, grandparent, klass))
        elif isinstance(node, cst.SimpleString) and node.value[1:-1] in names:
            strings.add(node.value[1:-1])
        elif isinstance(node, cst.ClassDef):
            klass = node
        for child in child_nodes(node):
            stack.append((child, node, parent, klass))
    return uses, strings


def _related(model: ModuleModel, klass: ClassInfo) -> Set[int]:
    """Ids of the class statements of `klass`, its bases and its subclasses in this module."""
    related = {id(klass.node)}
    changed = True
    while changed:
        changed = False
        for other in model.classes:
            for base in other.node.bases:
                if not isinstance(base.value, cst.Name):
                    continue
                binding = model.binding_of(base.value.value, other.outer)
                if binding is None or not isinstance(binding.definition, ClassInfo):
                    continue
                pair = {id(other.node), id(binding.definition.node)}
                if pair & related and not pair <= related:
                    related |= pair
                    changed = True
    return related


def _handled(kept: KeptPool, uses: List[_Use], related: Set[int]) -> bool:
    """Whether some use of the attribute shuts the pool down or may do so unseen.

    `self.<name>` in an unrelated class is another object's attribute; on
    any other receiver it may be this pool.
    """
    closers = _POOL_CLOSERS if kept.api == "Pool()" else _EXECUTOR_CLOSERS
    for node, parent, grandparent, klass in uses:
        on_self = isinstance(node.value, cst.Name) and node.value.value == "self"
        if on_self and klass is not None and id(klass) not in related:
            continue
        if isinstance(parent, cst.AssignTarget) and parent.target is node:
            continue  # `self.pool = ...`
        if isinstance(parent, cst.Attribute) and parent.value is node:
            if isinstance(grandparent, cst.Call) and grandparent.func is parent:
                method = parent.attr.value
                if method in closers or method not in _NEUTRAL_METHODS:
                    return True
                continue
            return True  # `self.pool._processes`, `self.pool.close` passed on...
        if isinstance(parent, cst.Comparison) or isinstance(parent, cst.ComparisonTarget):
            continue  # `self.pool is None`
        if isinstance(parent, (cst.If, cst.While)) and parent.test is node:
            continue
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            continue
        return True
    return False


def kept_pools(model: ModuleModel) -> List[KeptPool]:
    """The pools and executors kept on `self` that nothing in the module shuts down."""
    cached: Optional[List[KeptPool]] = model.derived.get("kept.pools")
    if cached is not None:
        return cached
    candidates = _kept_constructors(model)
    result: List[KeptPool] = []
    if candidates:
        uses, strings = _attribute_uses(model.module, {kept.attribute for kept in candidates})
        result = [
            kept
            for kept in candidates
            if kept.attribute not in strings
            and not _handled(kept, uses[kept.attribute], _related(model, kept.klass))
        ]
    model.derived["kept.pools"] = result
    return result
