"""MPL304 process-in-daemonic-worker: a Pool inside a Pool task."""

from .evidence import Observation, Verdict, exception_line, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL304"
NAME = "process-in-daemonic-worker"
SUMMARY = "a Pool built inside a Pool task: daemonic workers may not have children"
WHY = """Pool workers are daemonic processes, and multiprocessing refuses to
start a child from a daemonic process. The inner Pool(2) raises
AssertionError in the task, and map() re-raises it in the parent.
ProcessPoolExecutor workers are not daemonic: run the outer level there
(or map over all the inner items with one pool)."""
SUMMARY_ZH = "在进程池任务里再建一个进程池：守护进程不允许有子进程"
WHY_ZH = """进程池的工作进程都是守护进程，而 multiprocessing 不允许守护进程再启动子
进程。任务里的内层 Pool(2) 会抛出 AssertionError，map() 再在父进程里把它
重新抛出来。ProcessPoolExecutor 的工作进程不是守护进程：把外层放到它里面
去跑（或者用一个进程池直接对所有内层元素做 map）。"""

PITFALL = """\
from multiprocessing import Pool


def square(x):
    return x * x


def sum_of_squares(n):
    with Pool(2) as inner:
        return sum(inner.map(square, range(n)))


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(sum_of_squares, [10, 100, 1000]))
"""

FIX = """\
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool


def square(x):
    return x * x


def sum_of_squares(n):
    with Pool(2) as inner:
        return sum(inner.map(square, range(n)))


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(sum_of_squares, [10, 100, 1000])))
"""

FLAGGED = "with Pool(2) as inner:"
_ERROR = "daemonic processes are not allowed to have children"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The task's AssertionError, re-raised by map() in the parent."""
    error = exception_line(pitfall, _ERROR)
    failed = pitfall.returncode not in (0, None) and error is not None
    summary = (
        tr(f"exit {pitfall.returncode}: {error}", f"退出码 {pitfall.returncode}：`{error}`")
        if error
        else tr(f"exit {pitfall.returncode}", f"退出码 {pitfall.returncode}")
    )
    return Verdict(
        Observation(failed, summary, (), {"assertion": error is not None}),
        finished(fix, "[285, 328350, 332833500]"),
    )
