"""Shared by the MPL2xx rules: which hand-offs really pickle their payload."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Family
from mp_lint.model.module import Handoff, Role
from mp_lint.model.wrappers import every_handoff


def pickled_handoffs(model: ModuleModel) -> Iterator[Handoff]:
    """Hand-offs whose callable and arguments go through the standard pickler.

    Pool tasks are pickled under every start method; `Process(target=...)`
    and initializers only when children are spawned (or forkserver'd).
    """
    for handoff in every_handoff(model):
        if handoff.api.family is not Family.PICKLE:
            continue
        if handoff.role is not Role.TASK and not model.pickles_like_spawn(handoff.api):
            continue
        yield handoff


def describe(handoff: Handoff, *, arguments: bool = False) -> str:
    """How a message names the hand-off of the callable (`map()`,
    `Process(target=)`...) or, with `arguments=True`, of its arguments
    (`Process(args=)`, `Pool(initargs=)`...)."""
    if handoff.label:
        return handoff.label
    if handoff.via is not None:
        return f"{handoff.via.name}()"
    if handoff.role is Role.TARGET:
        return "Process(args=)" if arguments else "Process(target=)"
    if handoff.role is Role.INITIALIZER:
        return f"{handoff.method}(initargs=)" if arguments else f"{handoff.method}(initializer=)"
    return f"{handoff.method}()"
