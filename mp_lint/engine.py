"""Parse once, build the model once, run every enabled rule, report positions.

`lint_source` never raises: a file the analysis cannot handle (syntax libcst
rejects, recursion limits, an internal error) yields no finding. Set the
environment variable MP_LINT_DEBUG=1 to get the exception instead; the test
suite does.
"""

from __future__ import annotations

import ast
import gc
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, List, Optional, Pattern, Sequence, Type

from mp_lint.config import DEFAULT_CONFIG, Config
from mp_lint.messages import message
from mp_lint.model.apis import PREFILTER_WORDS

if TYPE_CHECKING:
    from mp_lint.rules import Report, Rule

# Top-level packages whose import can bring a process API into a file.
_IMPORT_ROOTS = ("multiprocess", "concurrent", "billiard", "pathos", "torch")

# `a and b and c ...` is one flat node for Python's parser but a chain of
# nested nodes for libcst's, whose native parser overflows its stack (a
# segfault, not an exception) somewhere past 6,000 of them. Files with more
# boolean operators than this in total are skipped.
MAX_BOOLEAN_OPERATORS = 4000


@dataclass(frozen=True, order=True)
class Finding:
    """A finding at flake8's convention: 1-based line, 0-based column."""

    line: int
    col: int
    code: str
    message: str


class _Prefilter:
    """Cheap text tests that let through every file that may use a process API."""

    def __init__(self, extra_process_apis: Iterable[str]) -> None:
        extra = sorted(set(extra_process_apis))
        words = list(PREFILTER_WORDS) + [name.rpartition(".")[2] for name in extra]
        roots = list(_IMPORT_ROOTS) + [name.partition(".")[0] for name in extra]
        self._words: Pattern[str] = re.compile("|".join(re.escape(w) for w in words if w))
        # An import statement must name the package the API comes from.
        self._imports: Pattern[str] = re.compile(
            r"^[ \t]*(?:from|import)[ \t][^\n]*?\b(?:%s)" % "|".join(re.escape(r) for r in roots if r),
            re.MULTILINE,
        )

    def may_use_process_api(self, source: str) -> bool:
        return self._words.search(source) is not None and self._imports.search(source) is not None


_PREFILTERS = {}


def _prefilter_for(config: Config) -> _Prefilter:
    prefilter = _PREFILTERS.get(config.extra_process_apis)
    if prefilter is None:
        prefilter = _PREFILTERS[config.extra_process_apis] = _Prefilter(config.extra_process_apis)
    return prefilter


def lint_source(
    source: str,
    filename: str = "<unknown>",
    config: Config = DEFAULT_CONFIG,
    rules: Optional[Sequence[Type["Rule"]]] = None,
    *,
    compiles: bool = False,
) -> List[Finding]:
    """All findings of `rules` (default: every rule) in `source`, sorted.

    `compiles=True` promises that Python's own parser accepted `source` (flake8
    runs tree plugins only then); otherwise it is checked here first, since
    Python's limits on nesting are what keep libcst's native parser safe.
    """
    try:
        if source.startswith("\ufeff"):  # a BOM is not code; positions ignore it
            source = source[1:]
        if not _prefilter_for(config).may_use_process_api(source):
            return []
        if source.count(" and ") + source.count(" or ") > MAX_BOOLEAN_OPERATORS:
            return []
        if not compiles and not _python_accepts(source, filename):
            return []
        return _lint(source, config, rules)
    except Exception:  # includes RecursionError on absurdly nested code
        if os.environ.get("MP_LINT_DEBUG"):
            raise
        return []


def _python_accepts(source: str, filename: str) -> bool:
    try:
        ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _skip_validation(self: object) -> None:
    """Stands in for libcst's per-node validation while parsing."""


def _parse_module(cst: Any, source: str) -> Any:
    """`libcst.parse_module`, without validating each node a second time.

    libcst validates every node in `__post_init__`, a third of the parse
    time; nodes built by its own parser from source that compiles are valid
    by construction. The hook is restored at once, so trees built later (by
    fixes, or other plugins) are validated as usual.
    """
    from libcst._nodes.base import CSTNode

    original = CSTNode.__dict__.get("__post_init__")
    if original is None:  # a libcst without the hook: parse as usual
        return cst.parse_module(source)
    CSTNode.__post_init__ = _skip_validation  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        CSTNode.__post_init__ = original  # type: ignore[method-assign]


def _lint(source: str, config: Config, rules: Optional[Sequence[Type["Rule"]]]) -> List[Finding]:
    # Imported here, not at the top: importing libcst takes about half a
    # second, which files that never reach this point should not pay.
    import libcst as cst

    # A parse allocates a hundred thousand objects and no garbage; left on,
    # the cyclic collector keeps re-scanning everything flake8 holds, which
    # doubled the cost of linting. It is restored before returning.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _analyse(cst, source, config, rules)
    finally:
        if collecting:
            gc.enable()


def _analyse(cst: Any, source: str, config: Config, rules: Optional[Sequence[Type["Rule"]]]) -> List[Finding]:
    from mp_lint.model import build_model
    from mp_lint.model.apis import Catalogue
    from mp_lint.model.positions import node_starts
    from mp_lint.rules import all_rules

    try:
        module = _parse_module(cst, source)
    except cst.ParserSyntaxError:
        return []  # flake8 reports the syntax error itself (E999)
    model = build_model(module, Catalogue(config.extra_process_apis), config.start_method)
    reports: List["Report"] = []
    for rule in all_rules() if rules is None else rules:
        reports.extend(rule().check(model))
    if not reports:
        return []
    starts = node_starts(module, [report.node for report in reports])
    findings = set()
    for report in reports:
        line, col = starts.get(id(report.node), (1, 0))
        findings.add(Finding(line, col, report.code, message(report.code, config.lang, **report.details)))
    return sorted(findings)
