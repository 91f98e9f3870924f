"""MPL601 repeated-large-task-argument."""

from __future__ import annotations

from typing import Iterator, List, Optional

import libcst as cst

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Kind
from mp_lint.model.arguments import MIN_REPEATS, ArgumentAnalysis, Part, Payload, analysis_for
from mp_lint.model.module import Handoff, Role
from mp_lint.rules.base import Report, Rule
from mp_lint.rules.handoff import pickled_handoffs

#: Pool methods that send one task per item unless given a chunksize.
_PER_ITEM_POOL_METHODS = frozenset({"imap", "imap_unordered"})
#: Pool methods that chunk by default (and send per item only with chunksize=1).
_CHUNKED_POOL_METHODS = frozenset({"map", "starmap", "map_async", "starmap_async"})
_SINGLE_TASK_METHODS = frozenset({"apply", "apply_async", "submit"})


class RepeatedLargeTaskArgument(Rule):
    """What it does:
    Flags a loop-invariant, plausibly large object shipped again with every
    task where tasks are pickled one item at a time:
    - as a member of every element of the iterable (`[(data, i) for i in
      ...]`, `zip(repeat(data), items)`, `[data] * n`) or bound by
      `functools.partial(f, data)`, for `imap`/`imap_unordered`,
      `ProcessPoolExecutor.map` (without a chunksize, or with
      `chunksize=1`) and `map`/`starmap` with `chunksize=1`;
    - as an argument (or `partial` argument) of `apply_async`, `apply` or
      `submit` called in a loop or comprehension, when the object was built
      outside that loop.
    "Plausibly large" is a comprehension, `list(...)`, `dict(...)`,
    `set(...)`, `sorted(...)`, file contents (`.read()`, `.readlines()`),
    a numpy array or a pandas frame, or a literal of 1,000+ items; never a
    number, string, lock, proxy or callable.

    Why is this bad?
    Each task is pickled on its own, so the object is serialised, sent and
    unpickled once per item: the copying can cost more than the work saved
    by parallelism (observed: 4.4 s against 0.24 s when the same data is
    sent once through `initializer=`).

    Not flagged, on purpose: `Pool.map`/`starmap` with the default
    chunksize (they pickle the object once per chunk; measured: no
    slowdown), any explicit chunksize other than 1, data sent once through
    `initializer=`/`initargs=`, maps and loops visibly shorter than 100
    items, loops over `range(n)` with `n` not visible and `while` loops
    (they often run once per worker, which costs what `initializer=` would),
    and objects whose size cannot be seen (parameters, attributes, values
    returned by functions, `json.load`: often a small config).

    Example:
        table = pd.read_csv("table.csv")
        with Pool() as pool:
            for row in pool.imap(partial(score, table), range(10_000)):
                ...

    Use instead:
        def init(shared_table):
            global table
            table = shared_table

        with Pool(initializer=init, initargs=(pd.read_csv("table.csv"),)) as pool:
            for row in pool.imap(score, range(10_000), chunksize=256):
                ...

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL601"
    name = "repeated-large-task-argument"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        analysis = analysis_for(model)
        for handoff in pickled_handoffs(model):
            if handoff.role is not Role.TASK or handoff.via is not None:
                continue  # through a wrapper: its chunksize and loop are inside the wrapper
            payload = analysis.payload(handoff)
            if handoff.method in _SINGLE_TASK_METHODS:
                what = self._repeated_by_loop(analysis, handoff, payload)
            else:
                what = self._repeated_per_item(analysis, handoff, payload)
            if what is not None:
                yield self.report(handoff.site.node, what=what)

    @staticmethod
    def _repeated_by_loop(analysis: ArgumentAnalysis, handoff: Handoff, payload: Payload) -> Optional[str]:
        """A large name sent by one task that keeps its value across the loop around it."""
        site = handoff.site
        if not site.in_loop:
            return None
        for part in payload.direct + payload.bound:
            if not isinstance(part.expr, cst.Name):
                continue
            what = analysis.plausibly_large(part)  # cheap: checked before the loop walk
            if what is not None and analysis.repeated_in_loop(site, part.expr):
                return what
        return None

    @staticmethod
    def _repeated_per_item(analysis: ArgumentAnalysis, handoff: Handoff, payload: Payload) -> Optional[str]:
        """A large object in every item of a map-style call that pickles per item."""
        if not _pickles_per_item(analysis, handoff, payload):
            return None
        sizes = [analysis.size(iterable.expr, iterable.scope, exact=False) for iterable in payload.iterables]
        known = [size for size in sizes if size is not None]
        if known and min(known) < MIN_REPEATS:
            return None  # a handful of tasks: sending it per task costs about what initializer= would
        candidates: List[Part] = list(payload.bound)
        for iterable in payload.iterables:
            candidates += [element.part for element in analysis.element_parts(iterable) if element.invariant]
        for part in candidates:
            what = analysis.plausibly_large(part)
            if what is not None:
                return what
        return None


def _pickles_per_item(analysis: ArgumentAnalysis, handoff: Handoff, payload: Payload) -> bool:
    chunksize: Optional[int] = None
    if payload.chunksize is not None:
        chunksize = analysis.int_value(payload.chunksize, handoff.site.scope)
        if chunksize is None:
            return False  # some chunksize was chosen: trust it
    if handoff.api.kind is Kind.POOL:
        if handoff.method in _PER_ITEM_POOL_METHODS:
            return chunksize is None or chunksize == 1
        return handoff.method in _CHUNKED_POOL_METHODS and chunksize == 1
    return handoff.method == "map" and (chunksize is None or chunksize == 1)
