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
SUMMARY_ZH = "apply_async() 的返回值一直没有保存：工作进程里的异常就这样消失了"
WHY_ZH = """apply_async() 返回一个 AsyncResult；工作进程里的异常保存在它里面，只有
调用 .get() 时才会抛出来。把返回值丢掉，这个错误就永远不会被抛出、记录
或打印：程序报告一切成功。请保存这些结果并对它们调用 .get()，或者传入
error_callback= 来得知失败。"""

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
