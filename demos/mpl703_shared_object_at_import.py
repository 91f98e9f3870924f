"""MPL703 shared-object-at-import: a module-level Value counted by four children."""

import re

from .evidence import Observation, Verdict, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL703"
NAME = "shared-object-at-import"
SUMMARY = "a Value created at module level is a new, separate Value in every spawned child"
WHY = """A spawned child imports the program again, and the import runs
`counter = mp.Value("i", 0)` again: each child adds 1 to a Value of its own,
and the parent's counter stays at 0. Under fork the children inherit the
parent's Value itself and the count is right. The same goes for a
module-level Lock (it excludes nobody) and Queue (what children put never
reaches the parent). Create the object under the __main__ guard and hand it
to the children with Process(args=...) or initargs=."""
SUMMARY_ZH = "在模块顶层创建的 Value，在每个 spawn 出来的子进程里都是一个新的、互不相干的 Value"
WHY_ZH = """spawn 出来的子进程会重新导入程序，导入时又执行了一遍
`counter = mp.Value("i", 0)`：每个子进程都是给自己的那个 Value 加 1，父进程
的计数器一直是 0。在 fork 下，子进程继承的就是父进程的那个 Value，计数是
对的。模块顶层的 Lock（谁也锁不住）和 Queue（子进程放进去的东西到不了父
进程）也是同样的道理。请在 __main__ 保护块里创建这个对象，再通过
Process(args=...) 或 initargs= 交给子进程。"""

PITFALL = """\
import multiprocessing as mp

counter = mp.Value("i", 0)


def count():
    with counter.get_lock():
        counter.value += 1


def run(method):
    ctx = mp.get_context(method)
    children = [ctx.Process(target=count) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    return counter.value


if __name__ == "__main__":
    print("spawn: counter =", run("spawn"))
    if "fork" in mp.get_all_start_methods():
        print("fork: counter =", run("fork"))
"""

FIX = """\
import multiprocessing as mp


def count(counter):
    with counter.get_lock():
        counter.value += 1


if __name__ == "__main__":
    counter = mp.Value("i", 0)
    children = [mp.Process(target=count, args=(counter,)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    print("spawn: counter =", counter.value)
"""

FLAGGED = 'counter = mp.Value("i", 0)'

_LINE = re.compile(r"^(spawn|fork): counter = (\d+)$", re.MULTILINE)


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """Four children each added 1: the spawn count stays 0 (fork, if there is one, gives 4)."""
    seen = {method: int(value) for method, value in _LINE.findall(pitfall.stdout)}
    spawned = seen.get("spawn")
    shown = spawned if spawned is not None else "?"
    summary = tr(
        f"4 spawned children each added 1, the parent's counter is {shown}",
        f"4 个 spawn 出来的子进程各加了 1，父进程的计数器却是 {shown}",
    )
    if "fork" in seen:
        summary += tr(f"; with fork it is {seen['fork']}", f"；用 fork 时是 {seen['fork']}")
    return Verdict(
        Observation(pitfall.returncode == 0 and spawned == 0, summary, (), dict(seen)),
        finished(fix, "spawn: counter = 4"),
    )
