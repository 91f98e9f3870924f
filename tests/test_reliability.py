"""The lint path never crashes or blows up: deep nesting, huge literals, odd notebooks, dying workers.

Everything that could crash or hang runs in a subprocess with a timeout, so
that a segfault or a hang fails one test and not the suite.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import pytest

from mp_lint import limits
from mp_lint.engine import lint_source
from mp_lint.limits import MAX_NESTING, survey

HEADER = "import multiprocessing as mp\n\npool = mp.Pool()\n"  # MPL101 on line 3

#: Shapes libcst's parser nests one level per link (see benchmarks/libcst_limits.py).
SHAPES: Dict[str, Callable[[int], str]] = {
    "and_without_spaces": lambda n: "x = " + "and".join(["(a)"] * n) + "\n",
    "or_with_tabs": lambda n: "x = " + "\tor\t".join(["a"] * n) + "\n",
    "and_over_lines": lambda n: "x = (a\n" + "".join(" and\na" for _ in range(n - 1)) + ")\n",
    "binop": lambda n: "x = " + "+".join(["a"] * n) + "\n",
    "attribute": lambda n: "x = a" + ".b" * n + "\n",
    "call": lambda n: "x = f" + "()" * n + "\n",
    "method": lambda n: "x = a" + ".b()" * n + "\n",
    "subscript": lambda n: "x = a" + "[0]" * n + "\n",
    "conditional": lambda n: "x = " + "a if a else " * n + "a\n",
    "elif": lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    "comprehension": lambda n: "x = [a " + "for a in a " * n + "]\n",
    "dotted_import": lambda n: "import a" + ".a" * n + "\n",
}
#: Well past the limit, and past where libcst crashed (7,054 `and` operands on an 8 MiB stack).
WELL_PAST = 12_000


def depth(shape: str, n: int) -> int:
    """The measure of a chain of `n` links (past any limit if Python rejects it)."""
    source = HEADER + SHAPES[shape](n)
    if not python_accepts(source):
        return sys.maxsize
    return survey(ast.parse(source), source).depth


def longest_within_limit(shape: str) -> int:
    """The longest chain of `shape` whose measure is within MAX_NESTING.

    The measure grows linearly with the chain once the chain is long enough
    to be looked into at all (shorter ones are known to be harmless).
    """
    low, high = MAX_NESTING // 2, MAX_NESTING // 2 + 100
    slope = (depth(shape, high) - depth(shape, low)) // (high - low)
    return low + (MAX_NESTING - depth(shape, low)) // slope


def python_accepts(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, RecursionError, MemoryError):
        return False
    return True


def production_env() -> Dict[str, str]:
    """As users run it: internal errors swallowed, not raised."""
    env = dict(os.environ)
    env.pop("MP_LINT_DEBUG", None)
    return env


def run(args: List[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=production_env())


def assert_not_killed(done: subprocess.CompletedProcess) -> None:
    if done.returncode < 0:
        raise AssertionError(f"killed by {signal.Signals(-done.returncode).name}: {done.stderr[-2000:]}")


# ------------------------------------------------------------------ the measure


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_measure_grows_with_each_link(shape: str) -> None:
    n = longest_within_limit(shape)
    assert n > 100  # real code stays far below the limit
    assert depth(shape, n + 1) > MAX_NESTING


SPELLINGS: Dict[str, Callable[[List[str]], str]] = {
    "spaces": " and ".join,
    "no_spaces": "and".join,
    "tabs": "\tand\t".join,
    "line_breaks_in_brackets": lambda operands: "(" + " and\n".join(operands) + ")",
    "backslash_continuations": " and \\\n".join,
    "mixed_with_or": lambda operands: "or".join(f"{a}and{a}" for a in operands),
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_no_spelling_of_a_boolean_chain_slips_past(spelling: str) -> None:
    source = HEADER + "x = " + SPELLINGS[spelling](["(a)"] * 3000) + "\n"
    assert python_accepts(source)
    assert survey(ast.parse(source), source).depth >= 3000


def test_a_file_past_the_limit_gets_a_note_and_no_finding() -> None:
    notes: List[str] = []
    assert lint_source(HEADER + SHAPES["and_without_spaces"](WELL_PAST), "deep.py", notes=notes) == []
    assert len(notes) == 1 and notes[0].startswith("not analysed: nested ")


def test_statements_below_the_walk_threshold_are_not_looked_into() -> None:
    # The survey of ordinary code reads the top-level statements only.
    source = (Path(limits.__file__).parent / "engine.py").read_text(encoding="utf-8")
    found = survey(ast.parse(source), source)
    assert found.depth < 60 and found.large_nodes < 2000 and found.cuts == []


# ----------------------------------------------- deep shapes, real commands


@pytest.fixture(scope="module")
def deep_files(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Dict[str, bool]]:
    folder = tmp_path_factory.mktemp("deep")
    return folder, _deep_files(folder)


def _deep_files(folder: Path) -> Dict[str, bool]:
    """Write each shape at the limit and well past it; name -> analysed (a finding expected)."""
    expected: Dict[str, bool] = {}
    for shape in sorted(SHAPES):
        at_limit = longest_within_limit(shape)
        (folder / f"{shape}_at_limit.py").write_text(HEADER + SHAPES[shape](at_limit))
        expected[f"{shape}_at_limit.py"] = True
        past = WELL_PAST
        while not python_accepts(HEADER + SHAPES[shape](past)):
            past = past * 4 // 5  # Python's own limit: as far past ours as flake8 lets the plugin run
        assert past > 2 * at_limit
        (folder / f"{shape}_past_limit.py").write_text(HEADER + SHAPES[shape](past))
        expected[f"{shape}_past_limit.py"] = False
    return expected


def _reported(output: str) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for line in output.splitlines():
        path, row, _, rest = line.split(":", 3)
        found.setdefault(Path(path).name, []).append(f"{row}:{rest.split()[0]}")
    return found


# flake8 with mp-lint as its only plugin: pyflakes and pycodestyle give up on
# some of these files themselves (RecursionError), which flake8 then reports
# as their failure and stops.
ONLY_MP_LINT_FLAKE8 = """
import sys
import flake8.plugins.finder as finder
_find = finder.find_plugins
finder.find_plugins = lambda *a, **k: [p for p in _find(*a, **k) if p.package not in ("pyflakes", "pycodestyle")]
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _check_deep_shapes(expected: Dict[str, bool], done: subprocess.CompletedProcess) -> None:
    assert_not_killed(done)
    assert done.returncode in (0, 1), done.stderr
    reported = _reported(done.stdout)
    assert set(reported) <= set(expected)
    # Every file without a finding is named on stderr, with why: never a silent "clean".
    noted = {}
    for line in done.stderr.splitlines():
        assert line.startswith("mp-lint: ") and ": not analysed: " in line, line
        noted[Path(line.split(": ")[1]).name] = line
    for name, analysed in expected.items():
        # At the limit: analysed, or said not to be (the survey's measure of a shape, a lower C stack limit).
        if analysed:
            assert (reported.get(name) == ["3:MPL101"]) != (name in noted), name
        else:  # past the limit: skipped, and said so
            assert name not in reported and "levels deep" in noted[name], name
    # Shapes are analysed right up to the limit.
    assert sum(name in reported for name in expected) >= len(SHAPES) - 1


def test_flake8_with_the_plugin_survives_every_deep_shape(deep_files: Tuple[Path, Dict[str, bool]]) -> None:
    folder, expected = deep_files
    done = run([sys.executable, "-c", ONLY_MP_LINT_FLAKE8, "--isolated", "--select=MPL", "-j1", "."], folder)
    _check_deep_shapes(expected, done)


def test_mp_lint_survives_every_deep_shape(deep_files: Tuple[Path, Dict[str, bool]]) -> None:
    folder, expected = deep_files
    done = run([sys.executable, "-m", "mp_lint", "--isolated", "."], folder)
    _check_deep_shapes(expected, done)


# ------------------------------------------------------------ huge literals


def _literal(kind: str, items: int) -> str:
    if kind == "list_one_line":
        return "[" + ", ".join(["1"] * items) + "]"
    if kind == "tuple_lines_trailing_comma":
        return "(\n" + "".join(f"    {i},  # item\n" for i in range(items)) + ")"
    if kind == "set_of_strings_crlf":
        return "{\n" + ",\n".join(f"'s{i}'" for i in range(items)) + "}"  # CRLF: see below
    if kind == "dict_of_pairs":
        return "{\n" + "".join(f"    {i}: (-{i}, 'x'),\n" for i in range(items)) + "}"
    raise AssertionError(kind)


LITERALS = ["list_one_line", "tuple_lines_trailing_comma", "set_of_strings_crlf", "dict_of_pairs"]


def _literal_module(kind: str, items: int) -> str:
    newline = "\r\n" if "crlf" in kind else "\n"
    source = (
        "import multiprocessing as mp\n\n\ndef work(x):\n    return x\n\n\n"
        f"DATA = {_literal(kind, items)}; pool = mp.Pool()\n"
        "if __name__ == '__main__':\n"
        "    with mp.Pool() as workers:\n"
        "        for _ in workers.imap(work, DATA):\n"
        "            pass\n"
    )
    return source.replace("\n", newline) if newline != "\n" else source


@pytest.mark.parametrize("kind", LITERALS)
def test_cutting_a_huge_literal_changes_no_other_finding(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_LITERAL_ITEMS", 2000)  # smaller files, the same code path
    source = _literal_module(kind, 3000)
    tree = ast.parse(source)
    assert len(survey(tree, source).cuts) == 1
    cut = lint_source(source, "data.py")
    monkeypatch.setattr(limits, "MAX_LITERAL_ITEMS", 10**9)
    monkeypatch.setattr(limits, "MAX_LARGE_NODES", 10**9)
    assert survey(tree, source).cuts == []
    whole = lint_source(source, "data.py")
    # MPL101 after the literal, on its last line, stays where it is; the cut
    # literal's length is unknown, so a finding on its size could only go.
    assert whole[0].code == "MPL101" and whole[0].line == source.count("\n") - 4
    assert cut == [f for f in whole if f.code != "MPL602"]


def test_a_statement_sharing_the_last_line_of_a_long_one_is_analysed() -> None:
    # Parsed in runs of statements: the cut must not fall inside that line.
    source = "import multiprocessing as mp\nDATA = (\n" + "    1,\n" * 300 + "); pool = mp.Pool()\n"
    assert [(f.line, f.code) for f in lint_source(source, "same_line.py")] == [(303, "MPL101")]


def test_a_literal_holding_anything_but_constants_is_not_cut() -> None:
    items = ["1"] * (2 * limits.MAX_LITERAL_ITEMS)
    source = "import multiprocessing\nDATA = [" + ", ".join(items + ["f(1)"]) + "]\n"
    assert survey(ast.parse(source), source).cuts == []


def test_a_literal_at_the_limit_is_not_cut() -> None:
    source = "import multiprocessing\nDATA = [" + ", ".join(["1"] * limits.MAX_LITERAL_ITEMS) + "]\n"
    assert survey(ast.parse(source), source).cuts == []


def _peak_rss_mib(args: List[str], cwd: Path) -> Tuple[float, float, int]:
    """(peak RSS MiB, CPU seconds, exit status) of a command."""
    process = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=production_env()
    )
    _, status, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def test_a_200000_item_literal_costs_little_more_than_pythons_own_parse(tmp_path: Path) -> None:
    # The file of the issue: 600 KB, one 200,000-item list literal, multiprocessing imported.
    path = tmp_path / "huge.py"
    path.write_text("import multiprocessing\n\nDATA = [" + ", ".join(["1"] * 200_000) + "]\n")
    parse_only = [sys.executable, "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", str(path)]
    baseline, baseline_cpu, status = _peak_rss_mib(parse_only, tmp_path)
    assert status == 0
    peak, cpu, status = _peak_rss_mib([sys.executable, "-m", "mp_lint", "--isolated", str(path)], tmp_path)
    assert status == 0
    # Before: 878 MiB and 8.5 s (libcst parsed every item), against 200 MiB and 0.5 s for `ast`.
    assert peak < baseline + 100, (peak, baseline)
    assert cpu < baseline_cpu + 4, (cpu, baseline_cpu)


# ---------------------------------------------------------------- notebooks


def test_a_deeply_nested_notebook_is_one_line_cannot_read_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "fine.py").write_text("import multiprocessing as mp\npool = mp.Pool()\n")
    done = run([sys.executable, "-m", "mp_lint", "--isolated", "deep.ipynb", "fine.py"], tmp_path, timeout=120)
    assert_not_killed(done)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["mp-lint: cannot read deep.ipynb: not a notebook (JSON nested too deeply)"]
    assert [line.split(": ")[1].split()[0] for line in done.stdout.splitlines()] == ["MPL101"]  # the run goes on


# ------------------------------------------------------ flake8 -j2 and a dying worker

# A flake8 plugin of the test's own, loaded from the test's folder: it kills
# the worker process that checks `die.py`, as the kernel's OOM killer would.
KILLER = '''\
import os


class Killer:
    name = "killer"
    version = "0"

    def __init__(self, tree, filename):
        self.filename = filename

    def run(self):
        if os.path.basename(self.filename) == "die.py":
            os._exit(1)
        return iter(())
'''

LOCAL_PLUGIN_CONFIG = """\
[flake8:local-plugins]
extension =
    KIL = killer:Killer
paths = .
"""

# flake8 with the mp-lint plugin left out of plugin discovery, as in benchmarks/compare_flake8.py.
PLAIN_FLAKE8 = """
import sys
import flake8.plugins.finder as finder
_find = finder.find_plugins
finder.find_plugins = lambda *a, **k: [p for p in _find(*a, **k) if p.package != "mp-lint"]
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""

PROCESS_CODE = "import multiprocessing as mp\n\n\ndef main():\n    pool = mp.Pool()\n    pool.map(lambda x: x, [1])\n"


def _flake8_project(folder: Path, dying: bool) -> Path:
    folder.mkdir()
    (folder / "killer.py").write_text(KILLER)
    (folder / "setup.cfg").write_text(LOCAL_PLUGIN_CONFIG)
    source = folder / "src"
    source.mkdir()
    for index in range(8):  # the plugin loads libcst and the rules in each worker
        (source / f"module_{index}.py").write_text(PROCESS_CODE)
    if dying:
        (source / "die.py").write_text(PROCESS_CODE)
    return folder


def _start(args: List[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=production_env(),
        start_new_session=True,
    )


def _outcome(process: subprocess.Popen, deadline: float) -> Optional[Tuple[int, str]]:
    """(exit status, sorted output), or None if still running at `deadline` (then killed)."""
    try:
        out, _ = process.communicate(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # flake8 and its pool's workers
        process.communicate()
        return None
    return process.returncode, "\n".join(sorted(out.splitlines()))


def test_flake8_j2_ends_with_the_plugin_loaded_in_every_worker(tmp_path: Path) -> None:
    project = _flake8_project(tmp_path / "p", dying=False)
    deadline = time.monotonic() + 120
    parallel = _outcome(_start([sys.executable, "-m", "flake8", "--select=MPL", "-j2", "src"], project), deadline)
    assert parallel is not None, "flake8 -j2 did not end"
    serial = _outcome(_start([sys.executable, "-m", "flake8", "--select=MPL", "-j1", "src"], project), deadline)
    assert parallel == serial
    assert parallel[0] == 1 and parallel[1].count("MPL201") == 8


def test_a_dying_worker_leaves_flake8_j2_as_it_leaves_it_without_the_plugin(tmp_path: Path) -> None:
    # flake8 runs files in a multiprocessing.Pool; a worker that dies takes its
    # task with it and `imap_unordered` waits for that result forever. That is
    # flake8's behaviour with any plugin: the plugin must neither add a wait
    # of its own nor change what flake8 does.
    plain = _start(
        [sys.executable, "-c", PLAIN_FLAKE8, "--select=MPL,KIL", "-j2", "src"],
        _flake8_project(tmp_path / "plain", dying=True),
    )
    with_plugin = _start(
        [sys.executable, "-m", "flake8", "--select=MPL,KIL", "-j2", "src"],
        _flake8_project(tmp_path / "plugin", dying=True),
    )
    deadline = time.monotonic() + 15  # a run without the dying file takes 2 s
    plain_outcome, plugin_outcome = _outcome(plain, deadline), _outcome(with_plugin, deadline)
    if plain_outcome is None:  # flake8 7: it waits forever, plugin or not
        assert plugin_outcome is None
    else:  # a flake8 that survives a dying worker: so must it with the plugin
        assert plugin_outcome is not None and plugin_outcome[0] == plain_outcome[0]
