"""Print what the fixer does to a fixed set of code, or compare with a saved run.

A change to the fixer's analysis that is meant to be faster, not different,
must not change a single fix. Save the fixes before, change the code, and
compare after:

    python scripts/fixes_snapshot.py > before.txt
    ... change mp_lint/fixes ...
    python scripts/fixes_snapshot.py --compare before.txt

For every Python file that names `multiprocessing` or `concurrent.futures`
in `examples/`, `fixtures/` and any further folders given, one line: the
digest of the safe-only result and of the result with the unsafe fixes, the
number of findings fixed, and every finding left with its reason (or the
one-line error the fixer gave). `--timing` adds the seconds per file on
standard error.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import sys
import time
from pathlib import Path
from typing import Iterator, List, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mp_lint.fixes import FixError, fix_source  # noqa: E402

_MARKERS = ("multiprocessing", "concurrent.futures", "ProcessPool")


def candidate_files(paths: Sequence[str]) -> Iterator[Path]:
    for path in paths:
        root = Path(path)
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if any(marker in text for marker in _MARKERS):
                yield file


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def describe(file: Path, timing: bool) -> str:
    text = file.read_text(encoding="utf-8")
    start = time.perf_counter()
    try:
        result = fix_source(text, filename=str(file), unsafe_fixes=True)
    except FixError as error:
        line = f"{file}: error {error}"
    else:
        left = "; ".join(f"{d.line}:{d.col}:{d.code} {d.reason}" for d in result.declined)
        held = "; ".join(f"{d.line}:{d.col}:{d.code} {d.reason}" for d in result.held_back)
        line = (
            f"{file}: safe {digest(result.safe_after)} after {digest(result.after)} "
            f"applied {result.applied} | left {left} | held {held}"
        )
    if timing:
        print(f"{time.perf_counter() - start:8.3f} s  {file}", file=sys.stderr)
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="further folders or files")
    parser.add_argument("--compare", help="a saved run: print the differences, exit 1 if any")
    parser.add_argument("--timing", action="store_true", help="seconds per file on standard error")
    options = parser.parse_args()
    paths = [str(ROOT / "examples"), str(ROOT / "fixtures"), *options.paths]
    lines: List[str] = [describe(file, options.timing) for file in candidate_files(paths)]
    if options.compare is None:
        print("\n".join(lines))
        return 0
    saved = Path(options.compare).read_text(encoding="utf-8").splitlines()
    difference = list(difflib.unified_diff(saved, lines, "saved", "now", lineterm=""))
    print("\n".join(difference) if difference else f"identical: {len(lines)} files")
    return 1 if difference else 0


if __name__ == "__main__":
    sys.exit(main())
