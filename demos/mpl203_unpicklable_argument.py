"""MPL203 unpicklable-argument: an open file passed as a task argument."""

from .evidence import Observation, Verdict, exception_line, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL203"
NAME = "unpicklable-argument"
SUMMARY = "an open file passed to a worker cannot be pickled: pass the path and open it there"
WHY = """Task arguments are pickled. An open file is a handle owned by this
process; pickle refuses it (as it refuses locks, generators and database
connections). Send what the worker needs to open it itself: the path."""
SUMMARY_ZH = "打开的文件不能传给工作进程，因为它无法被 pickle：请传路径，到子进程里再打开"
WHY_ZH = """任务参数都要被 pickle。打开的文件是属于本进程的句柄，pickle 拒绝处理它
（锁、生成器、数据库连接也一样）。请把工作进程自己打开它所需要的信息
传过去：文件路径。"""

FILES = {"poem.txt": "So much depends\nupon\na red wheel\nbarrow\n"}

PITFALL = """\
from multiprocessing import Pool


def count_words(f):
    return len(f.read().split())


if __name__ == "__main__":
    with open("poem.txt") as f, Pool(2) as pool:
        print(pool.apply(count_words, (f,)), "words")
"""

FIX = """\
from multiprocessing import Pool


def count_words(path):
    with open(path) as f:
        return len(f.read().split())


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.apply(count_words, ("poem.txt",)), "words")
"""

FLAGGED = 'print(pool.apply(count_words, (f,)), "words")'


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """TypeError: cannot pickle the file object."""
    error = exception_line(pitfall, "cannot pickle")
    summary = (
        tr(error, f"文件对象无法被 pickle：`{error}`")
        if error
        else tr(f"no pickling error (exit {pitfall.returncode})", f"没有出现 pickle 错误（退出码 {pitfall.returncode}）")
    )
    return Verdict(
        Observation(error is not None and pitfall.returncode != 0, summary),
        finished(fix, "8 words"),
    )
