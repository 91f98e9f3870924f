"""MPL704 unlocked-shared-update."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.sharing import sharing_for
from mp_lint.rules.base import Report, Rule


class UnlockedSharedUpdate(Rule):
    """What it does:
    Flags a read-modify-write of a `multiprocessing` `Value` or `Array`
    (also `RawValue`/`RawArray`) in worker code, outside any `with` block
    that may hold a lock: `v.value += 1`, `v.value = v.value + n`,
    `arr[i] += x`. The object is followed from its constructor through
    `Process(args=)`, `initargs=` and a global an initializer sets, and the
    update must be made by several processes (a pool, `Process` children
    started in a loop, or more than one `Process`).

    Why is this bad?
    `v.value += 1` reads the value, then writes it: two steps, each locked
    on its own, so two processes can read the same value and one increment
    is lost. Observed: four processes each adding 1 twenty thousand times
    ended at 27,659 of 80,000 under spawn, 41,079 under fork.

    Deliberately not flagged: updates inside `with v.get_lock():`, or
    inside any `with` whose object may be a lock (a name or attribute the
    analysis cannot resolve counts), or after an `acquire()`; functions
    called from inside such a block; `Manager().Value()` proxies; plain
    stores (`v.value = 0`); a value written by a single process, or made
    anew in each turn of a loop (one per process); objects reached
    through `self.` attributes.

    Example:
        def work(counter):
            for _ in range(20000):
                counter.value += 1

    Use instead:
        def work(counter):
            for _ in range(20000):
                with counter.get_lock():
                    counter.value += 1

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL704"
    name = "unlocked-shared-update"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for update in sharing_for(model).unlocked_updates():
            yield self.report(update.statement, target=update.target, lock=update.lock, lock_zh=update.lock_zh)
