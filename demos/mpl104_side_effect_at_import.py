"""MPL104 side-effect-at-import: input() at module level under spawn."""

from .evidence import Observation, Verdict, count, ended, finished, join
from .runner import RunResult

CODE = "MPL104"
NAME = "side-effect-at-import"
SUMMARY = "input() at module level runs again in every spawned worker: EOFError, respawn, forever"
WHY = """The Pool is started under the guard, but the input() above it is not.
Under spawn each worker re-imports the main module and runs input() again.
The parent has already read the only line of standard input, so the worker
gets end-of-file: EOFError. The worker dies while starting, the Pool starts
a replacement, which dies the same way, and map() never returns. (On a
terminal, every worker prints the prompt and waits for a line instead.)"""

PITFALL = """\
from multiprocessing import Pool


def square(x):
    return x * x


n = int(input("How many squares? "))

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(n)))
"""

FIX = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    n = int(input("How many squares? "))
    with Pool(2) as pool:
        print(pool.map(square, range(n)))
"""

FLAGGED = 'n = int(input("How many squares? "))'
# Both programs get one line on standard input, as `echo 5 | python pitfall.py`.
STDIN = "5\n"
TIMEOUT = 4.0
_EOF = "EOFError: EOF when reading a line"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """A hang, with workers dying of EOFError while they re-import the module."""
    errors = count(pitfall, _EOF)
    summary = join(
        [
            ended(pitfall, "map()"),
            f"{errors} workers re-ran input(), got {_EOF} and were replaced" if errors else "",
        ]
    )
    details = (_EOF,) if errors else ()
    return Verdict(
        Observation(pitfall.timed_out and errors > 0, summary, details, {"eof_errors": errors}),
        finished(fix, "[0, 1, 4, 9, 16]"),
    )
