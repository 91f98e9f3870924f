"""Time `mp-lint --diff` and `--fix` on a large generated module full of fixable pitfalls.

    python benchmarks/fix_large_file.py [--lines 10000] [--repeat 1]

The module repeats one block of about 20 lines: a function handing a lambda
with no free variables (MPL201, a safe fix), a lambda and a nested function
reading a parameter (MPL201, MPL202, fixed through `functools.partial`: unsafe)
and a nested function with no free variables (MPL202, safe) to a pool, and
every tenth block a module-level pool that is used at import (MPL101, moved
under the `__main__` guard: unsafe). A 10,000-line module holds about 2,800
fixable findings. Each command runs in a fresh process on a fresh copy of the
module; time is the CPU time (user + system) of that process. Prints a
Markdown table of seconds and peak RSS, and the number of findings before
and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import List, Optional, Sequence

import mp_lint

_HEAD = "import multiprocessing as mp\nfrom multiprocessing import Pool\n"

_BLOCK = '''

def job_{i}(data, k):
    def helper_{i}(x):
        return x + k

    def square_{i}(x):
        return x * x

    with Pool(2) as pool:
        a = pool.map(lambda x: x * {i}, data)
        b = pool.map(helper_{i}, data)
        c = pool.map(square_{i}, data)
        return a, b, c, pool.map(lambda y: y + k, data)
'''

_MODULE_LEVEL = '''

pool_{i} = Pool(1)
print(pool_{i}.map(abs, [-{i}]))
pool_{i}.close()
'''

_TAIL = '''

job_0([1, 2], 3)
'''


def generate(lines: int) -> str:
    """A module of about `lines` lines, each block with four or five fixable findings."""
    parts: List[str] = [_HEAD]
    count, index = 2, 0
    while count < lines:
        block = _BLOCK.format(i=index)
        if index % 10 == 9:
            block += _MODULE_LEVEL.format(i=index)
        parts.append(block)
        count += block.count("\n")
        index += 1
    parts.append(_TAIL)
    return "".join(parts)


@dataclass
class Measure:
    seconds: float  # CPU time (user + system) of the mp-lint process
    wall: float
    max_rss_mib: float
    status: int
    stdout: str
    stderr: str


def run_mp_lint(arguments: Sequence[str], cwd: Path, timeout: float) -> Measure:
    """Run `python -m mp_lint ARGUMENTS` in `cwd`: its CPU time, wall time and peak memory."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "mp_lint", "--isolated", *arguments], cwd=cwd, stdout=out, stderr=err
        )
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if wall >= timeout:
        return Measure(float("inf"), wall, usage.ru_maxrss / 1024, process.returncode, stdout, "timed out")
    return Measure(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, process.returncode, stdout, stderr)


def measure(arguments: Sequence[str], source: str, repeat: int, timeout: float) -> Measure:
    """The fastest of `repeat` runs, each on a fresh copy of `source`."""
    best: Optional[Measure] = None
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "generated.py").write_text(source, encoding="utf-8")
            result = run_mp_lint([*arguments, "generated.py"], Path(folder), timeout)
        if best is None or result.seconds < best.seconds:
            best = result
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a run counts as hung")
    options = parser.parse_args()
    source = generate(options.lines)
    print(
        f"Python {platform.python_version()}, libcst {version('libcst')}, mp-lint {mp_lint.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} cores, best of {options.repeat}, "
        f"{source.count(chr(10))} lines"
    )
    print()
    print("| command | CPU s | wall s | peak RSS MiB | exit | findings shown |")
    print("|---|---:|---:|---:|---:|---:|")
    commands = {
        "mp-lint (lint only)": [],
        "mp-lint --diff": ["--diff"],
        "mp-lint --fix": ["--fix"],
        "mp-lint --fix --unsafe-fixes": ["--fix", "--unsafe-fixes"],
    }
    for name, arguments in commands.items():
        result = measure(arguments, source, options.repeat, options.timeout)
        shown = sum(1 for line in result.stdout.splitlines() if ": MPL" in line)
        print(
            f"| `{name}` | {result.seconds:.2f} | {result.wall:.2f} | {result.max_rss_mib:.0f} | {result.status} "
            f"| {shown} |"
        )
        summary = [line for line in result.stderr.splitlines() if line.startswith("mp-lint:")]
        if summary:
            print(f"|  | {summary[-1]} | | | | |")


if __name__ == "__main__":
    main()
