"""MPL304 process-in-daemonic-worker."""

from __future__ import annotations

from typing import Iterator, Set

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Kind
from mp_lint.model.module import CallSite
from mp_lint.model.workers import workers
from mp_lint.rules.base import Report, Rule

_WHAT = {Kind.POOL: "Pool()", Kind.MANAGER: "Manager()", Kind.PROCESS: "Process.start()"}


class ProcessInDaemonicWorker(Rule):
    """What it does:
    Flags a `Pool(...)`, a `Manager()` or a `Process.start()` (also a
    catalogued wrapper such as `parmap.map`) in code that runs inside a
    `multiprocessing.Pool` worker (a task, an initializer, and the module
    functions they call), inside the target of a `Process(daemon=True)`
    (or of a process whose `daemon` is set to True before it starts), or in
    a DataLoader's `collate_fn`/`worker_init_fn`.

    Why is this bad?
    Pool workers are daemonic processes, and a daemonic process may not
    have children: under every start method the task raises
    `AssertionError: daemonic processes are not allowed to have children`,
    which `map()` re-raises in the parent. A daemonic `Process` whose target
    starts a child exits 1 while the parent carries on and exits 0.

    Not flagged inside `ProcessPoolExecutor` tasks: executor workers are not
    daemonic, and a Pool inside an executor task works. Nor a non-daemonic
    `Process` target that starts a child. There is no automatic fix: run
    the outer level in a `ProcessPoolExecutor`, or flatten the work into one
    pool (map over all the inner items at once).

    Example:
        def total(n):
            with Pool(2) as inner:
                return sum(inner.map(square, range(n)))

        with Pool(2) as pool:
            pool.map(total, [10, 20])

    Use instead:
        with ProcessPoolExecutor(2) as executor:
            list(executor.map(total, [10, 20]))

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL304"
    name = "process-in-daemonic-worker"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        team = workers(model)
        if not team.daemonic:
            return
        reported: Set[int] = set()
        for start in model.process_starts():
            site = start.site
            if not isinstance(site, CallSite) or site.function is None or not team.is_daemonic(site.function):
                continue
            if start.instance.kind not in _WHAT or id(site.node) in reported:
                continue
            reported.add(id(site.node))
            if "." in start.instance.name:  # a wrapper: `parmap.map()`
                what = start.instance.name + "()"
            else:
                what = _WHAT[start.instance.kind]
            yield self.report(site.node, api=what)
