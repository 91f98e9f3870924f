"""Print every MPL finding flake8 reports on a fixed set of code, or compare with a saved run.

A refactoring of the model must not change a single finding. Save the
findings before, change the code, and compare after:

    python scripts/findings_snapshot.py > before.txt
    ... change mp_lint ...
    python scripts/findings_snapshot.py --compare before.txt

The set: the standard library's `multiprocessing` and `concurrent`
packages, `examples/`, `fixtures/`, and any further folders given (for
example checkouts of real projects). Messages are taken in English and in
Chinese, under spawn and under fork, so that every message path is covered.
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List, Sequence

ROOT = Path(__file__).resolve().parent.parent
_FORMAT = "%(path)s:%(row)d:%(col)d: %(code)s %(text)s"
_VARIANTS = (
    ("--mp-lang=en", "--mp-start-method=spawn"),
    ("--mp-lang=zh", "--mp-start-method=spawn"),
    ("--mp-lang=en", "--mp-start-method=fork"),
)


def default_paths() -> List[str]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [str(stdlib / "multiprocessing"), str(stdlib / "concurrent"), str(ROOT / "examples"), str(ROOT / "fixtures")]


def candidate_files(paths: Sequence[str]) -> List[str]:
    """The .py files under `paths` that mention a process API at all (the rest cannot have findings)."""
    words = ("multiprocess", "ProcessPool", "billiard", "pathos")
    found = []
    for path in map(Path, paths):
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            text = file.read_bytes()
            if any(word.encode() in text for word in words):
                found.append(str(file))
    return found


def snapshot(paths: Sequence[str]) -> str:
    """All findings, one variant after the other, each sorted."""
    paths = candidate_files(paths)
    parts = []
    for variant in _VARIANTS:
        command = [sys.executable, "-m", "flake8", "--isolated", "--select=MPL", "-j1", f"--format={_FORMAT}"]
        done = subprocess.run(command + list(variant) + list(paths), capture_output=True, text=True, cwd=ROOT)
        if done.stderr.strip():
            raise SystemExit(f"flake8 wrote to stderr:\n{done.stderr}")
        parts.append(f"== {' '.join(variant)}\n" + "".join(sorted(done.stdout.splitlines(keepends=True))))
    return "".join(parts)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="further folders to lint")
    parser.add_argument("--compare", metavar="FILE", help="a saved snapshot: print the differences, exit 1 if any")
    options = parser.parse_args(argv)
    text = snapshot(default_paths() + options.paths)
    if options.compare is None:
        sys.stdout.write(text)
        return 0
    saved = Path(options.compare).read_text(encoding="utf-8")
    diff = list(difflib.unified_diff(saved.splitlines(True), text.splitlines(True), "before", "after"))
    sys.stdout.writelines(diff)
    print(f"{len(text.splitlines())} lines compared: {'identical' if not diff else 'DIFFERENT'}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
