"""The `mp-lint` command: same findings as the plugin, flake8-style output."""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

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
    # fixtures/projects/ holds a module with a syntax error on purpose: mp-lint
    # reports it as a line of its own, flake8 as E999 (not selected here).
    printed = lint(["--isolated", "fixtures"], repo_root, monkeypatch)[1].splitlines()
    command = [line for line in printed if ": MPL" in line]
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


# --- the real command, in a subprocess ----------------------------------------------

MODULE_LEVEL = "from multiprocessing import Pool\n\npool = Pool(2)\n"
# Only a lambda with no free variable: --fix can fix everything.
FIXABLE_ONLY = '''\
from multiprocessing import Pool


def main():
    with Pool(2) as pool:
        print(pool.map(lambda x: x * 2, range(3)))


if __name__ == "__main__":
    main()
'''
# A lambda (fixable) and an open file sent to a worker (MPL203: no fix).
FIXABLE_AND_NOT = '''\
from multiprocessing import Pool


def work(handle):
    return handle.name


def main():
    with Pool(2) as pool:
        print(pool.map(lambda x: x * 2, range(3)))
        pool.apply(work, (open("data.txt"),))


if __name__ == "__main__":
    main()
'''


def mp_lint_command(
    args: List[str], cwd: Path, env: Optional[Dict[str, str]] = None, timeout: float = 60
) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "mp_lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        errors="surrogateescape",
    )


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif"])
def test_a_file_python_cannot_parse_is_reported_with_exit_two_in_every_format(
    tmp_path: Path, output_format: str
) -> None:
    (tmp_path / "broken.py").write_text("import multiprocessing\ndef f(:\n    pass\n")
    (tmp_path / "bad.py").write_text(BAD)
    result = mp_lint_command(["--format", output_format, "."], tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    if output_format == "text":
        assert result.stdout.splitlines()[0] == "broken.py:2:7: SyntaxError: invalid syntax"
        assert "bad.py:6:9: MPL201" in result.stdout  # the other file is still checked
    elif output_format == "json":
        entries = json.loads(result.stdout)
        assert entries[0] == {
            "path": "broken.py", "line": 2, "column": 7, "code": None, "message": "SyntaxError: invalid syntax"
        }
        assert [e["code"] for e in entries[1:]] == ["MPL201"]
    elif output_format == "github":
        assert result.stdout.splitlines()[0] == "::error file=broken.py,line=2,col=7,title=SyntaxError::invalid syntax"
    else:
        results = json.loads(result.stdout)["runs"][0]["results"]
        broken = [r for r in results if r["ruleId"] == "SyntaxError"]
        assert len(broken) == 1 and broken[0]["level"] == "error"
        location = broken[0]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "broken.py"
        assert location["region"] == {"startLine": 2, "startColumn": 7}


def test_syntax_errors_python_reports_only_at_compile_time_are_not_flagged(tmp_path: Path) -> None:
    # ast.parse accepts these (flake8 gives no E999 either): no syntax error, no silence on findings.
    (tmp_path / "odd.py").write_text("from multiprocessing import Pool\n\nreturn_value = 1\npool = Pool(2)\n")
    result = mp_lint_command(["odd.py"], tmp_path)
    assert (result.returncode, result.stdout.split(" ")[1]) == (1, "MPL101")


def test_null_byte_and_indentation_errors_are_located(tmp_path: Path) -> None:
    (tmp_path / "nul.py").write_bytes(b"import multiprocessing\nx = 1\x00\n")
    (tmp_path / "indent.py").write_text("import multiprocessing\nif True:\nx = 1\n")
    result = mp_lint_command(["nul.py", "indent.py"], tmp_path)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith("nul.py:2:6: SyntaxError: source code")
    assert lines[1].startswith("indent.py:3:1: IndentationError: expected an indented block")


def test_diff_and_fix_report_a_syntax_error_with_exit_two(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import multiprocessing\ndef f(:\n    pass\n")
    for mode in ("--diff", "--fix"):
        result = mp_lint_command([mode, "broken.py"], tmp_path)
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr.splitlines()[0] == "broken.py:2:7: SyntaxError: invalid syntax"
    assert (tmp_path / "broken.py").read_text() == "import multiprocessing\ndef f(:\n    pass\n"


# The one rule for every mode (README, "Exit status"): 2 when a file could not be
# checked or the command line or configuration is wrong; otherwise 1 when findings
# remain in the files as they are after the run; otherwise 0.
EXIT_CASES = {
    "clean": (["good.py"], 0),
    "findings": (["bad.py"], 1),
    "diff with fixes available": (["--diff", "fixable.py"], 1),
    "diff with findings that have no fix": (["--diff", "module_level.py", "--select", "MPL2,MPL3"], 0),
    "diff with a finding of a code without fix": (["--diff", "mixed.py"], 1),
    "diff on a clean file": (["--diff", "good.py"], 0),
    "fix applied, nothing left": (["--fix", "fixable.py"], 0),
    "fix applied, findings left": (["--fix", "mixed.py"], 1),
    "unreadable input": (["missing.py"], 2),
    "syntax error": (["broken.py"], 2),
    "syntax error and findings": (["broken.py", "bad.py"], 2),
    "bad option value in the config file": (["--isolated", "--mp-lang", "cn", "bad.py"], 2),
    "unknown --select code": (["--select", "MPL999", "bad.py"], 2),
}


@pytest.mark.parametrize("case", sorted(EXIT_CASES))
def test_exit_status_follows_one_rule_in_every_mode(tmp_path: Path, case: str) -> None:
    (tmp_path / "good.py").write_text("from multiprocessing import Pool\n")
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "fixable.py").write_text(FIXABLE_ONLY)
    (tmp_path / "mixed.py").write_text(FIXABLE_AND_NOT)
    (tmp_path / "module_level.py").write_text(MODULE_LEVEL)
    (tmp_path / "broken.py").write_text("import multiprocessing\ndef f(:\n    pass\n")
    args, expected = EXIT_CASES[case]
    result = mp_lint_command(args, tmp_path)
    assert result.returncode == expected, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    if case == "fix applied, nothing left":
        assert mp_lint_command(["fixable.py"], tmp_path).returncode == 0  # and the file is clean now


def test_diff_on_a_notebook_lists_its_findings(repo_root: Path) -> None:
    notebook = repo_root / "fixtures" / "notebooks" / "mpl205_interactive_worker.ipynb"
    result = mp_lint_command(["--isolated", "--diff", str(notebook)], repo_root)
    assert result.returncode == 1
    assert result.stdout == ""  # notebooks are never rewritten: no diff
    assert ":cell_" in result.stderr and "MPL205" in result.stderr


def test_bad_values_in_the_config_file_stop_the_run_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    expected = {
        "mp-lang = cn": "mp-lint: setup.cfg: invalid value for mp-lang: 'cn' (allowed: en, zh)",
        "mp-start-method = threads": (
            "mp-lint: setup.cfg: invalid value for mp-start-method: 'threads' (allowed: spawn, forkserver, fork)"
        ),
        "mp-extra-process-apis = my-project.pool": (
            "mp-lint: setup.cfg: invalid value for mp-extra-process-apis: 'my-project.pool' "
            "(allowed: dotted names such as myproject.make_pool)"
        ),
    }
    for line, message in expected.items():
        (tmp_path / "setup.cfg").write_text(f"[flake8]\n{line}\n")
        result = mp_lint_command(["bad.py"], tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")
        # the command line overrides the file's value, but the file's value is still checked
        assert mp_lint_command(["--mp-lang", "en", "bad.py"], tmp_path).returncode == 2


def test_unknown_select_code_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    for select in ("E501", "MPL9", "MPL2,X1"):
        status, out = lint(["--select", select, "bad.py"], tmp_path, monkeypatch)
        assert (status, out) == (2, "")
    assert lint(["--select", "mpl20", "bad.py"], tmp_path, monkeypatch)[0] == 1  # a prefix of MPL201


def test_statistics_count_per_code_and_say_how_many_files_were_checked(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "module_level.py").write_text(MODULE_LEVEL + "other = Pool(3)\n")
    (tmp_path / "good.py").write_text("x = 1\n")
    result = mp_lint_command(["--statistics", "."], tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-3:] == [
        "2     MPL101 process-start-at-import",
        "1     MPL201 lambda-to-worker",
        "3 findings; 3 files checked",
    ]
    # machine-readable formats keep stdout parseable: the statistics go to stderr
    result = mp_lint_command(["--statistics", "--format", "json", "."], tmp_path)
    assert len(json.loads(result.stdout)) == 3
    assert result.stderr.splitlines()[-1] == "3 findings; 3 files checked"


def test_empty_folder_and_folder_of_notebooks_say_how_many_files_were_checked(
    tmp_path: Path, repo_root: Path
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "lessons").mkdir()
    for notebook in (repo_root / "fixtures" / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, tmp_path / "lessons" / notebook.name)
    count = len(list((tmp_path / "lessons").glob("*.ipynb")))
    assert count >= 2
    result = mp_lint_command(["--verbose", "empty"], tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "mp-lint: 0 files checked in empty\n")
    result = mp_lint_command(["--statistics", "lessons"], tmp_path)
    assert result.returncode == 0
    assert result.stdout == (
        f"0 findings; 0 files checked; {count} notebooks in folders not checked (name them to check them)\n"
    )
    named = [str(p) for p in sorted((tmp_path / "lessons").glob("*.ipynb"))]
    result = mp_lint_command(["--statistics", *named], tmp_path)
    assert result.stdout.splitlines()[-1].endswith(f"; {count} files checked ({count} notebooks)")


def test_output_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    # far more output than a pipe holds (170 KB), so the writer meets the closed pipe
    pools = "".join(f"pool{n} = Pool(2)\n" for n in range(1500))
    (tmp_path / "many.py").write_text("from multiprocessing import Pool\n" + pools)
    for output_format in ("text", "json"):
        command = f"{shlex.quote(sys.executable)} -m mp_lint --format {output_format} . | head -n 1"
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert result.stderr == ""
        assert len(result.stdout.splitlines()) == 1
        assert result.returncode == 1  # findings: the status the run would have had


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_like_a_python_file_is_skipped_not_waited_for(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    os.mkfifo(tmp_path / "x.py")
    for args, status in (([], 1), (["--format", "json"], 1), (["--diff"], 1), (["--fix"], 0)):
        result = mp_lint_command([*args, "."], tmp_path, timeout=30)  # a hang fails with TimeoutExpired
        assert result.returncode == status, result.stderr
        assert "bad.py" in result.stdout + result.stderr or "fixed 1 finding(s) in 1 file(s)" in result.stderr
    result = mp_lint_command(["--verbose", "."], tmp_path, timeout=30)
    assert "mp-lint: skipped x.py: a FIFO, not a regular file\n" in result.stderr
    assert result.stderr.endswith("mp-lint: 1 file checked in .\n")
    # named on the command line, it is an error for that file, at once
    result = mp_lint_command(["x.py"], tmp_path, timeout=30)
    assert (result.returncode, result.stderr) == (2, "mp-lint: cannot read x.py: a FIFO, not a regular file\n")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="the file system must accept any bytes in names")
def test_file_names_that_are_not_utf8_are_printed_as_the_file_system_names_them(tmp_path: Path) -> None:
    raw = b"caf\xe9_\xff.py"
    (tmp_path / os.fsdecode(raw)).write_text(MODULE_LEVEL)
    (tmp_path / os.fsdecode(b"broken_\xff.py")).write_text("def f(:\n")
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    for output_format in ("text", "github"):
        done = subprocess.run(
            [sys.executable, "-m", "mp_lint", "--format", output_format, "."],
            cwd=tmp_path, capture_output=True, env=env, timeout=60,
        )
        assert done.returncode == 2
        assert b"Traceback" not in done.stderr
        assert raw in done.stdout and b"broken_\xff.py" in done.stdout  # the name's own bytes
    done = subprocess.run(
        [sys.executable, "-m", "mp_lint", "--format", "json", "."], cwd=tmp_path, capture_output=True, env=env,
        timeout=60,
    )
    entries = json.loads(done.stdout.decode("utf-8"))  # still valid UTF-8 JSON
    assert {os.fsencode(entry["path"]) for entry in entries} == {raw, b"broken_\xff.py"}
    done = subprocess.run(
        [sys.executable, "-m", "mp_lint", "--format", "sarif", "."], cwd=tmp_path, capture_output=True, env=env,
        timeout=60,
    )
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(done.stdout.decode("utf-8"))["runs"][0]["results"]
    }
    assert uris == {"caf%E9_%FF.py", "broken_%FF.py"}
    # --verbose names a skipped file on stderr the same way
    os.mkfifo(tmp_path / os.fsdecode(b"pipe_\xff.py"))
    done = subprocess.run(
        [sys.executable, "-m", "mp_lint", "--verbose", "."], cwd=tmp_path, capture_output=True, env=env, timeout=60
    )
    assert b"mp-lint: skipped pipe_\xff.py: a FIFO" in done.stderr


def test_docs_command_of_an_installed_package_writes_nothing_into_the_current_folder(
    tmp_path: Path, repo_root: Path
) -> None:
    site = tmp_path / "site-packages"  # the package as a wheel installs it: no checkout around it
    shutil.copytree(repo_root / "mp_lint", site / "mp_lint", ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=str(site))
    result = subprocess.run(
        [sys.executable, "-m", "mp_lint.docs"], cwd=work, capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert list(work.iterdir()) == []
    assert result.stdout == (repo_root / "docs" / "rules.md").read_text(encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mp_lint.docs", "--check"], cwd=work, capture_output=True, text=True, env=env,
        timeout=60,
    )
    assert result.returncode == 2 and "name the page" in result.stderr
    assert list(work.iterdir()) == []
