"""MPL403 async-result-outlives-pool: leaving `with Pool()` before the work is done."""

from .evidence import Observation, Verdict, finished, last_output
from .i18n import tr
from .runner import RunResult

CODE = "MPL403"
NAME = "async-result-outlives-pool"
SUMMARY = "leaving `with Pool()` before .get() terminates the pool: submitted tasks are killed"
WHY = """apply_async() only queues the task. Leaving the `with Pool()` block
calls terminate(), which kills the workers whether or not they have run the
queue. The program carries on as if the work were done. Wait for every
result (.get()) inside the block."""
SUMMARY_ZH = "在调用 .get() 之前离开 `with Pool()` 会终止进程池：已提交的任务都被杀掉"
WHY_ZH = """apply_async() 只是把任务放进队列。离开 `with Pool()` 块时会调用
terminate()，不管队列里的任务有没有执行，都会杀掉工作进程。程序却照常
往下走，好像工作都做完了。请在块内等待每个结果（调用 .get()）。"""

PITFALL = """\
import time
from multiprocessing import Pool


def convert(page):
    time.sleep(0.1)
    with open(f"page{page}.out", "w") as f:
        f.write("converted\\n")


if __name__ == "__main__":
    with Pool(2) as pool:
        for page in range(20):
            pool.apply_async(convert, (page,))
    print("converted 20 pages")
"""

FIX = """\
import time
from multiprocessing import Pool


def convert(page):
    time.sleep(0.1)
    with open(f"page{page}.out", "w") as f:
        f.write("converted\\n")


if __name__ == "__main__":
    with Pool(2) as pool:
        results = [pool.apply_async(convert, (page,)) for page in range(20)]
        for result in results:
            result.get()
    print("converted 20 pages")
"""

FLAGGED = "pool.apply_async(convert, (page,))"


def _pages(run: RunResult) -> int:
    return sum(1 for name in run.files if name.startswith("page") and name.endswith(".out"))


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """Count the output files each program really produced."""
    found, fixed = _pages(pitfall), _pages(fix)
    summary = tr(
        f"printed {last_output(pitfall)!r}, but only {found} of 20 output files exist: the tasks were killed",
        f"程序输出 {last_output(pitfall)!r}，可 20 个输出文件只有 {found} 个：任务被杀掉了",
    )
    fix_seen = finished(fix, "converted 20 pages")
    return Verdict(
        Observation(pitfall.returncode == 0 and found < 20, summary, (), {"expected": 20, "found": found}),
        Observation(
            fix_seen.ok and fixed == 20,
            tr(f"{fix_seen.summary}; {fixed} of 20 output files exist", f"{fix_seen.summary}；20 个输出文件有 {fixed} 个"),
        ),
    )
