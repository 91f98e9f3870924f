"""Watch each multiprocessing pitfall that mp-lint flags really happen.

For every rule code there is a demo: a short program with the flagged
pattern, and its fix. ``python -m demos MPL201`` runs both under the spawn
start method (what Windows and macOS use, and what Linux uses since Python
3.14 through forkserver), shows what mp-lint reports on the pitfall, what
really went wrong, and that the fix works.

    python -m demos --list      codes, names, one line each
    python -m demos MPL201      one demo (exit 0 if it reproduced and the fix worked)
    python -m demos --all       every demo, as a table
"""

__all__ = ["all_demos", "get", "run_demo"]

from .registry import all_demos, get
from .report import run_demo
