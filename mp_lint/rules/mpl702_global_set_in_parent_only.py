"""MPL702 global-set-in-parent-only."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.sharing import sharing_for
from mp_lint.rules.base import Report, Rule


class GlobalSetInParentOnly(Rule):
    """What it does:
    Flags the first read, in worker code, of a module-level name whose
    value the parent sets only under `if __name__ == "__main__":` (or in a
    function that only code under the guard calls, through `global`), when
    the worker runs in a spawned or forkserver child.

    Why is this bad?
    A spawned child does not inherit the parent's globals: it imports the
    module again, as `__mp_main__`, so code under the guard does not run
    there. The worker sees the import-time value, or raises `NameError`
    when there is none. Under fork the child copies the parent's memory and
    the program works, which is why this passes on Linux before Python
    3.14. Observed: `SCALE = 10` under the guard, a task returning
    `x * SCALE` gave `[0, 1, 2, 3]` under spawn and forkserver,
    `[0, 10, 20, 30]` under fork.

    Deliberately not flagged: names the worker receives as parameters;
    names a pool `initializer` (or any worker) sets; names only the parent
    reads; a guarded import of a module that is also imported at import
    time; names also set by a function the analysis cannot place in the
    parent; workers started only through a fork context; notebooks (their
    workers cannot be spawned at all, see MPL205).

    Example:
        SCALE = 1

        def work(x):
            return x * SCALE

        if __name__ == "__main__":
            SCALE = 10
            with Pool() as pool:
                print(pool.map(work, range(4)))

    Use instead:
        def work(x, scale):
            return x * scale

        if __name__ == "__main__":
            with Pool() as pool:
                print(pool.map(partial(work, scale=10), range(4)))

    or set it in each worker with `Pool(initializer=..., initargs=(10,))`.

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL702"
    name = "global-set-in-parent-only"
    spawn_only = True

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for read in sharing_for(model).stale_reads():
            yield self.report(read.node, name=read.name)
