"""MPL402 unconsumed-executor-map."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Family, Kind
from mp_lint.model.flow import result_dropped
from mp_lint.rules.base import Report, Rule


class UnconsumedExecutorMap(Rule):
    """What it does:
    Flags `ProcessPoolExecutor.map(...)` whose result is never iterated: the
    call is an expression statement, or its result is bound to a name that
    is never read again.

    Why is this bad?
    `Executor.map` submits every task at once and returns a lazy iterator.
    A worker's exception is re-raised only when the iterator reaches that
    item, so with nobody iterating, failures are silently lost (unlike
    `Pool.map`, which returns a list and raises in the parent).

    Any read of the result counts as iterating it (`for`, `list()`,
    `return`, passing it to a function). Not reported: `Pool.map`, thread
    pools, dill/cloudpickle libraries, and executors the analysis cannot
    identify.

    Example:
        with ProcessPoolExecutor() as ex:
            ex.map(resize, images)

    Use instead:
        with ProcessPoolExecutor() as ex:
            for _ in ex.map(resize, images):
                pass  # re-raises the first worker exception

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL402"
    name = "unconsumed-executor-map"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for api in model.api_calls():
            receiver = api.receiver
            if receiver is None or receiver.kind is not Kind.EXECUTOR or api.method != "map":
                continue
            if receiver.family is not Family.PICKLE:
                continue
            if not result_dropped(model, api.site):
                continue
            yield self.report(api.site.node)
