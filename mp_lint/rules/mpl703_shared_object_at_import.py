"""MPL703 shared-object-at-import."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.sharing import sharing_for
from mp_lint.rules.base import Report, Rule


class SharedObjectAtImport(Rule):
    """What it does:
    Flags a `multiprocessing` `Value`, `Array`, `Lock`, `RLock`,
    `Semaphore`, `Event`, `Condition`, `Barrier`, `Queue`, `JoinableQueue`,
    `SimpleQueue` or `Pipe` (also `BoundedSemaphore`, `RawValue`,
    `RawArray`) created at module level, outside the `__main__` guard, and
    used by worker code through its global name, when the worker runs in a
    spawned or forkserver child. Reported at the constructor.

    Why is this bad?
    A spawned child imports the module again, and the import creates a new
    object: each child counts, locks and queues on its own. Observed: four
    `Process` children adding 1 to a module-level `Value` left it at 0
    under spawn and forkserver, 4 under fork; a module-level Lock excludes
    nobody, and what children put into a module-level Queue never reaches
    the parent.

    Deliberately not flagged: the object handed to the worker as a
    parameter (`Process(args=...)`, `initargs=`); a global an initializer
    rebinds to the object it receives; objects made under the guard (a
    worker reading one is MPL702); `Manager()` proxies; workers started
    only through a fork context; notebooks (never re-imported; their own
    workers cannot be spawned at all, see MPL205).

    Example:
        counter = Value("i", 0)

        def work():
            with counter.get_lock():
                counter.value += 1

    Use instead:
        def work(counter):
            with counter.get_lock():
                counter.value += 1

        if __name__ == "__main__":
            counter = Value("i", 0)
            workers = [Process(target=work, args=(counter,)) for _ in range(4)]

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL703"
    name = "shared-object-at-import"
    spawn_only = True

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for found in sharing_for(model).import_time_objects():
            yield self.report(found.constructor, what=found.what, name=found.name)
