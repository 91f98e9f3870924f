"""MPL102 unguarded-entry-call: main() called at import under spawn."""

from .evidence import Observation, Verdict, count, exception_line, finished, join
from .i18n import tr
from .runner import RunResult

CODE = "MPL102"
NAME = "unguarded-entry-call"
SUMMARY = "a bare main() call runs again in every spawned child: the executor breaks"
WHY = """The process pool is created inside main(), which looks safe, but main()
is called at module level. Each spawned worker re-imports the module, calls
main() again and tries to start its own workers while it is still starting
up: it dies, and the executor in the parent reports BrokenProcessPool."""
SUMMARY_ZH = "直接写在模块顶层的 main() 调用，会在每个 spawn 出来的子进程里再执行一次：执行器随之损坏"
WHY_ZH = """进程池是在 main() 里面创建的，看起来没问题，可 main() 是在模块顶层被直接
调用的。每个 spawn 出来的工作进程都会重新导入本模块，于是又调用一次
main()，在自己还没启动完的时候就想再启动一批工作进程：它因此死掉，父进程
里的执行器报告 BrokenProcessPool。"""

PITFALL = """\
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def main():
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(square, range(10))))


main()
"""

FIX = """\
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def main():
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(square, range(10))))


if __name__ == "__main__":
    main()
"""

FLAGGED = "main()"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """BrokenProcessPool in the parent, RuntimeError in the children."""
    broken = exception_line(pitfall, "BrokenProcessPool")
    crashes = count(pitfall, "bootstrapping phase")
    summary = join(
        [
            tr("BrokenProcessPool", "进程池损坏（BrokenProcessPool）") if broken else tr(
                f"exit {pitfall.returncode}", f"退出码 {pitfall.returncode}"
            ),
            tr(
                f"{crashes} worker(s) re-ran main() at import and died (RuntimeError)",
                f"{crashes} 个工作进程在导入时重新执行了 main()，因 RuntimeError 死掉",
            )
            if crashes
            else "",
        ]
    )
    details = tuple(line for line in (broken, exception_line(pitfall, "RuntimeError")) if line)
    return Verdict(
        Observation(bool(broken) and crashes > 0, summary, details, {"crashes": crashes}),
        finished(fix, "[0, 1, 4, 9"),
    )
