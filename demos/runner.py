"""Run a demo program the way Windows and macOS would, and contain it.

Every program runs in its own session (``start_new_session=True``) under the
spawn start method, with a hard timeout. When it ends, by itself or by the
timeout, every process of that session is killed and reaped: pool workers,
respawned workers, orphans and multiprocessing's resource tracker included.
The runner also runs mp-lint (flake8 with ``--select=MPL``) on program files.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

__all__ = [
    "Finding",
    "LintResult",
    "Program",
    "RunResult",
    "created_sessions",
    "lint",
    "plugin_installed",
    "run_file",
    "run_program",
    "scratch_directory",
    "session_processes",
    "sweep",
]

# Session ids of every program this process started; tests check that none
# of their processes survive.
created_sessions: List[int] = []

# Sessions not contained yet, and temporary folders not removed yet: what
# `sweep()` cleans up when a signal stops the command halfway.
_live_sessions: Set[int] = set()
_scratch: Set[Path] = set()

# Make spawn (or forkserver) the *default* start method, exactly as it is on
# Windows and macOS (Linux since 3.14): nothing is "set" yet, so a program
# may still call set_start_method() once, as it could there (forcing it
# would change what MPL103 shows). Older or newer layouts fall back to
# forcing it.
_METHOD_AS_DEFAULT = """\
import multiprocessing.context as _mp_context
try:
    _mp_context._default_context._default_context = _mp_context._concrete_contexts[{method!r}]
except (AttributeError, KeyError):
    _mp_context._default_context.set_start_method({method!r}, force=True)
"""

START_METHODS = ("spawn", "forkserver")

# Lower the soft limit on open files (macOS ships with 256); children inherit it.
_NOFILE_LIMIT = """\
import resource as _resource
_soft, _hard = _resource.getrlimit(_resource.RLIMIT_NOFILE)
_resource.setrlimit(_resource.RLIMIT_NOFILE, ({limit} if _hard < 0 else min({limit}, _hard), _hard))
"""

# Run the file as `python FILE` would: in the real __main__ module, with a
# __file__, so spawned children re-import it as __mp_main__. (Not
# runpy.run_path: its temporary __main__ is not the `__mp_main__` alias that
# importing multiprocessing made, so the parent could not unpickle an object
# of a class defined in the program, such as an exception sent back by a worker.)
_RUN_FILE = """\
import sys as _sys
_sys.argv = [{path!r}, *{argv!r}]
_sys.path[0] = {directory!r}
_main = _sys.modules["__main__"]
_main.__file__ = {path!r}
with open({path!r}, "rb") as _source:
    _code = compile(_source.read(), {path!r}, "exec")
del _source, _main
exec(_code, _sys.modules["__main__"].__dict__)
"""

# Run source read from standard input in a __main__ that has no file, which
# is what a notebook kernel's __main__ looks like to a spawned child.
# (`python -` would set __file__ to "<stdin>", which spawn tries to open.)
_RUN_STDIN = """\
import sys as _sys
exec(compile(_sys.stdin.read(), "<notebook cell>", "exec"))
"""

# Environment variables that would make a program behave unlike a student's.
_DROPPED_ENV = ("PYTHONSTARTUP", "PYTHONPATH", "PYTHONINSPECT", "PYTHONWARNINGS")

_CAPTURE_OUT = ".stdout.txt"
_CAPTURE_ERR = ".stderr.txt"
_MAX_CAPTURE = 4 * 1024 * 1024
_MAX_FILE = 256 * 1024
_MAX_FILES = 5000
_SAMPLE_EVERY = 0.05
# Room left in a Unix socket path (107 bytes) for pymp-XXXX/listener-XXXX below a scratch folder.
_MAX_TEMP_PREFIX = 48


@dataclass(frozen=True)
class Program:
    """One program as a student would write it, and how to run it."""

    source: str
    filename: str = "program.py"
    # Data or module files written next to the program.
    files: Mapping[str, str] = field(default_factory=dict)
    # Fed through standard input into a file-less __main__ (a notebook cell);
    # the file written is then a notebook holding the source as one cell.
    interactive: bool = False
    timeout: float = 6.0
    # Soft RLIMIT_NOFILE for the run, None to inherit.
    nofile: Optional[int] = None
    # Command-line arguments after the file name.
    argv: Tuple[str, ...] = ()
    # "spawn" (Windows, macOS) or "forkserver" (Linux since Python 3.14).
    start_method: str = "spawn"
    # Standard input of a file program (None: closed, reads see end of file).
    stdin: Optional[bytes] = None
    # PYTHONWARNINGS for the run (children inherit it), e.g. "default::ResourceWarning".
    warnings: Optional[str] = None

    def write(self, directory: Path) -> Path:
        """Write the program and its files into `directory`; return its path."""
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (directory / name).write_text(text, encoding="utf-8")
        path = directory / self.filename
        if self.filename.endswith(".ipynb"):
            path.write_text(notebook_json(self.source), encoding="utf-8")
        else:
            path.write_text(self.source, encoding="utf-8")
        return path


@dataclass
class RunResult:
    """What one run of a program did, observed from outside."""

    program: Program
    path: Path
    returncode: Optional[int]  # None when the timeout ended it
    timed_out: bool
    seconds: float
    stdout: str
    stderr: str
    # Most processes of the program's session seen alive at once.
    peak_processes: int
    # Processes other than the resource tracker still alive after the
    # program itself had exited (and a grace period): leaked or orphaned.
    strays: int
    # Files the program left in its directory (name -> text, truncated).
    files: Dict[str, str]
    session: int

    @property
    def output(self) -> str:
        """Standard output and standard error together."""
        return self.stdout + self.stderr

    @property
    def stdout_lines(self) -> List[str]:
        """Non-empty lines of standard output."""
        return [line for line in self.stdout.splitlines() if line.strip()]


def notebook_json(cell: str) -> str:
    """A minimal nbformat 4 notebook holding `cell` as its only code cell."""
    lines = cell.splitlines(keepends=True)
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "cell-1",
                "metadata": {},
                "outputs": [],
                "source": lines,
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1) + "\n"


def _launcher(program: Program, path: Path) -> str:
    """The `python -c` text that sets up spawn, then runs the program."""
    parts = [_METHOD_AS_DEFAULT.format(method=program.start_method)]
    if program.nofile is not None:
        parts.append(_NOFILE_LIMIT.format(limit=int(program.nofile)))
    if program.interactive:
        parts.append(_RUN_STDIN)
    else:
        parts.append(_RUN_FILE.format(path=str(path), argv=list(program.argv), directory=str(path.parent)))
    return "".join(parts)


def _environment(directory: Path, warnings: Optional[str] = None) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    if warnings:
        env["PYTHONWARNINGS"] = warnings
    # Unbuffered, so what a program printed before a hang survives the kill.
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    # Temp files (mkstemp, multiprocessing's pymp-* dirs) land in the run's
    # own directory, which is removed afterwards.
    env["TMPDIR"] = str(directory)
    return env


def run_program(program: Program, directory: Path) -> RunResult:
    """Run `program` in `directory` under spawn; contain and observe it."""
    path = program.write(directory)
    own = {program.filename, _CAPTURE_OUT, _CAPTURE_ERR, *program.files}
    return _run(program, path, cwd=directory, scratch=directory, own=own)


def run_file(program: Program, path: Path, cwd: Path, scratch: Path) -> RunResult:
    """Run the existing file `path` from `cwd`, as `python FILE ARGS` would,
    under the program's start method; contain and observe it.

    `program` holds the file's text (to quote its lines), arguments, stdin
    and timeout. Output and temporary files go to `scratch`, not `cwd`.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    return _run(program, path, cwd=cwd, scratch=scratch, own=None)


def _run(program: Program, path: Path, cwd: Path, scratch: Path, own: Optional[Set[str]]) -> RunResult:
    out_path, err_path = scratch / _CAPTURE_OUT, scratch / _CAPTURE_ERR
    command = [sys.executable, "-c", _launcher(program, path)]
    feed = program.source.encode("utf-8") if program.interactive else program.stdin
    with _subreaper(), open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            command,
            cwd=str(cwd),
            env=_environment(scratch, program.warnings),
            stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        session = proc.pid
        created_sessions.append(session)
        _live_sessions.add(session)
        try:
            if feed is not None:
                assert proc.stdin is not None
                try:
                    proc.stdin.write(feed)
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            returncode, seconds, peak = _wait(proc, session, start, program.timeout)
        finally:
            # Whatever happened above (even KeyboardInterrupt), leave nothing.
            timed_out = proc.poll() is None
            strays = _contain(proc, session, kill_now=timed_out)
            _live_sessions.discard(session)
    return RunResult(
        program=program,
        path=path,
        returncode=returncode,
        timed_out=returncode is None,
        seconds=seconds,
        stdout=_read(out_path, _MAX_CAPTURE),
        stderr=_read(err_path, _MAX_CAPTURE),
        peak_processes=peak,
        strays=strays,
        files=_leftover_files(scratch, own) if own is not None else {},
        session=session,
    )


@contextmanager
def scratch_directory(prefix: str, parent: Optional[Path] = None) -> Iterator[Path]:
    """A temporary folder, removed at the end, or by `sweep()` if a signal comes first.

    Programs keep their temporary files there, forkserver its socket: a
    Unix socket's path has at most 107 bytes, so a long temp folder (a
    deep TMPDIR) gives way to /tmp.
    """
    if parent is None and len(tempfile.gettempdir()) > _MAX_TEMP_PREFIX and os.path.isdir("/tmp"):
        parent = Path("/tmp")
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    _scratch.add(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        _scratch.discard(path)


def sweep() -> None:
    """Kill every session not contained yet and remove every scratch folder.

    For a command stopped halfway by a signal: whatever was interrupted
    (a run, its containment, a clean-up) is finished here.
    """
    me = os.getpid()
    # A signal right after Popen() returned comes before the session is noted:
    # every session led by a child of ours is swept too.
    _live_sessions.update(p.pid for p in _all_processes() if p.ppid == me and p.session == p.pid)
    for session in sorted(_live_sessions):
        _signal_all(session, spare_tracker=True)
        # The leader may be an unreaped child of ours too: no pid is spared.
        if not _wait_until_gone(session, -1, 1.0):
            _signal_all(session, spare_tracker=False)
        _kill_group(session)
        _wait_until_gone(session, -1, 2.0)
        _remove_shared_memory(session)
        _live_sessions.discard(session)
    for path in sorted(_scratch):
        shutil.rmtree(path, ignore_errors=True)
        _scratch.discard(path)


def _wait(
    proc: "subprocess.Popen[bytes]", session: int, start: float, timeout: float
) -> Tuple[Optional[int], float, int]:
    """Wait for the program, sampling how many processes its session has."""
    deadline = start + timeout
    peak = 1
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, time.monotonic() - start, peak
        try:
            returncode = proc.wait(timeout=min(_SAMPLE_EVERY, remaining))
            return returncode, time.monotonic() - start, peak
        except subprocess.TimeoutExpired:
            peak = max(peak, sum(1 for p in session_processes(session) if p.state != "Z"))


def _read(path: Path, limit: int) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit)
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")


def _leftover_files(directory: Path, own: Set[str]) -> Dict[str, str]:
    files: Dict[str, str] = {}
    for entry in sorted(directory.iterdir())[:_MAX_FILES]:
        if entry.name in own or not entry.is_file():
            continue
        files[entry.name] = _read(entry, _MAX_FILE)
    return files


# --- processes -------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    """A process as /proc shows it."""

    pid: int
    ppid: int
    pgid: int
    session: int
    state: str

    @property
    def cmdline(self) -> str:
        """The command line, or "" once the process is gone."""
        try:
            with open(f"/proc/{self.pid}/cmdline", "rb") as handle:
                return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            return ""


def _all_processes() -> Iterator[ProcessInfo]:
    try:
        names = os.listdir("/proc")
    except OSError:
        return
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read().decode("utf-8", "replace")
        except OSError:
            continue  # exited meanwhile
        # The command name may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) < 4:
            continue
        yield ProcessInfo(int(name), int(fields[1]), int(fields[2]), int(fields[3]), fields[0])


def session_processes(session: int) -> List[ProcessInfo]:
    """Every process (zombies included) in `session` or its process group."""
    return [p for p in _all_processes() if p.session == session or p.pgid == session]


def _is_tracker(process: ProcessInfo) -> bool:
    return "resource_tracker" in process.cmdline


def _signal_all(session: int, spare_tracker: bool) -> None:
    """SIGKILL the session's processes (its resource tracker spared, if asked).

    They are stopped first, and the shared memory they have mapped noted
    (`_remove_shared_memory`): a process killed between creating a
    semaphore and telling the resource tracker leaves it in /dev/shm.
    """
    stopped: Set[int] = set()
    for _ in range(5):  # a process may fork while the others are being stopped
        found = {
            p.pid for p in session_processes(session) if p.state != "Z" and not (spare_tracker and _is_tracker(p))
        }
        if found <= stopped:
            break
        for pid in found - stopped:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
        stopped |= found
    _mapped.setdefault(session, set()).update(_shared_memory_mapped(session))
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# (device, inode) of each /dev/shm file a session's processes had mapped when they were killed.
_mapped: Dict[int, Set[Tuple[int, int]]] = {}


def _shared_memory_mapped(session: int) -> Set[Tuple[int, int]]:
    """The /dev/shm files mapped by the session's processes, by device and inode.

    A semaphore is mapped under the temporary name it was created with, so
    the inode, not the name, says which file it is.
    """
    found: Set[Tuple[int, int]] = set()
    for process in session_processes(session):
        try:
            with open(f"/proc/{process.pid}/maps", encoding="utf-8", errors="replace") as handle:
                maps = handle.read()
        except OSError:
            continue
        for line in maps.splitlines():
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith("/dev/shm/"):
                major, _, minor = fields[3].partition(":")
                try:
                    found.add((os.makedev(int(major, 16), int(minor, 16)), int(fields[4])))
                except ValueError:
                    continue
    return found


def _remove_shared_memory(session: int) -> None:
    """Once the session is gone (its tracker done), unlink what it left in /dev/shm."""
    mapped = _mapped.pop(session, set())
    if not mapped:
        return
    try:
        entries = list(os.scandir("/dev/shm"))
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in mapped:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _reap(session: int, leader: int) -> None:
    """Collect zombies that are ours (orphans come to us as subreaper)."""
    me = os.getpid()
    for process in session_processes(session):
        if process.state == "Z" and process.ppid == me and process.pid != leader:
            try:
                os.waitpid(process.pid, os.WNOHANG)
            except OSError:
                pass


def _wait_until_gone(session: int, leader: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        _reap(session, leader)
        if not session_processes(session):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)


def _kill_group(session: int) -> None:
    """SIGKILL the whole process group (a no-op once it is empty)."""
    if hasattr(os, "killpg"):
        try:
            os.killpg(session, signal.SIGKILL)
        except OSError:
            pass


def _contain(proc: "subprocess.Popen[bytes]", session: int, kill_now: bool) -> int:
    """Kill and reap the whole session; return how many strays were found."""
    leader = proc.pid
    if kill_now:
        if os.path.isdir("/proc/self"):
            # Spare the resource tracker for a moment: once every other
            # process is dead it unlinks the semaphores they leaked, then exits.
            _signal_all(session, spare_tracker=True)
        else:
            _kill_group(session)
    proc.wait()
    strays = 0
    if not _wait_until_gone(session, leader, 1.0):
        left = [p for p in session_processes(session) if p.state != "Z" and not _is_tracker(p)]
        strays = 0 if kill_now else len(left)
        _signal_all(session, spare_tracker=True)
        if not _wait_until_gone(session, leader, 1.0):
            _signal_all(session, spare_tracker=False)
    # Whatever is left in the group, /proc or not: orphans after a normal exit too.
    _kill_group(session)
    _wait_until_gone(session, leader, 5.0)
    _remove_shared_memory(session)
    return strays


_PR_SET_CHILD_SUBREAPER = 36


@contextmanager
def _subreaper() -> Iterator[None]:
    """Adopt the run's orphans (Linux) so they can be reaped, not left as zombies.

    Not every init reaps orphans; as a subreaper this process becomes the
    parent of every process orphaned inside the run, and reaps it.
    """
    libc = None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
                libc = None
        except (OSError, AttributeError):
            libc = None
    try:
        yield
    finally:
        if libc is not None:
            libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


# --- the linter ------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One line of flake8 output: ``path:line:col: CODE message``."""

    path: str
    line: int
    col: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{Path(self.path).name}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass
class LintResult:
    """What mp-lint printed for some files."""

    findings: List[Finding]
    error: Optional[str] = None  # set when flake8 itself could not run

    def for_file(self, path: Path) -> List[Finding]:
        """The findings reported for `path`."""
        return [
            f for f in self.findings if Path(f.path).name == path.name and Path(f.path).parent.name == path.parent.name
        ]


# A notebook's findings carry the code cell: ``nb.ipynb:cell_1:9:11: MPL205 ...``.
_FINDING = re.compile(
    r"^(?P<path>.+?):(?:cell_\d+:)?(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ?(?P<message>.*)$"
)


def lint(paths: Sequence[Path], cwd: Path, timeout: float = 60.0, lang: str = "en") -> LintResult:
    """Run ``python -m flake8 --select=MPL --isolated`` on `paths`.

    flake8 reads Python files only: notebooks go to the ``mp-lint`` command,
    the same engine, which reads them and reports lines within the cell.
    """
    names = [os.path.relpath(p, cwd) for p in paths]
    command = [sys.executable, "-m", "flake8", "--select=MPL", "--isolated", f"--mp-lang={lang}", *names]
    if any(name.endswith(".ipynb") for name in names):
        command = [sys.executable, "-m", "mp_lint", "--select=MPL", "--isolated", f"--mp-lang={lang}", *names]
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    try:
        done = subprocess.run(command, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return LintResult([], error=f"flake8 did not finish within {timeout:.0f} s")
    findings = []
    for line in done.stdout.splitlines():
        match = _FINDING.match(line.strip())
        if match and match["code"].startswith("MPL"):
            findings.append(
                Finding(
                    path=str(cwd / match["path"]),
                    line=int(match["line"]),
                    col=int(match["col"]),
                    code=match["code"],
                    message=match["message"],
                )
            )
    error = None
    if done.returncode not in (0, 1) or (done.returncode == 1 and not done.stdout.strip()):
        lines = (done.stderr or done.stdout).strip().splitlines()
        error = lines[-1] if lines else f"flake8 exited {done.returncode}"
    return LintResult(findings, error)


def plugin_installed() -> bool:
    """Whether flake8 in this Python knows the MPL plugin."""
    from importlib.metadata import entry_points

    found: Any = entry_points()
    # Python 3.10+ selects by group; 3.9 returns a dict of groups.
    group = found.select(group="flake8.extension") if hasattr(found, "select") else found.get("flake8.extension", [])
    return any(ep.name == "MPL" for ep in group)
