"""MPL205 interactive-worker: a worker function defined in a notebook cell."""

from .evidence import Observation, Verdict, count, exception_line, finished, join
from .i18n import tr
from .runner import RunResult

CODE = "MPL205"
NAME = "interactive-worker"
SUMMARY = "a worker defined in a notebook cell does not exist in spawned children: move it to a .py module"
WHY = """A spawned child rebuilds __main__ by re-importing the main file. A
notebook kernel's __main__ has no file, so the child's __main__ is empty:
unpickling the task looks for `square` there and fails with AttributeError.
Each worker dies, the pool replaces it, and the cell never finishes. A
function imported from a module next to the notebook is found by name."""
SUMMARY_ZH = "定义在 notebook 单元格里的工作函数，在 spawn 出来的子进程里并不存在：请把它移到 .py 模块里"
WHY_ZH = """spawn 出来的子进程要重新导入主文件来重建 __main__。notebook 内核的
__main__ 没有对应的文件，所以子进程里的 __main__ 是空的：反序列化任务时
到那里去找 `square`，找不到，抛出 AttributeError。每个工作进程都这样死掉，
进程池不停地换上新的，这个单元格永远运行不完。从 notebook 旁边的模块里
导入的函数，子进程可以按名字找到。"""

INTERACTIVE = True
TIMEOUT = 3.0

PITFALL = """\
from multiprocessing import Pool


def square(x):
    return x * x


with Pool(2) as pool:
    print(pool.map(square, range(10)))
"""

FIX = """\
from multiprocessing import Pool

from workers import square

with Pool(2) as pool:
    print(pool.map(square, range(10)))
"""

FIX_FILES = {
    "workers.py": """\
def square(x):
    return x * x
""",
}

FLAGGED = "print(pool.map(square, range(10)))"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """AttributeError: Can't get attribute 'square' on <module '__main__'>."""
    missing = count(pitfall, "Can't get attribute 'square'")
    summary = join(
        [
            tr(f"the cell never finished ({pitfall.seconds:.0f} s)", f"单元格一直没有运行完（{pitfall.seconds:.0f} 秒）")
            if pitfall.timed_out
            else tr(f"exit {pitfall.returncode}", f"退出码 {pitfall.returncode}"),
            tr(
                f"{missing} workers died: Can't get attribute 'square' on <module '__main__'>",
                f"{missing} 个工作进程死于 `Can't get attribute 'square' on <module '__main__'>`",
            )
            if missing
            else "",
        ]
    )
    error = exception_line(pitfall, "Can't get attribute")
    return Verdict(
        Observation(missing > 0 and pitfall.returncode != 0, summary, (error,) if error else (), {"crashes": missing}),
        finished(fix, "[0, 1, 4, 9"),
    )
