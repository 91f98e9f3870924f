"""Resources opened in workers, and what becomes of them.

For each worker (see `mp_lint.model.workers`), every call in it that opens a
resource (`mp_lint.model.openers`) with the object's lifetime
(`mp_lint.model.lifetimes`): MPL301 asks which leak, MPL302 which a pool
initializer keeps in a global without a `Finalize` to close it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import PROCESS_PACKAGES
from mp_lint.model.lifetimes import Fate, Lifetime, LifetimeAnalysis, StoreKind, Tracked, analysis_of, lifetime
from mp_lint.model.module import FunctionInfo, ModuleModel
from mp_lint.model.openers import FD_CLOSERS, Opener, ResourceKind, opener_of, qualified_name, writes
from mp_lint.model.walk import child_nodes
from mp_lint.model.workers import workers

__all__ = [
    "Fate",
    "Opener",
    "ResourceKind",
    "StoreKind",
    "Tracked",
    "WorkerResource",
    "lifetime",
    "opener_of",
    "qualified_name",
    "worker_resources",
]


@dataclass(frozen=True)
class WorkerResource:
    """A resource opened in a worker, and what becomes of it."""

    call: cst.Call
    opener: Opener
    function: FunctionInfo
    lifetime: Lifetime
    #: the function runs as (or under) a pool initializer.
    in_initializer: bool
    #: a `multiprocessing.util.Finalize` covers the global it is stored in.
    finalized: bool
    #: a file opened for writing (None: the mode is not a literal).
    writes: Optional[bool]

    @property
    def initializer_global(self) -> bool:
        """MPL302's case: a written file kept in a global by an initializer, never finalized."""
        return (
            self.in_initializer
            and self.lifetime.fate is Fate.STORED_GLOBAL
            and not self.finalized
            and self.writes is True
        )


def worker_resources(model: ModuleModel) -> List[WorkerResource]:
    """Every resource-opening call made directly in a worker, with its lifetime."""
    cached: Optional[List[WorkerResource]] = model.derived.get("resources.workers")
    if cached is not None:
        return cached
    found: List[WorkerResource] = []
    team = workers(model)
    initializer_ids = {id(info) for info in team.initializer}
    finalizers: Optional[List[Tuple[Optional[FunctionInfo], Set[str]]]] = None
    setups: Optional[List[Set[int]]] = None
    for info in team.every:
        analysis: Optional[LifetimeAnalysis] = None
        for site in info.calls:
            opener = opener_of(model, site.node, site.scope)
            if opener is None:
                continue
            if analysis is None:
                analysis = analysis_of(model, info)
            close_functions = FD_CLOSERS if opener.kind is ResourceKind.FD else frozenset()
            life = analysis.of_call(site.node, Tracked(opener.closers, close_functions, opener.fd_tuple))
            finalized = False
            if life.fate is Fate.STORED_GLOBAL:
                if finalizers is None or setups is None:
                    finalizers = _finalizers(model)
                    setups = [{id(f) for f in model.reachable_functions([root])} for root in team.roots]
                finalized = _is_finalized(info, life.store_name, finalizers, setups)
            in_initializer = id(info) in initializer_ids
            written = writes(opener, site.node)
            found.append(WorkerResource(site.node, opener, info, life, in_initializer, finalized, written))
    model.derived["resources.workers"] = found
    return found


def _finalizers(model: ModuleModel) -> List[Tuple[Optional[FunctionInfo], Set[str]]]:
    """Each `multiprocessing.util.Finalize(...)`: its function (None: module level), names it mentions."""
    found: List[Tuple[Optional[FunctionInfo], Set[str]]] = []
    for site in model.calls:
        if site.function is None and not site.at_import:
            continue  # in a lambda: when it runs is unknown
        func = site.node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            continue
        if isinstance(func, cst.Name) and func.value != "Finalize":
            continue
        if isinstance(func, cst.Attribute) and func.attr.value != "Finalize":
            continue
        dotted = qualified_name(model, func, site.scope)
        if dotted is None:
            continue
        package, _, rest = dotted.rpartition(".util.")
        if rest != "Finalize" or package not in PROCESS_PACKAGES:
            continue
        names: Set[str] = set()
        stack: List[cst.CSTNode] = [arg.value for arg in site.node.args]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                names.add(node.value)
            stack.extend(child_nodes(node))
        found.append((site.function, names))
    return found


def _is_finalized(
    info: FunctionInfo,
    name: str,
    finalizers: Iterable[Tuple[Optional[FunctionInfo], Set[str]]],
    setups: Iterable[Set[int]],
) -> bool:
    """A Finalize in the same worker setup, or at module level naming the global.

    A Finalize registered by another initializer does not run in the
    workers of this one, so only functions reached from the same root count.
    """
    related: Set[int] = {id(info)}
    for setup in setups:
        if id(info) in setup:
            related |= setup
    for function, names in finalizers:
        if function is None:
            if name in names:
                return True
        elif id(function) in related:
            return True
    return False
