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
    `initializer=` of a process pool. The wrappers count too:
    `tqdm.contrib.concurrent.process_map`, `parmap.map`/`starmap`,
    `loop.run_in_executor(process_pool, fn)`, and under spawn a
    `DataLoader`'s `collate_fn=`/`worker_init_fn=` when `num_workers` is a
    positive literal, and `BaseManager.register(callable=...)` of a manager
    class that is started in this module. Also when the lambda is passed to
    a parameter that a function or method of this module hands to one of
    these (`self._apply(lambda q: ..., qs)` where `_apply(self, func, xs)`
    calls `self._pool.map(func, xs)`), reported at that call.

    Why is this bad?
    Everything sent to a worker is pickled, and pickle stores a function by
    its qualified name, which a lambda does not have: `PicklingError: Can't
    pickle <function <lambda>>`. Pool tasks are pickled under every start
    method; `target=` and `initializer=` only under spawn and forkserver.
    Thread pools (`thread_map` included) and cloudpickle/dill-based
    libraries (joblib, loky, multiprocess, pathos) accept lambdas and are
    never flagged; nor is a DataLoader without worker processes, or a
    manager client that only registers a typeid and connects.

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

    Fix safety:
    Safe when the lambda reads nothing from the function around it: `mp-lint
    --fix` defines it at module level, named after what it computes, and hands
    over that name; the program computes the same. Unsafe when it reads a
    parameter of the enclosing function: the fix passes it with
    `functools.partial(name, k=k)`, which reads the value when the task is
    handed over rather than when the lambda would have run, so it needs `mp-lint
    --fix --unsafe-fixes`. There is no fix when it reads a local or loop
    variable, or a name set only under the guard; the reason is printed.
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
