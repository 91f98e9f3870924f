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

Every fix is rated safe or unsafe (see `mp_lint.fixes.base`). The safe
fixes run first, to their fixed point; the unsafe ones, when asked for, run
on that result, so "safe only" is always a step on the way to "all". The
work is linear in the size of the source and the number of findings: one
gate run of the linter, then one analysis (parse, model, rules, scopes) per
distinct text, shared by both families and every round, and the check's own
parse is the next analysis's tree. A source the fixer cannot work on (it
does not compile, or nests deeper than libcst's scope analysis can follow)
raises FixError with a one-line reason.
"""

from __future__ import annotations

import difflib
import gc
import io
import os
import re
import stat
import tempfile
import time
import tokenize
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Collection, Dict, List, Mapping, Optional, Sequence, Tuple

import libcst as cst

from mp_lint.config import DEFAULT_CONFIG, Config
from mp_lint.engine import Finding, lint_source
from mp_lint.fixes import lift_callable, main_guard
from mp_lint.fixes.analysis import Analysis, Located, analyse
from mp_lint.fixes.base import SAFE, UNSAFE, Declined, Key
from mp_lint.fixes.diffs import unified_diff
from mp_lint.fixes.text import Reason
from mp_lint.notebooks import is_nbqa_source
from mp_lint.parsing import parse_module
from mp_lint.rules import all_rules
from mp_lint.selection import selected, suppressed

#: Lifting first: it adds module-level definitions that the guard fix then keeps in place.
FAMILIES: Tuple[ModuleType, ...] = (lift_callable, main_guard)
FIXABLE_CODES = frozenset(code for family in FAMILIES for code in family.CODES)
MAX_ROUNDS = 4


class UnsafeFix(AssertionError):
    """A fix failed one of its safety checks (raised only under MP_LINT_DEBUG)."""


class FixError(Exception):
    """A file the fixer cannot work on (it does not compile, it nests too deeply): one line says why."""

    def __init__(self, why: Reason) -> None:
        super().__init__(why.text())
        self.why = why


@dataclass(frozen=True)
class FixResult:
    """A source before and after its fixes, and the findings left without one."""

    before: str
    after: str
    #: fixable findings that got no fix, at their positions in `after`.
    declined: List[Declined] = field(default_factory=list)
    #: findings whose fix is unsafe and was not applied (unsafe fixes off), at their positions in `after`.
    held_back: List[Declined] = field(default_factory=list)
    #: the source with the safe fixes only; `after` adds the unsafe ones on top when they were applied.
    safe: Optional[str] = None
    #: how many findings the fixes that were applied addressed.
    applied: int = 0

    @property
    def changed(self) -> bool:
        """The fixes changed the source."""
        return self.before != self.after

    @property
    def safe_after(self) -> str:
        """The source after the safe fixes alone."""
        return self.after if self.safe is None else self.safe

    def declined_before(self) -> List[Declined]:
        """`declined` at their positions in `before`, for a diff that is not applied.

        A line is matched by its text when that text is unique in `before`,
        otherwise through a diff of the two sources. A line that cannot be
        matched keeps its position in `after`.
        """
        if not self.changed or not self.declined:
            return list(self.declined)
        before, after = self.before.splitlines(), self.after.splitlines()
        places: Dict[str, List[int]] = {}
        for index, line in enumerate(before):
            places.setdefault(line.strip(), []).append(index)
        mapping: Dict[int, int] = {}
        unresolved = []
        for item in self.declined:
            index = item.line - 1
            candidates = places.get(after[index].strip(), []) if 0 <= index < len(after) else []
            if len(candidates) == 1:
                mapping[index] = candidates[0]
            else:
                unresolved.append(index)
        if unresolved:  # a diff only for the lines their text does not place (rare)
            matcher = difflib.SequenceMatcher(None, before, after)
            for tag, start, _, other, other_end in matcher.get_opcodes():
                if tag == "equal":
                    for k in range(other_end - other):
                        mapping.setdefault(other + k, start + k)
        moved: List[Declined] = []
        for item in self.declined:
            index = item.line - 1
            if index not in mapping:
                moved.append(item)
                continue
            old, new = before[mapping[index]], after[index]
            shift = (len(old) - len(old.lstrip())) - (len(new) - len(new.lstrip()))
            moved.append(Declined(mapping[index] + 1, max(0, item.col + shift), item.code, item.why))
        return sorted(moved)


def fix_source(
    source: str,
    config: Config = DEFAULT_CONFIG,
    *,
    select: Sequence[str] = ("MPL",),
    ignore: Sequence[str] = (),
    filename: str = "<unknown>",
    unsafe_fixes: bool = True,
    findings: Optional[Sequence[Finding]] = None,
    tree: Optional[cst.Module] = None,
) -> FixResult:
    """Apply every fix for the findings `select`/`ignore` and `# noqa` leave in.

    `findings` and `tree`, when the caller has linted `source` already (the
    `mp-lint` command does), are the linter's findings for it (every rule,
    or the fixable ones) and the libcst tree it analysed (see
    `lint_source(trees=)`): the fixer then neither lints nor parses it again.

    The safe fixes run first, to their fixed point (`FixResult.safe`); with
    `unsafe_fixes` (the default here; the command's `--fix` turns them on
    only with `--unsafe-fixes`) the unsafe ones then run on that result.
    Notebook code (nbQA's conversions) is returned as it is: a function
    moved within a notebook is still one spawned children cannot import.
    Raises FixError for a source the fixer cannot work on.
    """
    if is_nbqa_source(source, filename):
        return FixResult(source, source)
    # libcst drops the last newline of a file whose newlines are all "\r";
    # Python reads every "\r" there as a newline, so "\n" stands in for it.
    carriage = "\r" in source and "\n" not in source
    text = source.replace("\r", "\n") if carriage else source
    session = _Session(config, select, ignore, filename)
    if not session.has_work(text, None if carriage else findings):
        return FixResult(source, source)
    if tree is not None and not carriage:
        session.start_from(text, tree)
    # As in the engine: the trees are large and acyclic garbage is rare, so the
    # cyclic collector would only re-scan them (a tenth of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        safe, declined, held_back = session.run(text, allow_unsafe=False)
        after = safe
        if unsafe_fixes and held_back:
            after, declined, held_back = session.run(safe, allow_unsafe=True)
    finally:
        if collecting:
            gc.enable()
    if carriage:
        safe, after = safe.replace("\n", "\r"), after.replace("\n", "\r")
    # Nothing changed: the very same string comes back.
    safe = source if safe == source else safe
    after = source if after == source else after
    return FixResult(
        source, after, sorted(declined), sorted(held_back), None if safe == after else safe, session.applied
    )


def applicability_of(
    source: str,
    config: Config = DEFAULT_CONFIG,
    *,
    select: Sequence[str] = ("MPL",),
    ignore: Sequence[str] = (),
    filename: str = "<unknown>",
) -> Dict[Key, str]:
    """The applicability of the fix of each finding of `source` that has one, by (line, column, code).

    Nothing is applied: each family plans its fixes on the source as it is.
    A finding the fixes reach only in a later round (a lambda inside a
    lambda that moves) is not listed.
    """
    if is_nbqa_source(source, filename) or ("\r" in source and "\n" not in source):
        return {}
    session = _Session(config, select, ignore, filename)
    if not session.has_work(source):
        return {}
    found: Dict[Key, str] = {}
    analysis = session.analysis(source)
    for family in FAMILIES:
        wanted = session.wanted(analysis, source, family.CODES)
        if analysis is not None and wanted:
            found.update(session.plan(family, analysis, wanted, allow_unsafe=True).applicability)
    return found


class _Session:
    """One source's fixes: the select/ignore/noqa choice, and an analysis per text, each made once."""

    def __init__(self, config: Config, select: Sequence[str], ignore: Sequence[str], filename: str) -> None:
        self.config = config
        self.select = select
        self.ignore = ignore
        self.filename = filename
        self._analyses: Dict[str, Optional[Analysis]] = {}
        self._parsed: Dict[str, cst.Module] = {}
        self._tokens: Dict[str, Counter] = {}  # type: ignore[type-arg]
        self.applied = 0

    def has_work(self, source: str, findings: Optional[Sequence[Finding]] = None) -> bool:
        """Whether the linter reports a finding to fix; raises FixError when the source cannot be fixed.

        The linter's own run decides (`findings`, when the caller has it), so
        the fixes never look at a file the linter leaves alone (its guards
        against inputs that would crash the parser included).
        """
        if not any(selected(code, self.select, self.ignore) for code in FIXABLE_CODES):
            return False
        if findings is None:
            rules = [rule for rule in all_rules() if rule.code in FIXABLE_CODES]
            findings = lint_source(source, self.filename, self.config, rules)
        lines = source.splitlines()
        found = [
            finding
            for finding in findings
            if finding.code in FIXABLE_CODES
            and selected(finding.code, self.select, self.ignore)
            and not suppressed(finding, lines)
        ]
        if not found:
            return False
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(source, self.filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            detail = f"{getattr(error, 'msg', error)}, line {getattr(error, 'lineno', '?')}"
            raise FixError(Reason.of("fail.no-compile", error=detail)) from None
        except (RecursionError, MemoryError):
            raise FixError(Reason.of("fail.too-deep")) from None
        return True

    def start_from(self, source: str, tree: cst.Module) -> None:
        """`tree` is the libcst tree of `source`: the first analysis starts from it."""
        self._parsed[source] = tree

    def analysis(self, source: str) -> Optional[Analysis]:
        """The analysis of `source`, made once (the families and the rounds share it)."""
        if source not in self._analyses:
            # Only the latest text can come back (a family that changes nothing, the next
            # round, the unsafe stage after the safe one): older analyses are let go.
            parsed = self._parsed.pop(source, None)
            self._analyses.clear()
            self._parsed.clear()
            try:
                self._analyses[source] = analyse(source, self.config, FIXABLE_CODES, module=parsed)
            except RecursionError:
                raise FixError(Reason.of("fail.too-deep")) from None
        return self._analyses[source]

    def wanted(self, analysis: Optional[Analysis], source: str, codes: Collection[str]) -> List[Located]:
        """The reports of `codes` the run wants fixed: selected, and not silenced by `# noqa`."""
        if analysis is None:
            return []
        lines = source.splitlines()
        return [
            located
            for located in analysis.reports
            if located.code in codes
            and selected(located.code, self.select, self.ignore)
            and not suppressed(Finding(located.line, located.col, located.code, ""), lines)
        ]

    def plan(self, family: ModuleType, analysis: Analysis, wanted: Sequence[Located], allow_unsafe: bool) -> Any:
        """`family.fix`, with the failures it cannot help turned into one line about the file."""
        try:
            return family.fix(analysis, wanted, allow_unsafe)
        except RecursionError:
            raise FixError(Reason.of("fail.too-deep")) from None
        except Exception as error:  # libcst's scope analysis rejects some code Python compiles
            if os.environ.get("MP_LINT_DEBUG"):
                raise
            raise FixError(Reason.of("fail.internal", error=f"{type(error).__name__}: {error}")) from None

    def run(self, source: str, allow_unsafe: bool) -> Tuple[str, List[Declined], List[Declined]]:
        """Run the families until a round changes nothing: the result, what was declined, what was held back."""
        declined: List[Declined] = []
        held_back: List[Declined] = []
        for _ in range(MAX_ROUNDS):
            source, declined, held_back, changed = self._round(source, allow_unsafe)
            if not changed:
                return source, declined, held_back
        # Still changing after MAX_ROUNDS (not seen in practice): report what is left as it stands.
        _, declined, held_back, _ = self._round(source, allow_unsafe, dry=True)
        return source, declined, held_back

    def _round(
        self, source: str, allow_unsafe: bool, dry: bool = False
    ) -> Tuple[str, List[Declined], List[Declined], bool]:
        """One pass of every family over `source`."""
        declined: List[Declined] = []
        held_back: List[Declined] = []
        changed = False
        for family in FAMILIES:
            analysis = self.analysis(source)
            wanted = self.wanted(analysis, source, family.CODES)
            if analysis is None or not wanted:
                continue
            result = self.plan(family, analysis, wanted, allow_unsafe)
            declined.extend(result.declined)
            held_back.extend(result.held_back)
            if result.module is None or dry:
                continue
            try:
                candidate = result.module.code
            except RecursionError:
                raise FixError(Reason.of("fail.too-deep")) from None
            if candidate == source:
                continue
            problem, parsed = _check(source, candidate, result.dropped, self.filename, self._tokens)
            if problem is not None:
                if os.environ.get("MP_LINT_DEBUG"):
                    raise UnsafeFix(f"{self.filename}: {problem.text()}\n--- fixed source ---\n{candidate}")
                withdrawn = Reason.of("fix.withdrawn", problem=problem)
                declined.extend(Declined.of(located, withdrawn) for located in wanted)
                continue
            if parsed is not None:
                self._parsed[candidate] = parsed  # the check's parse is the next analysis's tree
            self.applied += len(result.applied)
            source = candidate
            changed = True
        return source, declined, held_back, changed


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
    problem, _ = _check(before, after, dropped, filename)
    return None if problem is None else problem.text()


def _check(
    before: str,
    after: str,
    dropped: Optional[Mapping[str, int]],
    filename: str,
    tokens: Optional[Dict[str, Counter]] = None,  # type: ignore[type-arg]
) -> Tuple[Optional[Reason], Optional[cst.Module]]:
    """`unsafe`'s answer as a Reason, and the libcst tree of `after` when it passes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the user's own SyntaxWarnings are not ours to print
            compile(after, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return Reason.of("check.no-compile", error=str(error)), None
    try:
        parsed = parse_module(after)
    except cst.ParserSyntaxError as error:
        return Reason.of("check.no-parse", error=str(error)), None
    try:
        counted = {} if tokens is None else tokens  # each text is tokenized once per session
        for text in (before, after):
            if text not in counted:
                counted[text] = _tokens(text)
        lost = counted[before] - counted[after]
    except (tokenize.TokenError, SyntaxError) as error:
        return Reason.of("check.no-tokenize", error=str(error)), None
    for token, count in (dropped or {}).items():
        if lost[token] <= count:
            del lost[token]
    if lost:
        return Reason.of("check.drops", tokens=", ".join(repr(token) for token in sorted(lost)[:3])), None
    return None, parsed


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

    def diff(self, before: Optional[str] = None, after: Optional[str] = None) -> str:
        """A unified diff from the file as it is (or `before`) to the file as fixed (or `after`).

        As `diff -u` does, a header line ends its path with a tab when the
        path holds a space, so GNU patch reads the whole name.
        """
        name = self.path.as_posix()
        end = "\t" if any(character.isspace() for character in name) else ""
        lines = unified_diff(
            (self.result.before if before is None else before).splitlines(keepends=True),
            (self.result.after if after is None else after).splitlines(keepends=True),
            fromfile=f"a/{name}{end}",
            tofile=f"b/{name}{end}",
        )
        # difflib leaves a last line without its newline; patch(1) wants the marker.
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)

    def staged_diffs(self) -> List[Tuple[str, str]]:
        """(applicability, diff) for the safe fixes, then for the unsafe ones on top of them.

        Applied in order (`patch -p1` or `git apply` takes both in one file),
        the two give the file `--fix --unsafe-fixes` writes; the first alone
        is what `--fix` writes.
        """
        staged: List[Tuple[str, str]] = []
        safe = self.result.safe_after
        if safe != self.result.before:
            staged.append((SAFE, self.diff(self.result.before, safe)))
        if self.result.after != safe:
            staged.append((UNSAFE, self.diff(safe, self.result.after)))
        return staged

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
    unsafe_fixes: bool = True,
    findings: Optional[Sequence[Finding]] = None,
    tree: Optional[cst.Module] = None,
) -> FileFix:
    """The fixes for one file, not yet written (see `FileFix.write`; `findings`, `tree`: see `fix_source`)."""
    text, encoding = decode(path.read_bytes())
    result = fix_source(
        text,
        config,
        select=select,
        ignore=ignore,
        filename=str(path),
        unsafe_fixes=unsafe_fixes,
        findings=findings,
        tree=tree,
    )
    if result.changed:
        result.after.encode(encoding)  # a character the file's codec cannot hold: raise before anything is written
    return FileFix(path, encoding, result)


#: `.NAME.PID.RANDOM.mp-lint.tmp`: the temp file beside NAME while it is rewritten.
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]+)\.[a-z0-9_]{8}\.mp-lint\.tmp")
#: the naming of versions before the process id was part of it.
_OLD_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.mp-lint\.tmp")
#: an old-style temp file this old is no write still under way.
_OLD_TEMPORARY_AGE = 60.0


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or no way to ask: leave its file alone
    return True


def remove_stale_temporaries(directory: Path) -> List[Path]:
    """Remove the temp files killed `mp-lint --fix` runs left in `directory`; the paths removed.

    Only files of mp-lint's own naming are considered: those whose writing
    process no longer runs on this machine, and those of the older naming
    (no process id) not touched for a minute.
    """
    removed: List[Path] = []
    try:
        entries = os.listdir(directory)
    except OSError:
        return removed
    for entry in entries:
        if not entry.endswith(".mp-lint.tmp"):
            continue
        match = _TEMPORARY.fullmatch(entry)
        stale = False
        if match is not None:
            stale = not _running(int(match.group("pid")))
        elif _OLD_TEMPORARY.fullmatch(entry) is not None:
            try:
                stale = time.time() - os.stat(os.path.join(directory, entry)).st_mtime > _OLD_TEMPORARY_AGE
            except OSError:
                stale = False
        if stale:
            try:
                os.unlink(os.path.join(directory, entry))
                removed.append(Path(directory, entry))
            except OSError:
                pass
    return removed


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, keep its mode, then rename it over `path`.

    The temp file is named `.NAME.PID.RANDOM.mp-lint.tmp`; one left by a
    process killed before the rename is removed by the next `--fix` of a
    file in that folder (`remove_stale_temporaries`).
    """
    target = os.path.realpath(path)  # through a symlink, replace the file it points to
    mode = stat.S_IMODE(os.stat(target).st_mode)
    directory, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".mp-lint.tmp", dir=directory)
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
