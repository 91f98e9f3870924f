"""One source, parsed once: its tree, its model, and the rules' reports with positions.

The fixes start from exactly what the linter found: the same model
(`mp_lint.model.build_model`) and the same rule classes, so the two front
ends never disagree about what a finding is or where it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Collection, List, Optional, Tuple

import libcst as cst

from mp_lint.config import Config
from mp_lint.model import ModuleModel, build_model
from mp_lint.model.apis import Catalogue
from mp_lint.model.positions import node_starts
from mp_lint.parsing import parse_module
from mp_lint.rules import Report, all_rules

if TYPE_CHECKING:
    from mp_lint.fixes.names import ModuleNames


@dataclass(frozen=True)
class Located:
    """A rule's report and where the linter shows it (1-based line, 0-based column)."""

    report: Report
    line: int
    col: int

    @property
    def code(self) -> str:
        """The finding's code."""
        return self.report.code

    @property
    def key(self) -> Tuple[int, int, str]:
        """(line, column, code): how a report is matched to a printed finding."""
        return (self.line, self.col, self.report.code)


@dataclass(frozen=True)
class Analysis:
    """A parsed module, its model, and the reports of the rules asked for."""

    module: cst.Module
    model: ModuleModel
    reports: List[Located]

    @cached_property
    def names(self) -> "ModuleNames":
        """The module's scopes and bindings, computed once for every family that needs them."""
        from mp_lint.fixes.names import ModuleNames

        return ModuleNames(self.module)


def analyse(
    source: str,
    config: Config,
    codes: Collection[str],
    *,
    interactive: bool = False,
    module: Optional[cst.Module] = None,
) -> Optional[Analysis]:
    """Parse `source`, build its model and run the rules whose code is in `codes`.

    None when libcst cannot parse the source (the linter reports nothing
    there either). The tree is parsed whole (the linter parses runs of
    statements and joins them), on the parser's own thread and without
    libcst's re-validation of what it has just parsed from code Python
    compiled; the nodes the fixes build are validated as usual. `module`, the tree
    of `source` when the caller has parsed it already, saves the parse.
    """
    if module is None:
        try:
            module = parse_module(source)
        except cst.ParserSyntaxError:
            return None
    model = build_model(module, Catalogue(config.extra_process_apis), config.start_method, interactive=interactive)
    reports: List[Report] = []
    for rule in all_rules():
        if rule.code in codes:
            reports.extend(rule().check(model))
    starts = node_starts(module, [report.node for report in reports])
    located = [Located(report, *starts.get(id(report.node), (1, 0))) for report in reports]
    return Analysis(module, model, located)
