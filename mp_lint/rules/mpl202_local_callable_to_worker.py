"""MPL202 local-callable-to-worker."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from mp_lint.model import ModuleModel
from mp_lint.model.across import handed_arguments
from mp_lint.model.module import CallableKind
from mp_lint.rules.across import across_details
from mp_lint.rules.base import Report, Rule
from mp_lint.rules.handoff import describe, pickled_handoffs

_LOCAL_KINDS = (
    CallableKind.LOCAL_FUNCTION,
    CallableKind.LOCAL_CLASS,
    CallableKind.LOCAL_METHOD,
    CallableKind.CLOSURE,
)


class LocalCallableToWorker(Rule):
    """What it does:
    Flags a nested function, a closure, a method of a class defined inside a
    function, or a class defined inside a function, handed to a worker in
    the places MPL201 lists, the wrappers included (`process_map`,
    `parmap`, `run_in_executor`, a DataLoader's hooks, `register(callable=)`),
    also through `functools.partial`, and the closure a factory of this
    module returns (`f = make_converter(gain)` where every `return` of
    `make_converter` gives a nested function or a lambda). A factory that
    may also return something else stays silent.

    Why is this bad?
    pickle finds a function again by importing its module and looking up its
    qualified name. A function defined inside another function is not an
    attribute of any module: `AttributeError: Can't pickle local object
    'main.<locals>.work'`. Also flagged at a call of another module's
    function whose source hands that parameter to a child (see MPL201).

    Example:
        def main():
            def work(x):
                return x * 2
            with Pool() as pool:
                pool.map(work, range(10))

    Use instead:
        def work(x):
            return x * 2

        def main():
            with Pool() as pool:
                pool.map(work, range(10))

    Fix safety:
    Safe when the nested function reads nothing from the function around it:
    `mp-lint --fix` moves it to module level, keeping its name where no other
    code would change; the program computes the same. Unsafe when it reads a
    parameter of the enclosing function: the fix adds it as a keyword-only
    parameter and passes it with `functools.partial(name, k=k)`, which reads the
    value when the task is handed over rather than when the function runs, so it
    needs `mp-lint --fix --unsafe-fixes`. There is no fix for a local class or
    method, a decorated or `async` function, or one that reads a local variable
    or writes a `nonlocal`; the reason is printed.
    """

    code = "MPL202"
    name = "local-callable-to-worker"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for handoff in pickled_handoffs(model):
            kind, decided_by = model.callable_kind(handoff.callable_expr, handoff.site.scope)
            if kind in _LOCAL_KINDS and decided_by is not None:
                if isinstance(decided_by, cst.Name):
                    name = decided_by.value
                else:
                    name = cst.Module([]).code_for_node(decided_by)
                yield self.report(handoff.site.node, what=kind.value, callable=name, api=describe(handoff))
        for call, argument, evidence in handed_arguments(model):
            kind, decided_by = model.callable_kind(argument, call.site.scope)
            if kind in _LOCAL_KINDS and decided_by is not None:
                name = cst.Module([]).code_for_node(decided_by)
                yield self.report(call.site.node, **across_details(call, evidence, what=kind.value, callable=name))
