"""Time flake8 with and without mp-lint, side by side in one run.

    python benchmarks/compare_flake8.py [--repeat 3] [--jobs 1]

Three sets: general code (standard library packages that never start a
process), process-heavy code (standard library modules and tests built on
multiprocessing and concurrent.futures, plus this repository's examples),
the fixtures (apart: nothing but pitfalls and their look-alikes, and more of
them with every rule), and one huge statement: a generated 600 KB module whose one
statement is a 200,000-item list literal, in a module that imports
multiprocessing (written to a temporary folder, not kept); then a project
whose scripts import a package of its own (`benchmarks/make_project.py`),
once with mp-lint's summary cache empty before every run (first run) and
once with it filled (cached run). The other sets also start from an empty
cache. Each flake8 run is a fresh process; "plain" is the same flake8 with the mp-lint plugin
filtered out of plugin discovery, so start-up costs match. Runs alternate between the two variants and the fastest of
`--repeat` is kept. Time is the CPU time (user + system) of the flake8
process, which other load on the machine disturbs far less than wall time;
with -j > 1 it is the main process only, so use -j1 (the default) for
ratios. Prints a Markdown table of seconds, ratios and peak RSS.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from importlib.metadata import version

import mp_lint

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_project import write_project  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])

GENERAL = ["asyncio", "email", "json", "http", "logging", "xml", "unittest", "importlib"]
PROCESS_HEAVY = [
    "multiprocessing",
    "concurrent",
    "test/_test_multiprocessing.py",
    "test/test_multiprocessing_main_handling.py",
    "test/test_concurrent_futures.py",
    "test/test_concurrent_futures",
]

#: Items of the generated list literal: `1, ` each, 600 KB in all.
HUGE_ITEMS = 200_000


def write_huge_statement(folder: Path) -> Path:
    """A module of one huge statement that names multiprocessing."""
    path = folder / "huge_statement.py"
    path.write_text("import multiprocessing\n\nDATA = [" + ", ".join(["1"] * HUGE_ITEMS) + "]\n", encoding="utf-8")
    return path


# Runs flake8 with or without the plugin; everything else is identical.
_RUNNER = """
import sys
import flake8.plugins.finder as finder
if sys.argv.pop(1) == "plain":
    _find = finder.find_plugins
    finder.find_plugins = lambda *a, **k: [p for p in _find(*a, **k) if p.package != "mp-lint"]
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Measure:
    seconds: float  # CPU time (user + system) of the flake8 process tree
    wall: float
    max_rss_mib: float


def python_files(paths: List[Path]) -> List[str]:
    files: List[str] = []
    for path in paths:
        if path.is_file():
            files.append(str(path))
        elif path.is_dir():
            files.extend(str(p) for p in sorted(path.rglob("*.py")))
    return files


def count_lines(files: List[str]) -> int:
    total = 0
    for name in files:
        with open(name, "rb") as handle:
            total += handle.read().count(b"\n")
    return total


def run_flake8(variant: str, files: List[str], jobs: int, cache: Optional[Path] = None, fresh: bool = True) -> Measure:
    """One flake8 run; mp-lint's summary cache in `cache`, emptied first when `fresh`."""
    args = [sys.executable, "-c", _RUNNER, variant, "--isolated", f"-j{jobs}", "--exit-zero", *files]
    cache = cache or Path(tempfile.gettempdir()) / "mp-lint-benchmark-cache"
    if fresh:
        shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, MP_LINT_CACHE_DIR=str(cache))
    start = os.times().elapsed
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = os.times().elapsed - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"flake8 failed: {process.stderr.read().decode() if process.stderr else ''}")
    return Measure(usage.ru_utime + usage.ru_stime, elapsed, usage.ru_maxrss / 1024)


def compare(files: List[str], repeat: int, jobs: int, cached: bool = False) -> Tuple[Measure, Measure]:
    """Best of `repeat` runs each; with `cached`, mp-lint finds its cache filled by a run before."""
    best: Dict[str, Measure] = {}
    cache = Path(tempfile.gettempdir()) / "mp-lint-benchmark-cache"
    if cached:
        run_flake8("plugin", files, jobs, cache)
    for _ in range(repeat):
        for variant in ("plain", "plugin"):
            measure = run_flake8(variant, files, jobs, cache, fresh=not cached)
            kept = best.get(variant)
            if kept is None or measure.seconds < kept.seconds:
                best[variant] = Measure(
                    measure.seconds, measure.wall, max(measure.max_rss_mib, kept.max_rss_mib if kept else 0)
                )
            else:
                kept.max_rss_mib = max(kept.max_rss_mib, measure.max_rss_mib)
    return best["plain"], best["plugin"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1)
    options = parser.parse_args()
    # An installed plugin has its bytecode compiled at install time; an
    # editable checkout (where PYTHONDONTWRITEBYTECODE may be set) would
    # otherwise recompile mp-lint in every flake8 process that is timed.
    compileall.compile_dir(str(Path(mp_lint.__file__).parent), quiet=1)

    scratch = tempfile.TemporaryDirectory(prefix="mp-lint-bench-")
    sets = {
        "general (stdlib: " + ", ".join(GENERAL) + ")": python_files([STDLIB / name for name in GENERAL]),
        "process-heavy (stdlib multiprocessing/concurrent + tests, examples)": python_files(
            [STDLIB / name for name in PROCESS_HEAVY] + [ROOT / "examples"]
        ),
        # Listed apart: written to hold every pitfall and look-alike, they are
        # denser in process code than any program, and the set grows with the rules.
        "fixtures (one or more files per code, nothing but pitfalls and look-alikes)": python_files(
            [ROOT / "fixtures"]
        ),
        f"one huge statement (generated: a {HUGE_ITEMS:,}-item list literal, 600 KB)": [
            str(write_huge_statement(Path(scratch.name)))
        ],
    }
    print(
        f"Python {platform.python_version()}, flake8 {version('flake8')}, libcst {version('libcst')}, "
        f"mp-lint {mp_lint.__version__}, {platform.machine()}, {os.cpu_count()} cores, -j{options.jobs}, "
        f"best of {options.repeat}"
    )
    print()
    print("| set | files | lines | plain flake8 CPU s | with mp-lint CPU s | ratio | peak RSS plain MiB | added MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    project = Path(tempfile.mkdtemp(prefix="mp-lint-benchmark-project-"))
    write_project(project)
    project_files = python_files([project])
    runs = [(name, files, False) for name, files in sets.items()]
    runs += [
        ("project importing its own package (benchmarks/make_project.py), first run", project_files, False),
        ("the same project, cached run", project_files, True),
    ]
    for name, files, cached in runs:
        plain, plugin = compare(files, options.repeat, options.jobs, cached)
        print(
            f"| {name} | {len(files)} | {count_lines(files)} | {plain.seconds:.2f} | {plugin.seconds:.2f} | "
            f"{plugin.seconds / plain.seconds:.3f} | {plain.max_rss_mib:.0f} | "
            f"{plugin.max_rss_mib - plain.max_rss_mib:+.0f} |"
        )
    scratch.cleanup()


if __name__ == "__main__":
    main()
