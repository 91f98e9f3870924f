"""The `mp-lint` command: the same engine and rules as the flake8 plugin.

    mp-lint [PATH ...] [--select MPL2] [--ignore MPL601] [--format text|json|github|sarif]
            [--statistics] [--verbose] [--diff] [--fix]

Folders are searched for .py files, as flake8 does (regular files only; see
`mp_lint.discovery`). Jupyter notebooks named on the command line
(`mp-lint lesson.ipynb`) are read too, and their findings are placed as nbQA
places them: `lesson.ipynb:cell_3:2:5:` is line 2, column 5 of the third
code cell. Options `--mp-start-method`, `--mp-extra-process-apis` and
`--mp-lang` are read from the `[flake8]` (or `[mp-lint]`) section of
`setup.cfg`, `tox.ini` or `.flake8` (see `mp_lint.config`), and the command
line overrides them. `# noqa` and `# noqa: MPL201` comments are honoured as
flake8 honours them. Output formats are in `mp_lint.output`.

Exit status, one rule for every mode: 2 when a file could not be checked
(unreadable, or Python cannot parse it) or an option is wrong; otherwise 1
when findings remain in the files as they are after the run (with `--diff`
nothing is written, so any finding counts; with `--fix`, what is left);
otherwise 0.

`--diff` prints, as a unified diff, the fixes for MPL101-MPL103 and
MPL201-MPL202 (see `mp_lint.fixes`) and lists on standard error the
findings it leaves; `--fix` writes them and then reports what is left.
Findings with a fixable code that get no fix are listed on standard error
with the reason (`path:line:col: MPL201 no fix: ...`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, TextIO

from mp_lint import __version__
from mp_lint.checking import check_files, exit_status, lint_notebook, lint_path
from mp_lint.config import LANGUAGES, START_METHODS, Config, ConfigError, config_file_options, make_config, split_names
from mp_lint.discovery import exclude_patterns, iter_python_files
from mp_lint.engine import lint_source
from mp_lint.notebooks import NotebookError
from mp_lint.output import (
    FORMATS,
    FileFinding,
    Report,
    prepare_stream,
    silence_stdout,
    verbose_lines,
    write_report,
    write_statistics,
)
from mp_lint.selection import selected, suppressed
from mp_lint.syntax import UnparsableSource

__all__ = ["FileFinding", "build_parser", "lint_notebook", "lint_path", "main", "run"]


def _split_codes(value: Optional[str]) -> List[str]:
    return [code.strip().upper() for code in (value or "").split(",") if code.strip()]


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
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--statistics", action="store_true", help="count the findings per code")
    parser.add_argument("-v", "--verbose", action="store_true", help="say which files were checked and skipped")
    parser.add_argument("--diff", action="store_true", help="print the available fixes as a diff; change nothing")
    parser.add_argument("--fix", action="store_true", help="apply the available fixes in place")
    parser.add_argument("--version", action="version", version=f"mp-lint {__version__}")
    return parser


def resolve_config(options: argparse.Namespace, file_options: Dict[str, str]) -> Config:
    """Command line over config file over defaults; a bad value raises ConfigError."""
    source = file_options.get("config-file")
    config = make_config(
        file_options.get("mp-start-method") or "spawn",
        split_names(file_options.get("mp-extra-process-apis", "")),
        file_options.get("mp-lang") or "en",
        _display(source) if source else None,
    )
    extra = config.extra_process_apis
    if options.mp_extra_process_apis is not None:
        extra = frozenset(split_names(options.mp_extra_process_apis))
    return make_config(
        options.mp_start_method or config.start_method, sorted(extra), options.mp_lang or config.lang, None
    )


def _display(path: str) -> str:
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def _known_codes() -> List[str]:
    from mp_lint.messages import en

    return sorted(en.MESSAGES)


def check_select(select: Sequence[str]) -> None:
    """ConfigError for a --select prefix that matches none of mp-lint's codes."""
    known = _known_codes()
    for prefix in select:
        if not any(code.startswith(prefix) for code in known):
            raise ConfigError(f"--select: unknown code {prefix!r} (allowed: MPL or a prefix of its codes, "
                              f"{known[0]} to {known[-1]})")


def run(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Lint, print, and return the exit status (see README, "Exit status")."""
    stream = out if out is not None else sys.stdout
    options = build_parser().parse_args(argv)
    file_options = {} if options.isolated else config_file_options(Path.cwd())
    select = _split_codes(options.select)
    try:
        config = resolve_config(options, file_options)
        check_select(select)
    except ConfigError as error:
        print(f"mp-lint: {error}", file=sys.stderr)
        return 2
    ignore = _split_codes(options.ignore if options.ignore is not None else file_options.get("ignore"))
    ignore += _split_codes(file_options.get("extend-ignore")) + _split_codes(options.extend_ignore)
    here, config_dir = Path.cwd(), Path(file_options.get("config-dir", "."))
    if options.exclude is not None:
        exclude = exclude_patterns(options.exclude, here)
    else:
        exclude = exclude_patterns(file_options.get("exclude", ""), config_dir)
    exclude += exclude_patterns(file_options.get("extend-exclude", ""), config_dir)
    exclude += exclude_patterns(options.extend_exclude, here)
    options.exclude_patterns = exclude
    if options.fix or options.diff:
        return run_fixes(options, config, select, ignore, stream)
    report = check_files(options.paths, config, select, ignore, exclude)
    try:
        write_report(report, options.format, stream)
        if options.statistics:
            write_statistics(report, options.format, stream)
        if options.verbose:
            for line in verbose_lines(report, options.paths):
                print(line, file=sys.stderr)
        stream.flush()
    except BrokenPipeError:  # `mp-lint | head`: the reader has all it wanted
        if out is None:
            silence_stdout()
    return exit_status(report)


def write_results(results: Sequence[FileFinding], output_format: str, stream: TextIO) -> None:
    """Print findings in `output_format` (see mp_lint.output)."""
    write_report(Report(findings=list(results)), output_format, stream)


def run_fixes(
    options: argparse.Namespace, config: Config, select: Sequence[str], ignore: Sequence[str], stream: TextIO
) -> int:
    """`--diff` and `--fix`: show or write the fixes, then report what is left."""
    if options.diff and options.format != "text":
        print(f"mp-lint: --diff prints a diff; it cannot be combined with --format {options.format}", file=sys.stderr)
        return 2
    from mp_lint.fixes import FIXABLE_CODES, fix_file  # libcst and the fixes load only when fixing

    results: List[FileFinding] = []
    unfixable: List[FileFinding] = []  # at their place in the file as it is: what --diff cannot show
    notes: List[str] = []
    status = 0
    changed_files = fixed_findings = 0
    for path in iter_python_files(options.paths, options.exclude_patterns):
        try:
            if path.suffix == ".ipynb":  # notebooks are reported, never rewritten
                found = [FileFinding(str(path), f, cell) for cell, f in lint_notebook(path, config)]
                results.extend(r for r in found if selected(r.finding.code, select, ignore))
                unfixable.extend(r for r in found if selected(r.finding.code, select, ignore))
                continue
            before = [f for f in lint_path(path, config) if selected(f.code, select, ignore)]
            if not before:
                continue  # nothing found: the file is not touched
            unfixable.extend(FileFinding(str(path), f) for f in before if f.code not in FIXABLE_CODES)
            fixed = fix_file(path, config, select=select, ignore=ignore)
            if options.diff and fixed.changed:
                stream.write(fixed.diff())
            if options.fix:
                fixed.write()
        except UnparsableSource as error:
            print(error.as_text(str(path)), file=sys.stderr)
            status = 2
            continue
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
        # The diff is on stdout; findings of codes without a fix (and in notebooks) are listed on stderr.
        for result in unfixable:
            print(result.as_text(), file=sys.stderr)
        return status or (1 if changed_files or results else 0)
    if not options.diff:
        write_results(results, options.format, stream)
    summary = f"mp-lint: fixed {fixed_findings} finding(s) in {changed_files} file(s), {len(results)} left"
    print(summary, file=sys.stderr)
    return status or (1 if results else 0)


def main() -> None:
    """Console-script entry point."""
    prepare_stream(sys.stdout)
    prepare_stream(sys.stderr)
    try:
        status = run()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away while fixes were printed
        silence_stdout()
        status = 1
    sys.exit(status)
