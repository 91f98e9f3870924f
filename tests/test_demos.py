"""The demos: each rule's pitfall really fails under spawn, its fix works,
mp-lint flags exactly the pitfall, and nothing a demo started outlives it."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Dict, FrozenSet, Iterator, Set

import pytest

from demos import registry, runner
from demos.evidence import Observation, Verdict
from demos.report import DemoReport, Style, run_demo
from demos.runner import Program
from narration import english_words, program_names

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")

CODES = (
    "MPL101", "MPL102", "MPL103", "MPL104",
    "MPL201", "MPL202", "MPL203", "MPL204", "MPL205", "MPL206",
    "MPL301", "MPL302", "MPL303", "MPL304",
    "MPL401", "MPL402", "MPL403",
    "MPL501",
    "MPL601", "MPL602",
    "MPL701", "MPL702", "MPL703", "MPL704", "MPL705",
)  # fmt: skip

# The issue each rule is built under, for the expected failure of its lint check.
ISSUE = {code: 3 for code in CODES}
ISSUE.update({code: 2 for code in ("MPL101", "MPL102", "MPL103", "MPL201", "MPL202")})
ISSUE["MPL205"] = 7
ISSUE.update({code: 12 for code in ("MPL104", "MPL206", "MPL304")})
ISSUE.update({code: 11 for code in ("MPL701", "MPL702", "MPL703", "MPL704", "MPL705")})


def _registered_codes() -> FrozenSet[str]:
    try:
        from mp_lint.rules import registered_codes
    except Exception:  # mp_lint not importable yet: nothing is implemented
        return frozenset()
    return frozenset(registered_codes())


def _shared_memory() -> Set[str]:
    try:
        return {name for name in os.listdir("/dev/shm") if name.startswith("sem.mp-")}
    except OSError:
        return set()


# --- what each pitfall must show, read from the raw runs -------------------


def _hang_with(*texts: str) -> Callable[[DemoReport], None]:
    def check(report: DemoReport) -> None:
        assert report.pitfall.timed_out, "expected a deadlock caught by the timeout"
        for text in texts:
            assert text in report.pitfall.stderr

    return check


def _raises(*texts: str) -> Callable[[DemoReport], None]:
    def check(report: DemoReport) -> None:
        assert report.pitfall.returncode not in (0, None)
        for text in texts:
            assert text in report.pitfall.stderr

    return check


def _raises_or_hangs_before_310(text: str) -> Callable[[DemoReport], None]:
    """The error reaches the parent; Python 3.9's executor may instead lose it and hang."""
    raises = _raises(text)

    def check(report: DemoReport) -> None:
        if sys.version_info < (3, 10) and report.pitfall.timed_out:
            return
        raises(report)

    return check


def _unclosed_files(report: DemoReport) -> None:
    # The common form works on CPython: every task leaves its file to the
    # garbage collector, which ResourceWarning shows once per task.
    assert report.pitfall.returncode == 0 and report.pitfall.stdout == report.fix.stdout
    warnings = [line for line in report.pitfall.stderr.splitlines() if "ResourceWarning: unclosed file" in line]
    assert len(warnings) == report.verdict.pitfall.facts["tasks"] == 40
    assert "ResourceWarning" not in report.fix.stderr


def _never_surfaced(report: DemoReport) -> None:
    # The fix proves the worker raises; the pitfall exits 0 and never says so.
    assert report.pitfall.returncode == 0
    assert "record 13 is corrupt" not in report.pitfall.output
    assert "ValueError" not in report.pitfall.output
    assert "record 13 is corrupt" in report.fix.stdout


def _lost_log_lines(report: DemoReport) -> None:
    assert "200 jobs done" in report.pitfall.stdout
    found = len(report.pitfall.files.get("jobs.log", "").splitlines())
    assert found < 200, f"{found} lines reached jobs.log"
    assert report.verdict.pitfall.facts["lost"] == 200 - found > 0
    assert len(report.fix.files["jobs.log"].splitlines()) == 200


def _tasks_killed(report: DemoReport) -> None:
    assert "converted 20 pages" in report.pitfall.stdout
    pages = [name for name in report.pitfall.files if name.endswith(".out")]
    assert len(pages) < 20
    assert len([name for name in report.fix.files if name.endswith(".out")]) == 20


def _leaked_workers(report: DemoReport) -> None:
    assert report.pitfall.returncode == 0
    assert report.pitfall.peak_processes >= report.fix.peak_processes + 4
    assert report.verdict.pitfall.facts["leaked"] == report.pitfall.peak_processes - report.fix.peak_processes


def _printed(text: str) -> Callable[[DemoReport], None]:
    def check(report: DemoReport) -> None:
        assert report.pitfall.returncode == 0
        assert text in report.pitfall.stdout, report.pitfall.stdout

    return check


def _stale_global(report: DemoReport) -> None:
    assert report.pitfall.returncode == 0
    assert "spawn: [0, 1, 2, 3]" in report.pitfall.stdout
    if "fork:" in report.pitfall.stdout:  # Linux and macOS have fork: it gives what was meant
        assert "fork: [0, 10, 20, 30]" in report.pitfall.stdout
    assert "spawn: [0, 10, 20, 30]" in report.fix.stdout


def _counter_left_at_zero(report: DemoReport) -> None:
    assert "spawn: counter = 0" in report.pitfall.stdout
    if "fork:" in report.pitfall.stdout:
        assert "fork: counter = 4" in report.pitfall.stdout
    assert "spawn: counter = 4" in report.fix.stdout


def _lost_increments(report: DemoReport) -> None:
    facts = report.verdict.pitfall.facts
    assert facts["expected"] == 80000
    assert 0 < facts["actual"] < 80000 and facts["lost"] == 80000 - facts["actual"]
    assert "expected 80000, got 80000" in report.fix.stdout


def _ratio_measured(report: DemoReport) -> None:
    # Timing varies with the machine: check the ratio was measured and shown.
    ratio = report.verdict.pitfall.facts["ratio"]
    assert isinstance(ratio, float) and ratio > 0
    assert f"{ratio:.1f}" in report.verdict.pitfall.summary


def _broken_then_hang(report: DemoReport) -> None:
    # The executor gives up; the Pool's result thread dies and map() waits forever.
    assert "executor raised BrokenProcessPool" in report.pitfall.stdout
    assert report.pitfall.timed_out
    # (Python 3.9 names the method `__init__()`, later ones `RecordError.__init__()`.)
    missing = r"TypeError: (RecordError\.)?__init__\(\) missing 1 required positional argument"
    assert re.search(missing, report.pitfall.stderr)
    assert "executor raised RecordError" in report.fix.stdout


SIGNATURES: Dict[str, Callable[[DemoReport], None]] = {
    "MPL101": _hang_with("RuntimeError", "finished its bootstrapping phase"),
    "MPL102": _raises("BrokenProcessPool"),
    "MPL103": _hang_with("RuntimeError: context has already been set"),
    "MPL104": _hang_with("EOFError: EOF when reading a line"),
    "MPL201": _raises("PicklingError"),
    "MPL202": _raises_or_hangs_before_310("local object 'scale_all.<locals>.scale'"),
    "MPL203": _raises("TypeError: cannot pickle", "TextIOWrapper"),
    "MPL204": _raises("RuntimeError: Lock objects should only be shared between processes through inheritance"),
    "MPL205": _hang_with("AttributeError: Can't get attribute 'square' on <module '__main__'"),
    "MPL206": _broken_then_hang,
    "MPL301": _unclosed_files,
    "MPL302": _lost_log_lines,
    "MPL303": _leaked_workers,
    "MPL304": _raises("AssertionError: daemonic processes are not allowed to have children"),
    "MPL401": _never_surfaced,
    "MPL402": _never_surfaced,
    "MPL403": _tasks_killed,
    "MPL501": _hang_with(),
    "MPL601": _ratio_measured,
    "MPL602": _ratio_measured,
    "MPL701": _printed("results: []"),
    "MPL702": _stale_global,
    "MPL703": _counter_left_at_zero,
    "MPL704": _lost_increments,
    "MPL705": _printed("items: []"),
}


def test_every_rule_has_a_demo() -> None:
    assert registry.codes() == CODES
    assert set(SIGNATURES) == set(CODES)


@pytest.mark.parametrize("demo", registry.all_demos(), ids=lambda d: d.code)
def test_demo_is_complete(demo: registry.Demo) -> None:
    assert demo.module == f"demos.{demo.code.lower()}_{demo.name.replace('-', '_')}"
    assert demo.summary and demo.why
    assert demo.flagged_line is not None, f"FLAGGED line {demo.flagged!r} is not in the pitfall"
    assert demo.pitfall.source != demo.fix.source


@pytest.fixture
def short_tmp_path() -> Iterator[Path]:
    """A temporary directory with a short path.

    A demo's temp files land in its run directory, and a `Manager()` puts
    its Unix socket there: under pytest's long `tmp_path` the socket path
    passes the 107-byte limit of AF_UNIX addresses.
    """
    directory = Path(tempfile.mkdtemp(prefix="mpd-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("code", CODES)
def test_demo_reproduces_in_chinese_and_leaves_nothing_behind(code: str, short_tmp_path: Path) -> None:
    # Each demo runs once, narrated in Chinese (English narration is the CLI
    # tests'): what it shows, its hygiene, and its language. A short folder:
    # a Manager's socket path must stay under the 107-byte limit.
    tmp_path = short_tmp_path
    demo = registry.get(code)
    sessions_before = len(runner.created_sessions)
    shm_before = _shared_memory()
    started = time.monotonic()
    stream = io.StringIO()

    report = run_demo(demo, stream, Style(False), parent=tmp_path, lang="zh")

    assert time.monotonic() - started <= 10.0 + 5.0  # 10 s budget, with slack for a busy machine
    _assert_chinese(report, stream.getvalue())
    SIGNATURES[code](report)
    assert report.verdict.reproduced, report.verdict.pitfall.summary
    assert report.verdict.fix_ok, report.verdict.fix.summary
    assert report.fix.returncode == 0 and not report.fix.timed_out

    # Hygiene: both runs' sessions are empty, temp dirs gone, no semaphore leaked.
    sessions = runner.created_sessions[sessions_before:]
    assert len(sessions) == 1 + report.attempts
    for session in sessions:
        assert runner.session_processes(session) == []
    assert list(tmp_path.iterdir()) == []
    # Another program on the machine may hold semaphores for a while; a leak stays.
    leaked = _shared_memory() - shm_before
    deadline = time.monotonic() + 8.0
    while leaked and time.monotonic() < deadline:
        time.sleep(0.5)
        leaked &= _shared_memory()
    assert not leaked


@pytest.mark.parametrize("code", CODES)
def test_mp_lint_flags_the_pitfall_and_not_the_fix(code: str, tmp_path: Path) -> None:
    if code not in _registered_codes():
        pytest.xfail(f"{code} rule arrives with issue #{ISSUE[code]}")
    demo = registry.get(code)
    pitfall = demo.pitfall.write(tmp_path / "pitfall")
    fix = demo.fix.write(tmp_path / "fix")

    result = runner.lint([pitfall, fix], cwd=tmp_path)

    assert result.error is None
    found = result.for_file(pitfall)
    assert [f.code for f in found] == [code], [str(f) for f in found]
    if not demo.pitfall.interactive:  # a notebook may count lines per cell
        assert found[0].line == demo.flagged_line, str(found[0])
    assert result.for_file(fix) == []


def _assert_chinese(report: DemoReport, shown: str) -> None:
    demo = report.demo
    names = program_names(
        demo.pitfall.source, demo.fix.source, *demo.pitfall.files.values(), *demo.fix.files.values()
    ) | {demo.name}
    assert english_words(report.narration, names) == []
    # Every narrated line reached the screen; the Chinese ones really are Chinese.
    assert all(line in shown for line in report.narration)
    assert sum(bool(CJK.search(line)) for line in report.narration) >= 15
    assert CJK.search(report.verdict.pitfall.summary) and CJK.search(report.verdict.fix.summary)
    # Code stays as it is: the pitfall's flagged line is quoted verbatim.
    assert demo.flagged.strip() in shown


def test_the_narration_check_catches_english_and_spares_code() -> None:
    names = program_names("from multiprocessing import Pool\ndef square(x):\n    return x * x\n")
    assert english_words(["离开 `with Pool()` 块，square 和 map() 都是代码；输出 '6560 words'"], names) == []
    assert english_words(["RuntimeError、BrokenProcessPool、__main__、MPL101、spawn、pickle"], names) == []
    assert english_words(["exit code 0 after 0.4 s"], names) != []
    assert english_words(["程序 finished 了"], names) == ["'finished' in '程序 finished 了'"]
    assert english_words(["请读取 with 结果"], names) != []  # a keyword outside `code` reads as English


# --- the runner --------------------------------------------------------------


def test_children_reimport_the_program_under_spawn(tmp_path: Path) -> None:
    source = (
        "import multiprocessing as mp\n"
        "import sys\n\n"
        "def whoami(_):\n"
        "    return sys.modules['__main__'].__name__, mp.get_start_method()\n\n"
        "if __name__ == '__main__':\n"
        "    with mp.Pool(1) as pool:\n"
        "        print(pool.map(whoami, [0]), sys.modules['__main__'].__file__.endswith('who.py'))\n"
    )
    run = runner.run_program(Program(source, "who.py", timeout=20), tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[('__mp_main__', 'spawn')] True"


def test_orphans_left_after_a_normal_exit_are_killed(tmp_path: Path) -> None:
    source = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('parent done')\n"
    )
    started = time.monotonic()
    run = runner.run_program(Program(source, "orphan.py", timeout=20), tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "parent done"
    assert run.strays == 1
    assert runner.session_processes(run.session) == []
    assert time.monotonic() - started < 15


def test_a_hang_is_stopped_with_all_its_processes(tmp_path: Path) -> None:
    source = (
        "import time\n"
        "from multiprocessing import Pool\n\n"
        "if __name__ == '__main__':\n"
        "    with Pool(2) as pool:\n"
        "        print('pool started', flush=True)\n"
        "        time.sleep(60)\n"
    )
    run = runner.run_program(Program(source, "hang.py", timeout=2.0), tmp_path)
    assert run.timed_out and run.returncode is None
    assert "pool started" in run.stdout
    assert run.peak_processes >= 3
    assert runner.session_processes(run.session) == []


def test_a_semaphore_the_tracker_never_heard_of_is_removed_with_the_session(tmp_path: Path) -> None:
    # What a worker killed between sem_open() and registering leaves behind.
    name = f"mp-unregistered-{os.getpid()}-{time.monotonic_ns()}"
    source = (
        "import _multiprocessing, time\n"
        f"lock = _multiprocessing.SemLock(1, 1, 1, {'/' + name!r}, False)\n"
        "print('holding it', flush=True)\n"
        "time.sleep(60)\n"
    )
    run = runner.run_program(Program(source, "leak.py", timeout=3.0), tmp_path)
    assert run.timed_out and "holding it" in run.stdout, run.stderr
    assert not os.path.exists(f"/dev/shm/sem.{name}")


def test_program_files_and_temp_files_stay_in_its_directory(tmp_path: Path) -> None:
    source = "import tempfile\nprint(tempfile.gettempdir())\nprint(open('data.txt').read())\n"
    run = runner.run_program(Program(source, "t.py", files={"data.txt": "hello"}, timeout=20), tmp_path)
    assert run.stdout.splitlines() == [str(tmp_path), "hello"]


def test_a_race_is_run_again_and_reported(tmp_path: Path) -> None:
    calls = []

    def judge(pitfall: runner.RunResult, fix: runner.RunResult) -> Verdict:
        calls.append(pitfall.session)
        lost = len(calls) >= 2  # the race goes the pitfall's way the second time
        return Verdict(Observation(lost, "lost" if lost else "won"), Observation(fix.returncode == 0, "ok"))

    program = Program("print('hi')\n", "pitfall.py", timeout=20)
    demo = registry.Demo(
        code="MPL999", name="race", summary="a race", why="", pitfall=program,
        fix=Program("print('hi')\n", "fix.py", timeout=20), flagged="print('hi')",
        judge=judge, module="test", attempts=3,
    )  # fmt: skip
    report = run_demo(demo, parent=tmp_path)
    assert report.ok and report.attempts == 2
    assert len(set(calls)) == 2  # judged on a fresh run each time


# --- the command line ----------------------------------------------------------


def _cli(*args: str, timeout: float = 120) -> "subprocess.CompletedProcess[str]":
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "demos", *args], cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=timeout
    )


def test_cli_lists_every_code_with_its_name() -> None:
    done = _cli("--list", timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(CODES)
    for line in lines:
        assert registry.get(line.split()[0]).name == line.split()[1]


def test_cli_runs_one_demo_from_the_repository_root() -> None:
    done = _cli("MPL201")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PicklingError" in done.stdout
    assert "pool.map(lambda x: x * x, range(10))" in done.stdout
    assert "MPL201: reproduced  |  fix works" in done.stdout


def test_cli_rejects_an_unknown_code() -> None:
    done = _cli("MPL999", timeout=60)
    assert done.returncode == 2
    assert "no demo for 'MPL999'" in done.stderr


def test_all_prints_a_row_per_demo_and_fails_if_one_did_not_reproduce(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import demos.__main__ as cli

    def fake_run(demo: registry.Demo, lang: str = "en") -> SimpleNamespace:
        reproduced = demo.code != "MPL302"
        verdict = SimpleNamespace(
            reproduced=reproduced,
            fix_ok=True,
            pitfall=SimpleNamespace(summary=f"saw {demo.code}"),
        )
        return SimpleNamespace(
            demo=demo, verdict=verdict, lint_codes=[demo.code], seconds=1.0, ok=reproduced, attempts=1
        )

    monkeypatch.setattr(cli, "run_demo", fake_run)
    assert cli.main(["--all", "--no-color"]) == 1
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("MPL")]
    assert [row.split()[0] for row in rows] == list(CODES)
    assert "NOT REPRODUCED: saw MPL302" in rows[CODES.index("MPL302")]
    total = len(CODES)
    assert out[-1].startswith(f"{total - 1}/{total} reproduced, {total}/{total} fixes worked")


def _mp_lint(*args: str, cwd: Path, timeout: float = 120) -> "subprocess.CompletedProcess[str]":
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["NO_COLOR"] = "1"
    command = [sys.executable, "-c", "import sys; from mp_lint.cli import main; sys.argv[0] = 'mp-lint'; main()", *args]
    return subprocess.run(command, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout)


def test_mp_lint_demo_lists_in_the_language_of_the_config_file(tmp_path: Path) -> None:
    english = _mp_lint("demo", "--list", cwd=tmp_path)
    assert english.returncode == 0, english.stderr
    assert [line.split()[0] for line in english.stdout.splitlines()] == list(CODES)
    assert not CJK.search(english.stdout)
    (tmp_path / "setup.cfg").write_text("[flake8]\nmp-lang = zh\n", encoding="utf-8")
    chinese = _mp_lint("demo", "--list", cwd=tmp_path)
    assert chinese.returncode == 0, chinese.stderr
    for line, demo in zip(chinese.stdout.splitlines(), registry.all_demos()):
        assert line.endswith(demo.summary_zh) and CJK.search(demo.summary_zh)
    assert _mp_lint("demo", "--list", "--lang", "en", cwd=tmp_path).stdout == english.stdout


def test_mp_lint_demo_runs_one_demo_in_chinese(tmp_path: Path) -> None:
    done = _mp_lint("demo", "MPL201", "--lang", "zh", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pool.map(lambda x: x * x, range(10))" in done.stdout  # code as it is
    assert "PicklingError" in done.stdout
    assert "MPL201: 问题重现了  |  改法有效" in done.stdout
    assert "通过 map() 交给子进程的 lambda 无法被 pickle" in done.stdout  # mp-lint's finding, in Chinese
    assert list(tmp_path.iterdir()) == []


def test_mp_lint_demo_rejects_an_unknown_code_in_chinese(tmp_path: Path) -> None:
    done = _mp_lint("demo", "MPL999", "--lang", "zh", cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "没有 'MPL999' 的演示" in done.stderr
