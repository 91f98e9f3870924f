"""Parsing in runs of statements gives the same tree text and findings."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from mp_lint import parsing
from mp_lint.engine import lint_source

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _pieces_parse(source: str):
    return parsing.parse_module(source, ast.parse(source))


@pytest.fixture
def small_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "RUN_LINES", 3)


@pytest.mark.parametrize(
    "source",
    [
        "# header comment\n\nimport os\n\n\n# between\n@decorator\n# inside\ndef f():\n    pass\n# trailing\n",
        "a = 1; b = 2\nc = 3\n\nd = 4\n\n\nclass K:\n    x = 1\n\n\n# end\n",
        "x = 1\r\ny = 2\r\nz = 3\r\n\r\nif x:\r\n\ty = 4\r\n",  # libcst drops a form feed at a line start: none here
        "s = '''\nnot a statement\n'''\nt = 1\nu = (\n  2)\nv = 3\n",
        "import a\n\n\n\n\n\nimport b",
    ],
)
def test_runs_regenerate_the_exact_source(source: str, small_runs: None, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = []
    parse = parsing._parse_unvalidated
    monkeypatch.setattr(parsing, "_parse_unvalidated", lambda text: pieces.append(text) or parse(text))
    module = _pieces_parse(source)
    assert module.code == source
    assert len(pieces) > 1  # really parsed in runs


@pytest.mark.parametrize("name", ["test/_test_multiprocessing.py", "multiprocessing/managers.py", "typing.py"])
def test_large_modules_regenerate_exactly(name: str) -> None:
    source = (STDLIB / name).read_text(encoding="utf-8")
    assert _pieces_parse(source).code == source


def test_findings_and_positions_do_not_depend_on_the_runs(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in sorted((repo_root / "fixtures").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        whole = lint_source(source, str(path))
        monkeypatch.setattr(parsing, "RUN_LINES", 5)
        in_runs = lint_source(source, str(path), tree=ast.parse(source), compiles=True)
        monkeypatch.setattr(parsing, "RUN_LINES", 10**9)
        assert in_runs == whole, path.name
