"""Find the demo modules (``demos/mplNNN_*.py``) and describe each one.

A demo module defines:

``CODE``, ``NAME``, ``SUMMARY``
    the rule's code and name as in the rule catalogue, and one line.
``WHY``
    a few sentences: what goes wrong and why.
``SUMMARY_ZH``, ``WHY_ZH``
    the same in Chinese, as a teacher would say it (``--lang zh``).
``PITFALL``, ``FIX``
    the two programs, as a student would write them.
``FLAGGED``
    the pitfall's line (stripped) where mp-lint reports the finding.
``judge(pitfall, fix) -> Verdict``
    what the two runs showed, in the language in effect (``demos.i18n.tr``).

and may set ``TIMEOUT`` (seconds for the pitfall run), ``FILES`` (data files
both programs read), ``FIX_FILES`` (modules only the fix has),
``INTERACTIVE`` (run as a notebook cell through standard input),
``NOFILE`` (a lower limit on open files for both runs), ``WARNINGS``
(``PYTHONWARNINGS`` for both runs), ``STDIN`` (text piped to both
programs' standard input, which is /dev/null otherwise) and ``ATTEMPTS``
(how often to run a pitfall whose failure is a race before giving up).

Adding a demo is adding a module: nothing else needs an edit.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Dict, List, Optional, Tuple

from .evidence import Verdict
from .runner import Program, RunResult

__all__ = ["Demo", "all_demos", "get"]

_MODULE = re.compile(r"^mpl\d{3}_\w+$")
_FIX_TIMEOUT = 6.0


@dataclass(frozen=True)
class Demo:
    """One rule's demonstration: a pitfall, its fix, and how to judge them."""

    code: str
    name: str
    summary: str
    why: str
    pitfall: Program
    fix: Program
    flagged: str
    judge: Callable[[RunResult, RunResult], Verdict]
    module: str
    attempts: int = 1
    summary_zh: str = ""
    why_zh: str = ""

    def summary_in(self, lang: str) -> str:
        """The one-line summary in `lang` (English if there is no translation)."""
        return self.summary_zh if lang == "zh" and self.summary_zh else self.summary

    def why_in(self, lang: str) -> str:
        """The explanation in `lang` (English if there is no translation)."""
        return self.why_zh if lang == "zh" and self.why_zh else self.why

    @property
    def flagged_line(self) -> Optional[int]:
        """The 1-based pitfall line mp-lint should report, if it can be found."""
        for number, line in enumerate(self.pitfall.source.splitlines(), start=1):
            if line.strip() == self.flagged.strip():
                return number
        return None


def _stdin(module: ModuleType) -> Optional[bytes]:
    """A demo's ``STDIN`` text, as the bytes piped to both programs."""
    text = getattr(module, "STDIN", None)
    return None if text is None else str(text).encode("utf-8")


def _from_module(module: ModuleType) -> Demo:
    interactive = bool(getattr(module, "INTERACTIVE", False))
    files: Dict[str, str] = dict(getattr(module, "FILES", {}))
    suffix = ".ipynb" if interactive else ".py"
    pitfall = Program(
        source=module.PITFALL,
        filename="pitfall" + suffix,
        files=files,
        interactive=interactive,
        timeout=float(getattr(module, "TIMEOUT", 6.0)),
        nofile=getattr(module, "NOFILE", None),
        warnings=getattr(module, "WARNINGS", None),
        stdin=_stdin(module),
    )
    fix = Program(
        source=module.FIX,
        filename="fix" + suffix,
        files={**files, **dict(getattr(module, "FIX_FILES", {}))},
        interactive=interactive,
        timeout=_FIX_TIMEOUT,
        # The fix runs under the same limit: it must work where the pitfall failed.
        nofile=getattr(module, "NOFILE", None),
        warnings=getattr(module, "WARNINGS", None),
        stdin=_stdin(module),
    )
    return Demo(
        code=module.CODE,
        name=module.NAME,
        summary=module.SUMMARY,
        why=" ".join(getattr(module, "WHY", "").split()),
        pitfall=pitfall,
        fix=fix,
        flagged=module.FLAGGED,
        judge=module.judge,
        module=module.__name__,
        attempts=max(1, int(getattr(module, "ATTEMPTS", 1))),
        summary_zh=getattr(module, "SUMMARY_ZH", ""),
        why_zh=_join_wide(getattr(module, "WHY_ZH", "")),
    )


def _latin(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "`_'\"()")


def _cjk_mark(char: str) -> bool:
    return char in "，。：；、（）“”《》！？"


def _join_wide(text: str) -> str:
    """Join the lines of a Chinese paragraph: no space between Chinese
    characters, one where Latin text (code, names) meets a line break."""
    joined = ""
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        if joined and (_latin(joined[-1]) or _latin(line[0])) and not (_cjk_mark(joined[-1]) or _cjk_mark(line[0])):
            joined += " "
        joined += line
    return joined


_CACHE: List[Demo] = []


def all_demos() -> List[Demo]:
    """Every demo, sorted by code."""
    if not _CACHE:
        # "demos" in a checkout, "mp_lint.demos" once installed.
        package = importlib.import_module(__package__ or "demos")
        found: Dict[str, Demo] = {}
        for info in pkgutil.iter_modules(package.__path__):
            if not _MODULE.match(info.name):
                continue
            demo = _from_module(importlib.import_module(f"{package.__name__}.{info.name}"))
            if demo.code in found:
                raise RuntimeError(f"two demos claim {demo.code}: {found[demo.code].module}, {demo.module}")
            found[demo.code] = demo
        _CACHE.extend(found[code] for code in sorted(found))
    return list(_CACHE)


def get(key: str) -> Demo:
    """The demo for a code (``MPL201``, ``mpl201``, ``201``) or a rule name."""
    wanted = key.strip().lower()
    if wanted.isdigit():
        wanted = "mpl" + wanted
    for demo in all_demos():
        if wanted in (demo.code.lower(), demo.name):
            return demo
    raise KeyError(key)


def codes() -> Tuple[str, ...]:
    """The codes that have a demo."""
    return tuple(demo.code for demo in all_demos())
