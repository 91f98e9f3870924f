"""MPL601 repeated-large-task-argument: a big table shipped with every task."""

from .evidence import Verdict, slowdown
from .runner import RunResult

CODE = "MPL601"
NAME = "repeated-large-task-argument"
SUMMARY = "the same large object sent with every task is pickled again each time: send it once"
WHY = """Each task tuple carries the whole 100,000-item table, so imap()
pickles, pipes and unpickles it 200 times: serialization eats the gain of
parallelism. Give it to each worker once with initializer= and initargs=,
and send only the index."""

PITFALL = """\
import time
from multiprocessing import Pool


def score(task):
    table, i = task
    return table[i] * 2


if __name__ == "__main__":
    table = list(range(100_000))
    start = time.perf_counter()
    with Pool(2) as pool:
        total = sum(pool.imap(score, [(table, i) for i in range(200)]))
    print(f"total {total} in {time.perf_counter() - start:.2f} s")
"""

FIX = """\
import time
from multiprocessing import Pool

table = None


def load(shared):
    global table
    table = shared


def score(i):
    return table[i] * 2


if __name__ == "__main__":
    data = list(range(100_000))
    start = time.perf_counter()
    with Pool(2, initializer=load, initargs=(data,)) as pool:
        total = sum(pool.imap(score, range(200)))
    print(f"total {total} in {time.perf_counter() - start:.2f} s")
"""

FLAGGED = "total = sum(pool.imap(score, [(table, i) for i in range(200)]))"
TIMEOUT = 8.0


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The ratio of the pool times both programs measured."""
    return slowdown(pitfall, fix, expect="total 39800")
