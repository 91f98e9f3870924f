"""Exercise: a dynamic task queue with multiprocessing.Queue and sentinels.

A correct program: workers stop on a sentinel, the parent drains the
results before joining.
"""
from multiprocessing import Process, Queue

SENTINEL = None


def worker(tasks: Queue, results: Queue) -> None:
    while True:
        item = tasks.get()
        if item is SENTINEL:
            break
        results.put((item, item * item))


def main() -> None:
    tasks: Queue = Queue()
    results: Queue = Queue()
    workers = [Process(target=worker, args=(tasks, results)) for _ in range(3)]
    for process in workers:
        process.start()
    for n in range(20):
        tasks.put(n)
    for _ in workers:
        tasks.put(SENTINEL)
    squares = dict(results.get() for _ in range(20))  # 先取完结果，再 join
    for process in workers:
        process.join()
    print(sorted(squares.items())[:5])


if __name__ == "__main__":
    main()
