"""Run one demo end to end and show it in a terminal.

`run_demo` lints both programs, runs the pitfall and then the fix under
spawn, judges what happened, removes everything it created, and returns a
`DemoReport`. Given a stream, it narrates as it goes, so a class watches
each step happen.
"""

from __future__ import annotations

import difflib
import os
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, FrozenSet, List, Optional, Sequence, TextIO

from .evidence import Verdict, is_exception_line, key_lines
from .i18n import current, language, tr
from .registry import Demo
from .runner import Finding, Program, RunResult, lint, plugin_installed, run_program, scratch_directory

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
    # The lines narrated in the demo's language (code, program output,
    # tracebacks and mp-lint's findings left out): what a test reads.
    narration: List[str] = field(default_factory=list)

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
    """Writes the story of one demo to a stream, or nothing at all.

    `__call__` narrates (in the demo's language); `verbatim` quotes code,
    program output, tracebacks and findings, which are never translated.
    """

    def __init__(self, stream: Optional[TextIO], style: Style) -> None:
        self.stream = stream
        self.style = style
        self.narration: List[str] = []

    def _write(self, text: str) -> None:
        if self.stream is not None:
            self.stream.write(text + "\n")
            self.stream.flush()

    def __call__(self, text: str = "", plain: Optional[str] = None) -> None:
        """Narrate `text`; `plain` is the same line without colours."""
        self.narration.append(text if plain is None else plain)
        self._write(text)

    def verbatim(self, text: str) -> None:
        self._write(text)

    def rule(self, char: str = "-") -> None:
        self.verbatim(char * _WIDTH)

    def paragraph(self, text: str, indent: str = "") -> None:
        width = _WIDTH - len(indent)
        if current() == "zh":
            # Chinese has no spaces to break at: cut by display width.
            lines = _wrap_wide(text, width)
        else:
            lines = textwrap.wrap(text, width) or [""]
        for line in lines:
            self(indent + line)

    def source(self, program: Program, marks: Sequence[int], plus: Sequence[int] = ()) -> None:
        for number, line in enumerate(program.source.rstrip("\n").splitlines(), start=1):
            if number in marks:
                self.verbatim(self.style.bad(f"  > {number:3}  {line}"))
            elif number in plus and line.strip():
                self.verbatim(self.style.good(f"  + {number:3}  {line}"))
            else:
                self.verbatim(f"    {number:3}  {line}")

    def run(self, run: RunResult) -> None:
        for line in describe_run(run):
            if line.verbatim:
                self.verbatim((self.style.bad if line.bad else self.style.dim)(line.text))
            else:
                self((self.style.bad(line.text) if line.bad else line.text), line.text)


@dataclass(frozen=True)
class RunLine:
    """One line of what a run did: narration, or a quote of its output."""

    text: str
    verbatim: bool = False
    bad: bool = False


def describe_run(run: RunResult, what: str = "") -> List[RunLine]:
    """What a run did, in the demos' words: how it ended, how many processes
    it had at once, what it printed, the key lines of its standard error."""
    found: List[RunLine] = []
    if run.timed_out:
        found.append(RunLine(tr(
            f"  no exit after {run.seconds:.1f} s: stopped by the timeout",
            f"  {run.seconds:.1f} 秒后仍未退出：到时限被强行停止",
        ), bad=True))
    else:
        found.append(RunLine(tr(
            f"  exit code {run.returncode} after {run.seconds:.1f} s",
            f"  {run.seconds:.1f} 秒后退出，退出码 {run.returncode}",
        )))
    if run.peak_processes > 1:
        found.append(RunLine(tr(
            f"  processes alive at once (most seen): {run.peak_processes}",
            f"  同时存活的进程最多有 {run.peak_processes} 个",
        )))
    lines = run.stdout_lines
    if lines:
        if len(lines) <= 6:
            shown = [_clip(line) for line in lines]
            more = ""
        else:
            shown = [_clip(line) for line in lines[:3]] + ["..."] + [_clip(line) for line in lines[-2:]]
            more = tr(f" ({len(lines)} lines, {len(lines) - 5} not shown)", f"（共 {len(lines)} 行，省略 {len(lines) - 5} 行）")
        found.append(RunLine(tr("  it printed:", "  程序输出：") + more))
        found.extend(RunLine("    " + line, verbatim=True) for line in shown)
    else:
        found.append(RunLine(tr("  it printed nothing", "  程序没有任何输出")))
    errors = key_lines(run)
    if errors:
        found.append(RunLine(tr("  standard error, key lines:", "  标准错误输出中的关键行：")))
        found.extend(RunLine("    " + line, verbatim=True, bad=True) for line in errors)
    return found


def _display_width(char: str) -> int:
    return 2 if ord(char) >= 0x1100 and not 0xFF61 <= ord(char) <= 0xFFDC else 1


def _wrap_wide(text: str, width: int) -> List[str]:
    """Wrap text that mixes Chinese and code at `width` columns, never inside
    an ASCII word or a `code` span."""
    tokens: List[str] = []
    word = ""
    in_code = False
    for char in text:
        if char == "`":
            in_code = not in_code
        if in_code or char == "`" or (char.isascii() and not char.isspace()):
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(char)
    if word:
        tokens.append(word)
    lines: List[str] = []
    line, used = "", 0
    for token in tokens:
        size = sum(_display_width(c) for c in token)
        if used + size > width and line.strip():
            lines.append(line.rstrip())
            line, used = "", 0
            if token == " ":
                continue
        line += token
        used += size
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


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
        say(style.note(tr(f"  mp-lint could not run: {error}", f"  mp-lint 没能运行：{error}")))
        return
    if findings:
        for finding in findings:
            say.verbatim(style.note(f"  {finding}"))
        return
    if which == "fix":
        say(style.good(tr("  no MPL finding", "  没有任何 MPL 提示")))
    elif not plugin_installed():
        say(style.note(tr(
            "  nothing: mp-lint is not installed in this Python (pip install -e .)",
            "  没有提示：这个 Python 里没有安装 mp-lint（pip install -e .）",
        )))
    elif demo.code not in registered_codes():
        say(style.note(tr(
            f"  nothing yet: the {demo.code} rule is not implemented in this version",
            f"  还没有提示：这个版本还没有实现 {demo.code} 规则",
        )))
    else:
        say(style.note(tr(
            f"  nothing, although {demo.code} is implemented",
            f"  没有提示，尽管 {demo.code} 规则已经实现",
        )))


def run_demo(
    demo: Demo,
    stream: Optional[TextIO] = None,
    style: Optional[Style] = None,
    parent: Optional[Path] = None,
    lang: str = "en",
) -> DemoReport:
    """Run `demo`; narrate to `stream` in `lang` if given. Temp files go under `parent`."""
    with language(lang):
        return _run_demo(demo, stream, style, parent)


def _run_demo(demo: Demo, stream: Optional[TextIO], style: Optional[Style], parent: Optional[Path]) -> DemoReport:
    style = style or (Style.for_stream(stream) if stream is not None else Style(False))
    say = _Narrator(stream, style)
    started = time.monotonic()
    with scratch_directory(f"mp-lint-demo-{demo.code.lower()}-", parent) as workdir:
        say(style.bold(f"{demo.code}  {demo.name}"), f"{demo.code}  {demo.name}")
        say.paragraph(demo.summary_in(current()))
        say.rule()
        why = demo.why_in(current())
        if why:
            say.paragraph(why)
            say()

        pitfall_dir, fix_dir = workdir / "pitfall", workdir / "fix"
        pitfall_path = demo.pitfall.write(pitfall_dir)
        fix_path = demo.fix.write(fix_dir)
        linted = lint([pitfall_path, fix_path], cwd=workdir, lang=current())
        lint_pitfall, lint_fix = linted.for_file(pitfall_path), linted.for_file(fix_path)

        marks = sorted({f.line for f in lint_pitfall} | ({demo.flagged_line} if demo.flagged_line else set()))
        if demo.pitfall.interactive:
            heading = tr(
                f"The pitfall: a notebook cell ({pitfall_path.name})",
                f"错误写法：一个 notebook 单元格（{pitfall_path.name}）",
            )
        else:
            heading = tr(f"The pitfall ({pitfall_path.name})", f"错误写法（{pitfall_path.name}）")
        say(style.bold(heading), heading)
        say.source(demo.pitfall, marks)
        say()
        heading = tr(f"mp-lint on {pitfall_path.name}:", f"mp-lint 对 {pitfall_path.name} 的检查结果：")
        say(style.bold(heading), heading)
        _lint_story(say, demo, lint_pitfall, linted.error, "pitfall")
        say()

        if demo.pitfall.interactive:
            heading = tr(
                "Running it under the spawn start method, through standard input, as a notebook kernel would "
                f"(limit {demo.pitfall.timeout:.0f} s)...",
                f"用 spawn 启动方式运行它，像 notebook 内核那样从标准输入读入代码（时限 {demo.pitfall.timeout:.0f} 秒）……",
            )
        else:
            heading = tr(
                "Running it under the spawn start method, as `python pitfall.py` "
                f"(limit {demo.pitfall.timeout:.0f} s)...",
                f"用 spawn 启动方式运行它，相当于 `python pitfall.py`（时限 {demo.pitfall.timeout:.0f} 秒）……",
            )
        say(style.bold(heading), heading)
        if demo.pitfall.nofile:
            say(tr(
                f"  (open-file limit {demo.pitfall.nofile}, as `ulimit -n` on macOS)",
                f"  （打开文件数上限设为 {demo.pitfall.nofile}，和 macOS 默认的 `ulimit -n` 一样）",
            ))
        pitfall_run = run_program(demo.pitfall, pitfall_dir)
        say.run(pitfall_run)
        say()

        heading = tr(f"The fix ({fix_path.name}; + marks what changed)", f"正确写法（{fix_path.name}；+ 标出改动的行）")
        say(style.bold(heading), heading)
        say.source(demo.fix, (), _changed_lines(demo.pitfall.source, demo.fix.source))
        for name in sorted(set(demo.fix.files) - set(demo.pitfall.files)):
            heading = tr(f"  and {name}, next to it:", f"  以及同一文件夹里的 {name}：")
            say(style.bold(heading), heading)
            say.source(Program(demo.fix.files[name], name), (), range(1, 10_000))
        say()
        heading = tr(f"mp-lint on {fix_path.name}:", f"mp-lint 对 {fix_path.name} 的检查结果：")
        say(style.bold(heading), heading)
        _lint_story(say, demo, lint_fix, linted.error, "fix")
        say()
        heading = tr("Running the fix the same way...", "用同样的方式运行正确写法……")
        say(style.bold(heading), heading)
        fix_run = run_program(demo.fix, fix_dir)
        say.run(fix_run)
        say()

        verdict = demo.judge(pitfall_run, fix_run)
        attempts = 1
        while not verdict.reproduced and attempts < demo.attempts:
            # Some pitfalls are races that the program nearly always loses;
            # say so, and run it again rather than report a fluke.
            attempts += 1
            line = tr(
                f"The pitfall did not fail this time ({verdict.pitfall.summary}).",
                f"这一次错误写法没有出错（{verdict.pitfall.summary}）。",
            )
            say(style.note(line), line)
            line = tr(
                f"It is a race: running the pitfall again, attempt {attempts} of {demo.attempts}...",
                f"这是一个竞争条件：再运行一次错误写法，第 {attempts} 次，最多 {demo.attempts} 次……",
            )
            say(style.bold(line), line)
            pitfall_run = run_program(demo.pitfall, workdir / f"pitfall-{attempts}")
            say.run(pitfall_run)
            say()
            verdict = demo.judge(pitfall_run, fix_run)
        seconds = time.monotonic() - started
        say.rule()
        _say_observation(say, tr("What happened: ", "看到的结果："), verdict.pitfall.summary,
                         style.bad if verdict.reproduced else style.note, verdict.pitfall.details)
        _say_observation(say, tr("With the fix:  ", "改正之后："), verdict.fix.summary,
                         style.good if verdict.fix_ok else style.bad, verdict.fix.details)
        outcome = [
            (tr("reproduced", "问题重现了"), style.good)
            if verdict.reproduced
            else (tr("NOT reproduced", "问题没有重现"), style.bad),
            (tr("fix works", "改法有效"), style.good) if verdict.fix_ok else (tr("fix FAILED", "改法失败"), style.bad),
            (tr(f"{seconds:.1f} s", f"{seconds:.1f} 秒"), None),
        ]
        if attempts > 1:
            outcome.insert(1, (tr(f"pitfall runs: {attempts}", f"错误写法运行了 {attempts} 次"), None))
        plain = f"{demo.code}: " + "  |  ".join(text for text, _ in outcome)
        painted = "  |  ".join(paint(text) if paint else text for text, paint in outcome)
        say(style.bold(f"{demo.code}: ") + painted, plain)
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
            narration=say.narration,
        )


def _say_observation(
    say: _Narrator, label: str, summary: str, paint: Callable[[str], str], details: Sequence[str]
) -> None:
    say(say.style.bold(label) + paint(summary), label + summary)
    for line in details:
        if is_exception_line(line):
            say.verbatim("  " + line)
        else:
            say("  " + line)


# "observed" comes last so that it can be as long as it needs to be.
_COLUMNS = (("code", 7, "<"), ("fix", 4, "<"), ("lint", 7, "<"), ("seconds", 5, ">"))


def _row(**cells: str) -> str:
    """One table line, padded by display width (a Chinese character takes two columns)."""
    parts = []
    for name, width, align in _COLUMNS:
        text = cells[name]
        pad = " " * max(0, width - sum(_display_width(c) for c in text))
        parts.append(text + pad if align == "<" else pad + text)
    return "  ".join(parts + [cells["observed"]])


def table_header() -> str:
    """The --all table's header."""
    return _row(
        code=tr("code", "代码"), fix=tr("fix", "改法"), lint="mp-lint", seconds=tr("secs", "秒"),
        observed=tr("observed", "看到的结果"),
    )


def table_row(report: DemoReport, style: Style) -> str:
    """One --all table row."""
    observed = report.verdict.pitfall.summary
    if not report.verdict.reproduced:
        observed = tr("NOT REPRODUCED: ", "没有重现：") + observed
    if report.attempts > 1:
        observed += tr(f" (pitfall run {report.attempts} times)", f"（错误写法运行了 {report.attempts} 次）")
    lint_codes = ",".join(dict.fromkeys(report.lint_codes)) or "-"
    row = _row(
        code=report.demo.code,
        fix=tr("ok", "有效") if report.verdict.fix_ok else tr("FAIL", "失败"),
        lint=lint_codes,
        seconds=f"{report.seconds:.1f}",
        observed=observed,
    )
    return row if report.ok else style.bad(row)
