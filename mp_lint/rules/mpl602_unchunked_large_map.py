"""MPL602 unchunked-large-map."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Kind
from mp_lint.model.arguments import analysis_for
from mp_lint.model.module import Handoff, Role
from mp_lint.rules.base import Report, Rule
from mp_lint.rules.handoff import pickled_handoffs

#: From this many items on, one round-trip per item visibly dominates.
LARGE_ITERABLE = 10_000


class UnchunkedLargeMap(Rule):
    """What it does:
    Flags `Pool.imap`/`imap_unordered` and `ProcessPoolExecutor.map` over an
    iterable of 10,000 or more items with no `chunksize`: a `range(...)` of
    constant bounds, a literal, a comprehension or `list(...)`/`zip(...)`
    of those, or a name bound once to one of them.

    Why is this bad?
    Without a chunksize these methods send every item as its own task: one
    pickle, one queue round-trip and one result message per item. For
    cheap items the overhead dominates and the parallel version can be
    slower than a plain loop. (`Pool.map` computes a chunksize itself.)

    Not flagged, on purpose: any `chunksize=` given, `Pool.map`/`starmap`,
    iterables whose length cannot be seen (parameters, files, generators of
    unknown length, comprehensions with an `if` filter), thread pools and
    dill-based libraries.

    Example:
        with Pool() as pool:
            total = sum(pool.imap_unordered(score, range(1_000_000)))

    Use instead:
        with Pool() as pool:
            total = sum(pool.imap_unordered(score, range(1_000_000), chunksize=1_000))

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL602"
    name = "unchunked-large-map"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        analysis = analysis_for(model)
        for handoff in pickled_handoffs(model):
            if handoff.role is not Role.TASK or handoff.via is not None or not _unchunked_map(handoff):
                continue
            payload = analysis.payload(handoff)
            if payload.chunksize is not None or not payload.iterables:
                continue
            size = analysis.map_length(payload.iterables)
            if size is not None and size >= LARGE_ITERABLE:
                api = "ProcessPoolExecutor.map()" if handoff.api.kind is Kind.EXECUTOR else f"{handoff.method}()"
                yield self.report(handoff.site.node, api=api, size=f"{size:,}")


def _unchunked_map(handoff: Handoff) -> bool:
    if handoff.api.kind is Kind.POOL:
        return handoff.method in ("imap", "imap_unordered")
    return handoff.api.kind is Kind.EXECUTOR and handoff.method == "map"
