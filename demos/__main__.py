"""Command line: ``python -m demos [--list | --all | CODE ...] [--lang zh]``
(``mp-lint demo ...`` once installed)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from .i18n import LANGUAGES, config_lang, language, tr
from .registry import all_demos, get
from .report import DemoReport, Style, run_demo, table_header, table_row
from .stopping import farewell, stoppable


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run multiprocessing pitfalls under the spawn start method and watch them fail, "
        "then watch the fix work.",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("codes", nargs="*", default=[], metavar="CODE", help="rule code(s) to demonstrate, e.g. MPL201")
    group.add_argument("--list", action="store_true", help="list the demos: code, name, one line each")
    group.add_argument("--all", action="store_true", help="run every demo and print a table")
    parser.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="language of the narration (default: mp-lang from the flake8 config file, else en)",
    )
    return parser


def _list(lang: str) -> int:
    demos = all_demos()
    width = max(len(d.name) for d in demos)
    for demo in demos:
        print(f"{demo.code}  {demo.name:<{width}}  {demo.summary_in(lang)}")
    return 0


def _run_all(style: Style, lang: str) -> int:
    print(table_header(), flush=True)
    reports: List[DemoReport] = []
    started = time.monotonic()
    for demo in all_demos():
        report = run_demo(demo, lang=lang)
        reports.append(report)
        print(table_row(report, style), flush=True)
    reproduced = sum(r.verdict.reproduced for r in reports)
    fixed = sum(r.verdict.fix_ok for r in reports)
    n, seconds = len(reports), time.monotonic() - started
    print(tr(
        f"\n{reproduced}/{n} reproduced, {fixed}/{n} fixes worked, {seconds:.0f} s in all",
        f"\n{reproduced}/{n} 个问题重现，{fixed}/{n} 个改法有效，共用时 {seconds:.0f} 秒",
    ))
    return 0 if all(r.ok for r in reports) else 1


def _run_some(codes: Sequence[str], style: Style, lang: str) -> int:
    try:
        demos = [get(code) for code in codes]
    except KeyError as missing:
        known = ", ".join(d.code for d in all_demos())
        print(tr(
            f"no demo for {missing.args[0]!r}; known codes: {known}",
            f"没有 {missing.args[0]!r} 的演示；可用的代码：{known}",
        ), file=sys.stderr)
        return 2
    ok = True
    for index, demo in enumerate(demos):
        if index:
            print("\n")
        ok = run_demo(demo, sys.stdout, style, lang=lang).ok and ok
    return 0 if ok else 1


def main(argv: Optional[Sequence[str]] = None, prog: str = "python -m demos") -> int:
    """Entry point; returns the exit status (128 + N when signal N stopped it)."""
    args = _parser(prog).parse_args(argv)
    style = Style(False) if args.no_color else Style.for_stream(sys.stdout)
    lang = args.lang or config_lang(Path.cwd()) or "en"

    def command() -> int:
        if args.list:
            return _list(lang)
        if args.all:
            return _run_all(style, lang)
        return _run_some(args.codes, style, lang)

    with language(lang):
        return stoppable(command, farewell)


if __name__ == "__main__":
    sys.exit(main())
