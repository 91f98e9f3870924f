"""Parse a module with libcst once, in pieces, into one ordinary tree.

libcst's native parser holds about 15 KB of memory per source line while it
works (a 6,000-line test module peaks near 100 MiB), though the tree it
returns is far smaller. Parsing runs of top-level statements one at a time
bounds that peak by the largest run; the runs' bodies are then joined into a
single `libcst.Module` that generates exactly the original source, so
positions and every later query see one module.

Also skipped: libcst's re-validation of every node it has just built from
source that Python itself compiled (a third of the parse time).

libcst's native parser recurses once per level of nesting, about 1.2 KB of
stack each (measured: `a and a and ...` crashes it at 7,054 operands on an
8 MiB stack and at 1,742 on 2 MiB), and a stack overflow kills the process.
It runs on a thread of its own with a stack of `PARSER_STACK_BYTES`, so
that how deep it can go does not depend on the platform (main threads get
8 MiB on Linux and macOS, 1 to 2 MiB on Windows, other threads less); what
reaches it is bounded far below that by `mp_lint.limits`.
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any, Callable, Iterator, List, Optional, Sequence, TypeVar

import libcst as cst
from libcst._nodes.base import CSTNode

from mp_lint.limits import split_lines

#: Top-level statements are grouped into runs of at least this many lines.
RUN_LINES = 200
#: Stack of the thread the parser runs on (reserved address space; only the
#: pages it touches take memory).
PARSER_STACK_BYTES = 64 * 1024 * 1024

_T = TypeVar("_T")


#: Python's recursion limit while a file is analysed on that thread: the
#: analysis recurses a few frames per level of nesting, and the survey lets
#: through at most `mp_lint.limits.MAX_NESTING` levels.
ANALYSIS_RECURSION_LIMIT = 20_000

_THREAD_NAME = "mp-lint-parser"


def on_deep_stack(function: Callable[[], _T]) -> _T:
    """`function()` on the parser's thread, with Python's recursion limit raised while it runs.

    The analysis of a file (parse, model, rules, positions) recurses with the
    nesting of its code; on the main thread Python's default limit of 1,000
    frames stops it a few hundred levels down. The limit is restored after.
    """

    def run() -> _T:
        previous = sys.getrecursionlimit()
        # Only on the big stack: a thread the platform refused leaves the caller's own stack.
        if previous < ANALYSIS_RECURSION_LIMIT and threading.current_thread().name == _THREAD_NAME:
            sys.setrecursionlimit(ANALYSIS_RECURSION_LIMIT)
        try:
            return function()
        finally:
            sys.setrecursionlimit(previous)

    return _on_parser_stack(run)


def _on_parser_stack(function: Callable[[], _T]) -> _T:
    """`function()`, run on a thread with a stack of PARSER_STACK_BYTES (at once when already on it)."""
    if threading.current_thread().name == _THREAD_NAME:
        return function()
    results: List[_T] = []
    errors: List[BaseException] = []

    def run() -> None:
        try:
            results.append(function())
        except BaseException as error:  # re-raised in the caller's thread
            errors.append(error)

    thread = threading.Thread(target=run, name=_THREAD_NAME, daemon=True)
    previous = threading.stack_size()
    try:
        threading.stack_size(PARSER_STACK_BYTES)
        thread.start()  # the stack size is taken when the thread starts
    except (ValueError, RuntimeError, MemoryError):  # a platform or limit that refuses it
        return function()
    finally:
        threading.stack_size(previous)
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


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
    """First line of each top-level statement, decorators included, that the
    statement before it does not share (`a = (\n1); b = 2` is one run)."""
    starts = []
    previous_end = 0
    for node in tree.body:
        line = node.lineno
        for decorator in getattr(node, "decorator_list", ()):
            line = min(line, decorator.lineno)
        if line > previous_end:
            starts.append(line)
        previous_end = max(previous_end, node.end_lineno or node.lineno)
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


def parse_module(source: str, tree: Any = None, lines: Optional[Sequence[str]] = None) -> cst.Module:
    """Parse `source`, in runs of statements when `tree` (its `ast`) is given.

    `lines`, when given, is `source` already cut into lines with their endings.
    """
    return _on_parser_stack(lambda: _parse_module(source, tree, lines))


def _parse_module(source: str, tree: Any, lines: Optional[Sequence[str]]) -> cst.Module:
    if tree is None or not isinstance(tree, ast.Module):
        return _parse_unvalidated(source)
    if lines is None:
        lines = split_lines(source)
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
