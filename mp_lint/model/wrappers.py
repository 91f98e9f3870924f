"""Callables that reach a process API through a parameter of this module's functions.

`def _apply(self, func, xs): return self._pool.map(func, xs)` hands its
parameter `func` to a pool: a call `self._apply(partial(work, n), qs)` ships
`partial(work, n)` to the children as surely as `pool.map` itself would. Such a
call is a hand-off too, reported where it is made, with `via` naming the
wrapper. Followed: a parameter handed over whole (not wrapped in `partial`
inside the wrapper, not rebound), by position or keyword, from bare-name calls
of a function and `self.method(...)` calls of a method of the same class;
wrappers of wrappers, a few levels deep. Only the callable is carried over:
what the wrapper's own call ships besides (`xs`) is not re-read at the outer
call.
"""

from __future__ import annotations

from typing import Dict, List, Optional

import libcst as cst

from mp_lint.model.module import BindingKind, CallSite, FunctionInfo, Handoff, ModuleModel, call_argument

__all__ = ["every_handoff"]

#: wrappers of wrappers followed at most this deep.
_DEPTH = 3


def every_handoff(model: ModuleModel) -> List[Handoff]:
    """The model's hand-offs and those that go through a parameter of a wrapper."""
    cached: Optional[List[Handoff]] = model.derived.get("wrappers.handoffs")
    if cached is not None:
        return cached
    found = list(model.handoffs())
    frontier = found
    for _ in range(_DEPTH):
        frontier = [outer for handoff in frontier for outer in _through_parameter(model, handoff)]
        if not frontier:
            break
        found += frontier
    model.derived["wrappers.handoffs"] = found
    return found


def _parameter_position(info: FunctionInfo, name: str) -> Optional[int]:
    """The call position of parameter `name` (after `self` for methods); -1 if keyword-only."""
    params = info.node.params
    positional = [param.name.value for param in list(params.posonly_params) + list(params.params)]
    if name in positional:
        index = positional.index(name)
        if _is_method(info):
            index -= 1
        return index if index >= 0 else None
    if any(param.name.value == name for param in params.kwonly_params):
        return -1
    return None


def _is_method(info: FunctionInfo) -> bool:
    if info.klass is None:
        return False
    for decorator in info.node.decorators:
        if isinstance(decorator.decorator, cst.Name) and decorator.decorator.value == "staticmethod":
            return False
    return True


def _calls_named(model: ModuleModel, name: str) -> List[CallSite]:
    """Calls of `name(...)` or `<x>.name(...)`, indexed once per module."""
    index: Optional[Dict[str, List[CallSite]]] = model.derived.get("wrappers.calls")
    if index is None:
        index = {}
        for site in model.calls:
            func = site.node.func
            if isinstance(func, cst.Name):
                index.setdefault(func.value, []).append(site)
            elif isinstance(func, cst.Attribute):
                index.setdefault(func.attr.value, []).append(site)
        model.derived["wrappers.calls"] = index
    return index.get(name, [])


def _calls_of(model: ModuleModel, info: FunctionInfo) -> List[CallSite]:
    """Bare-name calls of a function; `self.name(...)` calls of a method from its class."""
    sites = []
    for site in _calls_named(model, info.name):
        func = site.node.func
        if _is_method(info):
            if not (
                isinstance(func, cst.Attribute)
                and func.attr.value == info.name
                and isinstance(func.value, cst.Name)
                and func.value.value == "self"
                and site.function is not None
                and site.function.klass is info.klass
            ):
                continue
        elif model.function_called(func, site.scope) is not info:
            continue
        sites.append(site)
    return sites


def _through_parameter(model: ModuleModel, handoff: Handoff) -> List[Handoff]:
    info = handoff.site.function
    expr = handoff.callable_expr
    if info is None or not isinstance(expr, cst.Name):
        return []
    bindings = info.scope.bindings.get(expr.value)
    if not bindings or len(bindings) != 1 or bindings[0].kind is not BindingKind.PARAM:
        return []
    position = _parameter_position(info, expr.value)
    if position is None:
        return []
    outer = []
    for site in _calls_of(model, info):
        if position >= 0:
            argument = call_argument(site.node, position, expr.value)
        else:
            argument = next((a.value for a in site.node.args if a.keyword and a.keyword.value == expr.value), None)
        if argument is not None:
            outer.append(Handoff(site, handoff.api, handoff.role, handoff.method, argument, [], via=info))
    return outer
