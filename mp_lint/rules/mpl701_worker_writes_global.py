"""MPL701 worker-writes-global."""

from __future__ import annotations

from typing import Iterator, Set, Tuple

from mp_lint.model import ModuleModel
from mp_lint.model.sharing import sharing_for
from mp_lint.rules.base import Report, Rule


class WorkerWritesGlobal(Rule):
    """What it does:
    Flags worker code (a pool or executor task, a `Process` target, `run()`
    of a `Process` subclass, and the module functions they call) that
    rebinds a module-level name (`global total; total += x`) or puts into a
    module-level list, dict or set in place (`RESULTS.append(x)`,
    `.extend/.update/.add/.insert/.setdefault`, `CACHE[k] = v`,
    `del CACHE[k]`), when code outside the workers reads that name after
    starting them: the parent expects the change.

    Why is this bad?
    Every child process has its own copy of the module's globals. What a
    worker appends or assigns stays in that child and is gone when it ends;
    the parent's object never changes. Observed: `RESULTS.append(x * x)`
    in a `Pool.map` task leaves the parent's `RESULTS` at `[]` under spawn,
    forkserver and fork alike.

    Deliberately not flagged: a per-process cache only worker code reads;
    globals a pool `initializer` sets (that is its job); functions the
    parent also calls itself (their changes do reach it then); `Manager()`
    proxies and `multiprocessing` shared objects; attribute stores
    (`obj.x = v`); containers the module does not visibly build as a plain
    list, dict, set or `collections` container; a parent that only reads
    the name before the workers start, or only puts into it.

    Example:
        RESULTS = []

        def work(x):
            RESULTS.append(x * x)

        with Pool() as pool:
            pool.map(work, range(4))
        print(RESULTS)  # []

    Use instead:
        def work(x):
            return x * x

        with Pool() as pool:
            results = pool.map(work, range(4))

    or send results back through a `multiprocessing.Queue`.

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL701"
    name = "worker-writes-global"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        seen: Set[Tuple[int, str]] = set()
        for write in sharing_for(model).worker_global_writes():
            key = (id(write.function), write.name)
            if key not in seen:
                seen.add(key)
                how = "rebinds" if write.rebinds else "changes"
                yield self.report(write.node, name=write.name, how=how, how_zh="重新赋值" if write.rebinds else "修改")
