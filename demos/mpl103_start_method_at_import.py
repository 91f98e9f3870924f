"""MPL103 start-method-at-import: set_start_method() at module level."""

from .evidence import Observation, Verdict, count, ended, exception_line, finished, join
from .i18n import tr
from .runner import RunResult

CODE = "MPL103"
NAME = "start-method-at-import"
SUMMARY = "set_start_method() at module level runs again in each child, which raises: the pool never gets a worker"
WHY = """The parent sets the start method once and that works. But each spawned
child re-imports the module; by then the child's start method is already
set, so the same line raises `RuntimeError: context has already been set`,
the worker dies before taking a task, and the pool replaces it forever."""
SUMMARY_ZH = "写在模块顶层的 set_start_method() 会在每个子进程里再执行一次并抛出异常：进程池一个可用的工作进程都没有"
WHY_ZH = """父进程设置一次启动方式，这没有问题。但每个 spawn 出来的子进程都会重新
导入本模块；那时子进程的启动方式已经设好了，同一行代码就会抛出
`RuntimeError: context has already been set`，工作进程还没接到任务就死掉，
进程池不停地换上新的，永无止境。"""

PITFALL = """\
import multiprocessing as mp

mp.set_start_method("spawn")


def square(x):
    return x * x


if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(square, range(10)))
"""

FIX = """\
import multiprocessing as mp


def square(x):
    return x * x


if __name__ == "__main__":
    mp.set_start_method("spawn")
    with mp.Pool(2) as pool:
        print(pool.map(square, range(10)))
"""

FLAGGED = 'mp.set_start_method("spawn")'
TIMEOUT = 3.0


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """A hang, with workers dying on "context has already been set"."""
    crashes = count(pitfall, "context has already been set")
    summary = join(
        [
            ended(pitfall, "map()"),
            tr(
                f"{crashes} workers died on 'RuntimeError: context has already been set'",
                f"{crashes} 个工作进程死于 'RuntimeError: context has already been set'",
            )
            if crashes
            else "",
        ]
    )
    error = exception_line(pitfall, "context has already been set")
    return Verdict(
        Observation(pitfall.timed_out and crashes > 0, summary, (error,) if error else (), {"crashes": crashes}),
        finished(fix, "[0, 1, 4, 9"),
    )
