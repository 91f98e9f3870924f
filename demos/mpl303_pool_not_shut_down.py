"""MPL303 pool-not-shut-down: a Pool left running on a function's error path."""

from .evidence import Observation, Verdict, count, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL303"
NAME = "pool-not-shut-down"
SUMMARY = "a Pool a function never shuts down outlives the call: on the error path its workers pile up"
WHY = """process() never closes its pool. When a task raises, the exception's
traceback keeps process()'s frame, and with it the pool, alive; the program
keeps each error to report it later, so every failed batch leaves two idle
workers (and their threads and pipes) running until exit, where the pools'
clean-up then fails noisily. `with Pool(2) as pool:` shuts it down on every
path, the error path included."""
SUMMARY_ZH = "函数里从不关闭的 Pool 会活得比这次调用更久：每走一次出错的路径，工作进程就多一批"
WHY_ZH = """process() 从来不关闭它的进程池。某个任务抛出异常时，异常的 traceback
会让 process() 的栈帧连同进程池一起活下来；程序又把每个错误保存起来，
准备之后再报告，于是每个失败的批次都留下两个空闲的工作进程（连同它们的
线程和管道）一直运行到程序退出，退出时这些进程池的清理还会报错。
`with Pool(2) as pool:` 能在每条路径上关闭进程池，出错的路径也不例外。"""

PITFALL = """\
from multiprocessing import Pool


def parse(record):
    if record.startswith("#"):
        raise ValueError(f"bad record {record!r}")
    return len(record)


def process(batch):
    pool = Pool(2)
    return pool.map(parse, batch)


if __name__ == "__main__":
    failures = []
    for n in range(8):
        batch = [f"rec-{n}-{i}" for i in range(50)] + ["#corrupt"]
        try:
            process(batch)
        except ValueError as err:
            failures.append((n, err))
    print(len(failures), "batches failed")
"""

FIX = """\
from multiprocessing import Pool


def parse(record):
    if record.startswith("#"):
        raise ValueError(f"bad record {record!r}")
    return len(record)


def process(batch):
    with Pool(2) as pool:
        return pool.map(parse, batch)


if __name__ == "__main__":
    failures = []
    for n in range(8):
        batch = [f"rec-{n}-{i}" for i in range(50)] + ["#corrupt"]
        try:
            process(batch)
        except ValueError as err:
            failures.append((n, err))
    print(len(failures), "batches failed")
"""

FLAGGED = "pool = Pool(2)"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """Count processes alive at once: pitfall against fix."""
    leaked = pitfall.peak_processes - fix.peak_processes
    noise = count(pitfall, "Exception ignored in: <function Pool.__del__")
    summary = tr(
        f"each failed batch left its pool running: {pitfall.peak_processes} processes alive at once "
        f"against {fix.peak_processes} with the fix",
        f"每个失败的批次都留下了一个还在运行的进程池：同时存活的进程多达 {pitfall.peak_processes} 个，"
        f"改正后只有 {fix.peak_processes} 个",
    )
    if noise:
        summary += tr(
            f"; {noise} pool clean-up{'s' if noise > 1 else ''} failed at exit",
            f"；程序退出时有 {noise} 个进程池清理失败",
        )
    facts = {"peak": pitfall.peak_processes, "fix_peak": fix.peak_processes, "leaked": leaked, "failed_cleanups": noise}
    fix_seen = finished(fix, "8 batches failed")
    return Verdict(
        Observation(pitfall.returncode == 0 and leaked >= 4, summary, (), facts),
        Observation(
            fix_seen.ok and "Exception ignored" not in fix.stderr,
            tr(
                f"{fix_seen.summary}; at most {fix.peak_processes} processes at once",
                f"{fix_seen.summary}；同时最多 {fix.peak_processes} 个进程",
            ),
        ),
    )
