"""MPL302 worker-global-resource: a log file opened by the pool initializer."""

from .evidence import Observation, Verdict, finished, last_output, lines_in
from .i18n import tr
from .runner import RunResult

CODE = "MPL302"
NAME = "worker-global-resource"
SUMMARY = "a file a pool initializer keeps open in a global is never flushed: its lines are lost"
WHY = """Each worker opens the log once and writes into Python's buffer. Nothing
ever closes the file: leaving `with Pool()` calls terminate(), which kills
the workers with SIGTERM, and buffered lines die with them. The program
reports every job done; the log stays empty. (A worker that manages to exit
on its own first does flush: a race the log nearly always loses.) Open the
file per task with `with` (or register multiprocessing.util.Finalize and
close()+join())."""
SUMMARY_ZH = "进程池的 initializer 打开后存进全局变量的文件永远不会被刷新：写进去的行都丢了"
WHY_ZH = """每个工作进程只打开一次日志文件，写入的内容先放在 Python 的缓冲区里。
没有任何地方关闭这个文件：离开 `with Pool()` 时会调用 terminate()，用
SIGTERM 杀掉工作进程，缓冲区里的行也跟着没了。程序报告所有任务都完成了，
日志却是空的。（如果某个工作进程抢先自己退出，它会刷新缓冲区：这是一场
日志几乎总会输掉的竞争。）请在每个任务里用 `with` 打开文件（或者注册
multiprocessing.util.Finalize，并调用 close()+join()）。"""

# The loss is a race with the workers' own exit; on a very busy machine it is
# occasionally won, so the pitfall may be run again.
ATTEMPTS = 4

PITFALL = """\
from multiprocessing import Pool

log = None


def open_log(path):
    global log
    log = open(path, "a")


def work(job):
    log.write(f"job {job} done\\n")
    return job


if __name__ == "__main__":
    with Pool(2, initializer=open_log, initargs=("jobs.log",)) as pool:
        done = pool.map(work, range(200))
    print(len(done), "jobs done")
"""

FIX = """\
from multiprocessing import Pool

LOG = "jobs.log"


def work(job):
    with open(LOG, "a") as log:
        log.write(f"job {job} done\\n")
    return job


if __name__ == "__main__":
    with Pool(2) as pool:
        done = pool.map(work, range(200))
    print(len(done), "jobs done")
"""

FLAGGED = 'log = open(path, "a")'


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The program says 200 jobs done; count the lines really in the log."""
    found, fixed = lines_in(pitfall, "jobs.log"), lines_in(fix, "jobs.log")
    facts = {"expected": 200, "found": found, "lost": 200 - found}
    summary = tr(
        f"printed {last_output(pitfall)!r}, but expected 200 lines in jobs.log, found {found}",
        f"程序输出 {last_output(pitfall)!r}，可 jobs.log 里本应有 200 行，实际只有 {found} 行",
    )
    fix_seen = finished(fix, "200 jobs done")
    fix_ok = fix_seen.ok and fixed == 200
    return Verdict(
        Observation(pitfall.returncode == 0 and found < 200, summary, (), facts),
        Observation(
            fix_ok, tr(f"{fix_seen.summary}; jobs.log has {fixed} lines", f"{fix_seen.summary}；jobs.log 有 {fixed} 行"),
            (), {"found": fixed},
        ),
    )
