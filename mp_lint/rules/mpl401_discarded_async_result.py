"""MPL401 discarded-async-result."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from mp_lint.model import ApiCall, ModuleModel
from mp_lint.model.apis import Family, Kind
from mp_lint.model.flow import (
    EXECUTOR_ASYNC_METHODS,
    POOL_ASYNC_METHODS,
    outlives_pool,
    result_never_read,
)
from mp_lint.model.module import call_argument
from mp_lint.rules.base import Report, Rule


def is_async_submission(api: ApiCall) -> bool:
    """`pool.apply_async/map_async/starmap_async` or `executor.submit` of a process pool."""
    receiver = api.receiver
    if receiver is None or receiver.family is not Family.PICKLE:
        return False
    if receiver.kind is Kind.POOL:
        return api.method in POOL_ASYNC_METHODS
    if receiver.kind is Kind.EXECUTOR:
        return api.method in EXECUTOR_ASYNC_METHODS
    return False


def _has_error_callback(call: cst.Call) -> bool:
    """`error_callback=` given (and not None), or `*args`/`**options` that may give it."""
    if any(arg.star for arg in call.args):
        return True
    callback = call_argument(call, 4, "error_callback")
    return callback is not None and not (isinstance(callback, cst.Name) and callback.value == "None")


class DiscardedAsyncResult(Rule):
    """What it does:
    Flags the result of `submit` (ProcessPoolExecutor) or of `apply_async`,
    `map_async`, `starmap_async` (Pool) that is dropped: an expression
    statement, a list of results built and thrown away, or a name (or a list
    the results are appended to) never read again, when no `error_callback=`
    is given. Results that are only waited for count as never read: an
    AsyncResult whose only uses are `.wait()` and `.ready()`, futures only
    asked `.done()` or passed to a `concurrent.futures.wait(...)` statement
    (also element by element, `for r in results: r.wait()`).

    Why is this bad?
    An exception raised in the worker is stored in the Future or AsyncResult
    and re-raised only by `.result()` / `.get()`. Nobody calls them, so the
    failure vanishes: the program prints nothing and the work is silently
    missing. `callback=` does not help, it only runs on success.

    Any other read of the result counts as using it (`.get()`, `.result()`,
    `.exception()`, `.successful()`, `as_completed`, iteration that reads the
    elements, `return`, passing it to a function, storing it in an
    attribute, the result of `wait()` read), as does `add_done_callback`. Deliberately silent: results
    stored in a parameter, a global or a closure variable (another function
    may read them), module-level names outside the `__main__` guard (an
    importer may read them), functions using `locals()`/`eval`, `*args` or
    `**kwargs` that may carry `error_callback=`, thread pools,
    dill/cloudpickle libraries (multiprocess, pathos, loky, joblib), pools
    the analysis cannot identify, and results inside `with Pool() as p:`
    that MPL403 reports (the pool is terminated first).

    Example:
        with ProcessPoolExecutor() as ex:
            for path in paths:
                ex.submit(convert, path)

    Use instead:
        with ProcessPoolExecutor() as ex:
            futures = [ex.submit(convert, path) for path in paths]
            for future in as_completed(futures):
                future.result()  # re-raises the worker's exception

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL401"
    name = "discarded-async-result"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for api in model.api_calls():
            if not is_async_submission(api):
                continue
            call = api.site.node
            if api.method != "submit" and _has_error_callback(call):
                continue
            if not result_never_read(model, api):
                continue
            if outlives_pool(model, api):
                continue  # MPL403 reports it: the pool is terminated first
            yield self.report(call, api=f"{api.method}()")
