"""The README's quick start stands on its own: its first command gives the
findings it shows, however `examples` is written, with flake8 and with
mp-lint, under this repository's own configuration (`.flake8`)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

SPELLINGS = ["examples", "examples/", "./examples"]


def _readme(repo_root: Path) -> str:
    return (repo_root / "README.md").read_text(encoding="utf-8")


def first_command(repo_root: Path) -> List[str]:
    """The lint command that ends the quick start's first shell block."""
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", _readme(repo_root), flags=re.DOTALL)
    assert block is not None
    command = shlex.split(block.group(1).strip().split("&&")[-1])
    assert command[0] == "flake8" and command[-1] == "examples/"
    return command


def shown_findings(repo_root: Path) -> List[str]:
    return sorted(re.findall(r"^examples/\S+: MPL\d{3} .*$", _readme(repo_root), flags=re.MULTILINE))


def _normalised(output: str) -> List[str]:
    return sorted(line[2:] if line.startswith("./") else line for line in output.splitlines())


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("front_end", ["flake8", "mp-lint"])
def test_first_command_gives_the_findings_shown_however_examples_is_written(
    repo_root: Path, front_end: str, spelling: str
) -> None:
    command = first_command(repo_root)
    if front_end == "flake8":
        args = [sys.executable, "-m", "flake8", *command[1:-1], spelling]
    else:
        args = [sys.executable, "-m", "mp_lint", spelling]
    # No --isolated: the repository's own .flake8 applies, as for a newcomer.
    result = subprocess.run(args, cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert _normalised(result.stdout) == shown_findings(repo_root)
    assert len(shown_findings(repo_root)) == 4
