"""MPL205 interactive-worker: a worker function defined in a notebook cell."""

from .evidence import Observation, Verdict, count, exception_line, finished, join
from .runner import RunResult

CODE = "MPL205"
NAME = "interactive-worker"
SUMMARY = "a worker defined in a notebook cell does not exist in spawned children: move it to a .py module"
WHY = """A spawned child rebuilds __main__ by re-importing the main file. A
notebook kernel's __main__ has no file, so the child's __main__ is empty:
unpickling the task looks for `square` there and fails with AttributeError.
Each worker dies, the pool replaces it, and the cell never finishes. A
function imported from a module next to the notebook is found by name."""

INTERACTIVE = True
TIMEOUT = 3.0

PITFALL = """\
from multiprocessing import Pool


def square(x):
    return x * x


with Pool(2) as pool:
    print(pool.map(square, range(10)))
"""

FIX = """\
from multiprocessing import Pool

from workers import square

with Pool(2) as pool:
    print(pool.map(square, range(10)))
"""

FIX_FILES = {
    "workers.py": """\
def square(x):
    return x * x
""",
}

FLAGGED = "print(pool.map(square, range(10)))"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """AttributeError: Can't get attribute 'square' on <module '__main__'>."""
    missing = count(pitfall, "Can't get attribute 'square'")
    summary = join(
        [
            f"the cell never finished ({pitfall.seconds:.0f} s)" if pitfall.timed_out else f"exit {pitfall.returncode}",
            f"{missing} workers died: Can't get attribute 'square' on <module '__main__'>" if missing else "",
        ]
    )
    error = exception_line(pitfall, "Can't get attribute")
    return Verdict(
        Observation(missing > 0 and pitfall.returncode != 0, summary, (error,) if error else (), {"crashes": missing}),
        finished(fix, "[0, 1, 4, 9"),
    )
