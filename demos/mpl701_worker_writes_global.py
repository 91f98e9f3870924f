"""MPL701 worker-writes-global: pool tasks append their results to a global list."""

import re

from .evidence import Observation, Verdict, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL701"
NAME = "worker-writes-global"
SUMMARY = "results a worker appends to a global list never reach the parent: its list stays empty"
WHY = """Every worker process has its own copy of the module's globals. Each task
appends to the RESULTS list of the worker that ran it, and that list
disappears with the worker. The parent's RESULTS is another object that
nobody touched. This happens under every start method, fork included.
Return the result from the task (pool.map collects the return values),
or send it back through a multiprocessing Queue."""
SUMMARY_ZH = "工作进程追加到全局列表里的结果永远到不了父进程：父进程的列表一直是空的"
WHY_ZH = """每个工作进程都有一份自己的模块全局变量。每个任务都把结果追加到执行它的
那个工作进程的 RESULTS 列表里，而这个列表会随着工作进程一起消失。父进程的
RESULTS 是另一个对象，从来没有人碰过它。不管用哪种启动方式都是这样，fork
也不例外。请从任务里返回结果（pool.map 会收集返回值），或者通过
multiprocessing 的 Queue 把结果送回来。"""

PITFALL = """\
from multiprocessing import Pool

RESULTS = []


def square(x):
    RESULTS.append(x * x)


if __name__ == "__main__":
    with Pool(2) as pool:
        pool.map(square, range(10))
    print("results:", RESULTS)
"""

FIX = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        results = pool.map(square, range(10))
    print("results:", results)
"""

FLAGGED = "RESULTS.append(x * x)"

_RESULTS = re.compile(r"^results: (\[.*\])$", re.MULTILINE)
_EXPECTED = str([x * x for x in range(10)])


def _printed(run: RunResult) -> str:
    found = _RESULTS.findall(run.stdout)
    return found[-1] if found else ""


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The parent prints its list: empty after the pitfall, ten squares after the fix."""
    got = _printed(pitfall)
    summary = tr(
        f"expected results: {_EXPECTED}, the parent printed results: {got or '(nothing)'}",
        f"本该得到 `results: {_EXPECTED}`，父进程打印的却是 `results: {got}`"
        if got
        else f"本该得到 `results: {_EXPECTED}`，父进程什么也没打印",
    )
    fix_seen = finished(fix, f"results: {_EXPECTED}")
    return Verdict(
        Observation(pitfall.returncode == 0 and got == "[]", summary, (), {"expected": 10, "parent_has": got}),
        fix_seen,
    )
