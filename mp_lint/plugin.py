"""The flake8 front end: options, and findings as flake8 expects them."""

from __future__ import annotations

import dataclasses
import ast
import sys
from typing import Any, ClassVar, Iterator, List, Sequence, Tuple, Type

from mp_lint import __version__
from mp_lint.config import LANGUAGES, START_METHODS, Config, ConfigError, make_config
from mp_lint.engine import lint_source


class MpLintPlugin:
    """flake8 entry point `MPL`: multiprocessing pitfalls."""

    name = "mp-lint"
    version = __version__
    config: ClassVar[Config] = Config()

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        # The analysis runs on libcst's tree of `lines`; Python's `tree`
        # tells where top-level statements start (see mp_lint.parsing) and
        # whether libcst can take the file at all (see mp_lint.limits).
        self.tree = tree
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        """Register the options; all are readable from flake8 config files."""
        option_manager.add_option(
            "--mp-start-method",
            default="spawn",
            choices=START_METHODS,
            parse_from_config=True,
            help="start method to assume for multiprocessing (default: spawn, "
            "as on Windows, macOS and Linux since Python 3.14)",
        )
        option_manager.add_option(
            "--mp-extra-process-apis",
            default="",
            comma_separated_list=True,
            parse_from_config=True,
            help="extra dotted names of callables that create process pools",
        )
        option_manager.add_option(
            "--mp-lang",
            default="en",
            choices=LANGUAGES,
            parse_from_config=True,
            help="language of mp-lint messages (en, zh)",
        )

        option_manager.add_option(
            "--mp-no-cache",
            action="store_true",
            parse_from_config=True,
            help="do not keep summaries of imported modules in .mp_lint_cache/",
        )

    @classmethod
    def parse_options(cls, options: Any) -> None:
        """Keep the parsed options for every file of the run.

        flake8 checks `choices` on its command line only; a value from a
        config file arrives unchecked. A bad one stops the run with one line
        naming the option, the value and the allowed values (exit 2).
        """
        extra: List[str] = [name.strip() for name in (options.mp_extra_process_apis or []) if name.strip()]
        try:
            config = make_config(str(options.mp_start_method), extra, str(options.mp_lang))
            cls.config = dataclasses.replace(config, use_cache=not getattr(options, "mp_no_cache", False))
        except ConfigError as error:
            print(f"flake8: mp-lint: {error}", file=sys.stderr)
            raise SystemExit(2) from None

    def run(self) -> Iterator[Tuple[int, int, str, Type["MpLintPlugin"]]]:
        """Yield (line, column, "CODE message", type) per finding."""
        source = "".join(self.lines)
        notes: List[str] = []
        for finding in lint_source(source, self.filename, self.config, compiles=True, tree=self.tree, notes=notes):
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)
        for note in notes:  # a file the plugin did not look at is not one it found clean
            print(f"mp-lint: {self.filename}: {note}", file=sys.stderr)
