"""MPL403 async-result-outlives-pool."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.flow import outlives_pool
from mp_lint.rules.base import Report, Rule


class AsyncResultOutlivesPool(Rule):
    """What it does:
    Flags `apply_async`, `map_async` or `starmap_async` called on the pool of
    a `with Pool() as p:` block (or `with pool:`) whose result is not waited
    for inside the block: dropped, or held in a name or list that is first
    read after the block ends.

    Why is this bad?
    `Pool.__exit__` calls `terminate()`, not `close()` + `join()`: leaving
    the block kills the workers at once. Tasks still queued or running are
    lost; a later `.get()` blocks forever (or times out), and nothing says
    why.

    A result read in any way inside the block (`.get()`, `.wait()`, passed
    to a function, collected in a list that is read inside the block) is
    considered waited for, and so is every result when the block calls
    `p.join()` (after `p.close()`). Not reported: calls on any pool other
    than the with-item, calls in a function nested inside the block, names
    declared global or read through `locals()`, thread pools (`ThreadPool`
    terminates too, but MPL4xx is about process pools) and dill-based
    libraries.

    Example:
        with Pool() as pool:
            pending = [pool.apply_async(work, (i,)) for i in range(10)]
        results = [r.get() for r in pending]  # hangs: the pool is gone

    Use instead:
        with Pool() as pool:
            pending = [pool.apply_async(work, (i,)) for i in range(10)]
            results = [r.get() for r in pending]

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL403"
    name = "async-result-outlives-pool"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for api in model.api_calls():
            if outlives_pool(model, api):
                yield self.report(api.site.node, api=f"{api.method}()")
