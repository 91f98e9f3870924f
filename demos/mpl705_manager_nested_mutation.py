"""MPL705 manager-nested-mutation: children append to a list inside a Manager dict."""

import re

from .evidence import Observation, Verdict, finished
from .i18n import tr
from .runner import RunResult

CODE = "MPL705"
NAME = "manager-nested-mutation"
SUMMARY = "appending to a list read from a Manager().dict() changes a copy: the list stays empty"
WHY = """`shared["items"]` asks the manager process for the value stored under
"items" and gets a pickled copy of the list. `.append()` changes that copy
in the child, and nothing tells the manager: the stored list stays empty,
under every start method. Store a proxy instead (`shared["items"] =
manager.list()`), whose append goes to the manager; or read the value,
change it and assign it back (holding a lock when several processes do)."""
SUMMARY_ZH = "往从 Manager().dict() 读出来的列表里追加元素，改的只是一份副本：列表一直是空的"
WHY_ZH = """`shared["items"]` 会向管理进程要 "items" 下存的值，拿到的是这个列表被
pickle 过来的一份副本。`.append()` 在子进程里改的是这份副本，没有任何东西
通知管理进程：存着的列表一直是空的，不管用哪种启动方式都一样。请改为存一个
代理对象（`shared["items"] = manager.list()`），它的 append 会发给管理进程；
或者读出值、修改后再赋值回去（有多个进程这样做时要持锁）。"""

PITFALL = """\
from multiprocessing import Manager, Process


def collect(shared, x):
    shared["items"].append(x * x)


if __name__ == "__main__":
    with Manager() as manager:
        shared = manager.dict({"items": []})
        children = [Process(target=collect, args=(shared, x)) for x in range(4)]
        for child in children:
            child.start()
        for child in children:
            child.join()
        print("items:", sorted(shared["items"]))
"""

FIX = """\
from multiprocessing import Manager, Process


def collect(shared, x):
    shared["items"].append(x * x)


if __name__ == "__main__":
    with Manager() as manager:
        shared = manager.dict()
        shared["items"] = manager.list()
        children = [Process(target=collect, args=(shared, x)) for x in range(4)]
        for child in children:
            child.start()
        for child in children:
            child.join()
        print("items:", sorted(shared["items"]))
"""

FLAGGED = 'shared["items"].append(x * x)'

_LINE = re.compile(r"^items: (\[.*\])$", re.MULTILINE)


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """Four children appended a square each: the manager's list after the pitfall, and after the fix."""
    found = _LINE.findall(pitfall.stdout)
    got = found[-1] if found else ""
    summary = tr(
        f"4 children appended to shared['items'], the manager holds {got or '(nothing)'}",
        f"4 个子进程都往 `shared['items']` 里追加了元素，管理进程里存的却是 {got or '（什么也没有）'}",
    )
    return Verdict(
        Observation(pitfall.returncode == 0 and got == "[]", summary, (), {"expected": 4, "manager_has": got}),
        finished(fix, "items: [0, 1, 4, 9]"),
    )
