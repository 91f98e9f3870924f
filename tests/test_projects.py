"""Across modules: multi-file projects in fixtures/projects/ yield exactly the findings their comments expect.

Each project is linted file by file, as flake8 hands them over; a finding in
a script may come from a package of the same project or from an installed
package (tqdm), read from source and never imported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Set, Tuple

import nbformat
import pytest

from fixture_format import expected_findings
from mp_lint.cli import lint_notebook
from mp_lint.config import Config
from mp_lint.engine import lint_source

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ROOT / "fixtures" / "projects"
COURSE = PROJECTS / "course"
PY_FILES = sorted(PROJECTS.rglob("*.py"))
NOTEBOOKS = sorted(PROJECTS.rglob("*.ipynb"))
_ERROR = re.compile(r"#\s*error:\s*(MPL\d{3}(?:\s*,\s*MPL\d{3})*)")
_FLAKE8_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):\d+: (?P<code>MPL\d{3}) ")


def _id(path: Path) -> str:
    return str(path.relative_to(PROJECTS))


@pytest.mark.parametrize("path", PY_FILES, ids=_id)
def test_project_file_findings_match_inline_expectations(path: Path) -> None:
    findings = lint_source(path.read_text(encoding="utf-8"), str(path), Config())
    assert sorted((f.line, f.code) for f in findings) == sorted(expected_findings(path.read_text(encoding="utf-8")))


def _expected_in_notebook(path: Path) -> Set[Tuple[int, int, str]]:
    notebook = nbformat.read(str(path), as_version=4)
    expected = set()
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        for line_number, line in enumerate(cell.source.splitlines(), start=1):
            match = _ERROR.search(line)
            if match:
                expected |= {(number, line_number, code.strip()) for code in match.group(1).split(",")}
    return expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_calling_project_helpers_matches_inline_expectations(path: Path) -> None:
    found = {(cell, finding.line, finding.code) for cell, finding in lint_notebook(path, Config())}
    assert found == _expected_in_notebook(path)
    assert any(code == "MPL205" for _, _, code in found)


def test_project_notebooks_are_what_the_build_script_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("notebook_build", ROOT / "fixtures" / "notebooks" / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for name, cells in build.PROJECT_NOTEBOOKS.items():
        assert (ROOT / "fixtures" / name).read_text(encoding="utf-8") == build.render(cells)


def test_messages_name_the_other_module_function_and_line() -> None:
    path = COURSE / "scripts" / "homework.py"
    messages = [f.message for f in lint_source(path.read_text(encoding="utf-8"), str(path), Config())]
    assert (
        "lambda given to `parallel_map()`, which sends it to `Pool.map()` in coursekit/parallel.py:11: "
        "it cannot be pickled; use a def"
    ) in messages
    zh = [f.message for f in lint_source(path.read_text(encoding="utf-8"), str(path), Config(lang="zh"))]
    assert any("coursekit/parallel.py:11" in m and "pickle" in m for m in zh)


def test_tqdm_process_map_is_flagged_and_thread_map_is_not() -> None:
    # process_map is in the catalogue of process APIs; thread_map uses threads.
    import tqdm.contrib.concurrent as concurrent

    source = Path(concurrent.__file__).read_text(encoding="utf-8")
    assert "def process_map" in source and "def thread_map" in source
    path = COURSE / "scripts" / "progress.py"
    findings = lint_source(path.read_text(encoding="utf-8"), str(path), Config())
    assert [(f.line, f.code) for f in sorted(findings)] == [(10, "MPL201"), (11, "MPL202")]
    assert all("process_map()" in f.message for f in findings)


# --- flake8, parallel jobs and the cache ------------------------------------------------------


def _flake8(args: List[str], cache: Path, cwd: Path = COURSE) -> List[Tuple[str, int, str]]:
    env = dict(os.environ, MP_LINT_CACHE_DIR=str(cache))
    env.pop("MP_LINT_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=MPL", *args, "."],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    found = []
    for line in result.stdout.splitlines():
        match = _FLAKE8_LINE.match(line)
        assert match, line
        found.append((os.path.normpath(match["path"]), int(match["line"]), match["code"]))
    return sorted(found)


def _expected_in_project() -> List[Tuple[str, int, str]]:
    found = []
    for path in sorted(COURSE.rglob("*.py")):
        name = os.path.normpath(str(path.relative_to(COURSE)))
        found += [(name, line, code) for line, code in expected_findings(path.read_text(encoding="utf-8"))]
    return sorted(found)


def test_flake8_jobs_and_cache_agree_on_a_project(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = _expected_in_project()
    assert len(expected) >= 14
    assert _flake8(["-j", "1"], cache) == expected  # first run: fills the cache
    assert (cache / "summaries").is_dir() and list((cache / "summaries").glob("*.json"))
    assert _flake8(["-j", "2"], cache) == expected  # cached run, two processes
    shutil.rmtree(cache)
    assert _flake8(["-j", "2"], cache) == expected  # cache deleted: rebuilt
    assert _flake8(["-j", "1", "--mp-no-cache"], tmp_path / "off") == expected
    assert not (tmp_path / "off").exists()


def test_mp_lint_command_has_no_cache_option_and_config(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(COURSE, project)
    env = dict(os.environ, MP_LINT_CACHE_DIR=str(tmp_path / "cache"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mp_lint", *args, "scripts"], cwd=project, env=env,
            capture_output=True, text=True, timeout=300,
        )

    assert "MPL201" in run("--mp-no-cache").stdout
    assert not (tmp_path / "cache").exists()
    (project / "setup.cfg").write_text("[flake8]\nmp-no-cache = true\n")
    assert "MPL201" in run().stdout
    assert not (tmp_path / "cache").exists()
    (project / "setup.cfg").unlink()
    assert run().stdout == run("--mp-no-cache").stdout
    assert (tmp_path / "cache" / "summaries").is_dir()


def _write(root: Path, files: dict) -> None:  # type: ignore[type-arg]
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


HELPER_POOL = (
    "from multiprocessing import Pool\n\ndef pmap(fn, xs):\n    with Pool() as p:\n        return p.map(fn, xs)\n"
)
HELPER_THREADS = (
    "from concurrent.futures import ThreadPoolExecutor\n\n"
    "def pmap(fn, xs):\n    with ThreadPoolExecutor() as p:\n        return list(p.map(fn, xs))\n"
)
SCRIPT = "from helpers import pmap\n\ndef main():\n    pmap(lambda x: x, [1])\n"


def test_a_changed_helper_changes_the_finding_through_the_cache(tmp_path: Path) -> None:
    env = dict(os.environ, MP_LINT_CACHE_DIR=str(tmp_path / "cache"))
    _write(tmp_path / "p", {"helpers.py": HELPER_POOL, "run.py": SCRIPT})

    def codes() -> str:
        result = subprocess.run(
            [sys.executable, "-m", "mp_lint", "run.py"], cwd=tmp_path / "p", env=env,
            capture_output=True, text=True, timeout=120,
        )
        return result.stdout

    assert "MPL201" in codes()
    assert "MPL201" in codes()  # from the cache
    (tmp_path / "p" / "helpers.py").write_text(HELPER_THREADS)
    assert codes() == ""


def test_nothing_imported_is_executed(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    _write(
        tmp_path / "p",
        {
            "pkg/__init__.py": f"open({str(marker)!r}, 'w').close()\n",
            "pkg/sub/__init__.py": f"open({str(marker)!r}, 'w').close()\n",
            "pkg/sub/helpers.py": HELPER_POOL,
            "run.py": SCRIPT.replace("from helpers", "from pkg.sub.helpers"),
        },
    )
    path = tmp_path / "p" / "run.py"
    assert [f.code for f in lint_source(path.read_text(), str(path), Config(use_cache=False))] == ["MPL201"]
    assert not marker.exists()


def test_huge_syntax_error_and_cyclic_modules_give_no_finding_quickly(tmp_path: Path) -> None:
    generated = HELPER_POOL + "".join(f"VALUE_{i} = {i}\n" for i in range(40_000))
    _write(
        tmp_path / "p",
        {
            "generated.py": generated,
            "bad.py": "from multiprocessing import Pool\ndef pmap(fn, xs:\n",
            "a.py": "from b import *\n",
            "b.py": "from a import *\n",
            "run.py": "from generated import pmap\nfrom bad import pmap as bmap\nfrom a import pmap as amap\n\n"
            "def main():\n    pmap(lambda x: x, [1])\n    bmap(lambda x: x, [1])\n    amap(lambda x: x, [1])\n",
        },
    )
    code = (
        "import sys, time; from mp_lint.engine import lint_source; from mp_lint.config import Config\n"
        "start = time.perf_counter(); path = sys.argv[1]\n"
        "print(lint_source(open(path).read(), path, Config(use_cache=False)), time.perf_counter() - start)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "p" / "run.py")], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, MP_LINT_DEBUG="1"),
    )
    assert result.returncode == 0, result.stderr
    findings, seconds = result.stdout.rsplit(" ", 1)
    assert findings == "[]"
    assert float(seconds) < 5


def test_across_messages_exist_in_both_languages_with_the_same_details() -> None:
    import string

    from mp_lint.messages import en, zh

    def fields(template: str) -> Set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    codes = ["MPL101", "MPL102", "MPL201", "MPL202", "MPL205"]
    assert sorted(en.ACROSS_MESSAGES) == sorted(zh.ACROSS_MESSAGES) == codes
    for code, template in zh.ACROSS_MESSAGES.items():
        assert fields(template) <= fields(en.ACROSS_MESSAGES[code])
