"""``mp-lint run FILE [ARGS...]``: run a student's own program as Windows and
macOS would, tell what happened in the demos' words, then what mp-lint
finds in it, and link the two.

The program runs through the demos' runner: its own session, spawn forced
as the default start method (``--start-method forkserver``: as Linux does
since Python 3.14), so that every child re-imports the file as
``__mp_main__``; a time limit; every process it started killed as a group
at the end; its temporary files (``TMPDIR``) in a scratch folder that is
removed; standard input closed unless ``--stdin`` gives it.

Exit status: 0 when the program ran clean (exit 0 in time, no child died,
no traceback, nothing left running) and mp-lint found nothing; 1 otherwise;
2 when the file cannot be run; 128 + N when signal N stopped the command.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .evidence import ChildDeath, child_deaths, parent_exception
from .i18n import LANGUAGES, config_lang, language, tr
from .report import Style, describe_run
from .runner import START_METHODS, Program, RunResult, run_file, scratch_directory
from .stopping import farewell, stoppable

__all__ = ["Outcome", "judge_run", "main"]

DEFAULT_TIMEOUT = 5.0

# Codes whose pitfall shows as a program that never ends.
_HANGS = frozenset({"MPL101", "MPL103", "MPL205", "MPL501"})
# Codes whose pitfall loses work or errors without a trace in the run.
_SILENT = frozenset({"MPL302", "MPL401", "MPL402", "MPL403"})


@dataclass(frozen=True)
class Finding:
    """An mp-lint finding on the file: where, what."""

    line: int
    col: int
    code: str
    message: str

    def as_text(self, name: str) -> str:
        return f"{name}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass
class Outcome:
    """What one run of the student's program showed."""

    run: RunResult
    deaths: List[ChildDeath]
    #: the parent's own exception line, if it died of one.
    error: Optional[str]
    #: lines of the file in the parent's traceback, outermost first.
    error_lines: Tuple[int, ...]

    @property
    def clean(self) -> bool:
        """Exit 0 in time, no child died, no traceback, nothing left running."""
        run = self.run
        return (
            not run.timed_out
            and run.returncode == 0
            and not self.deaths
            and "Traceback (most recent call last)" not in run.stderr
            and run.strays == 0
        )

    def problems(self) -> List[str]:
        """Why the run was not clean, one phrase each."""
        run = self.run
        found = []
        if run.timed_out:
            found.append(tr(
                f"still running at the time limit ({run.seconds:.0f} s): a hang or a deadlock",
                f"到时限（{run.seconds:.0f} 秒）还在运行：卡住了，或者死锁了",
            ))
        elif run.returncode != 0:
            found.append(tr(f"exit code {run.returncode}", f"退出码 {run.returncode}"))
        if self.deaths:
            found.append(tr(f"{len(self.deaths)} child processes died", f"{len(self.deaths)} 个子进程死掉了"))
        if self.error:
            found.append(tr(f"it raised `{self.error}`", f"程序抛出了 `{self.error}`"))
        elif "Traceback (most recent call last)" in run.stderr and not self.deaths:
            found.append(tr("a traceback on standard error", "标准错误输出里有 traceback"))
        if run.strays:
            found.append(tr(
                f"{run.strays} processes still running after it exited",
                f"程序退出后还有 {run.strays} 个进程在运行",
            ))
        return found


def judge_run(run: RunResult) -> Outcome:
    """Read the children's deaths and the parent's own exception from a run."""
    deaths = child_deaths(run)
    error: Optional[str] = None
    error_lines: Tuple[int, ...] = ()
    if not run.timed_out and run.returncode not in (0, None):
        error, error_lines = parent_exception(run)
    return Outcome(run, deaths, error, error_lines)


def links(outcome: Outcome, findings: Sequence[Finding]) -> List[str]:
    """One line per finding that the run shows happening (or cannot show)."""
    run = outcome.run
    found = []
    for finding in findings:
        where = tr(f"{finding.code} at line {finding.line}: ", f"第 {finding.line} 行的 {finding.code}：")
        died = [death for death in outcome.deaths if finding.line in death.lines]
        if died:
            kinds = Counter(_exception_type(death.exception) for death in died)
            what = ", ".join(kinds)
            found.append(where + tr(
                f"{len(died)} children died re-running line {finding.line} ({what})",
                f"{len(died)} 个子进程在重新执行第 {finding.line} 行时死掉了（{what}）",
            ))
        elif outcome.error and finding.line in outcome.error_lines:
            found.append(where + tr(
                f"the program stopped there with `{outcome.error}`",
                f"程序就停在这里，抛出了 `{outcome.error}`",
            ))
        elif run.timed_out and finding.code in _HANGS:
            found.append(where + tr(
                f"the program was still waiting at the time limit ({run.seconds:.0f} s)",
                f"到时限（{run.seconds:.0f} 秒）程序还在等待",
            ))
        elif outcome.clean and finding.code in _SILENT:
            found.append(where + tr(
                "the run looks clean, and that is the point: what is lost here leaves no trace; "
                "check what it printed against what it really produced",
                "这次运行看起来没有问题，而这正是危险所在：这里丢失的东西不留任何痕迹；"
                "请对照程序输出的内容和它实际产生的结果",
            ))
    return found


def _exception_type(line: str) -> str:
    return line.split(":", 1)[0].strip()


def _death_lines(deaths: Sequence[ChildDeath]) -> List[str]:
    kinds = Counter(death.exception for death in deaths)
    shown = []
    for exception, times in kinds.most_common(3):
        text = exception if len(exception) <= 140 else exception[:137] + "..."
        shown.append(f"    {text}  (x{times})" if times > 1 else f"    {text}")
    return shown


def _lint(path: Path, source: str, start_method: str, lang: str) -> List[Finding]:
    """mp-lint's findings on the file, with the config file's options and noqa."""
    from mp_lint.cli import config_file_options, resolve_config
    from mp_lint.engine import lint_source
    from mp_lint.selection import selected, suppressed

    options = config_file_options(Path.cwd())
    config = resolve_config(
        argparse.Namespace(mp_start_method=start_method, mp_lang=lang, mp_extra_process_apis=None), options
    )
    listed = options.get("ignore", "") + "," + options.get("extend-ignore", "")
    ignore = [code.strip().upper() for code in listed.split(",") if code.strip()]
    lines = source.splitlines()
    return [
        Finding(f.line, f.col + 1, f.code, f.message)
        for f in lint_source(source, str(path), config)
        if selected(f.code, ["MPL"], ignore) and not suppressed(f, lines)
    ]


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run your own program as Windows and macOS would (spawn), show what happened, "
        "then what mp-lint finds in it.",
    )
    parser.add_argument("file", metavar="FILE", help="the Python file to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the program")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT,
        help=f"seconds before the program is stopped (default {DEFAULT_TIMEOUT:.0f})",
    )
    parser.add_argument(
        "--start-method", choices=START_METHODS, default="spawn",
        help="spawn (Windows, macOS; default) or forkserver (Linux since Python 3.14)",
    )
    parser.add_argument(
        "--stdin", metavar="PATH", help="a file to give as standard input ('-': this one's; default: closed)"
    )
    parser.add_argument("--lang", choices=LANGUAGES, help="language (default: mp-lang from the config file, else en)")
    parser.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    return parser


def main(argv: Optional[Sequence[str]] = None, prog: str = "mp-lint run") -> int:
    """Entry point; returns the exit status."""
    args = _parser(prog).parse_args(argv)
    lang = args.lang or config_lang(Path.cwd()) or "en"
    style = Style(False) if args.no_color else Style.for_stream(sys.stdout)
    with language(lang):
        return stoppable(lambda: _main(args, style, lang), farewell)


def _error(text: str) -> int:
    print(f"mp-lint run: {text}", file=sys.stderr)
    return 2


def _main(args: argparse.Namespace, style: Style, lang: str) -> int:
    from mp_lint.cli import read_source

    path = Path(args.file)
    if path.suffix != ".py":
        return _error(tr(f"{path}: give a Python file (.py)", f"{path}：请给出一个 Python 文件（.py）"))
    try:
        source = read_source(path)
    except (OSError, UnicodeDecodeError, LookupError, SyntaxError) as error:
        from mp_lint.messages import read_error

        return _error(read_error(str(path), error, lang))
    if args.timeout <= 0:
        return _error(tr("--timeout must be more than 0 seconds", "--timeout 必须大于 0 秒"))
    stdin: Optional[bytes] = None
    if args.stdin is not None:
        try:
            stdin = sys.stdin.buffer.read() if args.stdin == "-" else Path(args.stdin).read_bytes()
        except OSError as error:
            return _error(tr(f"cannot read --stdin {args.stdin}: {error}", f"无法读取 --stdin {args.stdin}：{error}"))
    program = Program(
        source=source, filename=path.name, argv=tuple(args.args), start_method=args.start_method,
        stdin=stdin, timeout=args.timeout,
    )
    say = functools.partial(print, flush=True)  # a class watches it happen, even through a pipe
    if args.start_method == "spawn":
        how = tr("under spawn, as on Windows and macOS", "用 spawn 启动方式，和 Windows、macOS 上一样")
    else:
        how = tr("under forkserver, as on Linux since Python 3.14", "用 forkserver 启动方式，和 Python 3.14 起的 Linux 上一样")
    say(style.bold(tr(
        f"Running {path.name} {how} (limit {args.timeout:g} s)...",
        f"运行 {path.name}，{how}（时限 {args.timeout:g} 秒）……",
    )))
    with scratch_directory("mp-lint-run-") as scratch:
        run = run_file(program, path.resolve(), cwd=Path.cwd(), scratch=scratch)
    outcome = judge_run(run)
    for line in describe_run(run):
        say((style.bad if line.bad else (style.dim if line.verbatim else str))(line.text))
    if outcome.deaths:
        say(style.bad(tr(
            f"  {len(outcome.deaths)} child processes died, of:",
            f"  {len(outcome.deaths)} 个子进程死掉了，原因是：",
        )))
        for line in _death_lines(outcome.deaths):
            say(style.bad(line))
    say()

    findings = _lint(path, source, args.start_method, lang)
    say(style.bold(tr(f"mp-lint on {path.name}:", f"mp-lint 对 {path.name} 的检查结果：")))
    if findings:
        for finding in findings:
            say(style.note("  " + finding.as_text(path.name)))
    else:
        say(style.good(tr(f"  no findings on {path.name}", f"  {path.name} 没有任何提示")))
    linked = links(outcome, findings)
    if linked:
        say()
        say(style.bold(tr("What the run shows of them:", "运行结果和提示的对应：")))
        for line in linked:
            say("  " + line)
    say()
    if outcome.clean:
        verdict = style.good(tr("the program ran clean", "程序运行正常"))
    else:
        verdict = style.bad(tr("the program did not run clean: ", "程序没有正常运行：") + tr("; ", "；").join(outcome.problems()))
    say(style.bold(tr("Verdict: ", "结论：")) + verdict)
    return 0 if outcome.clean and not findings else 1
