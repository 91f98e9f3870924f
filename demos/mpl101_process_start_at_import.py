"""MPL101 process-start-at-import: a module-level Pool under spawn."""

from .evidence import Observation, Verdict, count, ended, exception_line, finished, join
from .runner import RunResult

CODE = "MPL101"
NAME = "process-start-at-import"
SUMMARY = "a Pool built at module level is built again in every child: the workers crash and are replaced forever"
WHY = """Under spawn each child starts a fresh interpreter and re-imports the
main module as __mp_main__. Every line outside `if __name__ == "__main__":`
runs again there, so each worker tries to build its own Pool while it is
still starting up. multiprocessing refuses (RuntimeError), the worker dies,
the pool starts a replacement, which dies the same way: map() waits forever."""

PITFALL = """\
from multiprocessing import Pool


def square(x):
    return x * x


pool = Pool(2)
print(pool.map(square, range(10)))
pool.close()
pool.join()
"""

FIX = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(10)))
"""

FLAGGED = "pool = Pool(2)"
TIMEOUT = 3.0


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """A hang, with workers dying on the bootstrapping RuntimeError."""
    crashes = count(pitfall, "bootstrapping phase")
    error = exception_line(pitfall, "RuntimeError")
    summary = join(
        [
            ended(pitfall, "map()"),
            f"{crashes} workers re-ran `pool = Pool(2)`, died (RuntimeError) and were replaced" if crashes else "",
        ]
    )
    details = (error,) if error else ()
    return Verdict(
        Observation(pitfall.timed_out and crashes > 0, summary, details, {"crashes": crashes}),
        finished(fix, "[0, 1, 4, 9"),
    )
