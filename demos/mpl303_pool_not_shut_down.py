"""MPL303 pool-not-shut-down: a Pool left running on a function's error path."""

from .evidence import Observation, Verdict, count, finished
from .runner import RunResult

CODE = "MPL303"
NAME = "pool-not-shut-down"
SUMMARY = "a Pool a function never shuts down outlives the call: on the error path its workers pile up"
WHY = """process() never closes its pool. When a task raises, the exception's
traceback keeps process()'s frame, and with it the pool, alive; the program
keeps each error to report it later, so every failed batch leaves two idle
workers (and their threads and pipes) running until exit, where the pools'
clean-up then fails noisily. `with Pool(2) as pool:` shuts it down on every
path, the error path included."""

PITFALL = """\
from multiprocessing import Pool


def parse(record):
    if record.startswith("#"):
        raise ValueError(f"bad record {record!r}")
    return len(record)


def process(batch):
    pool = Pool(2)
    return pool.map(parse, batch)


if __name__ == "__main__":
    failures = []
    for n in range(8):
        batch = [f"rec-{n}-{i}" for i in range(50)] + ["#corrupt"]
        try:
            process(batch)
        except ValueError as err:
            failures.append((n, err))
    print(len(failures), "batches failed")
"""

FIX = """\
from multiprocessing import Pool


def parse(record):
    if record.startswith("#"):
        raise ValueError(f"bad record {record!r}")
    return len(record)


def process(batch):
    with Pool(2) as pool:
        return pool.map(parse, batch)


if __name__ == "__main__":
    failures = []
    for n in range(8):
        batch = [f"rec-{n}-{i}" for i in range(50)] + ["#corrupt"]
        try:
            process(batch)
        except ValueError as err:
            failures.append((n, err))
    print(len(failures), "batches failed")
"""

FLAGGED = "pool = Pool(2)"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """Count processes alive at once: pitfall against fix."""
    leaked = pitfall.peak_processes - fix.peak_processes
    noise = count(pitfall, "Exception ignored in: <function Pool.__del__")
    summary = (
        f"each failed batch left its pool running: {pitfall.peak_processes} processes alive at once "
        f"against {fix.peak_processes} with the fix"
    )
    if noise:
        summary += f"; {noise} pool clean-up{'s' if noise > 1 else ''} failed at exit"
    facts = {"peak": pitfall.peak_processes, "fix_peak": fix.peak_processes, "leaked": leaked, "failed_cleanups": noise}
    fix_seen = finished(fix, "8 batches failed")
    return Verdict(
        Observation(pitfall.returncode == 0 and leaked >= 4, summary, (), facts),
        Observation(
            fix_seen.ok and "Exception ignored" not in fix.stderr,
            f"{fix_seen.summary}; at most {fix.peak_processes} processes at once",
        ),
    )
