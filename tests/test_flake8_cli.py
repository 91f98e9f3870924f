"""The plugin as users meet it: the real `flake8` command in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

BAD = '''\
from multiprocessing import Pool


def main():
    with Pool(2) as pool:
        pool.map(lambda x: x * x, range(4))
        pool.map(lambda x: x + 1, range(4))  # noqa: MPL201


if __name__ == "__main__":
    main()
'''

MODULE_LEVEL = '''\
from multiprocessing import Pool

pool = Pool(2)
'''


def flake8(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def codes(output: str) -> List[str]:
    return [line.split(": ", 1)[1].split()[0] for line in output.splitlines() if ": MPL" in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "module_level.py").write_text(MODULE_LEVEL)
    return tmp_path


def test_entry_point_is_registered_with_flake8(project: Path) -> None:
    result = flake8(["--version"], project)
    assert "mp-lint" in result.stdout


def test_finding_is_reported_with_flake8_position(project: Path) -> None:
    result = flake8(["--isolated", "--select=MPL", "bad.py"], project)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "bad.py:6:9: MPL201 lambda sent to a worker via map() cannot be pickled; use a module-level def"
    ]


def test_noqa_comment_silences_one_line(project: Path) -> None:
    result = flake8(["--isolated", "--select=MPL", "bad.py"], project)
    assert ":7:" not in result.stdout
    assert codes(result.stdout) == ["MPL201"]


def test_disable_noqa_shows_the_silenced_line(project: Path) -> None:
    result = flake8(["--isolated", "--select=MPL", "--disable-noqa", "bad.py"], project)
    assert codes(result.stdout) == ["MPL201", "MPL201"]


def test_extend_ignore_drops_the_code(project: Path) -> None:
    result = flake8(["--isolated", "--select=MPL", "--extend-ignore=MPL201", "bad.py"], project)
    assert result.returncode == 0
    assert result.stdout == ""


def test_parallel_jobs_give_the_same_findings(project: Path) -> None:
    for index in range(6):  # enough files for flake8 to really fan out
        (project / f"copy{index}.py").write_text(BAD)
    serial = flake8(["--isolated", "--select=MPL", "-j", "1", "."], project)
    parallel = flake8(["--isolated", "--select=MPL", "-j", "2", "."], project)
    assert sorted(serial.stdout.splitlines()) == sorted(parallel.stdout.splitlines())
    assert len(codes(parallel.stdout)) == 8


@pytest.mark.parametrize("config_name,section", [("setup.cfg", "flake8"), ("tox.ini", "flake8"), (".flake8", "flake8")])
def test_start_method_option_is_read_from_config_files(project: Path, config_name: str, section: str) -> None:
    assert codes(flake8(["--select=MPL", "module_level.py"], project).stdout) == ["MPL101"]
    (project / config_name).write_text(f"[{section}]\nmp-start-method = fork\n")
    result = flake8(["--select=MPL", "module_level.py"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert codes(result.stdout) == []


def test_start_method_option_on_the_command_line(project: Path) -> None:
    result = flake8(["--isolated", "--select=MPL", "--mp-start-method=fork", "module_level.py"], project)
    assert codes(result.stdout) == []


def test_extra_process_apis_option_treats_a_factory_as_a_pool(project: Path) -> None:
    (project / "factory.py").write_text("from course.tools import make_pool\n\npool = make_pool(4)\n")
    assert codes(flake8(["--isolated", "--select=MPL", "factory.py"], project).stdout) == []
    result = flake8(
        ["--isolated", "--select=MPL", "--mp-extra-process-apis=course.tools.make_pool", "factory.py"], project
    )
    assert codes(result.stdout) == ["MPL101"]
    assert "MPL101 make_pool() starts processes at import" in result.stdout


def test_chinese_messages_option(project: Path) -> None:
    result = flake8(["--isolated", "--select=MPL", "--mp-lang=zh", "bad.py"], project)
    assert "无法被 pickle" in result.stdout


def test_syntax_error_gives_e999_and_no_traceback(project: Path) -> None:
    (project / "broken.py").write_text("import multiprocessing\ndef f(:\n    pass\n")
    result = flake8(["--isolated", "broken.py"], project)
    assert "E999" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "line,message",
    [
        ("mp-lang = cn", "flake8: mp-lint: invalid value for mp-lang: 'cn' (allowed: en, zh)"),
        (
            "mp-start-method = threads",
            "flake8: mp-lint: invalid value for mp-start-method: 'threads' (allowed: spawn, forkserver, fork)",
        ),
        (
            "mp-extra-process-apis = my-project.pool",
            "flake8: mp-lint: invalid value for mp-extra-process-apis: 'my-project.pool' "
            "(allowed: dotted names such as myproject.make_pool)",
        ),
    ],
)
def test_bad_option_value_in_a_config_file_stops_flake8_with_one_line(project: Path, line: str, message: str) -> None:
    # flake8 checks `choices` on its command line only; the plugin checks what the file says.
    (project / "setup.cfg").write_text(f"[flake8]\n{line}\n")
    for jobs in ("1", "2"):
        result = flake8(["--select=MPL", "-j", jobs, "bad.py", "module_level.py"], project)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


def test_bad_option_value_on_the_command_line_is_flake8s_usage_error(project: Path) -> None:
    result = flake8(["--isolated", "--mp-lang=cn", "bad.py"], project)
    assert result.returncode == 2
    assert "invalid choice: 'cn'" in result.stderr and "Traceback" not in result.stderr


def test_plugin_reports_nothing_on_a_syntax_error_flake8_reports_e999(project: Path) -> None:
    (project / "broken.py").write_text("from multiprocessing import Pool\npool = Pool(2)\ndef f(:\n    pass\n")
    result = flake8(["--isolated", "--select=MPL,E999", "broken.py"], project)
    assert result.returncode == 1
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["E999"]
