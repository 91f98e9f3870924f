"""Unified diffs of large files: valid (their speed is in benchmarks/fix_large_file.py)."""

from __future__ import annotations

import difflib
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import List, Sequence

import pytest

from mp_lint.fixes import diffs


def edited(lines: Sequence[str], seed: int) -> List[str]:
    """`lines` with some lines changed, dropped, added and repeated, as fixes do."""
    chance = random.Random(seed)
    out: List[str] = []
    for line in lines:
        roll = chance.random()
        if roll < 0.05:
            continue
        if roll < 0.10:
            out.append("    # added\n")
        if roll < 0.15:
            out.append(line.replace("x", "y"))
            continue
        out.append(line)
    return out


def source(blocks: int) -> List[str]:
    lines: List[str] = []
    for index in range(blocks):
        lines += [f"def job_{index}(x):\n", "    with Pool(2) as pool:\n", f"        return x * {index}\n", "\n"]
    return lines


def apply(a: Sequence[str], diff: Sequence[str]) -> List[str]:
    """Apply a unified diff (as `patch` does, without fuzz)."""
    result: List[str] = []
    position = 0
    for line in diff:
        hunk = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", line)
        if hunk:
            start = int(hunk.group(1)) - (0 if hunk.group(2) == "0" else 1)
            result += a[position:start]
            position = start
        elif line.startswith(("---", "+++")):
            continue
        elif line.startswith(" "):
            assert a[position] == line[1:]
            result.append(line[1:])
            position += 1
        elif line.startswith("-"):
            assert a[position] == line[1:]
            position += 1
        elif line.startswith("+"):
            result.append(line[1:])
    return result + list(a[position:])


@pytest.mark.parametrize("seed", range(5))
def test_large_diff_turns_one_text_into_the_other(seed: int) -> None:
    a = source(2000)
    b = edited(a, seed)
    diff = list(diffs.unified_diff(a, b, "a/f.py", "b/f.py"))
    assert diff[:2] == ["--- a/f.py\n", "+++ b/f.py\n"]
    assert apply(a, diff) == b


def test_small_diff_is_difflibs_own() -> None:
    a = source(50)
    b = edited(a, 7)
    assert list(diffs.unified_diff(a, b, "a/f.py", "b/f.py")) == list(difflib.unified_diff(a, b, "a/f.py", "b/f.py"))


def test_identical_texts_give_no_diff() -> None:
    a = source(2000)
    assert list(diffs.unified_diff(a, list(a), "a", "b")) == []


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch is not installed")
def test_gnu_patch_applies_a_large_diff(tmp_path: Path) -> None:
    a = source(2000)
    b = edited(a, 3)
    (tmp_path / "f.py").write_text("".join(a))
    (tmp_path / "fix.diff").write_text("".join(diffs.unified_diff(a, b, "a/f.py", "b/f.py")))
    done = subprocess.run(["patch", "-p1", "-i", "fix.diff"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "f.py").read_text() == "".join(b)
