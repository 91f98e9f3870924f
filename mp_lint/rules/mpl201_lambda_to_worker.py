"""MPL201 lambda-to-worker."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.across import handed_arguments
from mp_lint.model.module import CallableKind
from mp_lint.rules.across import across_details
from mp_lint.rules.base import Report, Rule
from mp_lint.rules.handoff import describe, pickled_handoffs


class LambdaToWorker(Rule):
    """What it does:
    Flags a lambda (also inside `functools.partial`, or bound to a name first)
    passed as a pool task (`map`, `imap`, `imap_unordered`, `starmap`,
    `*_async`, `apply`, `submit`), as `Process(target=...)` or as
    `initializer=` of a process pool.

    Why is this bad?
    Everything sent to a worker is pickled, and pickle stores a function by
    its qualified name, which a lambda does not have: `PicklingError: Can't
    pickle <function <lambda>>`. Pool tasks are pickled under every start
    method; `target=` and `initializer=` only under spawn and forkserver.
    Thread pools and cloudpickle/dill-based libraries (joblib, loky,
    multiprocess, pathos) accept lambdas and are never flagged.

    Across modules: a lambda given to a function of another module (your
    project's `utils.parallel_map(fn, xs)`, tqdm's `process_map`) is flagged
    at that call when the function's source hands that parameter to a
    process pool or `Process`, also through `partial`, a rename or
    `*args`/`**kwargs`; not when it only uses it in the parent (`key=`, a
    callback, `fn()`), nor when it uses threads or dill.

    Example:
        with Pool() as pool:
            pool.map(lambda x: x * x, data)

    Use instead:
        def square(x):
            return x * x

        with Pool() as pool:
            pool.map(square, data)
    """

    code = "MPL201"
    name = "lambda-to-worker"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for handoff in pickled_handoffs(model):
            kind, _ = model.callable_kind(handoff.callable_expr, handoff.site.scope)
            if kind is CallableKind.LAMBDA:
                yield self.report(handoff.site.node, api=describe(handoff))
        for call, argument, evidence in handed_arguments(model):
            if model.callable_kind(argument, call.site.scope)[0] is CallableKind.LAMBDA:
                yield self.report(call.site.node, **across_details(call, evidence))
