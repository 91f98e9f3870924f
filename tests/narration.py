"""What counts as English narration left in a Chinese demo or run.

Code, program output, tracebacks and mp-lint's own findings are never
translated; the narrators keep them apart (`DemoReport.narration` holds
only narrated lines). In a narrated line, what stays English is code: a
`backticked` span, a quoted value ('6560 words'), a name from the program
(`square`, `Pool`), a dotted or called name (`map()`, `os.fdopen`), an
exception name, or one of the technical terms below. Any other Latin word
is narration that was not translated.
"""

from __future__ import annotations

import keyword
import multiprocessing
import re
from typing import Iterable, List, Set

# Terms a Chinese teacher writes as they are.
TERMS = {
    "spawn", "fork", "forkserver", "pickle", "lambda", "notebook", "jupyter", "python", "cpython", "pypy",
    "windows", "macos", "linux", "ulimit", "emfile", "sigterm", "sigint", "sighup", "kb", "mb", "ctrl-c",
    "traceback", "mp-lint", "mpl", "multiprocessing", "initializer", "initargs", "chunksize", "error_callback",
    "json", "csv", "numpy", "id", "pytest",
}  # fmt: skip
# multiprocessing's own names (Queue, Event, Value...) are code, spelt as in code.
MULTIPROCESSING_NAMES = set(multiprocessing.__all__)
# Words that are Python keywords but English too: fine only inside `code`.
ENGLISH_KEYWORDS = {"with", "for", "in", "if", "not", "is", "and", "or", "as", "from", "import", "return", "else"}
_SPANS = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(?:\(\))?")
_NAME = re.compile(r"[A-Za-z_]\w*")
_CODE_LIKE = re.compile(
    r"^(?:[A-Z][A-Za-z]*(?:Error|Warning|Exception|Pool|Result|Executor|Interrupt)|MPL\d+|.*\(\)|__\w+__)$"
)


def program_names(*sources: str) -> Set[str]:
    """The names a program's source uses (its own identifiers, minus English keywords)."""
    names: Set[str] = set()
    for source in sources:
        names.update(_NAME.findall(source))
    return {name for name in names if name not in ENGLISH_KEYWORDS}


def english_words(lines: Iterable[str], names: Set[str]) -> List[str]:
    """The Latin words in `lines` that are neither code nor a technical term."""
    found = []
    for line in lines:
        bare = _SPANS.sub(" ", line)
        for token in _TOKEN.findall(bare):
            # Dotted names and attributes: the pieces around a dot are code.
            start = bare.find(token)
            before = bare[start - 1:start] if start > 0 else ""
            after = bare[start + len(token):start + len(token) + 1]
            if before in "._=" and before or after in ".=" and after:
                continue
            if token.lower() in TERMS or token in names or token in MULTIPROCESSING_NAMES or _CODE_LIKE.match(token):
                continue
            if keyword.iskeyword(token) and token not in ENGLISH_KEYWORDS:
                continue
            found.append(f"{token!r} in {line.strip()!r}")
    return found
