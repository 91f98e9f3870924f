"""The language the demos speak: English, or Chinese with ``--lang zh``.

Narration is written in both languages side by side (``tr("...", "...")``),
next to the code that produces it, so that a sentence cannot be changed in
one language and forgotten in the other. The language is a context
variable: `run_demo` sets it for the whole demo, the judges included.
Code, program output and tracebacks are never translated.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator, Optional

__all__ = ["LANGUAGES", "config_lang", "current", "language", "tr"]

LANGUAGES = ("en", "zh")

_LANG: "ContextVar[str]" = ContextVar("mp_lint_demo_lang", default="en")


def current() -> str:
    """The language in effect: "en" or "zh"."""
    return _LANG.get()


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block (English for an unknown one)."""
    token = _LANG.set(lang if lang in LANGUAGES else "en")
    try:
        yield
    finally:
        _LANG.reset(token)


def tr(en: str, zh: str) -> str:
    """`en` or `zh`, whichever the demos speak now."""
    return zh if _LANG.get() == "zh" else en


def config_lang(directory: Path) -> Optional[str]:
    """The `mp-lang` of the config file flake8 would read here, if any."""
    try:
        from mp_lint.cli import config_file_options
    except ImportError:  # the demos without mp-lint: English
        return None
    lang = config_file_options(directory).get("mp-lang")
    return lang if lang in LANGUAGES else None
