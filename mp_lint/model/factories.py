"""Functions that make functions: what a call of a closure factory returns.

`make_converter(gain)` whose body is `def convert(x): ...; return convert`
returns a nested function on every call: pickle cannot find it by name, so
handing the call's result to a worker fails like handing the nested
function itself (MPL202).
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from mp_lint.model.scopes import BindingKind, FunctionInfo
from mp_lint.model.walk import child_nodes

__all__ = ["returned_closure"]

_NESTED = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _returns(info: FunctionInfo) -> Optional[List[cst.Return]]:
    """The function's own `return` statements; None when it is a generator."""
    found: List[cst.Return] = []
    stack: List[cst.CSTNode] = [info.node.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Return):
            found.append(node)
        elif isinstance(node, (cst.Yield, cst.Await)):
            return None
        if isinstance(node, _NESTED):
            continue
        stack.extend(child_nodes(node))
    return found


def returned_closure(info: FunctionInfo) -> Optional[cst.BaseExpression]:
    """The nested function or lambda every `return` of `info` returns, else None.

    Each return must give a lambda, or a name bound only by one `def` in
    `info` itself; a factory that may also return something else (a
    module-level function, a `partial`, None) is not one.
    """
    returns = _returns(info)
    if not returns:
        return None
    made: Optional[cst.BaseExpression] = None
    for statement in returns:
        value = statement.value
        if isinstance(value, cst.Lambda):
            made = value
            continue
        if not isinstance(value, cst.Name):
            return None
        bindings = info.scope.bindings.get(value.value)
        if not bindings or len(bindings) != 1 or bindings[0].kind is not BindingKind.DEF:
            return None
        made = value
    return made
