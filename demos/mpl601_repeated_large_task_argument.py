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
SUMMARY_ZH = "每个任务都带上同一个大对象，每次都要重新 pickle：只发送一次就够了"
WHY_ZH = """每个任务元组都带着整个 100,000 项的表，所以 imap() 要把它 pickle、经
管道发送、再反序列化 200 次：序列化的开销吃掉了并行带来的收益。请用
initializer= 和 initargs= 在每个工作进程启动时交给它一次，任务里只发送
下标。"""

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
