"""MPL204 sync-primitive-as-task-argument: a multiprocessing Lock in starmap."""

from .evidence import Observation, Verdict, exception_line, finished
from .runner import RunResult

CODE = "MPL204"
NAME = "sync-primitive-as-task-argument"
SUMMARY = "a multiprocessing Lock sent as a task argument is refused: hand it to workers at start-up"
WHY = """A multiprocessing Lock (or Queue, Event, Value...) wraps an OS object
that can only be handed to a process when it starts. Pool tasks travel
later, through a pipe, so pickling the lock raises RuntimeError. Give it to
each worker once, through initializer= and initargs=."""

PITFALL = """\
from multiprocessing import Lock, Pool


def record(lock, n):
    with lock:
        return n * n


if __name__ == "__main__":
    lock = Lock()
    with Pool(2) as pool:
        print(pool.starmap(record, [(lock, n) for n in range(10)]))
"""

FIX = """\
from multiprocessing import Lock, Pool

lock = None


def share(the_lock):
    global lock
    lock = the_lock


def record(n):
    with lock:
        return n * n


if __name__ == "__main__":
    with Pool(2, initializer=share, initargs=(Lock(),)) as pool:
        print(pool.map(record, range(10)))
"""

FLAGGED = "print(pool.starmap(record, [(lock, n) for n in range(10)]))"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """RuntimeError: ... shared between processes through inheritance."""
    error = exception_line(pitfall, "through inheritance")
    summary = error or f"no RuntimeError (exit {pitfall.returncode})"
    return Verdict(
        Observation(error is not None and pitfall.returncode != 0, summary),
        finished(fix, "[0, 1, 4, 9"),
    )
