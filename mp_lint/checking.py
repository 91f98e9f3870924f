"""Checking files for the `mp-lint` command: read, parse, lint, `# noqa`.

Every file named or found ends in findings, a per-file error (it cannot be
read; Python cannot parse it), or nothing; one file's failure never stops
the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from mp_lint.messages import read_error
from mp_lint.config import Config
from mp_lint.discovery import NotRegularFile, iter_python_files, read_source, require_regular_file
from mp_lint.engine import Finding, lint_source
from mp_lint.notebooks import NotebookError, read_notebook
from mp_lint.output import FileError, FileFinding, Report
from mp_lint.selection import selected, suppressed
from mp_lint.syntax import UnparsableSource, parse

#: What reading or decoding a file can raise; each becomes "cannot read" for that file.
READ_ERRORS = (OSError, UnicodeDecodeError, LookupError, NotebookError, SyntaxError, RecursionError)


def lint_path(path: Path, config: Config, notes: Optional[List[str]] = None) -> List[Finding]:
    """The findings of one file that its `# noqa` comments do not silence.

    Raises UnparsableSource when Python cannot parse the file, and OSError
    or UnicodeDecodeError when it cannot be read. `notes` receives why the
    file was not analysed, if it was not (see `lint_source`).
    """
    source = read_source(path)
    tree = parse(source, str(path))
    lines = source.splitlines()
    found = lint_source(source, str(path), config, compiles=True, tree=tree, notes=notes)
    return [f for f in found if not suppressed(f, lines)]


def lint_notebook(path: Path, config: Config) -> List[Tuple[int, Finding]]:
    """(cell, finding) for each finding of a notebook, line and column within the cell."""
    require_regular_file(path)  # a FIFO named lesson.ipynb would block the read
    notebook = read_notebook(path)
    lines = notebook.source.split("\n")
    located = []
    for finding in lint_source(notebook.source, str(path), config, interactive=True):
        if suppressed(finding, lines):
            continue
        cell, line, col = notebook.locate(finding.line, finding.col)
        located.append((cell, Finding(line, col, finding.code, finding.message)))
    return located


def check_files(
    paths: Sequence[str], config: Config, select: Sequence[str], ignore: Sequence[str], exclude: Sequence[str]
) -> Report:
    """Lint every file of `paths`: the selected findings, the per-file errors, the counts."""
    report = Report()
    for path in iter_python_files(paths, exclude, report.skipped):
        name = str(path)
        try:
            if path.suffix == ".ipynb":
                found = [FileFinding(name, f, cell) for cell, f in lint_notebook(path, config)]
                report.notebooks += 1
            else:
                notes: List[str] = []
                found = [FileFinding(name, f) for f in lint_path(path, config, notes)]
                report.unanalysed.extend((name, note) for note in notes)
        except UnparsableSource as error:
            report.errors.append(FileError(name, error.message, error.kind, error.line, error.col))
            continue
        except NotRegularFile as error:
            report.errors.append(FileError(name, str(error)))
            continue
        except READ_ERRORS as error:
            report.errors.append(FileError(name, _reason(error), said=read_error(name, error, config.lang)))
            continue
        report.checked += 1
        report.findings.extend(r for r in found if selected(r.finding.code, select, ignore))
    return report


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, RecursionError):
        return "too deeply nested to read"
    return str(error) or type(error).__name__


def exit_status(report: Report) -> int:
    """The rule for a lint run: 2 if a file could not be checked, else 1 on findings, else 0."""
    if report.errors:
        return 2
    return 1 if report.findings else 0
