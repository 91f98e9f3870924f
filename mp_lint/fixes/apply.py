"""Run the fixes to a fixed point, prove each result safe, and write files atomically.

Guarantees, each checked here on every fix rather than assumed:

- the fixed source compiles and libcst parses it again;
- no code is lost: every token of the original, comments included, is still
  there (only the `lambda` of a lambda that became a def goes, and the old
  name of a function the fix renames);
- fixing the result again changes nothing (the fixes run until a round
  changes nothing);
- a source with nothing to fix comes back as the very same string, and a
  file with nothing to fix is never written;
- a file keeps its encoding (coding cookie, BOM), its newlines and its mode,
  and is replaced by a rename, so an interrupted run leaves the original.

A fix that fails a check is withdrawn (under MP_LINT_DEBUG=1 it raises, so
tests see it).
"""

from __future__ import annotations

import difflib
import io
import os
import stat
import tempfile
import tokenize
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Collection, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst

from mp_lint.config import DEFAULT_CONFIG, Config
from mp_lint.engine import lint_source
from mp_lint.fixes import lift_callable, main_guard
from mp_lint.fixes.analysis import analyse
from mp_lint.fixes.base import Declined
from mp_lint.notebooks import is_nbqa_source
from mp_lint.rules import all_rules
from mp_lint.selection import selected, suppressed

#: Lifting first: it adds module-level definitions that the guard fix then keeps in place.
FAMILIES: Tuple[ModuleType, ...] = (lift_callable, main_guard)
FIXABLE_CODES = frozenset(code for family in FAMILIES for code in family.CODES)
MAX_ROUNDS = 4


class UnsafeFix(AssertionError):
    """A fix failed one of its safety checks (raised only under MP_LINT_DEBUG)."""


@dataclass(frozen=True)
class FixResult:
    """A source before and after its fixes, and the findings left without one."""

    before: str
    after: str
    #: fixable findings that got no fix, at their positions in `after`.
    declined: List[Declined] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """The fixes changed the source."""
        return self.before != self.after

    def declined_before(self) -> List[Declined]:
        """`declined` at their positions in `before`, for a diff that is not applied.

        Lines are matched through the diff; a line the fixes moved is found
        again by its text when that text is unique. A line that cannot be
        matched keeps its position in `after`.
        """
        if not self.changed:
            return list(self.declined)
        before, after = self.before.splitlines(), self.after.splitlines()
        mapping: Dict[int, int] = {}
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for tag, start, _, other, other_end in matcher.get_opcodes():
            if tag == "equal":
                mapping.update((other + k, start + k) for k in range(other_end - other))
        places: Dict[str, List[int]] = {}
        for index, line in enumerate(before):
            places.setdefault(line.strip(), []).append(index)
        moved: List[Declined] = []
        for item in self.declined:
            index = item.line - 1
            if index not in mapping and 0 <= index < len(after):
                candidates = places.get(after[index].strip(), [])
                if len(candidates) == 1:
                    mapping[index] = candidates[0]
            if index not in mapping:
                moved.append(item)
                continue
            old, new = before[mapping[index]], after[index]
            shift = (len(old) - len(old.lstrip())) - (len(new) - len(new.lstrip()))
            moved.append(Declined(mapping[index] + 1, max(0, item.col + shift), item.code, item.reason))
        return sorted(moved)


def fix_source(
    source: str,
    config: Config = DEFAULT_CONFIG,
    *,
    select: Sequence[str] = ("MPL",),
    ignore: Sequence[str] = (),
    filename: str = "<unknown>",
) -> FixResult:
    """Apply every fix for the findings `select`/`ignore` and `# noqa` leave in.

    Notebook code (nbQA's conversions) is returned as it is: a function
    moved within a notebook is still one spawned children cannot import.
    """
    if is_nbqa_source(source, filename):
        return FixResult(source, source)
    current = source
    declined: List[Declined] = []
    for _ in range(MAX_ROUNDS):
        current, declined, changed = _round(current, config, select, ignore, filename)
        if not changed:
            return FixResult(source, current, sorted(declined))
    # Still changing after MAX_ROUNDS (not seen in practice): report what is left as it stands.
    _, declined, _ = _round(current, config, select, ignore, filename, dry=True)
    return FixResult(source, current, sorted(declined))


def _round(
    source: str, config: Config, select: Sequence[str], ignore: Sequence[str], filename: str, dry: bool = False
) -> Tuple[str, List[Declined], bool]:
    """One pass of every family over `source`."""
    declined: List[Declined] = []
    changed = False
    for family in FAMILIES:
        keys = _wanted(source, config, family.CODES, select, ignore, filename)
        if not keys:
            continue
        analysis = analyse(source, config, family.CODES)
        if analysis is None:
            continue
        wanted = [located for located in analysis.reports if located.key in keys]
        result = family.fix(analysis, wanted)
        declined.extend(result.declined)
        if result.module is None or dry:
            continue
        candidate = result.module.code
        if candidate == source:
            continue
        problem = unsafe(source, candidate, result.dropped, filename)
        if problem is not None:
            if os.environ.get("MP_LINT_DEBUG"):
                raise UnsafeFix(f"{filename}: {problem}\n--- fixed source ---\n{candidate}")
            declined.extend(Declined.of(located, f"the fix was withdrawn: {problem}") for located in wanted)
            continue
        source = candidate
        changed = True
    return source, declined, changed


def _wanted(
    source: str, config: Config, codes: Collection[str], select: Sequence[str], ignore: Sequence[str], filename: str
) -> Set[Tuple[int, int, str]]:
    """(line, column, code) of the findings to fix: the linter's, minus noqa, select and ignore."""
    if not any(selected(code, select, ignore) for code in codes):
        return set()
    rules = [rule for rule in all_rules() if rule.code in codes]
    lines = source.splitlines()
    return {
        (finding.line, finding.col, finding.code)
        for finding in lint_source(source, filename, config, rules)
        if selected(finding.code, select, ignore) and not suppressed(finding, lines)
    }


# ------------------------------------------------------------------ safety


def _tokens(source: str) -> Counter:  # type: ignore[type-arg]
    skipped = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    counted: Counter = Counter()  # type: ignore[type-arg]
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skipped:
            counted[token.string.strip()] += 1
    return counted


def unsafe(
    before: str, after: str, dropped: Optional[Mapping[str, int]] = None, filename: str = "<unknown>"
) -> Optional[str]:
    """Why `after` is not a safe replacement for `before`, or None when it is.

    `dropped` counts the tokens the fix removes on purpose; losing any other
    token (a name, a literal, a comment) means code was lost.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the user's own SyntaxWarnings are not ours to print
            compile(after, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return f"the result does not compile ({error})"
    try:
        cst.parse_module(after)
    except cst.ParserSyntaxError as error:
        return f"the result does not parse again ({error})"
    try:
        lost = _tokens(before) - _tokens(after)
    except (tokenize.TokenError, SyntaxError) as error:
        return f"the result cannot be tokenized ({error})"
    for token, count in (dropped or {}).items():
        if lost[token] <= count:
            del lost[token]
    if lost:
        return "it would drop " + ", ".join(repr(token) for token in sorted(lost)[:3])
    return None


# ------------------------------------------------------------------ files


@dataclass(frozen=True)
class FileFix:
    """One file's fixes: its text before and after, and how it is encoded."""

    path: Path
    encoding: str
    result: FixResult

    @property
    def changed(self) -> bool:
        """The fixes changed the file."""
        return self.result.changed

    def diff(self) -> str:
        """A unified diff from the file as it is to the file as fixed."""
        name = self.path.as_posix()
        lines = difflib.unified_diff(
            self.result.before.splitlines(keepends=True),
            self.result.after.splitlines(keepends=True),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        # difflib leaves a last line without its newline; patch(1) wants the marker.
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)

    def write(self) -> None:
        """Replace the file with its fixed text, atomically; no-op when unchanged."""
        if self.changed:
            write_atomically(self.path, self.result.after.encode(self.encoding))


def decode(raw: bytes) -> Tuple[str, str]:
    """The text of a Python file, and the codec that gives back the same bytes (BOM included)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    return raw.decode(encoding), encoding


def fix_file(
    path: Path,
    config: Config = DEFAULT_CONFIG,
    *,
    select: Sequence[str] = ("MPL",),
    ignore: Sequence[str] = (),
) -> FileFix:
    """The fixes for one file, not yet written (see `FileFix.write`)."""
    text, encoding = decode(path.read_bytes())
    result = fix_source(text, config, select=select, ignore=ignore, filename=str(path))
    if result.changed:
        result.after.encode(encoding)  # a character the file's codec cannot hold: raise before anything is written
    return FileFix(path, encoding, result)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, keep its mode, then rename it over `path`."""
    target = os.path.realpath(path)  # through a symlink, replace the file it points to
    mode = stat.S_IMODE(os.stat(target).st_mode)
    directory, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".mp-lint.tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
