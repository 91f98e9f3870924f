"""Turn what a run printed and left behind into observations.

A demo's `judge` is built from these functions; each returns plain facts so that
the verdict says what was seen (an exception line, a count, a time), never
what was merely expected.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from .i18n import tr
from .runner import RunResult

__all__ = [
    "ChildDeath",
    "Observation",
    "Verdict",
    "child_deaths",
    "count",
    "exception_line",
    "finished",
    "is_exception_line",
    "join",
    "key_lines",
    "last_output",
    "lines_in",
    "parent_exception",
    "seconds_printed",
    "slowdown",
]


@dataclass(frozen=True)
class Observation:
    """What one run showed."""

    ok: bool
    summary: str  # one line, for the --all table
    details: Tuple[str, ...] = ()
    # Numbers a reader or a test can check (lost lines, ratio, crashes...).
    facts: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The pitfall's observation and the fix's."""

    pitfall: Observation
    fix: Observation

    @property
    def reproduced(self) -> bool:
        """The pitfall failed the way the rule says."""
        return self.pitfall.ok

    @property
    def fix_ok(self) -> bool:
        """The fix worked as documented."""
        return self.fix.ok


# An exception line at the start of a line, as tracebacks print them:
# "TypeError: ...", "_pickle.PicklingError: ...",
# "concurrent.futures.process.BrokenProcessPool: ...".
_EXCEPTION = re.compile(
    r"^(?P<type>(?:[A-Za-z_]\w*\.)*\w*(?:Error|Exception|BrokenProcessPool|Exit|Interrupt))(?::[ ]?(?P<message>.*))?$"
)
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+)$')
# A warning as the warnings module prints it: "/path/f.py:5: ResourceWarning: unclosed file <...>".
_WARNING = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<category>\w*Warning): (?P<message>.*)$")


def _exception_lines(text: str) -> List[str]:
    """Every exception line, with a message that spans lines joined up."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        match = _EXCEPTION.match(line)
        if not match:
            continue
        message = (match["message"] or "").strip()
        if not message:
            # RuntimeError's bootstrapping message starts on the next lines.
            following = []
            for extra in lines[index + 1:index + 4]:
                if not extra.startswith(" ") or not extra.strip():
                    break
                following.append(extra.strip())
            message = " ".join(following)
        found.append(f"{match['type']}: {message}" if message else match["type"])
    return found


def is_exception_line(text: str) -> bool:
    """Whether `text` is an exception line as a traceback prints it."""
    return bool(_EXCEPTION.match(text.strip()))


def exception_line(run: RunResult, marker: str) -> Optional[str]:
    """The first exception line that contains `marker`, or None."""
    for line in _exception_lines(run.stderr) + _exception_lines(run.stdout):
        if marker in line:
            return line
    return None


@dataclass(frozen=True)
class ChildDeath:
    """A child process that died of an exception, as its traceback shows."""

    exception: str
    #: lines of the program's own file in its traceback, outermost first.
    lines: Tuple[int, ...]


# Frames only a child process's own traceback has: spawn's and forkserver's
# start-up, and Process._bootstrap around the target.
_CHILD_FRAMES = ("in spawn_main", "in _bootstrap", "forkserver.py")


def _tracebacks(text: str) -> List[Tuple[List[str], Optional[str]]]:
    """Each traceback in `text`: its lines and its exception line.

    Children that fail at once write into the same standard error, so two
    tracebacks can interleave: one that starts inside another is read on
    its own, and the outer one resumes after it ends.
    """
    lines = text.splitlines()
    found: List[Tuple[List[str], Optional[str]]] = []
    open_blocks: List[List[str]] = []
    for index, line in enumerate(lines):
        if line == "Traceback (most recent call last):":
            open_blocks.append([line])
        elif not open_blocks:
            continue
        elif line.startswith(" ") or not line.strip():
            open_blocks[-1].append(line)
        elif _EXCEPTION.match(line):
            block = open_blocks.pop()
            # A message may continue on the next, indented lines (RuntimeError's does).
            exception = _exception_lines("\n".join([line] + lines[index + 1:index + 4]))
            found.append((block + [line], exception[0] if exception else line.strip()))
        # Anything else ("Process SpawnPoolWorker-1:", "During handling of..."): not part of a frame.
    found.extend((block, None) for block in open_blocks)  # cut short by the kill
    return found


def _own_lines(block: Sequence[str], path: Path) -> Tuple[int, ...]:
    own = []
    for line in block:
        frame = _FRAME.match(line)
        if frame and _same_file(frame["file"], path):
            own.append(int(frame["line"]))
    return tuple(own)


def _is_child(block: Sequence[str]) -> bool:
    return any(marker in line for line in block for marker in _CHILD_FRAMES)


def child_deaths(run: RunResult) -> List[ChildDeath]:
    """Every child process whose traceback reached standard error.

    A worker's exception sent back to the parent (a RemoteTraceback) is not
    a death: the worker lived on.
    """
    return [
        ChildDeath(exception, _own_lines(block, run.path))
        for block, exception in _tracebacks(run.stderr)
        if exception is not None and _is_child(block)
    ]


def _same_file(name: str, path: Path) -> bool:
    return name == str(path) or name.endswith("/" + path.name)


def parent_exception(run: RunResult) -> Tuple[Optional[str], Tuple[int, ...]]:
    """The exception the program itself died of, and the lines of its own
    file in that traceback (outermost first); (None, ()) if none."""
    for block, exception in reversed(_tracebacks(run.stderr)):
        if exception is not None and not _is_child(block):
            return exception, _own_lines(block, run.path)
    return None, ()


def count(run: RunResult, text: str) -> int:
    """How often `text` occurs in the run's output."""
    return run.output.count(text)


def key_lines(run: RunResult, limit: int = 8) -> List[str]:
    """The lines of standard error a reader needs, repeats counted.

    Exception lines, and the frames of the program's own file (which show
    what line a child was running when it failed).
    """
    seen: "OrderedDict[str, int]" = OrderedDict()
    name = run.path.name
    source = run.program.source.splitlines()
    for line in run.stderr.splitlines():
        frame = _FRAME.match(line)
        if frame and frame["file"].endswith(("/" + name, "<notebook cell>")):
            # Quote the program's own line: a traceback sent back from a
            # worker may carry no source text.
            number = int(frame["line"])
            code = source[number - 1].strip() if 0 < number <= len(source) else ""
            where = "cell" if frame["file"] == "<notebook cell>" else name
            key = f"{where}, line {number}, in {frame['func']}: {code}"
        elif line.startswith("Exception ignored in"):
            key = line.strip()
        elif _WARNING.match(line) and line.split(":", 1)[0].endswith("/" + name):
            # Warnings raised by the program's own lines (not multiprocessing's).
            warning = _WARNING.match(line)
            assert warning is not None
            # One key per place and kind: the file names in the messages differ.
            message = re.sub(r"name=('[^']*'|\d+)", "name=...", warning["message"])
            where = Path(warning["file"]).name
            key = f"{where}, line {warning['line']}: {warning['category']}: {message}"
        else:
            continue
        seen[key] = seen.get(key, 0) + 1
    for exc in _exception_lines(run.stderr):
        seen[exc] = seen.get(exc, 0) + 1
    shown = []
    for text, times in seen.items():
        text = text if len(text) <= 160 else text[:157] + "..."
        shown.append(f"{text}  (x{times})" if times > 1 else text)
    return shown[:limit]


def last_output(run: RunResult) -> str:
    """The last line the program printed, or "" if none."""
    lines = run.stdout_lines
    return lines[-1].strip() if lines else ""


def lines_in(run: RunResult, filename: str) -> int:
    """How many lines the program left in `filename` (0 if it is missing)."""
    return len(run.files.get(filename, "").splitlines())


def finished(run: RunResult, expect: str) -> Observation:
    """A fix is fine when it exits 0, raises nothing and prints `expect`."""
    printed = last_output(run)
    if run.timed_out:
        return Observation(False, tr(f"still running after {run.seconds:.1f} s", f"{run.seconds:.1f} 秒后还在运行"))
    if run.returncode != 0 or "Traceback" in run.stderr:
        problem = _exception_lines(run.stderr)
        shown = problem[-1] if problem else tr("no output", "没有输出")
        return Observation(False, tr(f"exit {run.returncode}: {shown}", f"退出码 {run.returncode}：`{shown}`"))
    if expect not in run.stdout:
        return Observation(False, tr(
            f"exit 0 but printed {printed!r}, expected {expect!r}",
            f"退出码 0，但输出的是 {printed!r}，应当输出 {expect!r}",
        ))
    return Observation(True, tr(
        f"exit 0 in {run.seconds:.1f} s, printed {printed!r}",
        f"{run.seconds:.1f} 秒内正常退出（退出码 0），输出 {printed!r}",
    ))


_SECONDS = re.compile(r"in (\d+(?:\.\d+)?) s\b")


def seconds_printed(run: RunResult) -> Optional[float]:
    """The time a program measured for its own work ("... in 1.23 s")."""
    found = _SECONDS.findall(run.stdout)
    return float(found[-1]) if found else None


def slowdown(pitfall: RunResult, fix: RunResult, expect: str, at_least: float = 1.5) -> Verdict:
    """Compare the work time each program measured; report the ratio.

    A pitfall stopped by its timeout still gives a lower bound: it took at
    least that long.
    """
    fix_seen = finished(fix, expect)
    if not fix_seen.ok:
        return Verdict(Observation(False, tr("could not compare: the fix did not finish", "无法比较：正确写法没有跑完")), fix_seen)
    if pitfall.timed_out:
        slow, fast, bound = pitfall.seconds, fix.seconds, tr("more than ", "至少")
        measured_by = tr(
            f"the pitfall was stopped after {pitfall.seconds:.1f} s; wall time of each run",
            f"错误写法运行 {pitfall.seconds:.1f} 秒后被停止；比较的是两次运行的实际耗时",
        )
    elif pitfall.returncode != 0:
        return Verdict(
            Observation(False, tr(
                f"could not compare: the pitfall exited {pitfall.returncode}",
                f"无法比较：错误写法以退出码 {pitfall.returncode} 结束",
            )),
            fix_seen,
        )
    else:
        bound, measured_by = "", tr("as each program timed its pool work", "各程序自己测量的进程池工作时间")
        slow, fast = seconds_printed(pitfall), seconds_printed(fix)  # type: ignore[assignment]
        if slow is None or fast is None:
            # Fall back to wall time if a program did not print its own timing.
            slow, fast = pitfall.seconds, fix.seconds
            measured_by = tr("wall time of each run", "两次运行的实际耗时")
    ratio = slow / max(fast, 0.01)
    facts: Dict[str, object] = {"ratio": ratio, "pitfall_s": slow, "fix_s": fast}
    summary = tr(
        f"{bound}{ratio:.1f}x slower: {slow:.2f} s against {fast:.2f} s with the fix",
        f"{bound}慢了 {ratio:.1f} 倍：用时 {slow:.2f} 秒，改正后只要 {fast:.2f} 秒",
    )
    return Verdict(
        Observation(ratio >= at_least, summary, (tr(f"measured: {measured_by}", f"测量方式：{measured_by}"),), facts),
        Observation(True, tr(
            f"{fix_seen.summary}; {bound}{ratio:.1f}x faster",
            f"{fix_seen.summary}；{bound}快了 {ratio:.1f} 倍",
        ), (), facts),
    )


def join(parts: Sequence[str]) -> str:
    """Join non-empty parts with "; " (a Chinese semicolon in Chinese)."""
    return tr("; ", "；").join(p for p in parts if p)


def silent_exception(pitfall: RunResult, fix: RunResult, error: str, fix_marker: str) -> Verdict:
    """A worker raised `error`: the pitfall ran clean without a trace of it,
    while the fix, which waits for its results, prints `fix_marker`."""
    surfaced = error in pitfall.output
    raised = error in fix.stdout
    summary = tr(
        f"exception never surfaced: exit {pitfall.returncode}, printed {last_output(pitfall)!r}, "
        f"no trace of 'ValueError: {error}'",
        f"异常从未出现：退出码 {pitfall.returncode}，输出 {last_output(pitfall)!r}，"
        f"完全看不到 'ValueError: {error}'",
    )
    if surfaced:
        summary = tr("the ValueError did surface", "这次 ValueError 出现了")
    shown = [line for line in fix.stdout_lines if error in line]
    details: Tuple[str, ...] = ()
    if shown:
        lost = shown[0].strip()
        details = (tr(f"the fix shows what was lost: {lost!r}", f"正确写法显示了被吞掉的错误：{lost!r}"),)
    return Verdict(
        Observation(pitfall.returncode == 0 and not surfaced and raised, summary, details, {"surfaced": surfaced}),
        finished(fix, fix_marker),
    )


def ended(run: RunResult, waiting: str) -> str:
    """How a run ended: a deadlock in `waiting`, found by the timeout, or its exit code."""
    if run.timed_out:
        return tr(
            f"deadlock: {waiting} still waiting after {run.seconds:.0f} s",
            f"死锁：{run.seconds:.0f} 秒后 {waiting} 还在等待",
        )
    return tr(f"exit {run.returncode}", f"退出码 {run.returncode}")
