"""The `mp-lint` command: same findings as the plugin, flake8-style output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mp_lint.cli import run

BAD = '''\
from multiprocessing import Pool


def main():
    with Pool(2) as pool:
        pool.map(lambda x: x * x, range(4))
        pool.map(lambda x: x + 1, range(4))  # noqa: MPL201
        pool.map(lambda x: x + 2, range(4))  # noqa


if __name__ == "__main__":
    main()
'''


def lint(args, cwd: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    status = run(args, out)
    return status, out.getvalue()


def test_reports_like_flake8_and_exits_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    status, out = lint(["bad.py"], tmp_path, monkeypatch)
    assert status == 1
    assert out == "bad.py:6:9: MPL201 lambda sent to a worker via map() cannot be pickled; use a module-level def\n"


def test_clean_file_exits_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.py").write_text("from multiprocessing import Pool\n")
    assert lint(["good.py"], tmp_path, monkeypatch) == (0, "")


def test_json_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    status, out = lint(["--format", "json", "bad.py"], tmp_path, monkeypatch)
    assert status == 1
    assert json.loads(out) == [
        {
            "path": "bad.py",
            "line": 6,
            "column": 9,
            "code": "MPL201",
            "message": "lambda sent to a worker via map() cannot be pickled; use a module-level def",
            "fix": {"applicability": "safe"},
        }
    ]


def test_ignore_and_select(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    assert lint(["--ignore", "MPL201", "bad.py"], tmp_path, monkeypatch) == (0, "")
    assert lint(["--select", "MPL1", "bad.py"], tmp_path, monkeypatch) == (0, "")
    assert lint(["--select", "MPL2", "bad.py"], tmp_path, monkeypatch)[0] == 1


def test_folders_are_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(BAD)
    (tmp_path / "pkg" / "notes.txt").write_text(BAD)
    status, out = lint(["."], tmp_path, monkeypatch)
    assert status == 1
    assert out.startswith("pkg/bad.py:6:9: MPL201")
    assert out.count("\n") == 1


def test_options_come_from_flake8_config_and_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "module_level.py").write_text("from multiprocessing import Pool\n\npool = Pool(2)\n")
    assert lint(["module_level.py"], tmp_path, monkeypatch)[0] == 1
    (tmp_path / "setup.cfg").write_text("[flake8]\nmp-start-method = fork\nmp-lang = zh\n")
    assert lint(["module_level.py"], tmp_path, monkeypatch) == (0, "")
    status, out = lint(["--mp-start-method", "spawn", "module_level.py"], tmp_path, monkeypatch)
    assert status == 1
    assert "请移到" in out  # the language still comes from setup.cfg


def test_latin1_file_with_coding_cookie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = "# -*- coding: latin-1 -*-\nfrom multiprocessing import Pool\nname = 'caf\xe9'\npool = Pool(2)\n"
    (tmp_path / "latin.py").write_bytes(source.encode("latin-1"))
    status, out = lint(["latin.py"], tmp_path, monkeypatch)
    assert status == 1
    assert out.startswith("latin.py:4:8: MPL101")


def test_unreadable_input_is_an_error_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad_encoding.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff'\n")
    assert lint(["bad_encoding.py"], tmp_path, monkeypatch)[0] == 2


def test_same_findings_as_the_flake8_plugin(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    command = lint(["--isolated", "fixtures"], repo_root, monkeypatch)[1].splitlines()
    plugin = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=MPL", "-j1", "fixtures"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout.splitlines()
    assert sorted(command) == sorted(plugin)
    assert len(command) > 50


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    result = subprocess.run(
        [sys.executable, "-m", "mp_lint", "bad.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "MPL201" in result.stdout


def test_config_is_found_in_a_parent_folder_with_ignores_and_excludes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-ignore = MPL201\nextend-exclude = generated\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text(BAD)
    (tmp_path / "src" / "module_level.py").write_text("from multiprocessing import Pool\n\npool = Pool(2)\n")
    (tmp_path / "src" / "generated").mkdir()
    (tmp_path / "src" / "generated" / "also_bad.py").write_text("from multiprocessing import Pool\n\npool = Pool(2)\n")
    status, out = lint(["."], tmp_path / "src", monkeypatch)
    assert status == 1
    assert out.splitlines() == [
        "module_level.py:3:8: MPL101 Pool() starts processes at import; children re-import this module: "
        "move under __main__ guard"
    ]
    status, out = lint(["--isolated", "--extend-ignore", "MPL101", "."], tmp_path / "src", monkeypatch)
    assert sorted(line.split(":")[0] for line in out.splitlines()) == ["bad.py"]
