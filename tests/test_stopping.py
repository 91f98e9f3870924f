"""Ctrl-C, SIGTERM and a closed terminal in the middle of a demo or of
`mp-lint run`: whatever the moment, every process the command started
(pool workers, resource trackers, forkserver processes) is gone within a
couple of seconds, temporary folders and /dev/shm entries are removed, and
the command exits 128 + the signal's number without a traceback."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, List, Sequence

import pytest

from demos import registry
from processes import environment, marked_processes, mp_lint_command, new_mark, new_shared_memory, shared_memory

# Seconds from the signal until the last process the command started is gone.
# "A second or two"; the slack is for a machine busy with other test runs.
GONE_WITHIN = 3.0


@dataclass(frozen=True)
class Moment:
    """When to send the signal: once `line` was printed and at least
    `processes` processes of the command are alive."""

    name: str
    args: Sequence[str]
    line: str
    processes: int


def _hang_program(work: Path) -> None:
    (work / "homework.py").write_text(registry.get("MPL101").pitfall.source, encoding="utf-8")


MOMENTS = {
    # mp-lint runs flake8 on the demo's programs before anything runs.
    "demo-linting": Moment("demo-linting", ["demo", "MPL101"], "MPL101  process-start-at-import", 1),
    # The pitfall hangs while its workers die and respawn.
    "demo-pitfall-respawning": Moment(
        "demo-pitfall-respawning", ["demo", "MPL101"], "Running it under the spawn start method", 4
    ),
    # The fix is running (20 tasks of 0.1 s on two workers).
    "demo-fix-running": Moment("demo-fix-running", ["demo", "MPL403"], "Running the fix the same way...", 3),
    # A student's program hangs under forkserver: the forkserver process is alive too.
    "run-forkserver-hang": Moment(
        "run-forkserver-hang", ["run", "--start-method", "forkserver", "--timeout", "20", "homework.py"],
        "Running homework.py under forkserver", 4,
    ),
}  # fmt: skip


def _reader(stream: IO[str], lines: "queue.Queue[str]") -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


def _stop_at(moment: Moment, signum: int, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _hang_program(work)
    tmpdir = Path(tempfile.mkdtemp(prefix="mpl-", dir="/tmp"))  # short, as users have: forkserver's socket
    mark = new_mark()
    shm = shared_memory()
    proc = subprocess.Popen(
        mp_lint_command(*moment.args),
        cwd=str(work),
        env=environment(mark, tmpdir, {"PYTHONUNBUFFERED": "1"}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a job of its own, as a shell starts it
    )
    lines: "queue.Queue[str]" = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    seen: List[str] = []
    try:
        deadline = time.monotonic() + 60
        while not any(moment.line in line for line in seen):
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            assert line, f"exited before {moment.line!r}: {''.join(seen)}"
            seen.append(line)
        while len(marked_processes(mark)) < moment.processes:
            assert proc.poll() is None and time.monotonic() < deadline, "the moment never came"
            time.sleep(0.02)
        alive = len(marked_processes(mark))

        sent = time.monotonic()
        if signum == signal.SIGTERM:
            os.kill(proc.pid, signum)  # `kill PID`
        else:
            os.killpg(proc.pid, signum)  # Ctrl-C, or the terminal closing: the whole job
        returncode = proc.wait(timeout=30)
        left = marked_processes(mark)
        while left and time.monotonic() - sent < GONE_WITHIN + 2:
            time.sleep(0.02)
            left = marked_processes(mark)
        gone_after = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    print(f"{moment.name} {signal.Signals(signum).name}: {alive} processes alive, all gone after {gone_after:.2f} s")
    assert returncode == 128 + signum, stderr
    assert "Traceback" not in stderr, stderr
    assert left == [], f"{len(left)} processes survived"
    assert gone_after <= GONE_WITHIN
    assert list(tmpdir.iterdir()) == [], "temporary folders left"
    tmpdir.rmdir()
    assert new_shared_memory(shm) == set()
    if signum != signal.SIGHUP:  # after SIGHUP there is no terminal to tell
        assert "every process it started is gone" in stderr


@pytest.mark.parametrize(
    ("moment", "signum"),
    [
        ("demo-pitfall-respawning", signal.SIGINT),
        ("demo-fix-running", signal.SIGTERM),
        ("run-forkserver-hang", signal.SIGHUP),
    ],
    ids=lambda value: value if isinstance(value, str) else signal.Signals(value).name,
)
def test_a_signal_stops_everything_at_once(moment: str, signum: int, tmp_path: Path) -> None:
    _stop_at(MOMENTS[moment], signum, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_every_signal_at_every_moment(moment: str, signum: int, tmp_path: Path) -> None:
    _stop_at(MOMENTS[moment], signum, tmp_path)


def test_a_reader_that_goes_away_ends_a_demo_quietly(tmp_path: Path) -> None:
    # `mp-lint demo MPL501 | head -1`: the pipe closes while the demo runs.
    tmpdir, mark = Path(tempfile.mkdtemp(prefix="mpl-", dir="/tmp")), new_mark()
    proc = subprocess.Popen(
        mp_lint_command("demo", "MPL501"),
        cwd=str(tmp_path),
        env=environment(mark, tmpdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith(b"MPL501")
    proc.stdout.close()
    returncode = proc.wait(timeout=60)
    stderr = proc.stderr.read().decode()
    assert returncode == 141 and "Traceback" not in stderr, stderr
    assert marked_processes(mark) == []
    assert list(tmpdir.iterdir()) == []
    tmpdir.rmdir()
