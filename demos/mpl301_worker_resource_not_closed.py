"""MPL301 worker-resource-not-closed: a descriptor leaked in every task."""

from .evidence import Observation, Verdict, exception_line, finished
from .runner import RunResult

CODE = "MPL301"
NAME = "worker-resource-not-closed"
SUMMARY = "a worker that never closes what it opens leaks one descriptor per task until the OS says no"
WHY = """A pool worker lives for many tasks. tempfile.mkstemp() returns a raw
descriptor that nothing closes for you, so every task leaves one open. With
the open-file limit macOS ships (`ulimit -n` 256) a worker runs out after a
couple of hundred tasks and fails with EMFILE. Close it on every path:
wrap it with `with os.fdopen(fd, "w") as f:`."""

NOFILE = 256
TIMEOUT = 5.0

PITFALL = """\
import os
import tempfile
from multiprocessing import Pool


def render(page):
    fd, path = tempfile.mkstemp(suffix=".txt")
    os.write(fd, f"page {page}\\n".encode())
    return path


if __name__ == "__main__":
    with Pool(2) as pool:
        paths = pool.map(render, range(1000))
    print(len(paths), "pages rendered")
"""

FIX = """\
import os
import tempfile
from multiprocessing import Pool


def render(page):
    fd, path = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write(f"page {page}\\n")
    return path


if __name__ == "__main__":
    with Pool(2) as pool:
        paths = pool.map(render, range(1000))
    print(len(paths), "pages rendered")
"""

FLAGGED = 'fd, path = tempfile.mkstemp(suffix=".txt")'


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """OSError: [Errno 24] Too many open files, after some pages."""
    error = exception_line(pitfall, "Too many open files")
    written = sum(1 for name in pitfall.files if name.endswith(".txt"))
    # Python 3.11 raises it in the parent; where a worker dies of it instead,
    # the pool waits for that worker's lost task forever.
    outcome = "the pool then hung" if pitfall.timed_out else f"exit {pitfall.returncode}"
    summary = (
        f"OSError: [Errno 24] Too many open files: the workers ran out of descriptors (limit {NOFILE}) "
        f"with {written} of 1000 pages written; {outcome}"
        if error
        else f"no EMFILE ({outcome})"
    )
    return Verdict(
        Observation(
            error is not None and pitfall.returncode != 0, summary, (error,) if error else (), {"written": written}
        ),
        finished(fix, "1000 pages rendered"),
    )
