"""What a family of fixes hands back to the applier."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import libcst as cst

from mp_lint.fixes.analysis import Located


@dataclass(frozen=True, order=True)
class Declined:
    """A finding left as it is, and why (positions as the linter prints them)."""

    line: int
    col: int
    code: str
    reason: str

    @classmethod
    def of(cls, located: Located, reason: str) -> "Declined":
        """Decline `located` for `reason`."""
        return cls(located.line, located.col, located.code, reason)

    def as_text(self, path: str) -> str:
        """One flake8-style line: `path:line:col: CODE no fix: reason`."""
        return f"{path}:{self.line}:{self.col + 1}: {self.code} no fix: {self.reason}"


@dataclass
class FamilyResult:
    """The module after one family's fixes (None: unchanged) and what it declined."""

    module: Optional[cst.Module]
    declined: List[Declined] = field(default_factory=list)
    #: tokens the fix removes on purpose, and how many: the `lambda` of a
    #: lambda that became a def, the old name of a function renamed.
    dropped: Counter[str] = field(default_factory=Counter)


def decline_all(located: Sequence[Located], reason: str) -> List[Declined]:
    """Decline every finding in `located` for the same reason."""
    return [Declined.of(item, reason) for item in located]


def blank_lines(lines: Sequence[cst.EmptyLine]) -> int:
    """How many blank lines come before the first comment line."""
    count = 0
    for line in lines:
        if line.comment is not None:
            break
        count += 1
    return count


def without_leading_blank_lines(statement: cst.BaseStatement) -> cst.BaseStatement:
    """`statement` with the blank lines above it removed; its comments stay."""
    lines = list(getattr(statement, "leading_lines", ()))
    kept = lines[blank_lines(lines):]
    if len(kept) == len(lines):
        return statement
    return statement.with_changes(leading_lines=kept)


def with_blank_lines(statement: cst.BaseStatement, count: int) -> cst.BaseStatement:
    """`statement` with exactly `count` blank lines above its comments."""
    lines = list(getattr(statement, "leading_lines", ()))
    kept = lines[blank_lines(lines):]
    if blank_lines(lines) == count:
        return statement
    return statement.with_changes(leading_lines=[cst.EmptyLine()] * count + kept)
