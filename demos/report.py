"""Run one demo end to end and show it in a terminal.

`run_demo` lints both programs, runs the pitfall and then the fix under
spawn, judges what happened, removes everything it created, and returns a
`DemoReport`. Given a stream, it narrates as it goes, so a class watches
each step happen.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, List, Optional, Sequence, TextIO

from .evidence import Verdict, key_lines
from .registry import Demo
from .runner import Finding, Program, RunResult, lint, plugin_installed, run_program

__all__ = ["DemoReport", "Style", "registered_codes", "run_demo", "table_header", "table_row"]

_WIDTH = 76


@dataclass
class DemoReport:
    """Everything one demo run saw."""

    demo: Demo
    pitfall: RunResult
    fix: RunResult
    verdict: Verdict
    lint_pitfall: List[Finding]
    lint_fix: List[Finding]
    lint_error: Optional[str]
    seconds: float
    workdir: Path
    attempts: int = 1  # pitfall runs it took (more than one for a race)

    @property
    def ok(self) -> bool:
        """The failure reproduced and the fix worked."""
        return self.verdict.reproduced and self.verdict.fix_ok

    @property
    def lint_codes(self) -> List[str]:
        """The codes mp-lint reported on the pitfall."""
        return [f.code for f in self.lint_pitfall]


class Style:
    """ANSI colours when writing to a terminal that wants them."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO) -> "Style":
        """Colour only a real terminal, and never when NO_COLOR is set."""
        isatty = getattr(stream, "isatty", lambda: False)()
        return cls(bool(isatty) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb")

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bad(self, text: str) -> str:
        """Red: the failure."""
        return self._wrap("31", text)

    def good(self, text: str) -> str:
        """Green: the fix."""
        return self._wrap("32", text)

    def note(self, text: str) -> str:
        """Yellow: the linter."""
        return self._wrap("33", text)

    def bold(self, text: str) -> str:
        """Bold: headings."""
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        """Dim: program output."""
        return self._wrap("2", text)


def registered_codes() -> FrozenSet[str]:
    """The codes mp-lint implements (empty if it cannot be imported)."""
    try:
        from mp_lint.rules import registered_codes as codes
    except Exception:  # any import problem means: nothing to expect yet
        return frozenset()
    try:
        return frozenset(codes())
    except Exception:
        return frozenset()


class _Narrator:
    """Writes the story of one demo to a stream, or nothing at all."""

    def __init__(self, stream: Optional[TextIO], style: Style) -> None:
        self.stream = stream
        self.style = style

    def __call__(self, text: str = "") -> None:
        if self.stream is not None:
            self.stream.write(text + "\n")
            self.stream.flush()

    def rule(self, char: str = "-") -> None:
        self(char * _WIDTH)

    def paragraph(self, text: str, indent: str = "") -> None:
        for line in textwrap.wrap(text, _WIDTH - len(indent)) or [""]:
            self(indent + line)

    def source(self, program: Program, marks: Sequence[int], plus: Sequence[int] = ()) -> None:
        for number, line in enumerate(program.source.rstrip("\n").splitlines(), start=1):
            if number in marks:
                self(self.style.bad(f"  > {number:3}  {line}"))
            elif number in plus and line.strip():
                self(self.style.good(f"  + {number:3}  {line}"))
            else:
                self(f"    {number:3}  {line}")

    def run(self, run: RunResult) -> None:
        if run.timed_out:
            self(self.style.bad(f"  no exit after {run.seconds:.1f} s: stopped by the timeout"))
        else:
            self(f"  exit code {run.returncode} after {run.seconds:.1f} s")
        if run.peak_processes > 1:
            self(f"  processes alive at once (most seen): {run.peak_processes}")
        lines = run.stdout_lines
        if lines:
            shown = lines if len(lines) <= 6 else lines[:3] + [f"... ({len(lines) - 5} more lines)"] + lines[-2:]
            self("  it printed:")
            for line in shown:
                self(self.style.dim("    " + _clip(line)))
        else:
            self("  it printed nothing")
        errors = key_lines(run)
        if errors:
            self("  standard error, key lines:")
            for line in errors:
                self(self.style.bad("    " + line))


def _clip(text: str, width: int = _WIDTH - 4) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _changed_lines(before: str, after: str) -> List[int]:
    """1-based lines of `after` that are new or changed against `before`."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    changed: List[int] = []
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.extend(range(j1 + 1, j2 + 1))
    return changed


def _lint_story(say: _Narrator, demo: Demo, findings: List[Finding], error: Optional[str], which: str) -> None:
    style = say.style
    if error:
        say(style.note(f"  mp-lint could not run: {error}"))
        return
    if findings:
        for finding in findings:
            say(style.note(f"  {finding}"))
        return
    if which == "fix":
        say(style.good("  no MPL finding"))
    elif not plugin_installed():
        say(style.note("  nothing: mp-lint is not installed in this Python (pip install -e .)"))
    elif demo.code not in registered_codes():
        say(style.note(f"  nothing yet: the {demo.code} rule is not implemented in this version"))
    else:
        say(style.note(f"  nothing, although {demo.code} is implemented"))


def run_demo(
    demo: Demo,
    stream: Optional[TextIO] = None,
    style: Optional[Style] = None,
    parent: Optional[Path] = None,
) -> DemoReport:
    """Run `demo`; narrate to `stream` if given. Temp files go under `parent`."""
    style = style or (Style.for_stream(stream) if stream is not None else Style(False))
    say = _Narrator(stream, style)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=f"mp-lint-demo-{demo.code.lower()}-", dir=parent))
    try:
        say(style.bold(f"{demo.code}  {demo.name}"))
        say.paragraph(demo.summary)
        say.rule()
        if demo.why:
            say.paragraph(demo.why)
            say()

        pitfall_dir, fix_dir = workdir / "pitfall", workdir / "fix"
        pitfall_path = demo.pitfall.write(pitfall_dir)
        fix_path = demo.fix.write(fix_dir)
        linted = lint([pitfall_path, fix_path], cwd=workdir)
        lint_pitfall, lint_fix = linted.for_file(pitfall_path), linted.for_file(fix_path)

        marks = sorted({f.line for f in lint_pitfall} | ({demo.flagged_line} if demo.flagged_line else set()))
        if demo.pitfall.interactive:
            say(style.bold(f"The pitfall: a notebook cell ({pitfall_path.name})"))
        else:
            say(style.bold(f"The pitfall ({pitfall_path.name})"))
        say.source(demo.pitfall, marks)
        say()
        say(style.bold(f"mp-lint on {pitfall_path.name}:"))
        _lint_story(say, demo, lint_pitfall, linted.error, "pitfall")
        say()

        how = (
            "through standard input, as a notebook kernel would"
            if demo.pitfall.interactive
            else "as `python pitfall.py`"
        )
        say(style.bold(f"Running it under the spawn start method, {how} (limit {demo.pitfall.timeout:.0f} s)..."))
        if demo.pitfall.nofile:
            say(f"  (open-file limit {demo.pitfall.nofile}, as `ulimit -n` on macOS)")
        pitfall_run = run_program(demo.pitfall, pitfall_dir)
        say.run(pitfall_run)
        say()

        say(style.bold(f"The fix ({fix_path.name}; + marks what changed)"))
        say.source(demo.fix, (), _changed_lines(demo.pitfall.source, demo.fix.source))
        for name in sorted(set(demo.fix.files) - set(demo.pitfall.files)):
            say(style.bold(f"  and {name}, next to it:"))
            say.source(Program(demo.fix.files[name], name), (), range(1, 10_000))
        say()
        say(style.bold(f"mp-lint on {fix_path.name}:"))
        _lint_story(say, demo, lint_fix, linted.error, "fix")
        say()
        say(style.bold("Running the fix the same way..."))
        fix_run = run_program(demo.fix, fix_dir)
        say.run(fix_run)
        say()

        verdict = demo.judge(pitfall_run, fix_run)
        attempts = 1
        while not verdict.reproduced and attempts < demo.attempts:
            # Some pitfalls are races that the program nearly always loses;
            # say so, and run it again rather than report a fluke.
            attempts += 1
            say(style.note(f"The pitfall did not fail this time ({verdict.pitfall.summary})."))
            say(style.bold(f"It is a race: running the pitfall again, attempt {attempts} of {demo.attempts}..."))
            pitfall_run = run_program(demo.pitfall, workdir / f"pitfall-{attempts}")
            say.run(pitfall_run)
            say()
            verdict = demo.judge(pitfall_run, fix_run)
        seconds = time.monotonic() - started
        say.rule()
        say(style.bold("What happened: ") + (style.bad if verdict.reproduced else style.note)(verdict.pitfall.summary))
        for line in verdict.pitfall.details:
            say("  " + line)
        say(style.bold("With the fix:  ") + (style.good if verdict.fix_ok else style.bad)(verdict.fix.summary))
        for line in verdict.fix.details:
            say("  " + line)
        outcome = [
            style.good("reproduced") if verdict.reproduced else style.bad("NOT reproduced"),
            style.good("fix works") if verdict.fix_ok else style.bad("fix FAILED"),
            f"{seconds:.1f} s",
        ]
        if attempts > 1:
            outcome.insert(1, f"pitfall runs: {attempts}")
        say(style.bold(f"{demo.code}: ") + "  |  ".join(outcome))
        return DemoReport(
            demo=demo,
            pitfall=pitfall_run,
            fix=fix_run,
            verdict=verdict,
            lint_pitfall=lint_pitfall,
            lint_fix=lint_fix,
            lint_error=linted.error,
            seconds=seconds,
            workdir=workdir,
            attempts=attempts,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# "observed" comes last so that it can be as long as it needs to be.
_TABLE = "{code:<7}  {fix:<4}  {lint:<7}  {seconds:>5}  {observed}"


def table_header() -> str:
    """The --all table's header."""
    return _TABLE.format(code="code", fix="fix", lint="mp-lint", seconds="secs", observed="observed")


def table_row(report: DemoReport, style: Style) -> str:
    """One --all table row."""
    observed = report.verdict.pitfall.summary
    if not report.verdict.reproduced:
        observed = "NOT REPRODUCED: " + observed
    if report.attempts > 1:
        observed += f" (pitfall run {report.attempts} times)"
    lint_codes = ",".join(dict.fromkeys(report.lint_codes)) or "-"
    row = _TABLE.format(
        code=report.demo.code,
        fix="ok" if report.verdict.fix_ok else "FAIL",
        lint=lint_codes,
        seconds=f"{report.seconds:.1f}",
        observed=observed,
    )
    return row if report.ok else style.bad(row)
