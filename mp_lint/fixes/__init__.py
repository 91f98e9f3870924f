"""Automatic fixes for the findings that have a safe one (`mp-lint --fix`, `--diff`).

| codes | module | what the fix does |
|---|---|---|
| MPL101, MPL102, MPL103 | `main_guard` | moves the statements under `if __name__ == "__main__":` |
| MPL201, MPL202 | `lift_callable` | defines the lambda or nested function at module level |

`apply` runs them on the engine's own findings and model, checks every
result (compiles, loses no code, idempotent) and writes files atomically.
Every other code has no fix; its message says what to do.
"""

from mp_lint.fixes.apply import FIXABLE_CODES, FileFix, FixResult, fix_file, fix_source, unsafe, write_atomically
from mp_lint.fixes.base import Declined

__all__ = [
    "FIXABLE_CODES",
    "Declined",
    "FileFix",
    "FixResult",
    "fix_file",
    "fix_source",
    "unsafe",
    "write_atomically",
]
