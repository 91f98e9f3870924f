"""Find, by bisection, how long a chain of each shape crashes libcst's parser.

    python benchmarks/libcst_limits.py [--main-thread] [--stack-kib 8192] [--shape and ...]

libcst's native parser recurses once per level of some nodes (a chain of
`and`, of `+`, of attributes ...) and overflows its stack, killing the
process with SIGSEGV rather than raising. Each probe here runs in its own
process and reports for each shape: the longest chain Python's own parser
accepts, the shortest that crashes libcst (or "none" below Python's limit),
and the value of the measure `mp_lint.limits` takes from Python's tree for
that chain. By default libcst parses as mp-lint runs it, on a thread with
the stack of `mp_lint.parsing.PARSER_STACK_BYTES`; with `--main-thread` it
parses on the main thread, whose stack `--stack-kib` sets (8 MiB is Linux's
and macOS's default; Windows builds of Python reserve less). The limits in
`mp_lint/limits.py` are set with a margin below the crash points found.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
from typing import Callable, Dict, Optional, Tuple

HEADER = "import multiprocessing as mp\n"

#: shape name -> source with a chain of n links.
SHAPES: Dict[str, Callable[[int], str]] = {
    "and": lambda n: "x = " + "and".join(["(a)"] * n) + "\n",
    "or": lambda n: "x = " + "\tor\t".join(["a"] * n) + "\n",
    "compare": lambda n: "x = " + "<".join(["a"] * n) + "\n",
    "binop": lambda n: "x = " + "+".join(["a"] * n) + "\n",
    "power": lambda n: "x = " + "**".join(["a"] * n) + "\n",
    "unary": lambda n: "x = " + "-" * n + "a\n",
    "not": lambda n: "x = " + "not " * n + "a\n",
    "attribute": lambda n: "x = a" + ".b" * n + "\n",
    "call": lambda n: "x = f" + "()" * n + "\n",
    "method": lambda n: "x = a" + ".b()" * n + "\n",
    "subscript": lambda n: "x = a" + "[0]" * n + "\n",
    "brackets": lambda n: "x = " + "[" * n + "]" * n + "\n",
    "parens": lambda n: "x = " + "(" * n + "a" + ")" * n + "\n",
    "conditional": lambda n: "x = " + "a if a else " * n + "a\n",
    "strings": lambda n: "x = " + " ".join(["'a'"] * n) + "\n",
    "lambda": lambda n: "x = " + "lambda: " * n + "a\n",
    "assign_targets": lambda n: "a = " * n + "1\n",
    "elif": lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    "comprehension": lambda n: "x = [a " + "for a in a " * n + "]\n",
    "dotted_import": lambda n: "import a" + ".a" * n + "\n",
    "list_items": lambda n: "x = [" + ", ".join(["1"] * n) + "]\n",
}

_PROBE = """
import ast, sys
from mp_lint import parsing
from mp_lint.limits import survey
source = sys.stdin.read()
if sys.argv[1] == "python":
    try:
        survey(ast.parse(source), source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        sys.exit(1)
    sys.exit(0)
try:
    if sys.argv[2] == "main":
        parsing._parse_module(source, None, None)
    else:
        parsing.parse_module(source)
except Exception:
    sys.exit(1)
"""


_TIMED_OUT = 124
#: Parse on the main thread (`--main-thread`) rather than on mp-lint's parser thread.
MAIN_THREAD = False


def probe(parser: str, shape: str, n: int, stack_kib: int) -> int:
    """Exit code (or -signal) of `parser` ("python" or "libcst") on a chain of `n` links."""

    def limit_stack() -> None:
        resource.setrlimit(resource.RLIMIT_STACK, (stack_kib * 1024, resource.RLIM_INFINITY))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dump per crash

    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, parser, "main" if MAIN_THREAD else "thread"],
            input=HEADER + SHAPES[shape](n),
            capture_output=True,
            text=True,
            preexec_fn=limit_stack,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return _TIMED_OUT
    return done.returncode


def first_failure(parser: str, shape: str, stack_kib: int, high: int) -> Optional[Tuple[int, int]]:
    """(smallest n that fails, how) by bisection; None if `high` links still parse."""
    how = probe(parser, shape, high, stack_kib)
    if how == 0:
        return None
    low = 1
    while high - low > 1:
        middle = (low + high) // 2
        code = probe(parser, shape, middle, stack_kib)
        if code == 0:
            low = middle
        else:
            high, how = middle, code
    return high, how


def row(shape: str, stack_kib: int, high: int = 1 << 16) -> str:
    """One table row: where Python's parser stops, where libcst's fails, the measure there."""
    python = first_failure("python", shape, stack_kib, high)
    # Past what Python accepts, flake8 never runs the plugin: look no further.
    libcst_high = high if python is None else python[0] - 1
    libcst = first_failure("libcst", shape, stack_kib, libcst_high)
    python_text = f"> {high}" if python is None else str(python[0] - 1)
    if libcst is None:
        libcst_text = f"none up to {libcst_high}"
    else:
        how = {_TIMED_OUT: "over 5 min"}.get(libcst[1], "signal %d" % -libcst[1] if libcst[1] < 0 else "exception")
        libcst_text = f"{libcst[0]} ({how})"
    measure = "-"
    if libcst is not None and (python is None or python[0] > libcst[0]):
        measure = str(measure_of(shape, libcst[0]))
    return f"| {shape} | {python_text} | {libcst_text} | {measure} |"


def measure_of(shape: str, n: int) -> int:
    """The measure `mp_lint.limits.survey` gives a chain of `n` links."""
    import ast

    from mp_lint.limits import survey

    source = HEADER + SHAPES[shape](n)
    return survey(ast.parse(source), source).depth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-kib", type=int, default=8192)
    parser.add_argument("--main-thread", action="store_true")
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES))
    options = parser.parse_args()
    global MAIN_THREAD
    MAIN_THREAD = options.main_thread
    where = f"main thread, stack {options.stack_kib} KiB" if MAIN_THREAD else "mp-lint's parser thread"
    print(f"{where}, Python {sys.version.split()[0]}")
    print()
    print("| shape | longest Python accepts | shortest that fails in libcst | measure there |")
    print("|---|---:|---:|---:|")
    for shape in options.shape or SHAPES:
        print(row(shape, options.stack_kib), flush=True)


if __name__ == "__main__":
    main()
