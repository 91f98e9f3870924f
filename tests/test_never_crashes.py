"""The plugin never raises: hostile inputs and, behind `-m slow`, whole trees."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path
from typing import Iterator

import pytest

from mp_lint.engine import lint_source

HEADER = "import multiprocessing\nfrom multiprocessing import Pool\n"

HOSTILE = {
    "deep_addition": HEADER + "x = " + " + ".join(["1"] * 5000) + "\n",
    "long_and_chain": HEADER + "pool = Pool(2)\nx = " + " and ".join(["a"] * 12000) + "\n",
    "deep_brackets": HEADER + "x = " + "[" * 2000 + "]" * 2000 + "\n",
    "deep_calls": HEADER + "x = " + "f(" * 1500 + ")" * 1500 + "\n",
    "syntax_error": HEADER + "def broken(:\n    pass\n",
    "python2_print": HEADER + 'print "hello"\n',
    "empty": "",
    "only_comments": "# multiprocessing\n# Pool()\n",
    "crlf": HEADER.replace("\n", "\r\n") + "pool = Pool(2)\r\n",
    "tabs_and_form_feed": HEADER + "\x0c\nif True:\n\tpool = Pool(2)\n",
    "bom": "\ufeff" + HEADER + "pool = Pool(2)\n",
    "null_byte": HEADER + "x = 1\x00\n",
    "lone_surrogate": HEADER + "s = '\udcff'\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_gives_findings_or_nothing(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # As flake8 runs it: internal errors are swallowed, never raised.
    monkeypatch.delenv("MP_LINT_DEBUG", raising=False)
    findings = lint_source(HOSTILE[name], f"{name}.py")
    assert all(finding.code.startswith("MPL") for finding in findings)


@pytest.mark.parametrize("name", ["crlf", "tabs_and_form_feed", "bom"])
def test_odd_whitespace_still_reports_the_right_line(name: str) -> None:
    findings = lint_source(HOSTILE[name], f"{name}.py")
    lines = HOSTILE[name].replace("\r\n", "\n").split("\n")
    expected = next(i for i, line in enumerate(lines, start=1) if "Pool(2)" in line)
    assert [(f.line, f.code) for f in findings] == [(expected, "MPL101")]


def test_large_generated_module_is_linted(monkeypatch: pytest.MonkeyPatch) -> None:
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(16000))
    source = HEADER + body + "pool = Pool(2)\n"
    findings = lint_source(source, "big.py")
    assert [f.code for f in findings] == ["MPL101"]
    assert findings[0].line == source.count("\n")


def _python_files(root: Path) -> Iterator[Path]:
    for directory, _, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                yield Path(directory, name)


@pytest.mark.slow
@pytest.mark.parametrize("tree", ["stdlib", "purelib"])
def test_sweep_installed_python_files_without_exception(tree: str) -> None:
    root = Path(sysconfig.get_paths()[tree])
    checked = 0
    for path in _python_files(root):
        try:
            source = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        lint_source(source, str(path))  # MP_LINT_DEBUG=1: any exception fails the test
        checked += 1
    assert checked > 100


def test_linting_a_file_leaves_no_tree_behind(repo_root: Path) -> None:
    # flake8 lints thousands of files in one process: a tree kept alive per
    # file (say, by a cache keyed on the model) grows memory and slows every
    # later garbage collection.
    import gc

    import libcst

    source = (repo_root / "fixtures" / "mpl301_worker_resource_not_closed.py").read_text(encoding="utf-8")
    assert lint_source(source, "leak.py")
    gc.collect()
    alive = [obj for obj in gc.get_objects() if isinstance(obj, libcst.CSTNode)]
    assert alive == []
