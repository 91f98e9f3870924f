"""Jupyter notebooks: their code as one Python source, and positions as `cell:line`.

A notebook's code cells run one after another in a kernel whose `__main__`
has no file. mp-lint lints them as one module (a function defined in cell 2
is the one cell 5 hands to a pool) flagged as *interactive*: no child process
ever re-imports it, which changes what MPL101, MPL102 and MPL205 say.

Cells are numbered as nbQA numbers them, so that `mp-lint nb.ipynb` and
`nbqa flake8 nb.ipynb` point at the same place: `cell_N` is the N-th *code*
cell (markdown cells are not counted), lines and columns are 1-based within
the cell. IPython syntax that is not Python (`%magic`, `!shell`, `obj?`) is
replaced by a placeholder on the same line; a cell that still does not parse
(a `%%bash` cell, a half-written cell) contributes no code, like a file with
a syntax error.

The notebook is read as JSON with the standard library: mp-lint needs the
cells' text only, and the `nbformat` package would add a runtime dependency
for that.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Mapping, Sequence, Tuple

__all__ = [
    "CellPosition",
    "NotebookError",
    "NotebookSource",
    "is_nbqa_source",
    "notebook_source",
    "read_notebook",
]

# nbQA writes each code cell after a separator comment ending in a random hex
# token, into a temporary `<name><random>_nbqa_ipynb.py` next to the notebook.
_NBQA_SEPARATOR = re.compile(r"# %%NBQA-CELL-SEP[0-9a-f]+\n")
_NBQA_SUFFIX = "_nbqa_ipynb.py"

# Cell magics whose body is Python run in the kernel's namespace; any other
# (`%%bash`, `%%writefile`, `%%html` ...) holds no code of this notebook.
_PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
# `%time <statement>` runs the statement: keep it, so that a pool call timed
# with %time is still checked.
_TIME_MAGIC = re.compile(r"%time[ \t]+(?=\S)")
# `name = %magic ...` / `name = !command`: the name is bound to something unknown.
_ASSIGNED_MAGIC = re.compile(r"(?P<target>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=)\s*[%!]")
_FUTURE_IMPORT = re.compile(r"from[ \t]+__future__[ \t]+import\b")


class NotebookError(ValueError):
    """The file is not a notebook mp-lint can read."""


@dataclass(frozen=True)
class CellPosition:
    """Where a line of the combined source comes from."""

    #: 1-based number among the notebook's code cells (nbQA's `cell_N`).
    cell: int
    #: 1-based line within the cell.
    line: int
    #: characters removed from the start of the line (`%time `), after its indentation.
    shift: int = 0
    indent: int = 0

    def column(self, col: int) -> int:
        """The 0-based column in the cell of column `col` of the combined line."""
        return col + self.shift if self.shift and col >= self.indent else col


@dataclass(frozen=True)
class NotebookSource:
    """A notebook's code cells as one Python module, with the way back."""

    source: str
    #: one entry per line of `source`.
    positions: Tuple[CellPosition, ...]

    def locate(self, line: int, col: int) -> Tuple[int, int, int]:
        """(cell, line in cell, 0-based column) of a 1-based line and 0-based column."""
        if not 0 < line <= len(self.positions):
            return (1, 1, col)
        position = self.positions[line - 1]
        return position.cell, position.line, position.column(col)


def is_nbqa_source(source: str, filename: str = "") -> bool:
    """Whether `source` is a notebook converted by nbQA for a tool such as flake8."""
    return _NBQA_SEPARATOR.match(source) is not None or filename.endswith(_NBQA_SUFFIX)


def read_notebook(path: Path) -> NotebookSource:
    """The code of the notebook at `path`.

    Raises NotebookError for a file that is not an nbformat 4 notebook, and
    OSError when it cannot be read.
    """
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"not a notebook (invalid JSON: {error})") from None
    except RecursionError:
        # `[[[...]]]` deeper than Python's recursion limit: no notebook is.
        raise NotebookError("not a notebook (JSON nested too deeply)") from None
    return notebook_source(document)


def notebook_source(document: Any) -> NotebookSource:
    """The code of a parsed notebook document (nbformat 4, any minor version)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("cells"), list):
        raise NotebookError("not a notebook (no list of cells)")
    if document.get("nbformat") != 4:
        raise NotebookError(f"unsupported notebook format {document.get('nbformat')!r}; nbformat 4 is read")
    if not _is_python(document.get("metadata")):
        return NotebookSource("", ())
    lines: List[str] = []
    positions: List[CellPosition] = []
    number = 0
    for cell in document["cells"]:
        if not isinstance(cell, Mapping) or cell.get("cell_type") != "code":
            continue
        number += 1
        text = _cell_text(cell.get("source", ""))
        cell_lines = _python_lines(text)
        for index, (code, shift, indent) in enumerate(cell_lines, start=1):
            lines.append(code)
            positions.append(CellPosition(number, index, shift, indent))
    source = "\n".join(lines) + "\n" if lines else ""
    return NotebookSource(source, tuple(positions))


def _is_python(metadata: Any) -> bool:
    """False only for notebooks that declare another language (an R kernel...)."""
    if not isinstance(metadata, Mapping):
        return True
    for key in ("kernelspec", "language_info"):
        section = metadata.get(key)
        if isinstance(section, Mapping):
            language = section.get("language" if key == "kernelspec" else "name")
            if isinstance(language, str) and language and language.lower() != "python":
                return False
    return True


def _cell_text(source: Any) -> str:
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def _split(text: str) -> List[str]:
    """Lines as Python counts them (only \\n, \\r\\n and \\r end a line)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _parses(lines: Sequence[str]) -> bool:
    try:
        ast.parse("\n".join(lines) + "\n")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _python_lines(text: str) -> List[Tuple[str, int, int]]:
    """The cell's lines as Python, each with (text, column shift, indentation).

    Always as many lines as the cell has, so that positions need no more
    than the line's index; a cell that is not Python becomes blank lines.
    """
    raw = _split(text)
    blank = [("", 0, 0) for _ in raw]
    if not raw:
        return []
    converted: List[Tuple[str, int, int]] = [(line, 0, 0) for line in raw]
    first = raw[0].lstrip()
    if first.startswith("%%"):
        magic = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        if magic not in _PYTHON_BODY_CELL_MAGICS:
            return blank
        converted[0] = ("", 0, 0)
    # The same cell may run in a later position, after other cells: a
    # `from __future__` import is legal there only at the top of a file.
    converted = [("pass" if _FUTURE_IMPORT.match(code.lstrip()) else code, s, i) for code, s, i in converted]
    if _parses([code for code, _, _ in converted]):
        return converted
    converted = [_replace_ipython_syntax(code) if shift == 0 else (code, shift, i) for code, shift, i in converted]
    if _parses([code for code, _, _ in converted]):
        return converted
    return blank


def _replace_ipython_syntax(line: str) -> Tuple[str, int, int]:
    """A line of IPython syntax as Python on one line, with its column shift."""
    body = line.lstrip()
    indent = len(line) - len(body)
    prefix = line[:indent]
    if not body:
        return line, 0, 0
    time_magic = _TIME_MAGIC.match(body)
    if time_magic is not None:
        return prefix + body[time_magic.end() :], time_magic.end(), indent
    if body[0] in "%!?":
        return prefix + "pass", 0, 0
    assigned = _ASSIGNED_MAGIC.match(body)
    if assigned is not None:
        return prefix + assigned.group("target") + " None", 0, 0
    code = body.split("#", 1)[0].rstrip()
    if code.endswith("?"):  # `obj?`, `obj??`: help
        return prefix + "pass", 0, 0
    return line, 0, 0
