"""ProcessPoolExecutor hands a worker's exception back through Future.result()."""
from concurrent.futures import ProcessPoolExecutor, as_completed


def parse(text: str) -> int:
    return int(text)


def main() -> None:
    inputs = ["1", "2", "three", "4"]
    with ProcessPoolExecutor(max_workers=2) as executor:
        futures = {executor.submit(parse, text): text for text in inputs}
        for future in as_completed(futures):
            try:
                print(futures[future], "->", future.result())
            except ValueError as error:  # 子进程里的异常在 result() 时重新抛出
                print(futures[future], "failed:", error)


if __name__ == "__main__":
    main()
