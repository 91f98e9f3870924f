"""`mp-lint --diff` and `mp-lint --fix [--unsafe-fixes]`: what they print, write and return.

- `--diff` changes nothing. For each file it prints the safe fixes as a
  unified diff, then the unsafe ones as a second diff on top of the first,
  each under a `# mp-lint: ...` line saying which it is (patch and git apply
  take both in order). Exit status: 1 when there is a fix, else 0; 2 when a
  file could not be fixed.
- `--fix` writes the safe fixes, `--fix --unsafe-fixes` the unsafe ones as
  well; then the findings left are printed as a plain run prints them, and a
  summary goes to standard error: how many were fixed, how many are left
  and, of those, how many appeared only after the fixes (code moved under
  the guard can meet another rule), and how many fixes `--unsafe-fixes`
  would add. Exit status: 1 when findings are left, else 0; 2 when a file
  could not be fixed.
- A fixable finding without a fix is listed on standard error with the
  reason, and one whose unsafe fix was not applied with what makes it
  unsafe. A file the fixer cannot work on gets one `cannot fix` line, and
  the run goes on with the other files.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, TextIO, Tuple, TypeVar

from mp_lint import syntax
from mp_lint.config import Config
from mp_lint.engine import Finding, lint_source
from mp_lint.fixes.apply import FIXABLE_CODES, FixError, applicability_of, decode, fix_file, remove_stale_temporaries
from mp_lint.fixes.base import UNSAFE
from mp_lint.fixes.text import Reason, fix_text
from mp_lint.notebooks import NotebookError
from mp_lint.selection import selected, suppressed

_READ_ERRORS = (OSError, UnicodeError, SyntaxError, LookupError, NotebookError)

T = TypeVar("T")


def _failure(path: Path, why: Reason, lang: str) -> None:
    print(f"mp-lint: {fix_text('note.cannot-fix', lang, path=str(path), reason=why)}", file=sys.stderr)


def run_fixes(
    options: argparse.Namespace,
    config: Config,
    select: Sequence[str],
    ignore: Sequence[str],
    stream: TextIO,
    files: Iterable[Path],
    lint_notebook: Callable[[Path, Config], List[Tuple[int, Finding]]],
    make_result: Callable[..., T],
    write_results: Callable[[Sequence[T], str, TextIO], None],
) -> int:
    """Show or write the fixes of `files`, then report what is left; the exit status."""
    lang = config.lang
    unsafe_fixes = bool(options.fix and options.unsafe_fixes)
    results: List[T] = []
    unfixable: List[T] = []  # findings of codes without a fix, for --diff
    notes: List[str] = []
    status = 0
    changed_files = fixed = new = unsafe_available = 0
    cleaned: Set[Path] = set()  # folders rid of stale temp files
    for path in files:
        try:
            if path.suffix == ".ipynb":  # notebooks are reported, never rewritten
                for cell, finding in lint_notebook(path, config):
                    if selected(finding.code, select, ignore):
                        results.append(make_result(str(path), finding, cell))
                continue
            folder = Path(os.path.realpath(path)).parent
            if options.fix and folder not in cleaned:
                cleaned.add(folder)
                remove_stale_temporaries(folder)
            text, _ = decode(path.read_bytes())
            syntax.parse(text[1:] if text.startswith("\ufeff") else text, str(path))  # Python must parse it
            trees: Dict[str, Any] = {}
            unanalysed: List[str] = []
            before = _findings(text, path, config, select, ignore, trees, unanalysed)
            for note in unanalysed:
                print(f"mp-lint: {path}: {note}", file=sys.stderr)
            if not before:
                continue  # nothing found: the file is not touched
            fixes = fix_file(
                path,
                config,
                select=select,
                ignore=ignore,
                unsafe_fixes=unsafe_fixes or not options.fix,
                findings=before,
                tree=trees.get(text),
            )
            del trees
            if options.diff:
                for rating, diff in fixes.staged_diffs():
                    stream.write(fix_text(f"diff.{rating}", lang, path=str(path)) + "\n" + diff)
            if options.fix:
                fixes.write()
        except FixError as error:
            _failure(path, error.why, lang)
            status = 2
            continue
        except syntax.UnparsableSource as error:
            print(error.as_text(str(path)), file=sys.stderr)
            status = 2
            continue
        except _READ_ERRORS as error:
            _failure(path, Reason.of("fail.read", error=str(error)), lang)
            status = 2
            continue
        result = fixes.result
        if options.diff and not options.fix:
            notes.extend(item.as_text(str(path), lang) for item in result.declined_before())
            changed_files += result.changed
            unfixable.extend(make_result(str(path), f) for f in before if f.code not in FIXABLE_CODES)
            continue
        left = _findings(result.after, path, config, select, ignore)
        if result.changed:
            changed_files += 1
        gone, appeared = _compare(before, left)
        fixed += gone
        new += appeared
        held = {(item.line, item.col, item.code) for item in result.held_back}
        unsafe_available += len(held)
        notes.extend(item.as_text(str(path), lang) for item in result.declined)
        notes.extend(item.as_text(str(path), lang, "note.held-back") for item in result.held_back)
        for finding in left:
            flag: Optional[str] = UNSAFE if (finding.line, finding.col, finding.code) in held else None
            results.append(make_result(str(path), finding, None, flag))
    for note in notes:
        print(note, file=sys.stderr)
    if options.diff and not options.fix:
        # The diff is on standard output; what it cannot show (codes without a
        # fix, notebooks) is listed on standard error. Findings remain: exit 1.
        write_results(results + unfixable, "text", sys.stderr)
        return status or (1 if changed_files or results or unfixable else 0)
    if not options.diff:
        write_results(results, options.format, stream)
    summary = fix_text("note.summary", lang, fixed=fixed, files=changed_files, left=len(results), new=new)
    if unsafe_available:
        more = fix_text("note.unsafe-available", lang, count=unsafe_available)
        summary = fix_text("note.summary-and", lang, summary=summary, more=more)
    print(f"mp-lint: {summary}", file=sys.stderr)
    return status or (1 if results else 0)


def _findings(
    text: str,
    path: Path,
    config: Config,
    select: Sequence[str],
    ignore: Sequence[str],
    trees: Optional[Dict[str, Any]] = None,
    notes: Optional[List[str]] = None,
) -> List[Finding]:
    """The findings a plain run reports for `text` (BOM ignored, noqa honoured).

    See `lint_source` for `trees` and `notes`.
    """
    source = text[1:] if text.startswith("\ufeff") else text
    lines = source.splitlines()
    return [
        finding
        for finding in lint_source(source, str(path), config, trees=trees, notes=notes)
        if selected(finding.code, select, ignore) and not suppressed(finding, lines)
    ]


def _compare(before: Sequence[Finding], after: Sequence[Finding]) -> Tuple[int, int]:
    """(fixed, new): findings gone after the fixes, and findings only there after them.

    A finding is the same one when its code and message are (its line moves
    with the code around it).
    """
    old = Counter((finding.code, finding.message) for finding in before)
    now = Counter((finding.code, finding.message) for finding in after)
    return sum((old - now).values()), sum((now - old).values())


def fix_ratings(
    path: Path, source: str, config: Config, select: Sequence[str], ignore: Sequence[str]
) -> Dict[Tuple[int, int, str], str]:
    """For `--format json`: the applicability of each finding's fix, by (line, column, code).

    Only files with a finding of a fixable code are planned; a file the
    fixer cannot work on simply has no fixes.
    """
    try:
        return applicability_of(source, config, select=select, ignore=ignore, filename=str(path))
    except FixError:
        return {}


def has_fixable(codes: Iterable[str]) -> bool:
    """Whether any of `codes` has a fix."""
    return any(code in FIXABLE_CODES for code in codes)


def json_fix(rating: Optional[str]) -> Optional[Dict[str, str]]:
    """The `fix` member of a JSON finding: its applicability, or null when it has no fix."""
    return None if rating is None else {"applicability": rating}
