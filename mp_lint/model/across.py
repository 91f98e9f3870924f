"""Across modules: calls of the linted file that lead into another module.

The engine attaches the linted file's place (`attach`); the rules then ask
which module-level calls start processes elsewhere (`entry_calls`, MPL102),
return a started pool (`pool_factories`, MPL101), or hand one of their
arguments to a child (`handed_arguments`, MPL2xx). Every finding is
reported in the linted file, at the call that leads to the other module.
Only calls that can matter are resolved: calls at import time outside the
guard, calls in the functions those reach, and calls given a callable that
cannot be pickled by name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

import libcst as cst

from mp_lint.config import Config
from mp_lint.model.apis import Kind, Value
from mp_lint.model.imports import Place, absolute_name, place_of
from mp_lint.model.module import CallableKind, CallSite, FunctionInfo, ModuleModel, Role
from mp_lint.model.project import Project, project_for
from mp_lint.model.summaries import argument_for_slot, imported_name
from mp_lint.model.summary_types import Evidence, Summary

_KEY = "across.context"

_UNPICKLABLE = (CallableKind.LAMBDA, CallableKind.LOCAL_FUNCTION, CallableKind.LOCAL_CLASS, CallableKind.LOCAL_METHOD)


def attach(model: ModuleModel, filename: str, config: Config) -> None:
    """Let the rules look into the modules `model`'s file imports."""
    if os.path.isfile(filename):
        model.derived[_KEY] = (project_for(config), place_of(filename))


@dataclass(frozen=True)
class CrossCall:
    """A call of the linted file into a function of another module."""

    site: CallSite
    #: the callee as written (`utils.parallel_map`).
    label: str
    summary: Summary
    file: str


def where(evidence: Evidence) -> str:
    """`pkg/utils.py:14`: the file relative to its source root, and the line."""
    name = os.path.relpath(evidence.file, place_of(evidence.file).source_root)
    return f"{name.replace(os.sep, '/')}:{evidence.line}"


def _cross_call(model: ModuleModel, site: CallSite) -> Optional[CrossCall]:
    context: Optional[Tuple[Project, Place]] = model.derived.get(_KEY)
    if context is None:
        return None
    cache: Dict[int, Optional[CrossCall]] = model.derived.setdefault("across.calls", {})
    if id(site) in cache:
        return cache[id(site)]
    project, place = context
    found: Optional[CrossCall] = None
    dotted = imported_name(model, site.node.func, site.scope)
    absolute = absolute_name(dotted, place.package) if dotted else None
    if absolute is not None:
        result = project.summary(absolute, place)
        if result is not None:
            label = cst.Module([]).code_for_node(site.node.func)
            found = CrossCall(site, label, result[0], result[1])
    cache[id(site)] = found
    return found


def _spawn_relevant(model: ModuleModel, evidence: Evidence) -> bool:
    return model.pickles_like_spawn(Value(Kind.POOL, start_method=evidence.start_method))


def _pool_class_in(model: ModuleModel, site: CallSite, key: str) -> Optional[str]:
    expr = argument_for_slot(site.node, key)
    value = model.value_of(expr, site.scope) if expr is not None else None
    if value is None or value.family.value != "pickle":
        return None
    return {Kind.LAZY_POOL_CLASS: "ProcessPoolExecutor", Kind.POOL_CLASS: "Pool"}.get(value.kind)


def starts_processes(model: ModuleModel, call: CrossCall) -> Optional[Evidence]:
    """Where the call starts processes in the other module (spawn-relevant), if it does."""
    evidence = call.summary.starts
    if evidence is None:
        for class_key, conditional in call.summary.starts_if.items():
            name = _pool_class_in(model, call.site, class_key)
            if name is not None:
                evidence = conditional.with_class(name)
                break
    if evidence is None or not _spawn_relevant(model, evidence):
        return None
    return evidence


def _unguarded(model: ModuleModel) -> Iterator[CallSite]:
    for site in model.calls:
        if site.at_import and not site.guarded:
            yield site


def entry_calls(model: ModuleModel) -> Iterator[Tuple[CrossCall, Evidence]]:
    """Module-level calls outside the guard of imported functions that start processes (MPL102)."""
    if model.interactive:
        return
    for site in _unguarded(model):
        call = _cross_call(model, site)
        if call is None or call.summary.returns_pool is not None:
            continue
        evidence = starts_processes(model, call)
        if evidence is not None:
            yield call, evidence


def pool_factories(model: ModuleModel) -> Iterator[Tuple[CrossCall, Evidence]]:
    """Module-level calls outside the guard of imported functions returning a started pool (MPL101)."""
    if model.interactive:
        return
    for site in _unguarded(model):
        call = _cross_call(model, site)
        evidence = call.summary.returns_pool if call is not None else None
        if call is not None and evidence is not None and _spawn_relevant(model, evidence):
            yield call, evidence


def starting_functions(model: ModuleModel, roots: List[FunctionInfo]) -> Dict[int, Evidence]:
    """Functions among `roots` and what they call that call an imported starter (for MPL102)."""
    found: Dict[int, Evidence] = {}
    if model.interactive or _KEY not in model.derived:
        return found
    for info in model.reachable_functions(roots):
        for site in info.calls:
            call = _cross_call(model, site)
            evidence = starts_processes(model, call) if call is not None else None
            if evidence is not None:
                found[id(info)] = evidence
                break
    return found


def handed_arguments(model: ModuleModel) -> Iterator[Tuple[CrossCall, cst.BaseExpression, Evidence]]:
    """Arguments of calls into other modules that the callee hands to a child process.

    Only arguments that cannot be pickled by name are looked at: lambdas,
    local functions and classes, and (in a notebook) the notebook's own
    top-level functions; the rules decide which is which.
    """
    if _KEY not in model.derived:
        return
    for site in model.calls:
        if not site.node.args or imported_name(model, site.node.func, site.scope) is None:
            continue  # only calls of imported functions can lead into another module
        candidates = [(index, arg) for index, arg in enumerate(site.node.args) if not arg.star]
        candidates = [(i, arg) for i, arg in candidates if _may_fail_by_name(model, arg.value, site)]
        if not candidates:
            continue
        call = _cross_call(model, site)
        if call is None:
            continue
        positional = 0
        for index, arg in enumerate(site.node.args):
            key = arg.keyword.value if arg.keyword is not None else str(positional)
            if arg.keyword is None:
                positional += 1
            if not any(i == index for i, _ in candidates):
                continue
            evidence = _handed(model, call, key)
            if evidence is not None:
                yield call, arg.value, evidence


def _may_fail_by_name(model: ModuleModel, expr: cst.BaseExpression, site: CallSite) -> bool:
    kind, _ = model.callable_kind(expr, site.scope)
    if kind in _UNPICKLABLE:
        return True
    return model.interactive and isinstance(expr, (cst.Name, cst.Call))


def _handed(model: ModuleModel, call: CrossCall, key: str) -> Optional[Evidence]:
    evidence = call.summary.hands.get(key)
    if evidence is None:
        for class_key, conditional in call.summary.hands_if.get(key, {}).items():
            name = _pool_class_in(model, call.site, class_key)
            if name is not None:
                evidence = conditional.with_class(name)
                break
    if evidence is None:
        return None
    if evidence.role != Role.TASK.value and not _spawn_relevant(model, evidence):
        return None
    return evidence


def spawn_relevant(model: ModuleModel, evidence: Evidence) -> bool:
    """Whether the child `evidence` describes re-imports and unpickles (not fork)."""
    return _spawn_relevant(model, evidence)
