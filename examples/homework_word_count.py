"""A student's homework: count words in files with a pool.

Written against fork habits, it breaks under spawn (Windows, macOS, Linux
since Python 3.14): run `flake8 --select=MPL` on it to see why.
"""
import multiprocessing as mp
from collections import Counter

FILES = ["a.txt", "b.txt", "c.txt"]

mp.set_start_method("spawn")
pool = mp.Pool(4)


def count_words(path):
    with open(path, encoding="utf-8") as handle:
        return Counter(handle.read().split())


def main(min_length):
    def long_words(counter):  # 嵌套函数：pickle 找不到它
        return {w: c for w, c in counter.items() if len(w) >= min_length}

    counters = pool.map(count_words, FILES)
    totals = pool.map(lambda c: sum(c.values()), counters)
    filtered = pool.map(long_words, counters)
    print(totals, filtered)


main(5)
