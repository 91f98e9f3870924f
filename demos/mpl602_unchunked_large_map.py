"""MPL602 unchunked-large-map: imap() over 50,000 items, one at a time."""

from .evidence import Verdict, slowdown
from .runner import RunResult

CODE = "MPL602"
NAME = "unchunked-large-map"
SUMMARY = "imap() over a large iterable without chunksize makes one round-trip per item"
WHY = """imap() and imap_unordered() default to chunksize=1: each of the
50,000 items is pickled, sent, unpickled, computed and sent back on its
own, and the overhead dwarfs the work. chunksize= batches items per trip."""
SUMMARY_ZH = "对很大的可迭代对象调用 imap() 却不设置 chunksize，每个元素都要单独往返一次"
WHY_ZH = """imap() 和 imap_unordered() 默认 chunksize=1：50,000 个元素每一个都要单独
pickle、发送、反序列化、计算、再送回来，额外开销远远超过计算本身。
chunksize= 可以让每次往返批量处理多个元素。"""

PITFALL = """\
import time
from multiprocessing import Pool


def double(x):
    return 2 * x


if __name__ == "__main__":
    start = time.perf_counter()
    with Pool(2) as pool:
        total = sum(pool.imap(double, range(50_000)))
    print(f"total {total} in {time.perf_counter() - start:.2f} s")
"""

FIX = """\
import time
from multiprocessing import Pool


def double(x):
    return 2 * x


if __name__ == "__main__":
    start = time.perf_counter()
    with Pool(2) as pool:
        total = sum(pool.imap(double, range(50_000), chunksize=1_000))
    print(f"total {total} in {time.perf_counter() - start:.2f} s")
"""

FLAGGED = "total = sum(pool.imap(double, range(50_000)))"
TIMEOUT = 8.0


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """The ratio of the pool times both programs measured."""
    return slowdown(pitfall, fix, expect="total 2499950000")
