"""Command line: ``python -m demos [--list | --all | CODE ...]``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import List, Optional, Sequence

from .registry import all_demos, get
from .report import DemoReport, Style, run_demo, table_header, table_row


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demos",
        description="Run multiprocessing pitfalls under the spawn start method and watch them fail, "
        "then watch the fix work.",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("codes", nargs="*", default=[], metavar="CODE", help="rule code(s) to demonstrate, e.g. MPL201")
    group.add_argument("--list", action="store_true", help="list the demos: code, name, one line each")
    group.add_argument("--all", action="store_true", help="run every demo and print a table")
    parser.add_argument("--no-color", action="store_true", help="plain text even on a terminal")
    return parser


def _list() -> int:
    demos = all_demos()
    width = max(len(d.name) for d in demos)
    for demo in demos:
        print(f"{demo.code}  {demo.name:<{width}}  {demo.summary}")
    return 0


def _run_all(style: Style) -> int:
    print(table_header(), flush=True)
    reports: List[DemoReport] = []
    started = time.monotonic()
    for demo in all_demos():
        report = run_demo(demo)
        reports.append(report)
        print(table_row(report, style), flush=True)
    reproduced = sum(r.verdict.reproduced for r in reports)
    fixed = sum(r.verdict.fix_ok for r in reports)
    print(
        f"\n{reproduced}/{len(reports)} reproduced, {fixed}/{len(reports)} fixes worked, "
        f"{time.monotonic() - started:.0f} s in all"
    )
    return 0 if all(r.ok for r in reports) else 1


def _run_some(codes: Sequence[str], style: Style) -> int:
    try:
        demos = [get(code) for code in codes]
    except KeyError as missing:
        known = ", ".join(d.code for d in all_demos())
        print(f"no demo for {missing.args[0]!r}; known codes: {known}", file=sys.stderr)
        return 2
    ok = True
    for index, demo in enumerate(demos):
        if index:
            print("\n")
        ok = run_demo(demo, sys.stdout, style).ok and ok
    return 0 if ok else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    style = Style(False) if args.no_color else Style.for_stream(sys.stdout)
    if args.list:
        return _list()
    if args.all:
        return _run_all(style)
    return _run_some(args.codes, style)


if __name__ == "__main__":
    sys.exit(main())
