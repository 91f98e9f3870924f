"""Notebooks: `mp-lint` reads .ipynb and reports `cell_N:line:col`, nbQA gives
flake8 the same findings, MPL205 flags notebook-defined workers, and the
rules that assume a re-imported main module stay silent in a notebook."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Set, Tuple

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mp_lint.cli import run
from mp_lint.config import Config
from mp_lint.engine import lint_source
from mp_lint.notebooks import is_nbqa_source, read_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "fixtures" / "notebooks"
NOTEBOOK_FIXTURES = sorted(NOTEBOOKS.glob("*.ipynb"))
PY_FIXTURE = ROOT / "fixtures" / "mpl205_interactive_worker.py"

_ERROR = re.compile(r"#\s*error:\s*(MPL\d{3}(?:\s*,\s*MPL\d{3})*)")
_CELL_FINDING = re.compile(r"^(?P<path>.+?):cell_(?P<cell>\d+):(?P<line>\d+):(?P<col>\d+): (?P<code>MPL\d{3}) ")

Expected = Set[Tuple[int, int, str]]  # (cell, line, code)


def expected_in_notebook(path: Path) -> Expected:
    """(code cell, line, code) for each `# error:` comment in the notebook's code cells."""
    notebook = nbformat.read(str(path), as_version=4)
    expected = set()
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        for line_number, line in enumerate(cell.source.splitlines(), start=1):
            match = _ERROR.search(line)
            if match:
                expected |= {(number, line_number, code.strip()) for code in match.group(1).split(",")}
    return expected


def cell_findings(output: str) -> Expected:
    return {(int(m["cell"]), int(m["line"]), m["code"]) for m in map(_CELL_FINDING.match, output.splitlines()) if m}


def mp_lint(args: List[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Tuple[int, str]:
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    status = run(args, out)
    return status, out.getvalue()


def write_notebook(path: Path, *cells: str, language: str = "python") -> Path:
    """A notebook of code cells (a cell starting with '#md ' is markdown)."""
    notebook = new_notebook(metadata={"kernelspec": {"name": "k", "display_name": "k", "language": language}})
    notebook.cells = [
        new_markdown_cell(cell[4:]) if cell.startswith("#md ") else new_code_cell(cell) for cell in cells
    ]
    nbformat.write(notebook, str(path))
    return path


def codes_at(path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> List[Tuple[int, int, int, str]]:
    """(cell, line, column, code) of each finding `mp-lint` prints for a notebook."""
    status, out = mp_lint([*extra, path.name], path.parent, monkeypatch)
    found = [
        (int(m["cell"]), int(m["line"]), int(m["col"]), m["code"])
        for m in map(_CELL_FINDING.match, out.splitlines())
        if m
    ]
    assert status == (1 if found else 0), out
    return found


IMPORTS = "from multiprocessing import Pool\n"
SQUARE = "def square(x):\n    return x * x\n"
MAP_SQUARE = "with Pool(2) as pool:\n    pool.map(square, range(4))\n"


# --- the fixtures, through mp-lint and through nbQA ------------------------------------


@pytest.mark.parametrize("path", NOTEBOOK_FIXTURES, ids=[p.name for p in NOTEBOOK_FIXTURES])
def test_mp_lint_reports_each_notebook_fixture_expectation_by_cell_and_line(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out = mp_lint([path.name], path.parent, monkeypatch)
    assert status == 1
    assert sorted(cell_findings(out)) == sorted(expected_in_notebook(path))
    assert len(out.splitlines()) == len(expected_in_notebook(path))


def test_nbqa_flake8_reports_the_fixture_findings_at_the_same_places(tmp_path: Path) -> None:
    for path in NOTEBOOK_FIXTURES:  # nbQA writes its temporary files next to the notebook
        shutil.copy(path, tmp_path / path.name)
    result = subprocess.run(
        [sys.executable, "-m", "nbqa", "flake8", "--select=MPL", "--isolated", *(p.name for p in NOTEBOOK_FIXTURES)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    for path in NOTEBOOK_FIXTURES:
        lines = "\n".join(line for line in result.stdout.splitlines() if line.startswith(path.name + ":"))
        # nbQA hides the statement of a line magic (`%time ...`) from flake8;
        # mp-lint keeps it, so that finding is mp-lint's alone.
        hidden = {e for e in expected_in_notebook(path) if _is_line_magic(path, e[0], e[1])}
        assert cell_findings(lines) == expected_in_notebook(path) - hidden
    assert list(tmp_path.glob("*_nbqa_ipynb.py")) == []


def _is_line_magic(path: Path, cell: int, line: int) -> bool:
    notebook = nbformat.read(str(path), as_version=4)
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    return code_cells[cell - 1].source.splitlines()[line - 1].lstrip().startswith("%")


def test_the_python_fixture_is_what_nbqa_hands_flake8(tmp_path: Path) -> None:
    notebook = tmp_path / "mpl205_interactive_worker.ipynb"
    shutil.copy(NOTEBOOKS / notebook.name, notebook)
    (tmp_path / "out").mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "nbqa", "cp -t out", notebook.name, "--nbqa-shell"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (converted,) = (tmp_path / "out").iterdir()
    assert converted.name.endswith("_nbqa_ipynb.py")

    def tokens_out(text: str) -> str:  # nbQA's separators and placeholders carry random hex
        return re.sub(r"NBQA-CELL-SEP[0-9a-f]+|hash\(0x[0-9A-F]+\)", "<token>", text)

    assert tokens_out(converted.read_text(encoding="utf-8")) == tokens_out(PY_FIXTURE.read_text(encoding="utf-8"))


def _load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("notebook_fixtures_build", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebook_fixtures_are_what_their_build_script_writes() -> None:
    build = _load_build()
    written: Dict[str, str] = {name: build.render(cells) for name, cells in build.NOTEBOOKS.items()}
    assert sorted(written) == [p.name for p in NOTEBOOK_FIXTURES]
    for name, text in written.items():
        assert (NOTEBOOKS / name).read_text(encoding="utf-8") == text, f"run python {NOTEBOOKS / 'build.py'}"


# --- what MPL205 flags, and what it leaves alone ------------------------------------------


def test_worker_defined_in_another_cell_is_reported_where_it_is_handed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, "#md Now in parallel:", SQUARE, MAP_SQUARE)
    # Markdown cells are not counted: the pool is in the third code cell.
    assert codes_at(path, monkeypatch) == [(3, 2, 5, "MPL205")]


def test_the_same_code_in_a_python_file_is_not_mpl205(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    guarded = "".join("    " + line + "\n" for line in MAP_SQUARE.splitlines())
    (tmp_path / "script.py").write_text(IMPORTS + SQUARE + "if __name__ == '__main__':\n" + guarded)
    assert mp_lint(["script.py"], tmp_path, monkeypatch) == (0, "")


def test_imported_worker_is_not_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS + "from workers import square\n", MAP_SQUARE)
    assert codes_at(path, monkeypatch) == []


def test_fork_start_method_silences_mpl205(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, MAP_SQUARE)
    assert codes_at(path, monkeypatch, "--mp-start-method", "fork") == []
    assert codes_at(path, monkeypatch, "--mp-start-method", "forkserver") == [(3, 2, 5, "MPL205")]


def test_module_level_pool_and_entry_call_are_not_mpl101_or_mpl102_in_a_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = (IMPORTS + "from workers import square\n", "def main():\n    " + MAP_SQUARE.replace("\n    ", "\n        "))
    path = write_notebook(tmp_path / "nb.ipynb", *cells, "main()\npool = Pool(2)\npool.close()\npool.join()")
    assert codes_at(path, monkeypatch) == []
    # The same code as a script: both rules apply.
    script = "\n".join(cells) + "\nmain()\npool = Pool(2)\npool.close()\npool.join()\n"
    assert sorted(f.code for f in lint_source(script, "script.py")) == ["MPL101", "MPL102"]


def test_noqa_in_a_cell_silences_its_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    silenced = MAP_SQUARE.replace("range(4))", "range(4))  # noqa: MPL205")
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, silenced)
    assert codes_at(path, monkeypatch) == []


def test_json_output_gives_the_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, MAP_SQUARE)
    status, out = mp_lint(["--format", "json", "nb.ipynb"], tmp_path, monkeypatch)
    assert status == 1
    assert json.loads(out) == [
        {
            "path": "nb.ipynb",
            "cell": 3,
            "line": 2,
            "column": 5,
            "code": "MPL205",
            "message": (
                "'square' defined in this notebook does not exist in spawned children; import it from a .py file"
            ),
            "fix": None,
        }
    ]


# --- IPython syntax and odd notebooks -------------------------------------------------------


def test_line_magics_and_shell_commands_do_not_hide_the_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cell = "%load_ext autoreload\n!pip list\nfiles = !ls\nPool?\n" + MAP_SQUARE
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, cell)
    assert codes_at(path, monkeypatch) == [(3, 6, 5, "MPL205")]


def test_time_magic_statement_is_checked_at_its_own_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cell = "pool = Pool(2)\n%time squares = pool.map(square, range(4))\npool.close()\npool.join()"
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, cell)
    assert codes_at(path, monkeypatch) == [(3, 2, 17, "MPL205")]


def test_time_cell_magic_body_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, "%%time\n" + MAP_SQUARE)
    assert codes_at(path, monkeypatch) == [(3, 3, 5, "MPL205")]


def test_cells_of_other_languages_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cells = ("%%bash\n" + MAP_SQUARE, "%%writefile w.py\n" + MAP_SQUARE)
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, *cells)
    assert codes_at(path, monkeypatch) == []


def test_a_cell_with_a_syntax_error_does_not_hide_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, "def half(:\n", MAP_SQUARE)
    assert codes_at(path, monkeypatch) == [(4, 2, 5, "MPL205")]


def test_future_import_in_a_later_cell_does_not_hide_the_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, "from __future__ import annotations\n" + SQUARE, MAP_SQUARE)
    assert codes_at(path, monkeypatch) == [(3, 2, 5, "MPL205")]


def test_notebook_of_another_language_has_no_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, MAP_SQUARE, language="R")
    assert codes_at(path, monkeypatch) == []


def test_unreadable_notebooks_are_errors_not_tracebacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (tmp_path / "old.ipynb").write_text(json.dumps({"nbformat": 3, "worksheets": [], "cells": []}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name, reason in (("broken.ipynb", "invalid JSON"), ("old.ipynb", "unsupported notebook format 3")):
        assert run([name], io.StringIO()) == 2
        error = capsys.readouterr().err
        assert error.startswith(f"mp-lint: cannot read {name}: ") and reason in error


def test_folders_are_searched_for_python_files_only_as_flake8_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_notebook(tmp_path / "nb.ipynb", IMPORTS, SQUARE, MAP_SQUARE)
    assert mp_lint(["."], tmp_path, monkeypatch) == (0, "")


def test_positions_map_back_to_cells() -> None:
    source = read_notebook(NOTEBOOKS / "mpl205_interactive_worker.ipynb")
    lines = source.source.split("\n")
    target = lines.index("    squares = list(executor.map(square, data))  # error: MPL205")
    # `%time ` was cut from this line: columns after the indentation move right by 6.
    assert source.locate(target + 1, 4) == (4, 2, 10)
    assert source.locate(target + 1, 0) == (4, 2, 0)


# --- recognising nbQA's converted notebooks ---------------------------------------------------


def test_nbqa_sources_are_recognised_by_separator_or_file_name() -> None:
    assert is_nbqa_source(PY_FIXTURE.read_text(encoding="utf-8"))
    assert is_nbqa_source("import multiprocessing\n", "lessonab12cd_nbqa_ipynb.py")
    # Percent-format scripts (VS Code, Spyder, jupytext) also run as plain
    # files, where MPL101 matters and MPL205 would be false: not a notebook.
    assert not is_nbqa_source("# %%\nimport multiprocessing\n", "lesson.py")
    assert not is_nbqa_source("import multiprocessing\n# %%NBQA-CELL-SEPabcdef\n", "lesson.py")


def test_engine_treats_nbqa_source_as_a_notebook() -> None:
    script = IMPORTS + SQUARE + MAP_SQUARE
    assert [f.code for f in lint_source(script, "lesson.py")] == ["MPL101"]
    converted = "# %%NBQA-CELL-SEP1a2b3c\n" + script
    assert [(f.line, f.code) for f in lint_source(converted, "lesson.py")] == [(6, "MPL205")]
    assert lint_source(converted, "lesson.py", Config(start_method="fork")) == []


def test_start_method_cell_is_not_flagged_in_a_notebook() -> None:
    from mp_lint.engine import lint_source

    source = "import multiprocessing as mp\nmp.set_start_method('spawn')\n"
    assert [f.code for f in lint_source(source, "script.py", interactive=False)] == ["MPL103"]
    assert lint_source(source, "cell.py", interactive=True) == []
