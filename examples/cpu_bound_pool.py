"""CPU-bound work with a process pool: each process has its own GIL.

A correct program: mp-lint reports nothing here.
"""
import math
import time
from multiprocessing import Pool, cpu_count


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    for d in range(2, int(math.isqrt(n)) + 1):
        if n % d == 0:
            return False
    return True


def count_primes(bounds):
    start, stop = bounds
    return sum(1 for n in range(start, stop) if is_prime(n))


def main() -> None:
    # 把区间切成几大块：任务粒度大，进程间通信的开销才划算
    chunks = [(i, i + 50_000) for i in range(0, 200_000, 50_000)]
    started = time.perf_counter()
    with Pool(cpu_count()) as pool:
        total = sum(pool.map(count_primes, chunks))
    print(f"{total} primes in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
