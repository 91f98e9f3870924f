"""Files Python cannot parse: reported, never skipped in silence.

The `mp-lint` command parses every file it checks with Python's own parser
(as flake8 does for E999, and ruff for its syntax errors) and reports a file
that does not parse as `path:line:col: SyntaxError: message`, exit status 2.
The tree is then handed on to the engine, so nothing is parsed twice.
"""

from __future__ import annotations

import ast


class UnparsableSource(SyntaxError):
    """Python's parser rejects the file; `line` and `col` are 1-based."""

    def __init__(self, kind: str, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = max(1, line)
        self.col = max(1, col)

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: {self.kind}: {self.message}"

    def as_text(self, path: str) -> str:
        """The ruff-style line: `path:line:col: SyntaxError: message`."""
        return f"{path}:{self}"


def _position_of(source: str, index: int) -> tuple[int, int]:
    line = source.count("\n", 0, index) + 1
    return line, index - (source.rfind("\n", 0, index) + 1) + 1


def parse(source: str, filename: str) -> ast.Module:
    """Python's tree of `source`; UnparsableSource when Python cannot parse it."""
    try:
        return ast.parse(source, filename)
    except SyntaxError as error:
        message = error.msg or "invalid syntax"
        if "null bytes" in message and "\0" in source:
            line, col = _position_of(source, source.index("\0"))
        else:
            line, col = error.lineno or 1, error.offset or 1
        raise UnparsableSource(type(error).__name__, message, line, col) from None
    except ValueError as error:  # Python < 3.12: null bytes
        index = source.find("\0")
        line, col = _position_of(source, index) if index >= 0 else (1, 1)
        raise UnparsableSource("SyntaxError", str(error), line, col) from None
    except (RecursionError, MemoryError) as error:  # Python's own parser gives up: the file cannot run either
        detail = str(error) or "out of memory"
        raise UnparsableSource(type(error).__name__, f"too deeply nested or too large for Python's parser ({detail})",
                               1, 1) from None
