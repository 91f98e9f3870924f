"""MPL104 side-effect-at-import: input() at module level under spawn."""

from .evidence import Observation, Verdict, count, ended, finished, join
from .i18n import tr
from .runner import RunResult

CODE = "MPL104"
NAME = "side-effect-at-import"
SUMMARY = "input() at module level runs again in every spawned worker: EOFError, respawn, forever"
WHY = """The Pool is started under the guard, but the input() above it is not.
Under spawn each worker re-imports the main module and runs input() again.
The parent has already read the only line of standard input, so the worker
gets end-of-file: EOFError. The worker dies while starting, the Pool starts
a replacement, which dies the same way, and map() never returns. (On a
terminal, every worker prints the prompt and waits for a line instead.)"""
SUMMARY_ZH = "模块顶层的 input() 会在每个 spawn 出来的工作进程里再执行一遍：EOFError、重启，没完没了"
WHY_ZH = """进程池是在保护块里启动的，可它上面的 input() 不在保护块里。在 spawn 下，
每个工作进程都会重新导入主模块，于是又执行一次 input()。标准输入里唯一的
一行已经被父进程读走了，工作进程读到的是文件结尾：EOFError。工作进程在启动
途中死掉，进程池再启动一个新的顶替它，新的也以同样的方式死掉，map() 永远
不会返回。（如果是在终端里运行，每个工作进程都会打印提示，然后等着你输入
一行。）"""

PITFALL = """\
from multiprocessing import Pool


def square(x):
    return x * x


n = int(input("How many squares? "))

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(n)))
"""

FIX = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    n = int(input("How many squares? "))
    with Pool(2) as pool:
        print(pool.map(square, range(n)))
"""

FLAGGED = 'n = int(input("How many squares? "))'
# Both programs get one line on standard input, as `echo 5 | python pitfall.py`.
STDIN = "5\n"
TIMEOUT = 4.0
_EOF = "EOFError: EOF when reading a line"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """A hang, with workers dying of EOFError while they re-import the module."""
    errors = count(pitfall, _EOF)
    summary = join(
        [
            ended(pitfall, "map()"),
            tr(
                f"{errors} workers re-ran input(), got {_EOF} and were replaced",
                f"{errors} 个工作进程重新执行了 input()，得到 `{_EOF}`，随后被换成新的进程",
            )
            if errors
            else "",
        ]
    )
    details = (_EOF,) if errors else ()
    return Verdict(
        Observation(pitfall.timed_out and errors > 0, summary, details, {"eof_errors": errors}),
        finished(fix, "[0, 1, 4, 9, 16]"),
    )
