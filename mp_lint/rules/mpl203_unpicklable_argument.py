"""MPL203 unpicklable-argument."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.arguments import analysis_for
from mp_lint.rules.base import Report, Rule
from mp_lint.rules.handoff import describe, pickled_handoffs


class UnpicklableArgument(Rule):
    """What it does:
    Flags an open file (also `gzip`/`tempfile`/`zipfile` files, csv
    readers/writers and the standard streams `sys.stdout`, `sys.stderr`,
    `sys.stdin`), a `threading` lock, event, condition, semaphore or
    `queue.Queue`, a generator, a database connection or cursor (`sqlite3`,
    `psycopg2`, `pymysql`...), or an object of a class of this module whose
    `__init__` stores one of these in an attribute, when it is passed as a
    pool task argument (always), or through `Process(args=...)` or
    `initargs=` (under spawn and forkserver). Arguments count wherever they
    are pickled: `args=`/`kwds=`, `submit(f, x)`, the members of the
    elements of a `map`/`starmap` iterable (`[(fh, i) for i in ...]`),
    `functools.partial(f, fh)`, and the instance of a bound method.

    Why is this bad?
    Arguments cross to the worker by pickle, and these objects refuse it:
    `TypeError: cannot pickle '_io.TextIOWrapper' object` (`'_thread.lock'`,
    `'generator'`, `'sqlite3.Connection'`...). Under fork a `Process` or an
    initializer inherits its arguments instead, so those two places fail
    only under spawn and forkserver; pool tasks are pickled always.

    Not flagged, on purpose: sockets and `multiprocessing.connection`
    objects (multiprocessing's own pickler transfers them), `logging.Logger`
    (pickled by name), a file or generator used as the iterable of `map`
    (only its items are sent), thread pools and dill/cloudpickle libraries.
    The analysis stays silent on what it cannot see: parameters, names bound
    more than once, objects from other modules, classes with
    `__getstate__`/`__reduce__` or with bases from elsewhere.

    Example:
        log = open("log.txt", "a")
        with Pool() as pool:
            pool.starmap(work, [(log, item) for item in items])

    Use instead:
        with Pool() as pool:
            pool.starmap(work, [("log.txt", item) for item in items])
        # and in work(): with open(path, "a") as log: ...

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL203"
    name = "unpicklable-argument"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        analysis = analysis_for(model)
        for handoff in pickled_handoffs(model):
            payload = analysis.payload(handoff)
            for part in payload.pickled_parts(analysis):
                what = analysis.unpicklable(part)
                if what is not None:
                    yield self.report(handoff.site.node, what=what, api=describe(handoff, arguments=True))
                    break  # one finding per hand-off
