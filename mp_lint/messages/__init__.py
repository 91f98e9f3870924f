"""Everything mp-lint says, one table per language (`en.py`, `zh.py`).

`MESSAGES`: code -> finding template, with `{placeholders}` that the rule
fills in (`Report.details`). `TEXTS`: key -> the command's other text (read
errors and their reasons). In Chinese, the name of an object inside a
message (`what`: "open file 'fh'", "numpy array 'weights'") is translated
here, from the English the analysis gives, with `zh.KINDS`; names from code
(`threading.Lock`, `DataFrame`) stay as they are.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping, Optional

from mp_lint.messages import en, zh

LANGUAGES: Dict[str, Mapping[str, str]] = {"en": en.MESSAGES, "zh": zh.MESSAGES}
TEXTS: Dict[str, Mapping[str, str]] = {"en": en.TEXTS, "zh": zh.TEXTS}
#: Findings that lead into another module (details carry `across`).
ACROSS: Dict[str, Mapping[str, str]] = {"en": en.ACROSS_MESSAGES, "zh": zh.ACROSS_MESSAGES}


def _render(template: str, details: Mapping[str, object]) -> str:
    try:
        return template.format(**details)
    except (KeyError, IndexError, ValueError):
        return template


def message(code: str, lang: str = "en", **details: str) -> str:
    """The text of a finding, in `lang` (English where a translation is missing)."""
    tables, english = (ACROSS, en.ACROSS_MESSAGES) if details.get("across") else (LANGUAGES, en.MESSAGES)
    table = tables.get(lang, english)
    template = table.get(code) or english.get(code) or en.MESSAGES.get(code, code)
    if lang == "zh" and "what" in details and "what_zh" not in details:
        details = {**details, "what_zh": kind_zh(details["what"])}
    return _render(template, details)


def text(key: str, lang: str = "en", **details: object) -> str:
    """One of the command's other texts, in `lang`."""
    table = TEXTS.get(lang, en.TEXTS)
    return _render(table.get(key) or en.TEXTS.get(key, key), details)


# The shapes the analysis names objects in (mp_lint.model.arguments).
_NAMED = re.compile(r"^(?P<kind>.+?)(?P<name> '[^']*')?$")
_HOLDER = re.compile(r"^(?P<klass>\S+) object(?P<name> '[^']*')? holding (?:an? )?(?P<inner>.+) in \.(?P<attr>\w+)$")
_HELD = re.compile(r"^(?P<inner>.+) in \.(?P<attr>\w+) of (?P<klass>\S+) object(?P<name> '[^']*')?$")


def kind_zh(what: str) -> str:
    """The Chinese for an object's description: "open file 'fh'" -> "已打开的文件 'fh'"."""
    kinds = zh.KINDS
    holder = _HOLDER.match(what)
    if holder:
        return kinds["holder"].format(
            klass=holder["klass"], name=holder["name"] or "", attr=holder["attr"], inner=kind_zh(holder["inner"])
        )
    held = _HELD.match(what)
    if held:
        return kinds["held"].format(
            klass=held["klass"], name=_spaced(held["name"]), attr=held["attr"], inner=kind_zh(held["inner"])
        )
    named = _NAMED.match(what)
    if named is None:  # pragma: no cover - the pattern matches any non-empty text
        return what
    kind, name = named["kind"], named["name"] or ""
    if kind in kinds:
        return kinds[kind] + name
    if kind.endswith(" connection"):
        return kinds["connection"].format(kind[: -len(" connection")]) + name
    return what


def _spaced(name: Optional[str]) -> str:
    """A quoted name after Chinese text: " 'x' " reads best with a space after it too."""
    return f"{name} " if name else ""


def read_error(path: str, error: BaseException, lang: str = "en") -> str:
    """"cannot read PATH: REASON" for an error met reading a file, in `lang`."""
    return text("cannot_read", lang, path=path, reason=_reason(error, lang))


_NOTEBOOK_JSON = re.compile(r"^not a notebook \(invalid JSON: (?P<detail>.*)\)$")
_NOTEBOOK_FORMAT = re.compile(r"^unsupported notebook format (?P<format>.*); nbformat 4 is read$")


def _reason(error: BaseException, lang: str) -> str:
    if isinstance(error, FileNotFoundError):
        return text("no_such_file", lang)
    if isinstance(error, IsADirectoryError):
        return text("is_a_directory", lang)
    if isinstance(error, PermissionError):
        return text("permission_denied", lang)
    if isinstance(error, OSError):
        return text("os_error", lang, error=error.strerror or error)
    if isinstance(error, UnicodeDecodeError):
        return text("bad_encoding", lang, encoding=error.encoding, position=error.start + 1)
    if isinstance(error, SyntaxError):
        return text("syntax_error", lang, line=error.lineno, error=error.msg)
    if type(error).__name__ == "NotebookError":
        message = str(error)
        found = _NOTEBOOK_JSON.match(message)
        if found:
            return text("notebook_invalid_json", lang, detail=found["detail"])
        if message == "not a notebook (no list of cells)":
            return text("notebook_no_cells", lang)
        found = _NOTEBOOK_FORMAT.match(message)
        if found:
            return text("notebook_format", lang, format=found["format"])
        return text("notebook_error", lang, error=message)
    if isinstance(error, LookupError):
        return text("unknown_encoding", lang, error=error)
    return str(error)
