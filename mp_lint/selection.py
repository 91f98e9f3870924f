"""Which findings a run reports: `# noqa` comments and `--select`/`--ignore`.

Both front ends (the `mp-lint` command and its fixer) need these; they
live here, below both, so neither imports the other.
"""

from __future__ import annotations

import re
from typing import Sequence

from mp_lint.engine import Finding

# flake8's own noqa syntax: `# noqa`, `# noqa: A1,B2`, `# NOQA:A1 B2`.
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][0-9]+(?:[,\s]+[A-Z][0-9]+)*))?", re.IGNORECASE)
_CODE_SPLIT = re.compile(r"[,\s]+")


def suppressed(finding: Finding, lines: Sequence[str]) -> bool:
    """Whether a `# noqa` comment on the finding's line covers its code."""
    if not 0 < finding.line <= len(lines):
        return False
    match = _NOQA.search(lines[finding.line - 1])
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    return any(finding.code.startswith(code.upper()) for code in _CODE_SPLIT.split(codes.strip()) if code)


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """flake8's rule: the longest matching prefix of --select / --ignore wins."""
    best_select = max((len(s) for s in select if code.startswith(s)), default=-1)
    best_ignore = max((len(s) for s in ignore if code.startswith(s)), default=-1)
    if best_select < 0:
        return False
    return best_select >= best_ignore
