"""MPL201 lambda-to-worker: a lambda handed to a pool."""

from .evidence import Observation, Verdict, exception_line, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL201"
NAME = "lambda-to-worker"
SUMMARY = "a lambda handed to a pool cannot be pickled, so no task ever reaches a worker"
WHY = """Every task is pickled to travel to a worker, and pickle stores a
function by its importable name. A lambda's name is `<lambda>`, which
cannot be looked up, so map() fails before any worker runs anything."""
SUMMARY_ZH = "交给进程池的 lambda 无法被 pickle，所以没有一个任务能送到工作进程手里"
WHY_ZH = """每个任务都要先 pickle 才能送到工作进程，而 pickle 是按函数可导入的名字
来保存函数的。lambda 的名字是 `<lambda>`，没法按名字找到，所以 map() 在
任何工作进程开始干活之前就失败了。"""

PITFALL = """\
from multiprocessing import Pool

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(lambda x: x * x, range(10)))
"""

FIX = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(10)))
"""

FLAGGED = "print(pool.map(lambda x: x * x, range(10)))"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """PicklingError in the parent."""
    error = exception_line(pitfall, "PicklingError")
    summary = (
        tr(error, f"任务无法被 pickle：`{error}`")
        if error
        else tr(f"no PicklingError (exit {pitfall.returncode})", f"没有出现 PicklingError（退出码 {pitfall.returncode}）")
    )
    return Verdict(
        Observation(error is not None and pitfall.returncode != 0, summary),
        finished(fix, "[0, 1, 4, 9"),
    )
