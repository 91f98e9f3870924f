"""What every rule is: a code, a name, a docstring, and a check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Dict, Iterator

import libcst as cst

from mp_lint.model import ModuleModel


@dataclass(frozen=True)
class Report:
    """A rule's finding, before it has a position."""

    node: cst.CSTNode
    code: str
    #: values for the placeholders of the code's message.
    details: Dict[str, str] = field(default_factory=dict)


class Rule:
    """Base class of the rules. Subclasses in `mp_lint.rules` are found by code.

    The docstring of a subclass is its documentation, in the shape
    *What it does / Why is this bad? / Example / Use instead*.
    """

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    #: True for rules that only fail under spawn/forkserver (RULES.md "(spawn)").
    spawn_only: ClassVar[bool] = False

    def check(self, model: ModuleModel) -> Iterator[Report]:
        """Yield the findings of this rule in `model`."""
        raise NotImplementedError

    def report(self, node: cst.CSTNode, **details: str) -> Report:
        """A finding of this rule at `node`."""
        return Report(node, self.code, details)
