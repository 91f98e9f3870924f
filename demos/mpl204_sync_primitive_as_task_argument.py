"""MPL204 sync-primitive-as-task-argument: a multiprocessing Lock in starmap."""

from .evidence import Observation, Verdict, exception_line, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL204"
NAME = "sync-primitive-as-task-argument"
SUMMARY = "a multiprocessing Lock sent as a task argument is refused: hand it to workers at start-up"
WHY = """A multiprocessing Lock (or Queue, Event, Value...) wraps an OS object
that can only be handed to a process when it starts. Pool tasks travel
later, through a pipe, so pickling the lock raises RuntimeError. Give it to
each worker once, through initializer= and initargs=."""
SUMMARY_ZH = "作为任务参数发送的 multiprocessing 锁会被拒绝：请在工作进程启动时交给它"
WHY_ZH = """multiprocessing 的 Lock（还有 Queue、Event、Value 等）包装的是操作系统
对象，只能在进程启动的那一刻交给它。进程池的任务是之后才通过管道送过去的，
所以 pickle 这把锁会抛出 RuntimeError。请通过 initializer= 和 initargs=，
在每个工作进程启动时交给它一次。"""

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
    summary = (
        tr(error, f"锁不能作为任务参数：`{error}`")
        if error
        else tr(f"no RuntimeError (exit {pitfall.returncode})", f"没有出现 RuntimeError（退出码 {pitfall.returncode}）")
    )
    return Verdict(
        Observation(error is not None and pitfall.returncode != 0, summary),
        finished(fix, "[0, 1, 4, 9"),
    )
