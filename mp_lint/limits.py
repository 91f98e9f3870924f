"""What libcst's parser is given: a survey of Python's tree before it runs.

Two kinds of file would hurt the run if libcst parsed them as they are:

- **Deep nesting crashes it.** libcst's native parser recurses once per level
  of the tree it builds and, some thousands of levels down, overflows the
  stack: the process dies with SIGSEGV, which no `except` catches and which
  takes flake8 (and, with `-j N`, its pool) down with it. Python's own parser
  accepts many such shapes: `a and b and ...` with 20,000 operands is one flat
  `BoolOp` for it but 20,000 nested nodes for libcst. The survey measures,
  on Python's tree, the nesting libcst would build (a `BoolOp` counts one
  level per operand, an `elif` one per branch, ...), and a file deeper than
  `MAX_NESTING` is not analysed. No text count is involved, so no spelling
  (`(a)and(a)`, tabs, line breaks) slips past.
- **Huge literals cost memory and time.** libcst holds about 3 KB per item
  of a list literal while parsing: one statement `DATA = [1, 1, ...]` of
  200,000 items took 640 MB and 8 s more than plain flake8. A literal of more
  than `MAX_LITERAL_ITEMS` constants (numbers, strings, tuples of those) is
  cut out of the text libcst is given: it becomes an empty literal of
  unknown length (`[*()]`) on the same lines and columns, so the rules stay
  silent about its size, and see everything else in the file as it is. A
  file with a top-level statement of more than `MAX_LARGE_NODES` nodes in
  long expressions, left after cutting (a 100,000-item list of calls), is
  not analysed.

Only statements and expressions at least `WALK_FROM` characters long are
looked into: every level of nesting and every item takes at least one
character, so shorter ones can exceed no limit. Most files cost a pass over
their top-level statements and nothing more.

Crash points measured with `python benchmarks/libcst_limits.py` (libcst
1.9.0, CPython 3.11, x86_64 Linux): the shortest chain that kills libcst's
parser when it runs on the main thread, whose stack is 8 MiB on Linux and
macOS and 1 to 2 MiB on Windows, and the longest chain Python's own parser
accepts (flake8 runs no plugin on a file Python rejects):

    shape                    8 MiB stack     2 MiB stack     Python accepts
    `and` / `or`             7,054           1,742           any length
    `a + a + ...`            none            1,722           2,989
    `a.b.b ...`              none            1,464           2,988
    `f()()...`               none            1,738           2,988
    `a.b().b()...`           none            -               1,494
    `a < a < ...`            none            -               any length

About 1.2 KB of stack per level. mp-lint runs the parser on a thread with a
64 MiB stack (`mp_lint.parsing`): 20,000 `and` operands parse there, 60,000
crash it. `MAX_NESTING` is 1,000: at least 20 times below that, still
below the 2 MiB crash points should no such thread be available, and about
where the model's own recursion gives up anyway.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

#: Deepest nesting (as `survey` counts it) a file may hold to be analysed.
MAX_NESTING = 1000
#: Literals of constants with more items than this are cut out of the text libcst is given.
MAX_LITERAL_ITEMS = 10_000
#: Nodes of Python's tree in the long expressions of one top-level
#: statement, after cutting, past which the file is not analysed.
MAX_LARGE_NODES = 30_000
#: Statements and expressions shorter than this (in characters) are not looked into.
WALK_FROM = min(MAX_NESTING, MAX_LARGE_NODES, 2 * MAX_LITERAL_ITEMS)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_NEWLINE = re.compile(r"\r\n|\r|\n")

# Nodes that hold statements: their spans are checked before anything inside.
# (`match` cases exist from Python 3.10 on.)
_BLOCKS: Tuple[type, ...] = (ast.stmt, ast.excepthandler) + tuple(
    getattr(ast, name) for name in ("match_case",) if hasattr(ast, name)
)
_SEQUENCES = (ast.List, ast.Tuple, ast.Set)


def split_lines(source: str) -> List[str]:
    """The lines of `source` with their endings, as Python's tokenizer cuts them."""
    return _LINE.findall(source)


@dataclass
class Survey:
    """What `survey` found in a module."""

    #: deepest nesting of the tree libcst would build.
    depth: int = 0
    #: nodes in the long expressions of the largest top-level statement, cut items left out.
    large_nodes: int = 0
    #: (start, end, replacement): character ranges of items to cut.
    cuts: List[Tuple[int, int, str]] = field(default_factory=list)

    def reason_to_skip(self) -> Optional[str]:
        """Why the module must not reach libcst, or None."""
        if self.depth > MAX_NESTING:
            return f"nested {self.depth} levels deep (libcst's parser is given {MAX_NESTING} at most)"
        if self.large_nodes > MAX_LARGE_NODES:
            return f"a statement of {self.large_nodes} nodes in long expressions ({MAX_LARGE_NODES} at most)"
        return None


class _Surveyor:
    def __init__(self, source: str, lines: Sequence[str]) -> None:
        self.source = source
        self.lines = lines
        #: character offset of the start of each line, then of the end.
        self.offsets = [0, *itertools.accumulate(map(len, lines))]
        self.result = Survey()
        #: nodes walked in the current top-level statement.
        self.nodes = 0

    # ---------------------------------------------------------- positions
    def length(self, node: ast.AST) -> Optional[int]:
        """Characters `node` spans (from byte columns: an upper bound), None if unknown."""
        try:
            start: int = self.offsets[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
            end: int = self.offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
        except (AttributeError, TypeError, IndexError):
            return None
        return end - start

    def offset(self, line: int, byte_col: int) -> Optional[int]:
        """The character offset in the source of a (line, UTF-8 byte column) position."""
        if not 0 < line <= len(self.lines):
            return None
        text = self.lines[line - 1]
        try:
            col = len(text.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8"))
        except UnicodeError:
            return None
        return self.offsets[line - 1] + col

    # ------------------------------------------------------------- walks
    def blocks(self, body: Sequence[ast.AST]) -> None:
        """Statements: only the long ones are looked into, the rest cannot matter."""
        work: List[Tuple[ast.AST, int]] = [(node, 1) for node in reversed(body)]
        while work:
            node, depth = work.pop()
            length = self.length(node)
            if length is not None and length + depth < WALK_FROM:
                self.result.depth = max(self.result.depth, depth)
                continue
            for child in ast.iter_child_nodes(node):
                if isinstance(child, _BLOCKS):
                    work.append((child, depth + 1))
                else:
                    self.expression(child, depth + 1)

    def expression(self, root: ast.AST, depth: int) -> None:
        length = self.length(root)
        if length is not None and length + depth < WALK_FROM:
            self.result.depth = max(self.result.depth, depth)
            return
        result = self.result
        work: List[Tuple[ast.AST, int]] = [(root, depth)]
        while work:
            node, level = work.pop()
            self.nodes += 1
            if isinstance(node, ast.BoolOp):
                # libcst nests `a and b and c` as ((a and b) and c).
                level += len(node.values) - 1
            elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                level += len(node.generators) - 1  # each `for` nests the next
            elif isinstance(node, ast.alias):
                level += node.name.count(".")  # `import a.b.c` is an attribute chain
            if level > result.depth:
                result.depth = level
            size = len(node.elts) if isinstance(node, _SEQUENCES) else 0
            if isinstance(node, ast.Dict):
                size = len(node.keys)
            if size > MAX_LITERAL_ITEMS and self.cut(node):
                continue  # its items are constants: nothing in them to walk
            work.extend((child, level + 1) for child in ast.iter_child_nodes(node))

    def cut(self, node: ast.AST) -> bool:
        """Cut out the items of a literal of constants; whether it was cut."""
        if isinstance(node, ast.Dict):
            if None in node.keys or not all(_inert(item) for item in [*node.keys, *node.values] if item):
                return False
        elif not all(_inert(item) for item in node.elts):  # type: ignore[attr-defined]
            return False
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno or 0, node.end_col_offset or 0)  # type: ignore[attr-defined]
        if start is None or end is None:
            return False
        replacement = _empty_literal(node, self.source[start:end])
        if replacement is None:
            return False
        self.result.cuts.append((start, end, replacement))
        return True


def _inert(node: ast.AST) -> bool:
    """A constant, a signed constant, or a tuple/list of those: no rule needs its value."""
    work = [node]
    while work:
        item = work.pop()
        if isinstance(item, ast.Constant):
            continue
        if isinstance(item, ast.UnaryOp) and isinstance(item.op, (ast.USub, ast.UAdd)):
            work.append(item.operand)
        elif isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) <= 64:
            work.extend(item.elts)
        else:
            return False
    return True


#: (opening, closing) of an empty literal of unknown length, by type.
_EMPTY: Dict[type, Tuple[str, str]] = {
    ast.List: ("[*()", "]"),
    ast.Tuple: ("(*()", ")"),
    ast.Set: ("{*()", "}"),
    ast.Dict: ("{**{}", "}"),
}


def _empty_literal(node: ast.AST, text: str) -> Optional[str]:
    """An empty literal of unknown length in place of `text`, on the same lines and columns.

    `[1, 2, ...]` becomes `[*()  ...  ]`; the line breaks it held go into a
    string item, so that every later line stays where it was, and padding
    keeps the column of what follows on its last line.
    """
    opening, closing = _EMPTY[type(node)]
    suffix = ": 0" if isinstance(node, ast.Dict) else ""
    newlines: List[str] = _NEWLINE.findall(text)
    if not newlines:
        padding = len(text) - len(opening) - len(closing)
        return opening + " " * padding + closing if padding >= 0 else None
    last_line = len(text) - (max(text.rfind("\n"), text.rfind("\r")) + 1)
    head = opening + ', """' + "".join(newlines[:-1])
    tail = '"""' + suffix
    if last_line >= len(tail) + len(closing):
        return head + newlines[-1] + tail + " " * (last_line - len(tail) - len(closing)) + closing
    if last_line < len(closing):
        return None
    return head + tail + newlines[-1] + " " * (last_line - len(closing)) + closing


def survey(tree: ast.AST, source: str, lines: Optional[Sequence[str]] = None) -> Survey:
    """Measure `tree`, Python's tree of `source` (cut into `lines` by `split_lines`)."""
    surveyor = _Surveyor(source, split_lines(source) if lines is None else lines)
    result = surveyor.result
    statements: List[ast.AST] = [tree]
    if isinstance(tree, ast.Module):
        statements = list(tree.body)
    for statement in statements:
        # libcst parses a top-level statement in one piece (see mp_lint.parsing).
        surveyor.nodes = 0
        surveyor.blocks([statement])
        result.large_nodes = max(result.large_nodes, surveyor.nodes)
    return result


def apply_cuts(source: str, cuts: Sequence[Tuple[int, int, str]]) -> str:
    """`source` with each cut range replaced (ranges do not overlap)."""
    pieces: List[str] = []
    done = 0
    for start, end, replacement in sorted(cuts):
        if start < done:
            continue  # inside a literal already cut
        pieces.append(source[done:start])
        pieces.append(replacement)
        done = end
    pieces.append(source[done:])
    return "".join(pieces)
