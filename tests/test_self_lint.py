"""The project holds itself to its own standard: flake8 with mp-lint is clean."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_repository_is_clean_under_flake8_with_mp_lint(repo_root: Path) -> None:
    # The repository's .flake8 enables MPL; the project's own code is named
    # here, since fixtures/ and examples/ hold pitfalls on purpose.
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "mp_lint", "demos", "tests", "benchmarks"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout == ""
    assert result.returncode == 0


def test_readme_example_output_is_what_the_linter_prints(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    shown = sorted(re.findall(r"^examples/\S+: MPL\d{3} .*$", readme, flags=re.MULTILINE))
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=MPL", "examples/"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown == sorted(result.stdout.splitlines())
    assert shown


def test_package_type_checks_under_mypy_strict(repo_root: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"), "mp_lint"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout
