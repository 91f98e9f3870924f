"""Count what a command leaves behind: processes, /dev/shm entries, temp folders.

A command under test gets a unique environment variable; every process it
starts inherits it (pool workers, resource trackers, forkserver processes,
orphans), so the processes still alive with it are exactly its leftovers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

MARK = "MP_LINT_TEST_MARK"


def new_mark() -> str:
    return uuid.uuid4().hex


def marked_processes(mark: str) -> List[int]:
    """Live (non-zombie) processes whose environment carries `mark`."""
    wanted = f"{MARK}={mark}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                environ = handle.read().split(b"\0")
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        if wanted in environ and stat[stat.rfind(b")") + 2:][:1] != b"Z":
            found.append(int(name))
    return found


def wait_until_no_processes(mark: str, seconds: float) -> List[int]:
    """Wait up to `seconds` for every marked process to go; return those left."""
    deadline = time.monotonic() + seconds
    while True:
        left = marked_processes(mark)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def shared_memory() -> Set[str]:
    """Entries multiprocessing makes in /dev/shm (semaphores, shared memory)."""
    try:
        return {name for name in os.listdir("/dev/shm") if name.startswith(("sem.mp-", "psm_", "mp-"))}
    except OSError:
        return set()


def new_shared_memory(before: Set[str], seconds: float = 8.0) -> Set[str]:
    """Entries that appeared since `before` and are still there after a while
    (another program on the machine may hold some briefly; a leak stays)."""
    left = shared_memory() - before
    deadline = time.monotonic() + seconds
    while left and time.monotonic() < deadline:
        time.sleep(0.25)
        left &= shared_memory()
    return left


def environment(mark: str, tmpdir: Path, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The command's environment: marked, its own TMPDIR, no colours."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({MARK: mark, "TMPDIR": str(tmpdir), "NO_COLOR": "1"})
    env.update(extra or {})
    return env


def mp_lint_command(*args: str) -> List[str]:
    """`mp-lint ARGS` with this test run's Python."""
    return [sys.executable, "-c", "import sys; from mp_lint.cli import main; sys.argv[0] = 'mp-lint'; main()", *args]


def run_mp_lint(
    args: Sequence[str], cwd: Path, mark: str, tmpdir: Path, timeout: float = 120, stdin: Optional[str] = None
) -> "subprocess.CompletedProcess[str]":
    tmpdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        mp_lint_command(*args),
        cwd=str(cwd),
        env=environment(mark, tmpdir),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )
