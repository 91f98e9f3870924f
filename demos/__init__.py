"""Watch each multiprocessing pitfall that mp-lint flags really happen.

For every rule code there is a demo: a short program with the flagged
pattern, and its fix. ``mp-lint demo MPL201`` runs both under the spawn
start method (what Windows and macOS use, and what Linux uses since Python
3.14 through forkserver), shows what mp-lint reports on the pitfall, what
really went wrong, and that the fix works. ``mp-lint run FILE`` does the
same for a program of your own (`demos.homework`).

    mp-lint demo --list         codes, names, one line each
    mp-lint demo MPL201         one demo (exit 0 if it reproduced and the fix worked)
    mp-lint demo --all          every demo, as a table
    ... --lang zh               in Chinese

The sources live in the top-level ``demos/`` folder (``python -m demos`` in
a checkout takes the same arguments) and are installed as ``mp_lint.demos``.
"""

__all__ = ["all_demos", "get", "run_demo"]

from .registry import all_demos, get
from .report import run_demo
