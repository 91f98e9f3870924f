"""The pre-commit hook, run by the real `pre-commit` tool from a copy of this
repository: it fails on staged pitfalls (Python files and notebooks) and
passes when only good files are staged.

The first run installs the hook's environment with pip (from the package
index), which takes a while; both tests share it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, Tuple

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
INSTALL_TIMEOUT = 900  # creating the hook's virtualenv and pip-installing mp-lint into it

GOOD = """\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(square, range(10)))
"""

BAD = """\
from multiprocessing import Pool

pool = Pool(2)
print(pool.map(lambda x: x * x, range(10)))
"""


def _git_env(home: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(home / "pre-commit-cache"),
        GIT_AUTHOR_NAME="mp-lint tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="mp-lint tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(home),  # no user git config (signing, hooks) in the way
        NO_COLOR="1",
    )
    # ... but pip's download cache stays the user's: installs repeat in every run.
    env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    return env


def _run(args: list, cwd: Path, env: Dict[str, str], timeout: float = 60) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[Path, Dict[str, str]]]:
    """A committed copy of what the hook installs: the package and its manifest."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    home = tmp_path_factory.mktemp("precommit-home")
    env = _git_env(home)
    repo = home / "mp-lint"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, repo / name)
    for package in ("mp_lint", "demos"):  # demos/ is installed as mp_lint.demos
        shutil.copytree(ROOT / package, repo / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "mp-lint"]):
        done = _run(command, repo, env)
        assert done.returncode == 0, done.stderr
    yield repo, env


def _project(tmp_path: Path, env: Dict[str, str]) -> Path:
    project = tmp_path / "course"
    project.mkdir()
    assert _run(["git", "init", "-q"], project, env).returncode == 0
    (project / "good.py").write_text(GOOD)
    (project / "bad.py").write_text(BAD)
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = new_notebook(metadata={"kernelspec": kernel})
    notebook.cells = [
        new_code_cell("from multiprocessing import Pool\n\ndef square(x):\n    return x * x"),
        new_code_cell("with Pool(2) as pool:\n    print(pool.map(square, range(10)))"),
    ]
    nbformat.write(notebook, str(project / "lesson.ipynb"))
    return project


def _try_repo(repo: Path, project: Path, env: Dict[str, str]) -> "subprocess.CompletedProcess[str]":
    return _run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), "mp-lint"], project, env, INSTALL_TIMEOUT)


def test_manifest_is_valid() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_hook_passes_when_only_good_files_are_staged(hook_repo: Tuple[Path, Dict[str, str]], tmp_path: Path) -> None:
    repo, env = hook_repo
    project = _project(tmp_path, env)
    assert _run(["git", "add", "good.py"], project, env).returncode == 0

    done = _try_repo(repo, project, env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "mp-lint" in done.stdout and "Passed" in done.stdout


def test_hook_fails_on_staged_pitfalls_and_names_the_codes(
    hook_repo: Tuple[Path, Dict[str, str]], tmp_path: Path
) -> None:
    repo, env = hook_repo
    project = _project(tmp_path, env)
    assert _run(["git", "add", "good.py", "bad.py", "lesson.ipynb"], project, env).returncode == 0

    done = _try_repo(repo, project, env)

    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    findings = sorted(line.split(" ", 2)[0:2] for line in done.stdout.splitlines() if ": MPL" in line)
    assert findings == [
        ["bad.py:3:8:", "MPL101"],
        ["bad.py:4:7:", "MPL201"],
        ["lesson.ipynb:cell_2:2:11:", "MPL205"],
    ]
