"""MPL205 interactive-worker."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst

from mp_lint.model import ModuleModel
from mp_lint.model.across import handed_arguments, spawn_relevant
from mp_lint.model.apis import Kind
from mp_lint.model.module import BindingKind, Role, Scope, call_argument
from mp_lint.rules.across import across_details
from mp_lint.rules.base import Report, Rule
from mp_lint.rules.handoff import pickled_handoffs


class InteractiveWorker(Rule):
    """What it does:
    In a notebook, flags a function or class defined in a cell and handed to
    a worker: a pool task (`map`, `imap`, `starmap`, `*_async`, `apply`,
    `submit`), `Process(target=...)`, `initializer=`, or a `Process`
    subclass defined in a cell (also through `functools.partial`, or bound
    to another name first). Applies to notebooks read by `mp-lint` and to
    notebooks checked with `nbqa flake8`.

    Why is this bad?
    pickle sends a function by name: `__main__.square`. A spawned child
    rebuilds `__main__` by importing the main file, and a notebook kernel's
    `__main__` has no file, so the child's `__main__` is empty:
    `AttributeError: Can't get attribute 'square' on <module '__main__'>`.
    Each `Pool` worker dies on its first task and is replaced, so the cell
    never finishes; a `ProcessPoolExecutor` raises `BrokenProcessPool`, and
    a `Process` exits with code 1. Under fork (Linux before Python 3.14) children inherit
    the kernel's memory and it works, which is why notebooks pass on one
    machine and hang on another. Pools of `multiprocess` and `pathos`, which
    pickle functions by value with dill, are not flagged. Not followed (no
    finding): bound methods such as `pool.map(obj.work, ...)` and instances
    of notebook classes passed as arguments, though they fail the same way.

    Also flagged: a notebook function given to a helper of a `.py` module or
    an installed package whose source hands that parameter to a child
    (`parallel_map(square, xs)`), at the call in the cell.

    In a notebook MPL101 and MPL102 stay silent: no child re-imports it, and
    `if __name__ == "__main__":` is true in every cell, so a guard changes
    nothing. Lambdas and nested functions are still MPL201 and MPL202.

    Example:
        # cell 1
        def square(x):
            return x * x

        # cell 2
        with Pool(2) as pool:
            print(pool.map(square, range(10)))

    Use instead:
        # workers.py, next to the notebook
        def square(x):
            return x * x

        # cell 1
        from workers import square

        with Pool(2) as pool:
            print(pool.map(square, range(10)))

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL205"
    name = "interactive-worker"
    spawn_only = True

    def check(self, model: ModuleModel) -> Iterator[Report]:
        if not model.interactive:
            return
        for handoff in pickled_handoffs(model):
            if not model.pickles_like_spawn(handoff.api):
                continue  # forked children inherit the kernel's __main__
            scope = handoff.site.scope
            name = _defined_in_notebook(model, handoff.callable_expr, scope)
            if name is None and handoff.role is Role.TARGET and handoff.api.kind is Kind.PROCESS_CLASS:
                # `Worker()` of `class Worker(Process)`: the process object is pickled.
                name = _defined_in_notebook(model, handoff.site.node.func, scope)
            if name is not None:
                yield self.report(handoff.site.node, callable=name)
        for call, argument, evidence in handed_arguments(model):
            name = _defined_in_notebook(model, argument, call.site.scope) if spawn_relevant(model, evidence) else None
            if name is not None:
                yield self.report(call.site.node, **across_details(call, evidence, callable=name))


def _defined_in_notebook(model: ModuleModel, expr: Optional[cst.BaseExpression], scope: Scope) -> Optional[str]:
    """The name of the top-level function or class of this source that `expr` is.

    Looks through `functools.partial(f, ...)` and `g = f`; anything else
    (attributes, calls, imports, names bound more than once) is None.
    """
    for _ in range(8):  # alias chains are short; bound the walk anyway
        if isinstance(expr, cst.Call) and model.value_of(expr.func, scope).kind is Kind.PARTIAL:
            expr = call_argument(expr, 0, "func")
            continue
        if not isinstance(expr, cst.Name):
            return None
        binding = model.binding_of(expr.value, scope)
        if binding is None:
            return None
        if binding.kind in (BindingKind.DEF, BindingKind.CLASS):
            definition = binding.definition
            if definition is None or definition.is_local or binding.scope is not model.module_scope:
                return None  # local definitions are MPL202's
            name: str = definition.name
            return name
        if binding.kind is BindingKind.ASSIGN and binding.unpack_index is None and not binding.from_with:
            expr, scope = binding.expr, binding.scope
            continue
        return None
    return None
