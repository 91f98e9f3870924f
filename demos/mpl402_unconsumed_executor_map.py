"""MPL402 unconsumed-executor-map: ProcessPoolExecutor.map() never iterated."""

from .evidence import Verdict, silent_exception
from .runner import RunResult

CODE = "MPL402"
NAME = "unconsumed-executor-map"
SUMMARY = "executor.map() whose results are never read: a worker's exception is never raised"
WHY = """ProcessPoolExecutor.map() returns a lazy iterator; a worker's
exception is raised only when iteration reaches that result. Never iterate
and the tasks still run, but the error disappears with the iterator. Consume
the results (list(...), a for loop) and handle what they raise."""
SUMMARY_ZH = "executor.map() 的结果从来没有被读取：工作进程里的异常永远不会抛出"
WHY_ZH = """ProcessPoolExecutor.map() 返回的是一个惰性迭代器；只有迭代到某个结果时，
工作进程里的异常才会抛出来。如果从不迭代，任务照样会运行，但错误会随着
迭代器一起消失。请读取这些结果（list(...) 或 `for` 循环），并处理它们抛出的
异常。"""

PITFALL = """\
from concurrent.futures import ProcessPoolExecutor


def save(record):
    if record == 13:
        raise ValueError(f"record {record} is corrupt")
    return record


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as executor:
        executor.map(save, range(20))
    print("all 20 records saved")
"""

FIX = """\
from concurrent.futures import ProcessPoolExecutor


def save(record):
    if record == 13:
        raise ValueError(f"record {record} is corrupt")
    return record


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as executor:
        try:
            saved = list(executor.map(save, range(20)))
        except ValueError as error:
            print("save failed:", error)
        else:
            print(f"all {len(saved)} records saved")
"""

FLAGGED = "executor.map(save, range(20))"
_ERROR = "record 13 is corrupt"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The fix proves record 13 raises; the pitfall never says so."""
    return silent_exception(pitfall, fix, _ERROR, f"save failed: {_ERROR}")
