"""MPL302 worker-global-resource: a log file opened by the pool initializer."""

from .evidence import Observation, Verdict, finished, last_output, lines_in
from .runner import RunResult

CODE = "MPL302"
NAME = "worker-global-resource"
SUMMARY = "a file a pool initializer keeps open in a global is never flushed: its lines are lost"
WHY = """Each worker opens the log once and writes into Python's buffer. Nothing
ever closes the file: leaving `with Pool()` calls terminate(), which kills
the workers with SIGTERM, and buffered lines die with them. The program
reports every job done; the log stays empty. (A worker that manages to exit
on its own first does flush: a race the log nearly always loses.) Open the
file per task with `with` (or register multiprocessing.util.Finalize and
close()+join())."""

# The loss is a race with the workers' own exit; on a very busy machine it is
# occasionally won, so the pitfall may be run again.
ATTEMPTS = 4

PITFALL = """\
from multiprocessing import Pool

log = None


def open_log(path):
    global log
    log = open(path, "a")


def work(job):
    log.write(f"job {job} done\\n")
    return job


if __name__ == "__main__":
    with Pool(2, initializer=open_log, initargs=("jobs.log",)) as pool:
        done = pool.map(work, range(200))
    print(len(done), "jobs done")
"""

FIX = """\
from multiprocessing import Pool

LOG = "jobs.log"


def work(job):
    with open(LOG, "a") as log:
        log.write(f"job {job} done\\n")
    return job


if __name__ == "__main__":
    with Pool(2) as pool:
        done = pool.map(work, range(200))
    print(len(done), "jobs done")
"""

FLAGGED = 'log = open(path, "a")'


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The program says 200 jobs done; count the lines really in the log."""
    found, fixed = lines_in(pitfall, "jobs.log"), lines_in(fix, "jobs.log")
    facts = {"expected": 200, "found": found, "lost": 200 - found}
    summary = f"printed {last_output(pitfall)!r}, but expected 200 lines in jobs.log, found {found}"
    fix_seen = finished(fix, "200 jobs done")
    fix_ok = fix_seen.ok and fixed == 200
    return Verdict(
        Observation(pitfall.returncode == 0 and found < 200, summary, (), facts),
        Observation(fix_ok, f"{fix_seen.summary}; jobs.log has {fixed} lines", (), {"found": fixed}),
    )
