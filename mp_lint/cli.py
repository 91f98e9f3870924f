"""The `mp-lint` command: the same engine and rules as the flake8 plugin.

    mp-lint [PATH ...] [--select MPL2] [--ignore MPL601] [--format json] [--diff] [--fix]

Folders are searched for .py files, as flake8 does. Jupyter notebooks named
on the command line (`mp-lint lesson.ipynb`) are read too, and their findings
are placed as nbQA places them: `lesson.ipynb:cell_3:2:5:` is line 2,
column 5 of the third code cell.
Options `--mp-start-method`, `--mp-extra-process-apis`, `--mp-lang` and `--mp-no-cache` are
read from the `[flake8]` (or `[mp-lint]`) section of `setup.cfg`, `tox.ini`
or `.flake8` in the current directory, and the command line overrides them.
`# noqa` and `# noqa: MPL201` comments are honoured as flake8 honours them.
Exit status: 0 clean, 1 findings, 2 usage or input errors.

`--diff` prints, as a unified diff, the fixes for MPL101-MPL103 and
MPL201-MPL202 (see `mp_lint.fixes`) and exits 1 when there is one; `--fix`
writes them and then reports what is left, with the same exit status as a
plain run. Findings with a fixable code that get no fix are listed on
standard error with the reason (`path:line:col: MPL201 no fix: ...`).
"""

from __future__ import annotations

import argparse
import configparser
import fnmatch
import io
import json
import os
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from mp_lint import __version__
from mp_lint.config import LANGUAGES, START_METHODS, Config
from mp_lint.engine import Finding, lint_source
from mp_lint.notebooks import NotebookError, read_notebook
from mp_lint.selection import selected, suppressed

_CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")
_SKIPPED_DIRECTORIES = {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "build", "dist"}


@dataclass(frozen=True)
class FileFinding:
    """A finding in a file, as the command prints it."""

    path: str
    finding: Finding
    #: in a notebook: the code cell (1-based, as nbQA counts); line and column are the cell's.
    cell: Optional[int] = None

    def as_text(self) -> str:
        f = self.finding
        where = f"{self.path}:cell_{self.cell}" if self.cell is not None else self.path
        return f"{where}:{f.line}:{f.col + 1}: {f.code} {f.message}"

    def as_json(self) -> Dict[str, object]:
        f = self.finding
        found: Dict[str, object] = {"path": self.path}
        if self.cell is not None:
            found["cell"] = self.cell
        found.update({"line": f.line, "column": f.col + 1, "code": f.code, "message": f.message})
        return found


def read_source(path: Path) -> str:
    """Decode a Python file as the interpreter would (coding cookie, BOM)."""
    raw = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    text = raw.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def lint_path(path: Path, config: Config) -> List[Finding]:
    """The findings of one file that its `# noqa` comments do not silence."""
    source = read_source(path)
    lines = source.splitlines()
    return [f for f in lint_source(source, str(path), config) if not suppressed(f, lines)]


def lint_notebook(path: Path, config: Config) -> List[Tuple[int, Finding]]:
    """(cell, finding) for each finding of a notebook, line and column within the cell."""
    notebook = read_notebook(path)
    lines = notebook.source.split("\n")
    located = []
    for finding in lint_source(notebook.source, str(path), config, interactive=True):
        if suppressed(finding, lines):
            continue
        cell, line, col = notebook.locate(finding.line, finding.col)
        located.append((cell, Finding(line, col, finding.code, finding.message)))
    return located


def iter_python_files(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[Path]:
    """The .py files named, and those below the folders named, sorted,
    leaving out what matches an `exclude` pattern."""
    for name in paths:
        path = Path(name)
        if excluded(path, exclude):
            continue
        if path.is_dir():
            for directory, subdirectories, files in os.walk(path):
                subdirectories[:] = sorted(
                    d
                    for d in subdirectories
                    if d not in _SKIPPED_DIRECTORIES and not excluded(Path(directory, d), exclude)
                )
                for file_name in sorted(files):
                    if file_name.endswith(".py") and not excluded(Path(directory, file_name), exclude):
                        yield Path(directory, file_name)
        else:
            yield path


def _split_codes(value: Optional[str]) -> List[str]:
    return [code.strip().upper() for code in (value or "").split(",") if code.strip()]


_FILE_KEYS = (
    "mp-start-method", "mp-extra-process-apis", "mp-lang", "ignore", "extend-ignore", "exclude", "extend-exclude",
    "mp-no-cache",
)


def config_file_options(directory: Path) -> Dict[str, str]:
    """Options from the config file flake8 would use.

    As flake8 does, the first of setup.cfg, tox.ini and .flake8 with a
    `[flake8]` section, looked for in `directory` and then its parents
    (a `[mp-lint]` section counts too, and wins over `[flake8]`).
    """
    for folder in (directory, *directory.parents):
        for name in _CONFIG_FILES:
            path = folder / name
            if not path.is_file():
                continue
            parser = configparser.RawConfigParser()
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue
            if not (parser.has_section("flake8") or parser.has_section("mp-lint")):
                continue
            found: Dict[str, str] = {}
            for section in ("flake8", "mp-lint"):
                if parser.has_section(section):
                    for key, value in parser.items(section):
                        key = key.replace("_", "-")
                        if key in _FILE_KEYS:
                            found[key] = value.strip()
            found["config-dir"] = str(folder)
            return found
    return {}


def excluded(path: Path, patterns: Sequence[str]) -> bool:
    """flake8's test: a pattern matches the file's name or its absolute path."""
    if not patterns:
        return False
    name, absolute = path.name, str(path.resolve())
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(absolute, p) for p in patterns)


def _patterns(value: str, base: Path) -> List[str]:
    """Exclude patterns; those with a slash are relative to the config's folder."""
    found = []
    for item in re.split(r"[,\s]+", value):
        item = item.strip()
        if item:
            found.append(str((base / item).resolve()) if "/" in item else item)
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mp-lint", description="Flag multiprocessing pitfalls.")
    parser.add_argument("paths", nargs="*", default=["."], help="files or folders (default: .)")
    parser.add_argument("--select", default="MPL", help="comma-separated code prefixes to report (default: MPL)")
    parser.add_argument("--ignore", help="comma-separated code prefixes to leave out (replaces the config's)")
    parser.add_argument("--extend-ignore", default="", help="code prefixes to leave out, added to --ignore")
    parser.add_argument("--exclude", help="comma-separated file or folder patterns to skip (replaces the config's)")
    parser.add_argument("--extend-exclude", default="", help="patterns to skip, added to --exclude")
    parser.add_argument("--isolated", action="store_true", help="ignore configuration files")
    parser.add_argument("--mp-start-method", choices=START_METHODS, help="start method to assume (default: spawn)")
    parser.add_argument("--mp-extra-process-apis", help="comma-separated dotted names that create process pools")
    parser.add_argument("--mp-lang", choices=LANGUAGES, help="message language (default: en)")
    parser.add_argument("--mp-no-cache", action="store_true", help="do not keep summaries of imported modules on disk")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--diff", action="store_true", help="print the available fixes as a diff; change nothing")
    parser.add_argument("--fix", action="store_true", help="apply the available fixes in place")
    parser.add_argument("--version", action="version", version=f"mp-lint {__version__}")
    return parser


def resolve_config(options: argparse.Namespace, file_options: Dict[str, str]) -> Config:
    """Command line over config file over defaults."""
    start_method = options.mp_start_method or file_options.get("mp-start-method") or "spawn"
    lang = options.mp_lang or file_options.get("mp-lang") or "en"
    if start_method not in START_METHODS or lang not in LANGUAGES:
        raise ValueError(f"unknown start method or language in config: {start_method!r}, {lang!r}")
    extra_text = options.mp_extra_process_apis
    if extra_text is None:
        extra_text = file_options.get("mp-extra-process-apis", "")
    extra = frozenset(name.strip() for name in re.split(r"[,\s]+", extra_text) if name.strip())
    no_cache = options.mp_no_cache or file_options.get("mp-no-cache", "").strip().lower() in ("1", "true", "yes", "on")
    return Config(start_method=start_method, extra_process_apis=extra, lang=lang, use_cache=not no_cache)


def run(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Lint, print, and return the exit status."""
    stream = out if out is not None else sys.stdout
    options = build_parser().parse_args(argv)
    file_options = {} if options.isolated else config_file_options(Path.cwd())
    try:
        config = resolve_config(options, file_options)
    except ValueError as error:
        print(f"mp-lint: {error}", file=sys.stderr)
        return 2
    select = _split_codes(options.select)
    ignore = _split_codes(options.ignore if options.ignore is not None else file_options.get("ignore"))
    ignore += _split_codes(file_options.get("extend-ignore")) + _split_codes(options.extend_ignore)
    here, config_dir = Path.cwd(), Path(file_options.get("config-dir", "."))
    if options.exclude is not None:
        exclude = _patterns(options.exclude, here)
    else:
        exclude = _patterns(file_options.get("exclude", ""), config_dir)
    exclude += _patterns(file_options.get("extend-exclude", ""), config_dir) + _patterns(options.extend_exclude, here)
    options.exclude_patterns = exclude
    if options.fix or options.diff:
        return run_fixes(options, config, select, ignore, stream)
    results: List[FileFinding] = []
    status = 0
    for path in iter_python_files(options.paths, options.exclude_patterns):
        try:
            if path.suffix == ".ipynb":
                found = [FileFinding(str(path), f, cell) for cell, f in lint_notebook(path, config)]
            else:
                found = [FileFinding(str(path), f) for f in lint_path(path, config)]
        except (OSError, UnicodeDecodeError, SyntaxError, LookupError, NotebookError) as error:
            print(f"mp-lint: cannot read {path}: {error}", file=sys.stderr)
            status = 2
            continue
        results.extend(r for r in found if selected(r.finding.code, select, ignore))
    write_results(results, options.format, stream)
    if status:
        return status
    return 1 if results else 0


def write_results(results: Sequence[FileFinding], output_format: str, stream: TextIO) -> None:
    """Print findings as flake8-style lines or as a JSON list."""
    if output_format == "json":
        json.dump([r.as_json() for r in results], stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    else:
        for result in results:
            stream.write(result.as_text() + "\n")


def run_fixes(
    options: argparse.Namespace, config: Config, select: Sequence[str], ignore: Sequence[str], stream: TextIO
) -> int:
    """`--diff` and `--fix`: show or write the fixes, then report what is left."""
    if options.diff and options.format == "json":
        print("mp-lint: --diff prints a diff; it cannot be combined with --format json", file=sys.stderr)
        return 2
    from mp_lint.fixes import fix_file  # libcst and the fixes load only when fixing

    results: List[FileFinding] = []
    notes: List[str] = []
    status = 0
    changed_files = fixed_findings = 0
    for path in iter_python_files(options.paths, options.exclude_patterns):
        try:
            if path.suffix == ".ipynb":  # notebooks are reported, never rewritten
                found = [FileFinding(str(path), f, cell) for cell, f in lint_notebook(path, config)]
                results.extend(r for r in found if selected(r.finding.code, select, ignore))
                continue
            before = [f for f in lint_path(path, config) if selected(f.code, select, ignore)]
            if not before:
                continue  # nothing found: the file is not touched
            fixed = fix_file(path, config, select=select, ignore=ignore)
            if options.diff and fixed.changed:
                stream.write(fixed.diff())
            if options.fix:
                fixed.write()
        except (OSError, UnicodeError, SyntaxError, LookupError, NotebookError) as error:
            print(f"mp-lint: cannot fix {path}: {error}", file=sys.stderr)
            status = 2
            continue
        text = fixed.result.after
        lines = text.splitlines()
        left = [f for f in lint_source(text, str(path), config) if selected(f.code, select, ignore)]
        left = [f for f in left if not suppressed(f, lines)]
        if fixed.changed:
            changed_files += 1
            fixed_findings += max(0, len(before) - len(left))
        declined = fixed.result.declined if options.fix else fixed.result.declined_before()
        notes.extend(item.as_text(str(path)) for item in declined)
        results.extend(FileFinding(str(path), f) for f in left)
    for note in notes:
        print(note, file=sys.stderr)
    if not options.fix:
        return status or (1 if changed_files else 0)
    if not options.diff:
        write_results(results, options.format, stream)
    summary = f"mp-lint: fixed {fixed_findings} finding(s) in {changed_files} file(s), {len(results)} left"
    print(summary, file=sys.stderr)
    return status or (1 if results else 0)


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
