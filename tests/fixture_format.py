"""Reading the inline expectations of `fixtures/` files.

A line that should be reported ends with `# error: MPL201` (several codes:
`# error: MPL101, MPL201`). A first-lines comment `# mp-lint: start-method=fork`
(or `extra-process-apis=a.b,c.d`, `lang=zh`) sets options for the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, FrozenSet, List, Set, Tuple

from mp_lint.config import Config

_ERROR = re.compile(r"#\s*error:\s*(MPL\d{3}(?:\s*,\s*MPL\d{3})*)")
_OPTIONS = re.compile(r"#\s*mp-lint:\s*(.+)$")


def expected_findings(source: str) -> Set[Tuple[int, str]]:
    """(line, code) pairs the fixture's comments expect."""
    expected = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = _ERROR.search(line)
        if match:
            for code in match.group(1).split(","):
                expected.add((number, code.strip()))
    return expected


def fixture_config(source: str) -> Config:
    """The options a fixture asks for in its header comments."""
    values: Dict[str, str] = {}
    for line in source.splitlines()[:5]:
        match = _OPTIONS.search(line)
        if match:
            for item in match.group(1).split():
                key, _, value = item.partition("=")
                values[key] = value
    extra: FrozenSet[str] = frozenset(v for v in values.get("extra-process-apis", "").split(",") if v)
    return Config(
        start_method=values.get("start-method", "spawn"),
        extra_process_apis=extra,
        lang=values.get("lang", "en"),
    )


def fixture_files(root: Path) -> List[Path]:
    """Every Python fixture, sorted."""
    return sorted((root / "fixtures").glob("*.py"))
