"""What a hand-off ships to a child process, and what those objects are.

The MPL2xx argument rules ask whether an argument can be pickled at all
(`mp_lint.model.pickling`); the MPL6xx rules ask how often it is pickled
(`mp_lint.model.payloads`, once per item? `mp_lint.model.loops`, once per
loop iteration?), whether it is plausibly large and how long an iterable is
(`mp_lint.model.sizes`). `ArgumentAnalysis` answers all of them for one
model, cached on it (`analysis_for`).
"""

from __future__ import annotations

from typing import cast

from mp_lint.model.loops import MIN_REPEATS, LoopQuestions
from mp_lint.model.module import ModuleModel
from mp_lint.model.payloads import Payload, PayloadQuestions
from mp_lint.model.pickling import PicklingQuestions
from mp_lint.model.values import ElementPart, Part

__all__ = ["MIN_REPEATS", "ArgumentAnalysis", "ElementPart", "Part", "Payload", "analysis_for"]


class ArgumentAnalysis(PayloadQuestions, PicklingQuestions, LoopQuestions):
    """Questions about hand-off arguments, answered for one model (cached)."""


def analysis_for(model: ModuleModel) -> ArgumentAnalysis:
    """The (shared, cached) argument analysis of `model`."""
    found = model.derived.get("arguments")
    if found is None:
        found = model.derived["arguments"] = ArgumentAnalysis(model)
    return cast(ArgumentAnalysis, found)
