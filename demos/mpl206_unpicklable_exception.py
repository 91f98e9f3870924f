"""MPL206 unpicklable-exception: an exception the parent cannot rebuild."""

from .evidence import Observation, Verdict, ended, finished, join
from .i18n import tr
from .runner import RunResult

CODE = "MPL206"
NAME = "unpicklable-exception"
SUMMARY = "an exception the parent cannot unpickle: BrokenProcessPool, then a Pool.map() that never returns"
WHY = """An exception raised in a worker is sent back by pickle as its type plus
self.args, and args holds only what reached Exception.__init__: here, one
formatted message. The parent calls RecordError(message) and gets TypeError,
because __init__ needs two arguments. ProcessPoolExecutor gives up with
BrokenProcessPool instead of the RecordError; a Pool's result thread dies
on the TypeError and map() waits forever. Pass every argument on to
super().__init__() and build the message in __str__."""
SUMMARY_ZH = "父进程无法用 pickle 还原的异常：先是 BrokenProcessPool，然后 Pool.map() 再也不返回"
WHY_ZH = """工作进程里抛出的异常，是通过 pickle 以“类型加 `self.args`”的形式送回来的，
而 `args` 里只有传给 Exception.__init__ 的东西：这里只是一条拼好的消息。父进程
调用 `RecordError(message)`，得到的是 TypeError，因为 __init__ 需要两个参数。
ProcessPoolExecutor 放弃了，抛出 BrokenProcessPool 而不是 RecordError；进程池
的结果线程因为这个 TypeError 而死掉，map() 就永远等下去。请把所有参数都传给
super().__init__()，并在 __str__ 里拼出消息。"""

PITFALL = """\
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool


class RecordError(Exception):
    def __init__(self, record, reason):
        super().__init__(f"record {record}: {reason}")
        self.record = record
        self.reason = reason


def check(record):
    if record == 3:
        raise RecordError(record, "negative total")
    return record


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as executor:
        try:
            print(list(executor.map(check, range(6))))
        except Exception as error:
            print("executor raised", type(error).__name__, flush=True)
    with Pool(2) as pool:
        try:
            print(pool.map(check, range(6)))
        except RecordError as error:
            print("pool raised RecordError:", error)
"""

FIX = """\
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import Pool


class RecordError(Exception):
    def __init__(self, record, reason):
        super().__init__(record, reason)
        self.record = record
        self.reason = reason

    def __str__(self):
        return f"record {self.record}: {self.reason}"


def check(record):
    if record == 3:
        raise RecordError(record, "negative total")
    return record


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as executor:
        try:
            print(list(executor.map(check, range(6))))
        except Exception as error:
            print("executor raised", type(error).__name__, flush=True)
    with Pool(2) as pool:
        try:
            print(pool.map(check, range(6)))
        except RecordError as error:
            print("pool raised RecordError:", error)
"""

FLAGGED = 'raise RecordError(record, "negative total")'
TIMEOUT = 4.0
_TYPE_ERROR = "missing 1 required positional argument: 'reason'"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The executor breaks, then Pool.map() hangs; the parent's TypeError shows why."""
    broken = "executor raised BrokenProcessPool" in pitfall.stdout
    rebuilt = _TYPE_ERROR in pitfall.stderr
    summary = join(
        [
            tr(
                "ProcessPoolExecutor raised BrokenProcessPool, not RecordError",
                "ProcessPoolExecutor 抛出的是 BrokenProcessPool，而不是 RecordError",
            )
            if broken
            else "",
            ended(pitfall, "Pool.map()"),
            tr(
                f"the parent could not rebuild the exception: TypeError ... {_TYPE_ERROR}",
                f"父进程无法重建这个异常：`TypeError ... {_TYPE_ERROR}`",
            )
            if rebuilt
            else "",
        ]
    )
    fix_seen = finished(fix, "pool raised RecordError: record 3: negative total")
    if fix_seen.ok and "executor raised RecordError" not in fix.stdout:
        fix_seen = Observation(False, tr("the executor did not raise RecordError", "执行器没有抛出 RecordError"))
    return Verdict(
        Observation(broken and rebuilt and pitfall.timed_out, summary, (), {"broken": broken}),
        fix_seen,
    )
