"""MPL202 local-callable-to-worker: a nested function handed to an executor."""

from .evidence import Observation, Verdict, exception_line, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL202"
NAME = "local-callable-to-worker"
SUMMARY = "a function defined inside another function cannot be pickled for a worker"
WHY = """A nested function (here a closure over `factor`) has a qualified name
like `scale_all.<locals>.scale`, which no worker could import, so pickling
the task fails. A module-level function with functools.partial carries the
same extra argument and pickles fine."""
SUMMARY_ZH = "定义在另一个函数内部的函数，无法为工作进程 pickle"
WHY_ZH = """嵌套函数（这里是一个引用了 `factor` 的闭包）的完整名字是
`scale_all.<locals>.scale`，任何工作进程都导入不了它，所以 pickle 任务时
就失败了。改成模块顶层的函数，再用 functools.partial 带上那个额外参数，
就能正常 pickle。"""

PITFALL = """\
from concurrent.futures import ProcessPoolExecutor


def scale_all(values, factor):
    def scale(x):
        return x * factor

    with ProcessPoolExecutor(2) as executor:
        return list(executor.map(scale, values))


if __name__ == "__main__":
    print(scale_all(range(10), 3))
"""

FIX = """\
from concurrent.futures import ProcessPoolExecutor
from functools import partial


def scale(x, factor):
    return x * factor


def scale_all(values, factor):
    with ProcessPoolExecutor(2) as executor:
        return list(executor.map(partial(scale, factor=factor), values))


if __name__ == "__main__":
    print(scale_all(range(10), 3))
"""

FLAGGED = "return list(executor.map(scale, values))"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """ "Can't pickle local object" reaches the parent (or, on Python 3.9, the executor hangs)."""
    # "Can't pickle local object" (3.11), "Can't get local object" (3.13).
    error = exception_line(pitfall, "local object 'scale_all.<locals>.scale'")
    if error:
        summary = tr(error, f"任务无法被 pickle：`{error}`")
    elif pitfall.timed_out:
        # Python 3.9's executor can lose the pickling error in its feeder thread and wait forever.
        summary = tr(
            f"hang: the executor still waits after {pitfall.seconds:.0f} s for a task it could not pickle",
            f"卡死：{pitfall.seconds:.0f} 秒后执行器还在等一个无法 pickle 的任务",
        )
    else:
        summary = tr(f"no pickling error (exit {pitfall.returncode})", f"没有出现 pickle 错误（退出码 {pitfall.returncode}）")
    return Verdict(
        Observation((error is not None and pitfall.returncode != 0) or pitfall.timed_out, summary),
        finished(fix, "[0, 3, 6, 9"),
    )
