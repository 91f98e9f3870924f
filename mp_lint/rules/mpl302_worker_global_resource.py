"""MPL302 worker-global-resource."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.resources import worker_resources
from mp_lint.rules.base import Report, Rule


class WorkerGlobalResource(Rule):
    """What it does:
    Flags a pool initializer (`Pool(initializer=...)`,
    `ProcessPoolExecutor(initializer=...)`, or a module function it calls)
    that opens a file for writing and keeps it in a global (`global log`
    then `log = open(path, "a")`, or a module-level container) with no
    `multiprocessing.util.Finalize` registered to close it.

    Why is this bad?
    Nothing closes the file when the worker ends, so whatever is still in
    its buffer is lost whenever workers are ended by `terminate()` (which
    `with Pool():` does on exit, under every start method) or exit through
    `os._exit` (fork and forkserver). `atexit` does not help: only spawned
    workers shut down with `close()`+`join()` run it. Observed: 200 jobs
    done, 0 log lines written.

    Deliberately not flagged: files opened for reading, sockets, database
    connections and HTTP sessions kept by an initializer (nothing buffered
    is lost when the process ends; `close()` does not commit a database
    transaction either), a mode that is not a literal, and any global for
    which a `Finalize` is registered in the initializer, the functions it
    calls, or with the global among its arguments. Thread pools and
    dill/cloudpickle libraries are not process APIs for this rule.

    Example:
        def init():
            global log
            log = open("worker.log", "a")

        with Pool(4, initializer=init) as pool:
            pool.map(work, jobs)

    Use instead:
        def init():
            global log
            log = open("worker.log", "a")
            Finalize(log, log.close, exitpriority=10)

        pool = Pool(4, initializer=init)
        pool.map(work, jobs)
        pool.close()
        pool.join()

    or open the file per task, `with open("worker.log", "a") as log:`.

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL302"
    name = "worker-global-resource"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for resource in worker_resources(model):
            if resource.initializer_global:
                yield self.report(resource.call, what=resource.opener.what, what_zh=resource.opener.what_zh)
