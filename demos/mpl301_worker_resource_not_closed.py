"""MPL301 worker-resource-not-closed: `open(path).read()` in a worker, as course code has it."""

from .evidence import Observation, Verdict, finished, last_output
from .i18n import tr
from .runner import RunResult

CODE = "MPL301"
NAME = "worker-resource-not-closed"
SUMMARY = "a worker that opens a file without closing it leaves the closing to the garbage collector"
WHY = """This is the form course code has: `open(path).read()` in a worker,
never closed. On CPython the program still works: the file object is
closed when its last reference goes, right after the task. What you can
see is a ResourceWarning per task, which Python hides unless warnings are
on (`python -X dev`, `-W default`, pytest); it is shown here. The real
damage comes when the handle outlives the task (kept in a list or a cache,
held by a traceback, or on PyPy, which has no reference counting): a
worker lives for thousands of tasks and runs out of descriptors ("Too many
open files"). `with open(path) as f:` closes it on every path."""

WARNINGS = "default::ResourceWarning"
TIMEOUT = 8.0
_CHAPTERS = 40

FILES = {f"chapter{i}.txt": "It was a bright cold day in April\n" * (i + 1) for i in range(_CHAPTERS)}

PITFALL = f"""\
from multiprocessing import Pool


def count_words(path):
    return len(open(path).read().split())


if __name__ == "__main__":
    paths = [f"chapter{{i}}.txt" for i in range({_CHAPTERS})]
    with Pool(2) as pool:
        counts = pool.map(count_words, paths)
    print(sum(counts), "words")
"""

FIX = f"""\
from multiprocessing import Pool


def count_words(path):
    with open(path) as f:
        return len(f.read().split())


if __name__ == "__main__":
    paths = [f"chapter{{i}}.txt" for i in range({_CHAPTERS})]
    with Pool(2) as pool:
        counts = pool.map(count_words, paths)
    print(sum(counts), "words")
"""

FLAGGED = "return len(open(path).read().split())"
SUMMARY_ZH = "工作进程打开文件却不关闭，关闭的事就只能交给垃圾回收器"
WHY_ZH = """课程代码里常见的就是这种写法：在工作进程里 `open(path).read()`，从来不
关闭。在 CPython 上程序照样能运行：文件对象在最后一个引用消失时、也就是
任务结束后马上就会被关闭。能看到的只是每个任务一条 ResourceWarning，
而 Python 默认会把它藏起来，只有打开警告时才显示（`python -X dev`、
`-W default`、pytest）；这里把它显示出来。真正的麻烦出现在句柄活得比任务
更久的时候（存进列表或缓存、被 traceback 引用，或者在没有引用计数的 PyPy
上）：一个工作进程要处理成千上万个任务，文件描述符迟早会用光
（"Too many open files"）。`with open(path) as f:` 能在每条路径上关闭它。"""

_WORDS = 8 * _CHAPTERS * (_CHAPTERS + 1) // 2


def _unclosed(run: RunResult) -> int:
    return sum(1 for line in run.stderr.splitlines() if "ResourceWarning: unclosed file" in line)


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The program works; every task leaves an unclosed file to the garbage collector."""
    expect = f"{_WORDS} words"
    unclosed, fixed = _unclosed(pitfall), _unclosed(fix)
    worked = finished(pitfall, expect)
    summary = tr(
        f"printed {last_output(pitfall)!r} as it should, but {unclosed} of {_CHAPTERS} files were never closed: "
        f"{unclosed} x 'ResourceWarning: unclosed file'",
        f"程序照常输出了 {last_output(pitfall)!r}，但 {_CHAPTERS} 个文件里有 {unclosed} 个从未被关闭："
        f"出现了 {unclosed} 次 'ResourceWarning: unclosed file'",
    )
    details = (
        tr(
            "on CPython each file is closed by the garbage collector right after its task; "
            "a handle that outlives the task (a list, a cache, a traceback, PyPy) stays open",
            "在 CPython 上，每个文件在任务结束后马上被垃圾回收器关闭；"
            "活得比任务更久的句柄（存进列表、缓存，被 traceback 引用，或在 PyPy 上）会一直开着",
        ),
    )
    facts = {"unclosed": unclosed, "tasks": _CHAPTERS}
    fix_seen = finished(fix, expect)
    return Verdict(
        Observation(worked.ok and unclosed == _CHAPTERS, summary, details, facts),
        Observation(
            fix_seen.ok and fixed == 0,
            tr(f"{fix_seen.summary}; no ResourceWarning", f"{fix_seen.summary}；没有任何 ResourceWarning"),
            (),
            {"unclosed": fixed},
        ),
    )
