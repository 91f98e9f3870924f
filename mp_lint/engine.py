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
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, List, Optional, Pattern, Sequence, Type

from mp_lint.config import DEFAULT_CONFIG, Config
from mp_lint.limits import MAX_LITERAL_ITEMS, apply_cuts, split_lines, survey
from mp_lint.messages import message
from mp_lint.model.apis import PREFILTER_WORDS
from mp_lint.notebooks import is_nbqa_source

if TYPE_CHECKING:
    from mp_lint.rules import Report, Rule

# Top-level packages whose import can bring a process API into a file.
_IMPORT_ROOTS = ("multiprocess", "concurrent", "billiard", "pathos", "torch", "parmap")


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


_PREFILTERS: Dict[FrozenSet[str], _Prefilter] = {}


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
    tree: Optional[ast.AST] = None,
    interactive: Optional[bool] = None,
    notes: Optional[List[str]] = None,
    trees: Optional[Dict[str, Any]] = None,
) -> List[Finding]:
    """All findings of `rules` (default: every rule) in `source`, sorted.

    `compiles=True` promises that Python's own parser accepted `source` (flake8
    runs tree plugins only then) and gives its `ast` as `tree`; otherwise it
    is parsed here first. Python's tree is what tells whether libcst's
    native parser can take the file (see `mp_lint.limits`) and lets libcst
    parse it in pieces (see `mp_lint.parsing`).
    `interactive=True` says the source is a notebook's (see
    `mp_lint.notebooks`); None detects notebooks converted by nbQA.
    A file that may use a process API but is not analysed, being too deep
    or too large for libcst (see `mp_lint.limits`), gets no finding and a
    line on why in `notes`, when given. `trees`, when given, receives the
    libcst tree that was analysed, under the text it generates (the source,
    unless a literal was cut out of it): the fixes start from it.
    """
    try:
        if source.startswith("\ufeff"):  # a BOM is not code; positions ignore it
            source = source[1:]
        if not _prefilter_for(config).may_use_process_api(source) and not _may_reach(
            source, filename, config, tree, interactive is True
        ):
            return []
        if not compiles or not isinstance(tree, ast.Module):
            tree = _python_tree(source, filename)
            if tree is None:
                return []
        if interactive is None:
            interactive = is_nbqa_source(source, filename)
        lines = split_lines(source)
        found = survey(tree, source, lines)
        reason = found.reason_to_skip()
        if reason is None and found.cuts:
            cut = apply_cuts(source, found.cuts)
            cut_lines = split_lines(cut)
            if len(cut_lines) == len(lines) and _python_tree(cut, filename) is not None:
                source, lines = cut, cut_lines
            else:  # not expected: a literal whose items could not be cut cleanly
                reason = f"a literal of more than {MAX_LITERAL_ITEMS} items that could not be cut out"
        if reason is not None:
            if notes is not None:
                notes.append(f"not analysed: {reason}")
            return []
        from mp_lint.parsing import on_deep_stack

        analysed = source
        return on_deep_stack(lambda: _lint(analysed, config, rules, tree, lines, interactive, filename, trees))
    except RecursionError:  # nesting the survey let through and the analysis still cannot follow
        if os.environ.get("MP_LINT_DEBUG"):
            raise
        if notes is not None:
            notes.append("not analysed: nested too deeply for the analysis")
        return []
    except Exception as error:  # an internal error: the file gets no finding, and a note says why
        if os.environ.get("MP_LINT_DEBUG"):
            raise
        if notes is not None:
            notes.append(f"not analysed: internal error ({type(error).__name__}: {error})"[:200])
        return []


def _may_reach(source: str, filename: str, config: Config, tree: Optional[ast.AST], interactive: bool) -> bool:
    """Whether a module this file imports may start processes (see mp_lint.model.project)."""
    from mp_lint.model.project import may_reach

    return may_reach(source, filename, config, tree, interactive)


def _python_tree(source: str, filename: str) -> Optional[ast.Module]:
    try:
        return ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_ANALYSIS_LOADED = False


def _load_analysis() -> None:
    """Import libcst and the rules once, then keep the collector off them.

    Importing libcst creates some hundred thousand long-lived objects (its
    node classes and their machinery); every later full collection in
    flake8 would walk them again. `gc.freeze()` moves what exists now, all
    long-lived, out of the collector's way for the rest of the run.
    """
    global _ANALYSIS_LOADED
    if _ANALYSIS_LOADED:
        return
    import libcst  # noqa: F401

    from mp_lint import parsing  # noqa: F401
    from mp_lint.rules import all_rules

    all_rules()
    # Also frozen: whatever the host holds at this moment. Objects that are
    # not in reference cycles are still freed as usual; measured: 3% of a
    # flake8 run on process-heavy code.
    gc.freeze()
    _ANALYSIS_LOADED = True


def _lint(
    source: str,
    config: Config,
    rules: Optional[Sequence[Type["Rule"]]],
    tree: ast.Module,
    lines: Sequence[str],
    interactive: bool = False,
    filename: str = "<unknown>",
    trees: Optional[Dict[str, Any]] = None,
) -> List[Finding]:
    # Loaded once by _load_analysis(); imported here rather than at the top
    # so that files the pre-filter skips never import libcst.
    import libcst as cst

    from mp_lint.model import build_model
    from mp_lint.model.across import attach
    from mp_lint.model.apis import Catalogue
    from mp_lint.model.positions import node_starts
    from mp_lint.parsing import parse_module
    from mp_lint.rules import all_rules

    _load_analysis()
    # A parse allocates a hundred thousand objects and no garbage; left on,
    # the cyclic collector keeps re-scanning everything flake8 holds, which
    # doubled the cost of linting. It is restored before returning.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            module = parse_module(source, tree, lines)
        except cst.ParserSyntaxError:
            return []  # syntax libcst does not support; Python's own errors are E999
        if trees is not None:
            trees[source] = module
        model = build_model(module, Catalogue(config.extra_process_apis), config.start_method, interactive=interactive)
        attach(model, filename, config)
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
    finally:
        if collecting:
            gc.enable()
