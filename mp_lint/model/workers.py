"""Where code runs: in child processes (workers), or only in the parent.

A worker is a function of this module handed to a process API (a pool or
executor task, a `Process` target, an initializer; directly or through a
parameter of a wrapper, see `mp_lint.model.wrappers`), `run()` of a
`Process` subclass of this module, or a module function any of these calls. Pool
workers are daemonic, and so is the target of `Process(daemon=True)`:
they may not start children of their own. `ProcessPoolExecutor` workers
are not daemonic.

Code that runs only in the parent is what sits under the `__main__` guard,
and the module functions that only such code calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from mp_lint.model.apis import Family, Kind
from mp_lint.model.body import FunctionBody, body_of
from mp_lint.model.module import CallSite, FunctionInfo, Handoff, ModuleModel, Role, Scope, call_argument
from mp_lint.model.wrappers import every_handoff

__all__ = ["Workers", "handed_function", "parent_only_functions", "runs_only_in_parent", "workers"]


def _function_of(model: ModuleModel, expr: Optional[cst.BaseExpression], scope: Scope) -> Optional[FunctionInfo]:
    """The module function a hand-off's callable names (through `partial`)."""
    for _ in range(8):
        if isinstance(expr, cst.Call) and model.value_of(expr.func, scope).kind is Kind.PARTIAL:
            expr = call_argument(expr, 0, "func")
            continue
        if isinstance(expr, cst.Name):
            return model.function_called(expr, scope)
        return None
    return None


def handed_function(model: ModuleModel, handoff: Handoff) -> Optional[FunctionInfo]:
    """The module function a hand-off ships (looking through `partial`), if any."""
    return _function_of(model, handoff.callable_expr, handoff.site.scope)


@dataclass(frozen=True)
class Workers:
    """The functions that run in child processes."""

    #: reachable from a pool or executor initializer.
    initializer: Tuple[FunctionInfo, ...]
    #: every worker: tasks, targets, `run()` of Process subclasses, initializers.
    every: Tuple[FunctionInfo, ...]
    #: the functions handed over directly (and `run()` of Process subclasses).
    roots: Tuple[FunctionInfo, ...] = ()
    #: workers that run in a daemonic process: pool tasks and initializers,
    #: `Process(daemon=True)` targets, DataLoader hooks, and what they call.
    daemonic: Tuple[FunctionInfo, ...] = ()
    #: pool and executor tasks (whose exceptions are pickled back to the
    #: parent), and what they call.
    tasks: Tuple[FunctionInfo, ...] = ()

    def is_worker(self, info: FunctionInfo) -> bool:
        """Whether `info` runs in a child process."""
        return any(worker is info for worker in self.every)

    def is_daemonic(self, info: FunctionInfo) -> bool:
        """Whether `info` runs in a daemonic child (which may not start processes)."""
        return any(worker is info for worker in self.daemonic)


def _runs_daemonic(model: ModuleModel, handoff: Handoff) -> bool:
    """A pool task or initializer, a DataLoader hook, or the target of a daemonic `Process`."""
    role, api_kind = handoff.role, handoff.api.kind
    if role is Role.TASK:
        return api_kind is Kind.POOL
    if role is Role.INITIALIZER:
        return handoff.method == "Pool"
    if role is Role.HOOK:
        return api_kind is Kind.DATALOADER  # torch starts its workers with daemon=True
    daemon = call_argument(handoff.site.node, 6, "daemon")
    if daemon is not None:
        return isinstance(daemon, cst.Name) and daemon.value == "True"
    return _set_daemon_later(model, handoff.site)


def _set_daemon_later(model: ModuleModel, site: CallSite) -> bool:
    """`p = Process(target=f)` then `p.daemon = True` in the same scope."""
    if not model.daemon_assignments:
        return False
    names = [
        name
        for name, bindings in site.scope.bindings.items()
        if any(binding.expr is site.node for binding in bindings)
    ]
    for scope, name, value in model.daemon_assignments:
        if scope is site.scope and name in names:
            return isinstance(value, cst.Name) and value.value == "True"
    return False


def workers(model: ModuleModel) -> Workers:
    """Functions handed to a process API (pickle family), and what they call."""
    cached: Optional[Workers] = model.derived.get("workers.team")
    if cached is not None:
        return cached
    roots: List[FunctionInfo] = []
    initializer_roots: List[FunctionInfo] = []
    daemonic_roots: List[FunctionInfo] = []
    task_roots: List[FunctionInfo] = []
    for handoff in every_handoff(model):
        info = _function_of(model, handoff.callable_expr, handoff.site.scope)
        if info is None:
            continue
        if _runs_daemonic(model, handoff):
            daemonic_roots.append(info)
        if handoff.api.family is not Family.PICKLE:
            continue
        roots.append(info)
        if handoff.role is Role.TASK:
            task_roots.append(info)
        if handoff.role is Role.INITIALIZER:
            initializer_roots.append(info)
    for klass in model.classes:
        run = klass.methods.get("run")
        if run is None:
            continue
        value = model.class_value(klass)  # Process subclasses of this module
        if value.kind is Kind.PROCESS_CLASS and value.family is Family.PICKLE:
            roots.append(run)
    initializer: Dict[int, FunctionInfo] = {}
    for info in model.reachable_functions(initializer_roots):
        initializer[id(info)] = info
    every = model.reachable_functions(roots)
    unique = {id(root): root for root in roots}
    daemonic = model.reachable_functions(daemonic_roots)
    tasks = model.reachable_functions(task_roots)
    team = Workers(tuple(initializer.values()), tuple(every), tuple(unique.values()), tuple(daemonic), tuple(tasks))
    model.derived["workers.team"] = team
    return team


def parent_only_functions(model: ModuleModel) -> FrozenSet[int]:
    """Ids of the module functions that run only in the parent.

    A function qualifies when code under the `__main__` guard calls it
    (directly or through other such functions), no worker is it, and its
    name is used nowhere else than in calls from such code: a function
    passed on, called at import or from anywhere else may run in a child.
    """
    cached: Optional[FrozenSet[int]] = model.derived.get("workers.parent_only")
    if cached is not None:
        return cached
    team = workers(model)
    worker_ids = {id(info) for info in team.every}
    site_of: Dict[int, CallSite] = {id(site.node): site for site in model.calls}
    entries = [
        callee
        for site in model.calls
        if site.function is None and site.guarded and site.scope.kind == "module"
        for callee in [model.function_called(site.node.func, site.scope)]
        if callee is not None
    ]
    # What a worker calls is a worker too: dropping workers drops what only they reach.
    candidates = {id(info): info for info in model.reachable_functions(entries) if id(info) not in worker_ids}
    module_body = body_of(model, model.module)
    changed = True
    while changed:  # drop any function used other than by calls from parent-only code
        changed = False
        for key, info in list(candidates.items()):
            reads = module_body.reads.get(info.name, [])
            if info.outer is not model.module_scope or not _only_called_from(module_body, reads, site_of, candidates):
                del candidates[key]
                changed = True
    result = frozenset(candidates)
    model.derived["workers.parent_only"] = result
    return result


def _only_called_from(
    body: FunctionBody, reads: List[cst.Name], site_of: Dict[int, CallSite], functions: Dict[int, FunctionInfo]
) -> bool:
    """Every read is the callee of a call under the guard or in one of `functions`."""
    for read in reads:
        call = body.parent_of(read)
        if not (isinstance(call, cst.Call) and call.func is read):
            return False
        site = site_of.get(id(call))
        if site is None:
            return False
        if site.function is None:
            if not (site.guarded and site.scope.kind == "module"):
                return False
        elif id(site.function) not in functions:
            return False
    return True


def runs_only_in_parent(model: ModuleModel, site: CallSite) -> bool:
    """Whether the code at `site` runs only in the parent process."""
    if site.function is None:
        return site.guarded and site.scope.kind == "module"
    return id(site.function) in parent_only_functions(model)
