"""MPL501 join-before-drain: join() a process whose queue holds 200 KB."""

from .evidence import Observation, Verdict, finished
from .runner import RunResult

CODE = "MPL501"
NAME = "join-before-drain"
SUMMARY = "join() before reading a child's queue deadlocks once the data outgrows the pipe"
WHY = """A child that put() data on a Queue does not exit until the data has
been written into the pipe, and the pipe holds only about 64 KB until
someone reads. The parent waits in join() for the child; the child waits for
the parent to read: neither moves. Small test data passes, which is why this
survives testing. Read (get) before join()."""

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
        f"deadlock: join() still waiting after {pitfall.seconds:.0f} s for 200 KB nobody reads"
        if pitfall.timed_out
        else f"finished: exit {pitfall.returncode} in {pitfall.seconds:.1f} s"
    )
    details = (f"the fix moved the same data in {fix.seconds:.1f} s",) if fix_seen.ok else ()
    return Verdict(Observation(pitfall.timed_out, summary, details), fix_seen)
