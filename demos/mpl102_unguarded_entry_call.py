"""MPL102 unguarded-entry-call: main() called at import under spawn."""

from .evidence import Observation, Verdict, count, exception_line, finished, join
from .runner import RunResult

CODE = "MPL102"
NAME = "unguarded-entry-call"
SUMMARY = "a bare main() call runs again in every spawned child: the executor breaks"
WHY = """The process pool is created inside main(), which looks safe, but main()
is called at module level. Each spawned worker re-imports the module, calls
main() again and tries to start its own workers while it is still starting
up: it dies, and the executor in the parent reports BrokenProcessPool."""

PITFALL = """\
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def main():
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(square, range(10))))


main()
"""

FIX = """\
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def main():
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(square, range(10))))


if __name__ == "__main__":
    main()
"""

FLAGGED = "main()"


def judge(pitfall: RunResult, fix: RunResult) -> Verdict:
    """BrokenProcessPool in the parent, RuntimeError in the children."""
    broken = exception_line(pitfall, "BrokenProcessPool")
    crashes = count(pitfall, "bootstrapping phase")
    summary = join(
        [
            "BrokenProcessPool" if broken else f"exit {pitfall.returncode}",
            f"{crashes} worker(s) re-ran main() at import and died (RuntimeError)" if crashes else "",
        ]
    )
    details = tuple(line for line in (broken, exception_line(pitfall, "RuntimeError")) if line)
    return Verdict(
        Observation(bool(broken) and crashes > 0, summary, details, {"crashes": crashes}),
        finished(fix, "[0, 1, 4, 9"),
    )
