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
MPL201-MPL202 (see `mp_lint.fixes`): the safe ones, then the unsafe ones,
each marked, and lists on standard error the findings it cannot show;
`--fix` writes the safe fixes, `--fix --unsafe-fixes` all of them, and then
reports what is left (see `mp_lint.fixes.command`). Findings with a fixable
code that get no fix are listed on standard error with the reason
(`path:line:col: MPL201 no fix: ...`). With `--format json` each finding
carries `"fix"`: its applicability (`{"applicability": "safe"}`), or null
when it has no fix.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, TextIO, Tuple

from mp_lint import __version__
from mp_lint.checking import check_files, exit_status, lint_notebook, lint_path
from mp_lint.config import LANGUAGES, START_METHODS, Config, ConfigError, config_file_options, make_config, split_names
from mp_lint.discovery import exclude_patterns, iter_python_files, read_source
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
    parser.add_argument("--mp-no-cache", action="store_true", help="do not keep summaries of imported modules on disk")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--statistics", action="store_true", help="count the findings per code")
    parser.add_argument("-v", "--verbose", action="store_true", help="say which files were checked and skipped")
    parser.add_argument("--diff", action="store_true", help="print the available fixes as a diff; change nothing")
    parser.add_argument("--fix", action="store_true", help="apply the available fixes in place")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix, apply the unsafe fixes too")
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
    config = make_config(
        options.mp_start_method or config.start_method, sorted(extra), options.mp_lang or config.lang, None
    )
    no_cache = getattr(options, "mp_no_cache", False) or file_options.get("mp-no-cache", "").strip().lower() in (
        "1", "true", "yes", "on"
    )
    return dataclasses.replace(config, use_cache=not no_cache)


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
    if options.fix or options.diff or options.unsafe_fixes:
        return run_fixes(options, config, select, ignore, stream)
    report = check_files(options.paths, config, select, ignore, exclude)
    if options.format == "json":
        report.findings = with_fix_ratings(report.findings, config, select, ignore)
    for path, note in report.unanalysed:  # said in every format: no finding here means "not looked at"
        print(f"mp-lint: {path}: {note}", file=sys.stderr)
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


def with_fix_ratings(
    results: List[FileFinding], config: Config, select: Sequence[str], ignore: Sequence[str]
) -> List[FileFinding]:
    """`results` with the applicability of each finding's fix (planned only for files with a fixable code)."""
    from mp_lint.fixes.command import fix_ratings, has_fixable

    codes: Dict[str, List[str]] = {}
    for result in results:
        codes.setdefault(result.path, []).append(result.finding.code)
    rated: List[FileFinding] = []
    ratings: Dict[str, Dict[Tuple[int, int, str], str]] = {}
    for result in results:
        if result.cell is None and result.path not in ratings:
            try:
                source = read_source(Path(result.path)) if has_fixable(codes[result.path]) else None
            except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
                source = None
            ratings[result.path] = {} if source is None else fix_ratings(
                Path(result.path), source, config, select, ignore
            )
        key = (result.finding.line, result.finding.col, result.finding.code)
        rating = ratings.get(result.path, {}).get(key) if result.cell is None else None
        rated.append(FileFinding(result.path, result.finding, result.cell, rating))
    return rated


def run_fixes(
    options: argparse.Namespace, config: Config, select: Sequence[str], ignore: Sequence[str], stream: TextIO
) -> int:
    """`--diff` and `--fix [--unsafe-fixes]`: show or write the fixes, then report what is left."""
    if options.diff and options.format != "text":
        print(f"mp-lint: --diff prints a diff; it cannot be combined with --format {options.format}", file=sys.stderr)
        return 2
    if options.unsafe_fixes and not options.fix:
        print("mp-lint: --unsafe-fixes applies fixes: use it with --fix (--diff shows every fix)", file=sys.stderr)
        return 2
    from mp_lint.fixes.command import run_fixes as fix_files  # libcst and the fixes load only when fixing

    files = iter_python_files(options.paths, options.exclude_patterns)
    return fix_files(options, config, select, ignore, stream, files, lint_notebook, FileFinding, write_results)


def main() -> None:
    """Console-script entry point (`mp-lint demo ...` and `mp-lint run ...` go to the classroom)."""
    if sys.argv[1:2] in (["demo"], ["run"]):
        from mp_lint.classroom import main as classroom

        sys.exit(classroom(sys.argv[1:]))
    prepare_stream(sys.stdout)
    prepare_stream(sys.stderr)
    try:
        status = run()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away while fixes were printed
        silence_stdout()
        status = 1
    sys.exit(status)
