"""MPL101 process-start-at-import: a module-level Pool under spawn."""

from .evidence import Observation, Verdict, count, ended, exception_line, finished, join
from .i18n import tr
from .runner import RunResult

CODE = "MPL101"
NAME = "process-start-at-import"
SUMMARY = "a Pool built at module level is built again in every child: the workers crash and are replaced forever"
WHY = """Under spawn each child starts a fresh interpreter and re-imports the
main module as __mp_main__. Every line outside `if __name__ == "__main__":`
runs again there, so each worker tries to build its own Pool while it is
still starting up. multiprocessing refuses (RuntimeError), the worker dies,
the pool starts a replacement, which dies the same way: map() waits forever."""
SUMMARY_ZH = "在模块顶层创建的 Pool，会在每个子进程里再创建一次：工作进程不断崩溃、不断被替换，永无止境"
WHY_ZH = """spawn 方式下，每个子进程都从一个全新的解释器开始，并把主模块当作
__mp_main__ 重新导入一遍。写在 `if __name__ == "__main__":` 之外的每一行，
都会在子进程里再执行一次，于是每个工作进程在自己还没启动完的时候就想再
建一个 Pool。multiprocessing 不允许这样做（RuntimeError），工作进程死掉，
进程池换上一个新的，新的又以同样的方式死掉：map() 永远等不到结果。"""

PITFALL = """\
from multiprocessing import Pool


def square(x):
    return x * x


pool = Pool(2)
print(pool.map(square, range(10)))
pool.close()
pool.join()
"""

FIX = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(10)))
"""

FLAGGED = "pool = Pool(2)"
TIMEOUT = 3.0


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """A hang, with workers dying on the bootstrapping RuntimeError."""
    crashes = count(pitfall, "bootstrapping phase")
    error = exception_line(pitfall, "RuntimeError")
    summary = join(
        [
            ended(pitfall, "map()"),
            tr(
                f"{crashes} workers re-ran `pool = Pool(2)`, died (RuntimeError) and were replaced",
                f"{crashes} 个工作进程重新执行了 `pool = Pool(2)`，因 RuntimeError 死掉，又被换上新的",
            )
            if crashes
            else "",
        ]
    )
    details = (error,) if error else ()
    return Verdict(
        Observation(pitfall.timed_out and crashes > 0, summary, details, {"crashes": crashes}),
        finished(fix, "[0, 1, 4, 9"),
    )
