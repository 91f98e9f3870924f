"""The fixer's words: why a finding has no fix, its notes and its summary, in each language.

The templates live in the message tables (`FIX_MESSAGES` in
`mp_lint/messages/en.py` and `zh.py`); the fixes name a key and its details,
and the text is made only when it is printed, in the language of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Mapping, Tuple, Union

from mp_lint.messages import en, zh

TABLES: Dict[str, Mapping[str, str]] = {"en": en.FIX_MESSAGES, "zh": zh.FIX_MESSAGES}

Detail = Union[str, int, "Reason"]


def fix_text(key: str, lang: str = "en", **details: Detail) -> str:
    """The text of `key` in `lang` (English where a translation is missing)."""
    table = TABLES.get(lang, en.FIX_MESSAGES)
    template = table.get(key) or en.FIX_MESSAGES.get(key, key)
    filled = {name: value.text(lang) if isinstance(value, Reason) else str(value) for name, value in details.items()}
    try:
        return template.format(**filled)
    except (KeyError, IndexError, ValueError):
        return template


@dataclass(frozen=True, order=True)
class Reason:
    """A key of the fixer's message table and the details that fill it in."""

    key: str
    details: Tuple[Tuple[str, Detail], ...] = ()

    @classmethod
    def of(cls, key: str, **details: Detail) -> "Reason":
        """`key` with `details`."""
        return cls(key, tuple(sorted(details.items())))

    def text(self, lang: str = "en") -> str:
        """The reason in `lang`."""
        return fix_text(self.key, lang, **dict(self.details))

    def __str__(self) -> str:
        return self.text()
