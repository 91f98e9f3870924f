"""MPL301 worker-resource-not-closed."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.resources import Fate, StoreKind, worker_resources
from mp_lint.rules.base import Report, Rule


class WorkerResourceNotClosed(Rule):
    """What it does:
    Flags a file, socket, database connection, HTTP session or temporary file
    (a `mkstemp()`/`os.open()` descriptor too) opened in a worker without
    `with` and without a `close()` on every path out of the function:
    `json.load(open(p))`, `for line in open(p):`, `f = open(p)` with a
    `return` that skips `f.close()`. A worker is a function handed to a
    process pool, executor or `Process` (as task, target or initializer),
    `run()` of a `Process` subclass, and the module functions they call.
    A module-level cache that a task fills with handles (`_FILES[p] =
    open(p)`) is flagged too, and so is a file opened for writing kept in a
    `global` by a task.

    Why is this bad?
    Closing is left to the garbage collector. CPython usually closes an
    object when its last reference goes, but a traceback, a reference cycle
    or another interpreter (PyPy) keeps it open for an unknown time, and a
    worker process lives through thousands of tasks: descriptors pile up
    ("Too many open files"), database files stay locked, and written data
    waits in a buffer that is lost when the pool ends its workers with
    `terminate()` (which `with Pool():` does). A module-level cache of
    handles grows with every task and is never closed at all.

    What you will see depends on that last reference. In the common form,
    a file opened and dropped in the same task (`open(path).read()`,
    `json.load(open(p))`), CPython closes the file as soon as the task
    returns: the program works, and the only trace is a `ResourceWarning:
    unclosed file` per task, which Python shows only with warnings on
    (`python -X dev`, `-W default`, pytest); `mp-lint demo MPL301` shows
    exactly that. Descriptors run out ("Too many open files") when the
    handles outlive the task: a cache, a list, a traceback, or PyPy.

    Deliberately not flagged (the analysis cannot tell, so it stays silent):
    an object returned, yielded, aliased, stored on `self` or in a local
    container, handed to a function it does not know (`register(f)`), to
    `contextlib.closing`, `ExitStack.enter_context`, `Finalize`, or captured
    by a nested function. Exception paths are not followed (a `close()` that
    an exception skips is not reported). A resource a pool initializer keeps
    in a global is MPL302's case, not reported here. Thread pools and
    dill/cloudpickle libraries (multiprocess, pathos, joblib, loky) are not
    process APIs for this rule.

    Example:
        def load(path):
            return json.load(open(path))

        with Pool() as pool:
            pool.map(load, paths)

    Use instead:
        def load(path):
            with open(path) as f:
                return json.load(f)

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL301"
    name = "worker-resource-not-closed"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for resource in worker_resources(model):
            life = resource.lifetime
            if life.fate is Fate.STORED_GLOBAL:
                if resource.in_initializer or resource.finalized:
                    continue  # once per worker: MPL302 judges those
                # A lazily opened global singleton only loses written data.
                if life.store is not StoreKind.CONTAINER and resource.writes is not True:
                    continue
            elif life.fate is not Fate.LEAKED:
                continue
            yield self.report(resource.call, what=resource.opener.what, what_zh=resource.opener.what_zh)
