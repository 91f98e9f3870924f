"""MPL201 lambda-to-worker: a lambda handed to a pool."""

from .evidence import Observation, Verdict, exception_line, finished
from .runner import RunResult

CODE = "MPL201"
NAME = "lambda-to-worker"
SUMMARY = "a lambda handed to a pool cannot be pickled, so no task ever reaches a worker"
WHY = """Every task is pickled to travel to a worker, and pickle stores a
function by its importable name. A lambda's name is `<lambda>`, which
cannot be looked up, so map() fails before any worker runs anything."""

PITFALL = """\
from multiprocessing import Pool

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(lambda x: x * x, range(10)))
"""

FIX = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(10)))
"""

FLAGGED = "print(pool.map(lambda x: x * x, range(10)))"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """PicklingError in the parent."""
    error = exception_line(pitfall, "PicklingError")
    summary = error or f"no PicklingError (exit {pitfall.returncode})"
    return Verdict(
        Observation(error is not None and pitfall.returncode != 0, summary),
        finished(fix, "[0, 1, 4, 9"),
    )
