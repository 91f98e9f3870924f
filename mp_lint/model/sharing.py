"""State a child process does not share with its parent.

A child has its own copy of every module-level name: under fork a snapshot
taken when it started, under spawn and forkserver what the re-import of the
module produces. This module answers the questions the MPL7xx rules ask:

- which module-level names worker code changes, and whether code outside the
  workers reads them after the workers were started (MPL701);
- which module-level names worker code reads that the parent sets only under
  the `__main__` guard or in functions only it runs (MPL702);
- which `multiprocessing` objects built at import are used by workers by
  their global name rather than handed over (MPL703);
- which read-modify-writes of a shared `Value`/`Array` in worker code hold no
  lock (MPL704);
- which in-place changes go to a copy read from a `Manager()` proxy (MPL705).

Values are followed through assignments, through the parameters of this
module's functions (from `Process(args=)`, `initargs=`, `apply(args=)`,
`submit`, `starmap` literals, `partial` and direct calls), and through a
global an initializer sets from its parameter. Whatever cannot be followed
is unknown, and unknown never produces a finding.
"""

from __future__ import annotations

from typing import Optional

from mp_lint.model.global_state import GlobalState
from mp_lint.model.module import ModuleModel
from mp_lint.model.shared_objects import SharedObjects
from mp_lint.model.shared_refs import (
    SHARED_MEMORY,
    CopyMutation,
    GlobalWrite,
    ImportTimeObject,
    SharedRef,
    StaleRead,
    Start,
    UnlockedUpdate,
)

__all__ = [
    "SHARED_MEMORY",
    "CopyMutation",
    "GlobalWrite",
    "ImportTimeObject",
    "SharedRef",
    "Sharing",
    "StaleRead",
    "Start",
    "UnlockedUpdate",
    "sharing_for",
]


class Sharing(GlobalState, SharedObjects):
    """The MPL7xx questions about one module, answered on demand."""


def sharing_for(model: ModuleModel) -> Sharing:
    """The (cached) sharing analysis of `model`."""
    cached: Optional[Sharing] = model.derived.get("sharing")
    if cached is None:
        cached = model.derived["sharing"] = Sharing(model)
    return cached
