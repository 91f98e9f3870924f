"""What a family of fixes hands back to the applier."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from mp_lint.fixes.analysis import Located
from mp_lint.fixes.text import Reason, fix_text


#: How far a fix can be trusted, as ruff rates it: a safe fix keeps what the
#: program does wherever it worked before; an unsafe one may change it (what
#: runs at import, when a value is read), so `--fix` applies it only with
#: `--unsafe-fixes`.
SAFE = "safe"
UNSAFE = "unsafe"
APPLICABILITIES = (SAFE, UNSAFE)

Key = Tuple[int, int, str]


@dataclass(frozen=True, order=True)
class Declined:
    """A finding left as it is, and why (positions as the linter prints them)."""

    line: int
    col: int
    code: str
    why: Reason = field(compare=False)

    @classmethod
    def of(cls, located: Located, why: Reason) -> "Declined":
        """Decline `located` for `why`."""
        return cls(located.line, located.col, located.code, why)

    @property
    def reason(self) -> str:
        """Why, in English."""
        return self.why.text()

    def as_text(self, path: str, lang: str = "en", key: str = "note.no-fix") -> str:
        """One flake8-style line: `path:line:col: CODE no fix: reason`."""
        note = fix_text(key, lang, reason=self.why)
        return f"{path}:{self.line}:{self.col + 1}: {self.code} {note}"


@dataclass
class FamilyResult:
    """The module after one family's fixes (None: unchanged) and what it declined."""

    module: Optional[cst.Module]
    declined: List[Declined] = field(default_factory=list)
    #: tokens the fix removes on purpose, and how many: the `lambda` of a
    #: lambda that became a def, the old name of a function renamed.
    dropped: Counter[str] = field(default_factory=Counter)
    #: findings with a fix not applied because it is unsafe and unsafe fixes are off.
    held_back: List[Declined] = field(default_factory=list)
    #: the applicability of the fix of each finding that has one (applied or held back).
    applicability: Dict[Key, str] = field(default_factory=dict)
    #: the findings whose fix was applied.
    applied: List[Key] = field(default_factory=list)


def decline_all(located: Sequence[Located], why: Reason) -> List[Declined]:
    """Decline every finding in `located` for the same reason."""
    return [Declined.of(item, why) for item in located]


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
