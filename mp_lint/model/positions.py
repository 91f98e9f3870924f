"""Line and column of the few nodes that are reported.

libcst's PositionProvider computes a range for every node of the module,
which costs more than parsing it. Findings are rare, so this regenerates the
code once, counting lines only, and stops as soon as every reported node has
been reached.
"""

from __future__ import annotations

from typing import Collection, Dict, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState


class _AllFound(Exception):
    """Raised to stop code generation early."""


class _LineCountingState(CodegenState):
    """A codegen state that notes where each wanted node starts."""

    def __init__(self, module: cst.Module, wanted: Collection[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = set(wanted)
        self.found: Dict[int, Tuple[int, int]] = {}
        self.line = 1
        self.column = 0

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        newlines = value.count("\n") + value.count("\r") - value.count("\r\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted and key not in self.found:
            self.found[key] = (self.line, self.column)
            if len(self.found) == len(self.wanted):
                raise _AllFound


def node_starts(module: cst.Module, nodes: Collection[cst.CSTNode]) -> Dict[int, Tuple[int, int]]:
    """Map id(node) to its (1-based line, 0-based column) for each node given."""
    state = _LineCountingState(module, [id(node) for node in nodes])
    if not state.wanted:
        return {}
    try:
        module._codegen(state)
    except _AllFound:
        pass
    return state.found
