"""MPL702 global-set-in-parent-only: a setting assigned under the __main__ guard."""

import re

from .evidence import Observation, Verdict, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL702"
NAME = "global-set-in-parent-only"
SUMMARY = "a global set under the __main__ guard keeps its import-time value in spawned workers"
WHY = """A spawned worker does not copy the parent's memory: it imports the
program again, and the code under `if __name__ == "__main__":` does not
run there. So each worker sees SCALE = 1, the value at import, and the
tasks compute x * 1. Under fork the child copies the parent, sees 10 and
gives the expected result, which is why this works on Linux before Python
3.14. Pass the value to the task as an argument (or set it in each worker
with initializer= and initargs=)."""
SUMMARY_ZH = "在 __main__ 保护块里设置的全局变量，在 spawn 出来的工作进程里仍是导入时的值"
WHY_ZH = """spawn 出来的工作进程不会复制父进程的内存：它会重新导入程序，而
`if __name__ == "__main__":` 下面的代码在那里不会执行。所以每个工作进程
看到的都是 SCALE = 1，也就是导入时的值，任务算的是 x * 1。在 fork 下，子
进程复制了父进程，看到的是 10，结果也符合预期，所以在 Python 3.14 之前，这段
代码在 Linux 上是能用的。请把这个值作为参数传给任务（或者用 initializer= 和
initargs= 在每个工作进程里设置它）。"""

PITFALL = """\
import multiprocessing as mp

SCALE = 1


def scale(x):
    return x * SCALE


if __name__ == "__main__":
    SCALE = 10
    with mp.Pool(2) as pool:
        print("spawn:", pool.map(scale, range(4)))
    if "fork" in mp.get_all_start_methods():
        with mp.get_context("fork").Pool(2) as forked:
            print("fork:", forked.map(scale, range(4)))
"""

FIX = """\
from functools import partial
from multiprocessing import Pool


def scale(x, factor):
    return x * factor


if __name__ == "__main__":
    factor = 10
    with Pool(2) as pool:
        print("spawn:", pool.map(partial(scale, factor=factor), range(4)))
"""

FLAGGED = "return x * SCALE"

_LINE = re.compile(r"^(spawn|fork): (\[.*\])$", re.MULTILINE)
_EXPECTED = "[0, 10, 20, 30]"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """Spawned workers compute with the stale SCALE; fork (if there is one) with 10."""
    seen = dict(_LINE.findall(pitfall.stdout))
    spawned = seen.get("spawn", "")
    summary = tr(
        f"expected {_EXPECTED}, spawned workers returned {spawned or '(nothing)'}",
        f"本该得到 {_EXPECTED}，spawn 出来的工作进程返回的是 {spawned or '（什么也没有）'}",
    )
    if "fork" in seen:
        summary += tr(
            f"; forked workers returned {seen['fork']}", f"；fork 出来的工作进程返回的是 {seen['fork']}"
        )
    return Verdict(
        Observation(pitfall.returncode == 0 and spawned not in ("", _EXPECTED), summary, (), dict(seen)),
        finished(fix, f"spawn: {_EXPECTED}"),
    )
