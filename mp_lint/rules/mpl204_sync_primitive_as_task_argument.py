"""MPL204 sync-primitive-as-task-argument."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.arguments import analysis_for
from mp_lint.model.module import Role
from mp_lint.rules.base import Report, Rule
from mp_lint.rules.handoff import pickled_handoffs


class SyncPrimitiveAsTaskArgument(Rule):
    """What it does:
    Flags a `multiprocessing` Lock, RLock, Semaphore, BoundedSemaphore,
    Event, Condition, Barrier, Queue, JoinableQueue, SimpleQueue, Value,
    Array, RawValue or RawArray (from any context) passed as a pool task
    argument: in `args=`/`kwds=`, `submit(f, lock)`, the elements of a
    `map`/`starmap` iterable (`[(lock, i) for i in ...]`), a
    `functools.partial(f, lock)` task, or inside an object of this module
    whose `__init__` stores one.

    Why is this bad?
    These objects wrap OS-level semaphores and shared memory that can only
    be handed to a child when it is created. Pickling one for a task raises
    `RuntimeError: Lock objects should only be shared between processes
    through inheritance` (under every start method; for an executor the
    error surfaces from `future.result()`).

    Not flagged, on purpose: the same objects passed through `initargs=` or
    `Process(args=...)` (that is inheritance, and works), `Manager()`
    proxies (`manager.Lock()`, `manager.Queue()`: they pickle), `Pipe()`
    connections (multiprocessing transfers them), thread pools and
    dill-based libraries. Parameters and names bound more than once are not
    resolved.

    Example:
        lock = multiprocessing.Lock()
        with Pool() as pool:
            pool.starmap(work, [(lock, i) for i in range(10)])

    Use instead:
        def init(shared_lock):
            global lock
            lock = shared_lock

        with Pool(initializer=init, initargs=(multiprocessing.Lock(),)) as pool:
            pool.map(work, range(10))

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL204"
    name = "sync-primitive-as-task-argument"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        analysis = analysis_for(model)
        for handoff in pickled_handoffs(model):
            if handoff.role is not Role.TASK:
                continue  # initargs= and Process(args=) are inheritance: fine
            payload = analysis.payload(handoff)
            for part in payload.pickled_parts(analysis):
                what = analysis.sync_primitive(part)
                if what is not None:
                    yield self.report(handoff.site.node, what=what)
                    break
