"""Automatic fixes (`mp-lint --fix [--unsafe-fixes]`, `--diff`), each rated safe or unsafe.

| codes | module | what the fix does | rating |
|---|---|---|---|
| MPL101, MPL102, MPL103 | `main_guard` | moves the statements under `if __name__ == "__main__":` | unsafe |
| MPL201, MPL202 | `lift_callable` | defines the lambda or nested function at module level | safe (unsafe: partial) |

`apply` runs them on the engine's own findings and model (the safe fixes
first, then the unsafe ones on top), checks every result (compiles, loses
no code, idempotent) and writes files atomically; `command` is what the
`mp-lint` command prints and returns; `text` gives the reasons and notes in
the run's language. Every other code has no fix; its message says what to do.
"""

from mp_lint.fixes.apply import (
    FIXABLE_CODES,
    FileFix,
    FixError,
    FixResult,
    applicability_of,
    fix_file,
    fix_source,
    remove_stale_temporaries,
    unsafe,
    write_atomically,
)
from mp_lint.fixes.base import SAFE, UNSAFE, Declined

__all__ = [
    "FIXABLE_CODES",
    "SAFE",
    "UNSAFE",
    "Declined",
    "FileFix",
    "FixError",
    "FixResult",
    "applicability_of",
    "fix_file",
    "fix_source",
    "remove_stale_temporaries",
    "unsafe",
    "write_atomically",
]
