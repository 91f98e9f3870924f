"""MPL401 discarded-async-result: apply_async() whose result is dropped."""

from .evidence import Verdict, silent_exception
from .runner import RunResult

CODE = "MPL401"
NAME = "discarded-async-result"
SUMMARY = "an apply_async() result that is never kept: the worker's exception vanishes"
WHY = """apply_async() returns an AsyncResult; a worker's exception is stored
in it and raised only by .get(). Drop the result and the error is never
raised, logged or printed: the program reports success. Keep the results
and .get() them, or pass error_callback= to hear about failures."""

PITFALL = """\
from multiprocessing import Pool


def check(record):
    if record == 13:
        raise ValueError(f"record {record} is corrupt")
    return record


if __name__ == "__main__":
    pool = Pool(2)
    for record in range(20):
        pool.apply_async(check, (record,))
    pool.close()
    pool.join()
    print("all 20 records checked")
"""

FIX = """\
from multiprocessing import Pool


def check(record):
    if record == 13:
        raise ValueError(f"record {record} is corrupt")
    return record


def report(error):
    print("check failed:", error)


if __name__ == "__main__":
    pool = Pool(2)
    for record in range(20):
        pool.apply_async(check, (record,), error_callback=report)
    pool.close()
    pool.join()
    print("all 20 records checked")
"""

FLAGGED = "pool.apply_async(check, (record,))"
_ERROR = "record 13 is corrupt"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The fix proves record 13 raises; the pitfall never says so."""
    return silent_exception(pitfall, fix, _ERROR, f"check failed: {_ERROR}")
