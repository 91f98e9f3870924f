"""MPL501 join-before-drain: join() a process whose queue holds 200 KB."""

from .evidence import Observation, Verdict, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL501"
NAME = "join-before-drain"
SUMMARY = "join() before reading a child's queue deadlocks once the data outgrows the pipe"
WHY = """A child that put() data on a Queue does not exit until the data has
been written into the pipe, and the pipe holds only about 64 KB until
someone reads. The parent waits in join() for the child; the child waits for
the parent to read: neither moves. Small test data passes, which is why this
survives testing. Read (get) before join()."""
SUMMARY_ZH = "还没读取子进程的队列就先 join()，数据一超过管道容量就会死锁"
WHY_ZH = """往 Queue 里 put() 了数据的子进程，要等数据全部写进管道后才会退出，而在
有人读取之前，管道只能容纳大约 64 KB。父进程在 join() 里等子进程，子进程
在等父进程来读：谁也动不了。测试用的小数据能顺利通过，所以这个问题总能
躲过测试。请先读取（get），再 join()。"""

PITFALL = """\
from multiprocessing import Process, Queue


def produce(q):
    q.put("x" * 200_000)


if __name__ == "__main__":
    q = Queue()
    p = Process(target=produce, args=(q,))
    p.start()
    p.join()
    data = q.get()
    print("received", len(data), "characters")
"""

FIX = """\
from multiprocessing import Process, Queue


def produce(q):
    q.put("x" * 200_000)


if __name__ == "__main__":
    q = Queue()
    p = Process(target=produce, args=(q,))
    p.start()
    data = q.get()
    p.join()
    print("received", len(data), "characters")
"""

FLAGGED = "p.join()"
TIMEOUT = 3.0


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """A hang, while the fix moves the same 200 KB at once."""
    fix_seen = finished(fix, "received 200000 characters")
    summary = (
        tr(
            f"deadlock: join() still waiting after {pitfall.seconds:.0f} s for 200 KB nobody reads",
            f"死锁：{pitfall.seconds:.0f} 秒后 join() 还在等待，那 200 KB 数据没有人去读",
        )
        if pitfall.timed_out
        else tr(
            f"finished: exit {pitfall.returncode} in {pitfall.seconds:.1f} s",
            f"运行结束：{pitfall.seconds:.1f} 秒，退出码 {pitfall.returncode}",
        )
    )
    details = (
        (tr(f"the fix moved the same data in {fix.seconds:.1f} s", f"正确写法在 {fix.seconds:.1f} 秒内传完了同样的数据"),)
        if fix_seen.ok
        else ()
    )
    return Verdict(Observation(pitfall.timed_out, summary, details), fix_seen)
