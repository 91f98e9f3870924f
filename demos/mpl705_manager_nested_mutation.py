"""MPL705 manager-nested-mutation: children append to a list inside a Manager dict."""

import re

from .evidence import Observation, Verdict, finished
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
    summary = f"4 children appended to shared['items'], the manager holds {got or '(nothing)'}"
    return Verdict(
        Observation(pitfall.returncode == 0 and got == "[]", summary, (), {"expected": 4, "manager_has": got}),
        finished(fix, "items: [0, 1, 4, 9]"),
    )
