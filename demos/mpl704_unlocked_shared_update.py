"""MPL704 unlocked-shared-update: four processes increment a shared Value with +=."""

import re

from .evidence import Observation, Verdict, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL704"
NAME = "unlocked-shared-update"
SUMMARY = "`counter.value += 1` in several processes without the lock loses increments"
WHY = """`counter.value += 1` is two steps: read the value, then write the
value plus one. Each step takes the Value's lock on its own, so between
them another process can read the same old value: both write the same
result and one increment is lost. Four processes each adding 1 many
thousand times end far below the total, and differently on every run.
Hold the lock across both steps: `with counter.get_lock():`."""
SUMMARY_ZH = "多个进程不加锁地执行 `counter.value += 1`，会丢失一部分加一"
WHY_ZH = """`counter.value += 1` 其实是两步：先读出值，再写回值加一。每一步各自拿一次
Value 的锁，所以在两步之间，另一个进程可能读到同一个旧值：两个进程写回同样
的结果，一次加一就丢了。四个进程各加几千次 1，最后的总数远远不够，而且每次
运行都不一样。请让锁覆盖这两步：`with counter.get_lock():`。"""

# A race: on a machine with a single free core the processes may run one
# after another and lose nothing, so the pitfall may be run again.
ATTEMPTS = 3

PITFALL = """\
from multiprocessing import Process, Value

N = 20000


def add(counter):
    for _ in range(N):
        counter.value += 1


if __name__ == "__main__":
    counter = Value("i", 0)
    children = [Process(target=add, args=(counter,)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    print(f"expected {4 * N}, got {counter.value}")
"""

FIX = """\
from multiprocessing import Process, Value

N = 20000


def add(counter):
    for _ in range(N):
        with counter.get_lock():
            counter.value += 1


if __name__ == "__main__":
    counter = Value("i", 0)
    children = [Process(target=add, args=(counter,)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    print(f"expected {4 * N}, got {counter.value}")
"""

FLAGGED = "counter.value += 1"

_LINE = re.compile(r"^expected (\d+), got (\d+)$", re.MULTILINE)


def _counts(run: RunResult) -> tuple:
    found = _LINE.findall(run.stdout)
    return (int(found[-1][0]), int(found[-1][1])) if found else (0, -1)


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """Expected against actual: the lost increments."""
    expected, got = _counts(pitfall)
    lost = expected - got if got >= 0 else None
    summary = (
        tr(
            f"expected {expected:,}, got {got:,}: {lost:,} increments lost",
            f"本该得到 {expected:,}，实际是 {got:,}：丢了 {lost:,} 次加一",
        )
        if lost is not None
        else tr("no count", "没有打印计数")
    )
    fix_expected, fix_got = _counts(fix)
    fix_seen = finished(fix, "expected 80000")
    fix_ok = fix_seen.ok and fix_got == fix_expected == 80000
    return Verdict(
        Observation(pitfall.returncode == 0 and lost is not None and lost > 0, summary, (),
                    {"expected": expected, "actual": got, "lost": lost}),
        Observation(
            fix_ok,
            f"{fix_seen.summary}"
            if fix_ok
            else tr(f"fix counted {fix_got} of {fix_expected}", f"正确写法只数到 {fix_got}，应为 {fix_expected}"),
            (),
            {"expected": fix_expected, "actual": fix_got},
        ),
    )
