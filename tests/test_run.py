"""`mp-lint run FILE`: a student's own program, run as Windows and macOS
would run it, told in the demos' words, linked to mp-lint's findings, and
contained: no process, shared-memory entry or temp folder outlives it."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Iterator, Tuple

import pytest

from demos import registry
from narration import english_words, program_names
from processes import marked_processes, new_mark, new_shared_memory, run_mp_lint, shared_memory, wait_until_no_processes

CJK = re.compile(r"[\u4e00-\u9fff]")
# The time limit for programs that end by themselves: generous, for a busy machine.
_FINISHES = "30"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Tuple[Path, Path, str]]:
    """(work folder, the command's TMPDIR, process mark); checks hygiene after the test."""
    # A short TMPDIR, as users have: forkserver's socket lives below it.
    work, tmpdir, mark = tmp_path / "work", Path(tempfile.mkdtemp(prefix="mpl-", dir="/tmp")), new_mark()
    work.mkdir()
    shm = shared_memory()
    yield work, tmpdir, mark
    assert wait_until_no_processes(mark, 2.0) == [], "processes outlived mp-lint run"
    assert list(tmpdir.iterdir()) == [], "temp folders left behind"
    assert new_shared_memory(shm) == set()
    tmpdir.rmdir()


def _homework(work: Path, code: str, which: str = "pitfall") -> Path:
    demo = registry.get(code)
    program = demo.pitfall if which == "pitfall" else demo.fix
    for name, text in program.files.items():
        (work / name).write_text(text, encoding="utf-8")
    path = work / "homework.py"
    path.write_text(program.source, encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == text)


def test_a_hang_is_stopped_at_the_timeout_and_linked_to_its_finding(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    path = _homework(work, "MPL501")
    line = _line_of(path, "p.join()")
    done = run_mp_lint(["run", "--timeout", "3", "homework.py"], work, mark, tmpdir)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "Running homework.py under spawn, as on Windows and macOS (limit 3 s)..." in out
    assert "no exit after 3.0 s: stopped by the timeout" in out
    assert f"homework.py:{line}:5: MPL501 join() before draining the Queue" in out
    assert f"MPL501 at line {line}: the program was still waiting at the time limit (3 s)" in out
    assert "Verdict: the program did not run clean: still running at the time limit (3 s)" in out
    assert "child processes died" not in out


def test_children_that_die_are_counted_and_linked_to_the_line_they_re_ran(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    path = _homework(work, "MPL102")
    line = _line_of(path, "main()")
    done = run_mp_lint(["run", "--timeout", _FINISHES, "homework.py"], work, mark, tmpdir)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    died = re.search(r"^  (\d+) child processes died, of:$", out, re.MULTILINE)
    assert died and int(died[1]) >= 1
    assert "RuntimeError: An attempt has been made to start a new process" in out
    linked = re.search(
        rf"^  MPL102 at line {line}: (\d+) children died re-running line {line} \(RuntimeError\)$", out, re.MULTILINE
    )
    assert linked and 1 <= int(linked[1]) <= int(died[1])
    assert "BrokenProcessPool" in out  # the parent's own error, from standard error's key lines
    assert re.search(r"^  exit code 1 after", out, re.MULTILINE)


def test_forkserver_children_re_import_the_file_too(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    path = _homework(work, "MPL101")
    line = _line_of(path, "pool = Pool(2)")
    done = run_mp_lint(["run", "--start-method", "forkserver", "--timeout", "6", "homework.py"], work, mark, tmpdir)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "under forkserver, as on Linux since Python 3.14" in done.stdout
    assert re.search(rf"homework.py:{line}:\d+: MPL101 ", done.stdout)
    # Hundreds of children write their tracebacks at once, so the link to the
    # finding's line is not always made; the deaths and their cause are shown.
    assert re.search(r"\d+ child processes died", done.stdout)
    assert "RuntimeError: An attempt has been made" in done.stdout


def test_lost_data_looks_clean_and_says_the_run_cannot_show_it(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    path = _homework(work, "MPL403")
    line = _line_of(path, "pool.apply_async(convert, (page,))")
    done = run_mp_lint(["run", "--timeout", _FINISHES, "homework.py"], work, mark, tmpdir)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr  # the run was clean, the findings were not
    assert "converted 20 pages" in out and re.search(r"^  exit code 0 after", out, re.MULTILINE)
    assert f"MPL403 at line {line}: the run looks clean, and that is the point" in out
    assert "Verdict: the program ran clean" in out
    # It ran where `python homework.py` would: its output files are in the work folder.
    assert len(list(work.glob("page*.out"))) < 20


def test_a_clean_program_exits_0_and_says_there_are_no_findings(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    _homework(work, "MPL201", "fix")
    done = run_mp_lint(["run", "--timeout", _FINISHES, "homework.py"], work, mark, tmpdir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]" in done.stdout
    assert "  no findings on homework.py" in done.stdout
    assert "Verdict: the program ran clean" in done.stdout


def test_arguments_and_stdin_reach_the_program_and_stdin_is_closed_otherwise(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    (work / "echo.py").write_text("import sys\nprint(sys.argv[1:])\nprint(input())\n", encoding="utf-8")
    (work / "answer.txt").write_text("forty-two\n", encoding="utf-8")
    args = ["run", "--timeout", _FINISHES, "--stdin", "answer.txt", "echo.py", "-v", "x"]
    done = run_mp_lint(args, work, mark, tmpdir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "['-v', 'x']" in done.stdout and "forty-two" in done.stdout
    # Without --stdin the program reads end of file, even when mp-lint's own stdin has data.
    done = run_mp_lint(["run", "--timeout", _FINISHES, "echo.py"], work, mark, tmpdir, stdin="typed\n")
    assert done.returncode == 1
    assert "EOFError" in done.stdout and "typed" not in done.stdout
    verdict = "Verdict: the program did not run clean: exit code 1; it raised `EOFError: EOF when reading a line`"
    assert verdict in done.stdout


def test_run_speaks_chinese(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    path = _homework(work, "MPL102")
    done = run_mp_lint(["run", "--timeout", _FINISHES, "--lang", "zh", "homework.py"], work, mark, tmpdir)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "用 spawn 启动方式，和 Windows、macOS 上一样" in out
    assert re.search(r"第 \d+ 行的 MPL102：\d+ 个子进程在重新执行第 \d+ 行时死掉了（RuntimeError）", out)
    assert "MPL102 main() 会启动子进程，却在模块导入时被直接调用" in out
    narrated = [
        line for line in out.splitlines()
        if line.strip() and not line.startswith("    ") and not line.startswith("  homework.py:")
    ]  # fmt: skip
    assert english_words(narrated, program_names(path.read_text())) == []


def test_a_file_that_cannot_be_run_is_a_one_line_error(sandbox: Tuple[Path, Path, str]) -> None:
    work, tmpdir, mark = sandbox
    done = run_mp_lint(["run", "missing.py"], work, mark, tmpdir)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "mp-lint run: cannot read missing.py: no such file or directory\n"
    done = run_mp_lint(["run", "--lang", "zh", "missing.py"], work, mark, tmpdir)
    assert done.stderr == "mp-lint run: 无法读取 missing.py：文件或文件夹不存在\n"
    (work / "notes.txt").write_text("hello\n")
    done = run_mp_lint(["run", "notes.txt"], work, mark, tmpdir)
    assert done.returncode == 2 and "give a Python file" in done.stderr
    assert marked_processes(mark) == []
