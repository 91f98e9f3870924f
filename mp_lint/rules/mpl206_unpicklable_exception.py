"""MPL206 unpicklable-exception."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.exceptions import worker_raises
from mp_lint.rules.base import Report, Rule


class UnpicklableException(Rule):
    """What it does:
    Flags a `raise` in worker code (a pool or executor task, and the module
    functions it calls) of an exception class of this module whose
    `__init__` requires arguments that it does not pass on to
    `super().__init__()`, typically because it passes one formatted message.
    One finding per class and worker function.

    Why is this bad?
    An exception raised in a worker travels back to the parent by pickle,
    as `type(*self.args)`, and `args` holds only what reached
    `BaseException.__init__`. The parent calls `RecordError("record 3:
    negative total")` and gets `TypeError: __init__() missing 1 required
    positional argument`. Under every start method: `Pool.map()` waits
    forever (the pool's result thread died on that TypeError), and
    `ProcessPoolExecutor` raises `BrokenProcessPool` instead of your error.

    Not flagged: an `__init__` that forwards all its required arguments
    (`super().__init__(record, reason)`), that has defaults for the others,
    a class that defines `__reduce__`, a raise inside a `try` of the worker,
    classes with decorators or several bases, and `Process` targets (their
    exceptions are not sent back). There is no automatic fix: pass every
    argument to `super().__init__()` and build the message in `__str__`, or
    define `__reduce__`.

    Example:
        class RecordError(Exception):
            def __init__(self, record, reason):
                super().__init__(f"record {record}: {reason}")

        def check(record):
            raise RecordError(record, "negative total")

    Use instead:
        class RecordError(Exception):
            def __init__(self, record, reason):
                super().__init__(record, reason)
                self.record, self.reason = record, reason

            def __str__(self):
                return f"record {self.record}: {self.reason}"

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL206"
    name = "unpicklable-exception"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for found in worker_raises(model):
            yield self.report(found.node, exception=found.exception.klass.name, function=found.function.name)
