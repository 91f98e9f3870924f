"""Parse a module with libcst once, in pieces, into one ordinary tree.

libcst's native parser holds about 15 KB of memory per source line while it
works (a 6,000-line test module peaks near 100 MiB), though the tree it
returns is far smaller. Parsing runs of top-level statements one at a time
bounds that peak by the largest run; the runs' bodies are then joined into a
single `libcst.Module` that generates exactly the original source, so
positions and every later query see one module.

Also skipped: libcst's re-validation of every node it has just built from
source that Python itself compiled (a third of the parse time).
"""

from __future__ import annotations

import ast
import re
from typing import Any, Iterator, List, Sequence

import libcst as cst
from libcst._nodes.base import CSTNode

#: Top-level statements are grouped into runs of at least this many lines.
RUN_LINES = 200

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _skip_validation(self: object) -> None:
    """Stands in for libcst's per-node validation while parsing."""


def _parse_unvalidated(source: str) -> cst.Module:
    original = CSTNode.__dict__.get("__post_init__")
    if original is None:  # a libcst without the hook: parse as usual
        return cst.parse_module(source)
    CSTNode.__post_init__ = _skip_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        # Restored at once: trees built later (fixes, other plugins) validate.
        CSTNode.__post_init__ = original  # type: ignore[method-assign]


def statement_starts(tree: ast.Module) -> List[int]:
    """First line of each top-level statement, decorators included."""
    starts = []
    for node in tree.body:
        line = node.lineno
        for decorator in getattr(node, "decorator_list", ()):
            line = min(line, decorator.lineno)
        starts.append(line)
    return starts


def _runs(lines: Sequence[str], starts: Sequence[int]) -> Iterator[str]:
    """The source cut at statement starts into runs of >= RUN_LINES lines."""
    cut = 0
    for start in sorted(set(starts)):
        index = start - 1
        if index - cut >= RUN_LINES and index < len(lines):
            yield "".join(lines[cut:index])
            cut = index
    yield "".join(lines[cut:])


def parse_module(source: str, tree: Any = None) -> cst.Module:
    """Parse `source`, in runs of statements when `tree` (its `ast`) is given."""
    if tree is None or not isinstance(tree, ast.Module):
        return _parse_unvalidated(source)
    lines = _LINE.findall(source)
    pieces = list(_runs(lines, statement_starts(tree)))
    if len(pieces) == 1:
        return _parse_unvalidated(source)
    modules = [_parse_unvalidated(piece) for piece in pieces]
    first = modules[0]
    if any(
        not m.body or m.default_indent != first.default_indent or m.default_newline != first.default_newline
        for m in modules
    ):
        # Indentation is stored relative to each piece's default: keep one tree.
        return _parse_unvalidated(source)
    body: List[cst.BaseStatement] = list(first.body)
    for previous, module in zip(modules, modules[1:]):
        # Comments between two runs sit in one's footer and the next's
        # header; they become the next statement's leading lines, as in a
        # whole-file parse.
        head, *rest = module.body
        moved = [*previous.footer, *module.header, *head.leading_lines]
        body.append(head.with_changes(leading_lines=moved))
        body.extend(rest)
    last = modules[-1]
    return first.with_changes(body=body, footer=last.footer, has_trailing_newline=last.has_trailing_newline)
