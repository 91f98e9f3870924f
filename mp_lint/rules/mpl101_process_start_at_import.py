"""MPL101 process-start-at-import."""

from __future__ import annotations

from typing import Iterator, Set

from mp_lint.model import ModuleModel
from mp_lint.model.across import pool_factories
from mp_lint.model.apis import WRAPPERS, Kind, Value
from mp_lint.rules.across import across_details
from mp_lint.rules.base import Report, Rule

_WHAT = {
    Kind.POOL: "Pool()",
    Kind.MANAGER: "Manager()",
    Kind.PROCESS: "Process.start()",
    Kind.EXECUTOR: "ProcessPoolExecutor",
}


def _describe(instance: Value) -> str:
    """`Pool()`, `parmap.map()`, or the name of a factory given with --mp-extra-process-apis."""
    if instance.name in WRAPPERS:
        return WRAPPERS[instance.name].label + "()"
    if "." in instance.name:
        return instance.name.rpartition(".")[2] + "()"
    return _WHAT.get(instance.kind, "this call")


class ProcessStartAtImport(Rule):
    """What it does:
    Flags processes started at module level outside `if __name__ == "__main__":`,
    also inside module-level `with`/`for`/`try`/`if` blocks: a `Pool(...)` or
    `Manager()` (they start workers when built), a `Process` or manager whose
    `.start()` runs at module level, a `ProcessPoolExecutor` that is
    submitted to or mapped over at module level, a call of `process_map` or
    `parmap.map`, and a `DataLoader` with `num_workers` > 0 that is
    iterated at module level (`for batch in loader:`, `next(iter(loader))`).

    Why is this bad?
    Under spawn and forkserver (Windows, macOS, Linux since Python 3.14) each
    child re-imports the main module. The import reaches the same line and
    starts processes again, inside a child: a Pool respawns crashing workers
    forever (a hang), an executor raises `BrokenProcessPool`, a Manager
    raises `EOFError`, a started Process exits 1 while the parent exits 0.

    Also flagged: a call at module level of an imported function that
    returns a started pool or manager (`pool = make_pool()` with
    `def make_pool(): return Pool(4)` in another module), read from its
    source.

    Creating is not starting: a module-level `Process(...)` or
    `ProcessPoolExecutor()` that is only started or used under the guard
    works and is not flagged. Processes built in a list comprehension or
    appended to a list and started in a loop (`for p in procs: p.start()`)
    are reported once, on their constructor; so is a process bound to the
    name of its own target (`work = Process(target=work)`). Starts the
    analysis cannot attribute to one visible constructor (a loop variable
    bound other ways elsewhere, a list filled with several kinds of objects)
    are not reported.
    Silent in notebooks: no child re-imports a notebook, and it has no use
    for a guard (`__name__` is `"__main__"` in every cell).

    Example:
        from multiprocessing import Pool
        pool = Pool(4)
        print(pool.map(square, range(10)))

    Use instead:
        if __name__ == "__main__":
            with Pool(4) as pool:
                print(pool.map(square, range(10)))

    Fix safety:
    The fix moves the statement, with the later statements that read what it
    binds and the script's tail, under `if __name__ == "__main__":` at the end
    of the module. Unsafe: what runs at import changes. A module that imports
    this one no longer gets the pool at import, and the statements left at
    module level now run before the moved ones. `mp-lint --fix` therefore leaves
    it and says so; `mp-lint --fix --unsafe-fixes` applies it, and `mp-lint
    --diff` shows it among the unsafe fixes. A plain binding of a computed value
    after it (`x = 1`) stays where it is; there is no fix at all when a
    definition needs a moved name at import, or a name would be bound in another
    order.
    """

    code = "MPL101"
    name = "process-start-at-import"
    spawn_only = True

    def check(self, model: ModuleModel) -> Iterator[Report]:
        if model.interactive:
            return  # a notebook is never re-imported by its children
        reported: Set[int] = set()
        for start in model.process_starts():
            site = start.site
            if not site.at_import or site.guarded or start.constructor is None:
                continue
            if not model.pickles_like_spawn(start.instance):
                continue
            if id(start.constructor) in reported:
                continue  # `p.start()` after `p = Process(...)`: one finding
            reported.add(id(start.constructor))
            yield self.report(start.constructor, api=_describe(start.instance))
        for call, evidence in pool_factories(model):
            yield self.report(call.site.node, **across_details(call, evidence, api=evidence.api.rstrip("()")))
