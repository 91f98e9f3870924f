"""Finding messages, one table per language: code -> message template.

Templates may use `{placeholders}` that the rule fills in (`Report.details`).
"""

from __future__ import annotations

from typing import Dict, Mapping

from mp_lint.messages import en, zh

LANGUAGES: Dict[str, Mapping[str, str]] = {"en": en.MESSAGES, "zh": zh.MESSAGES}


def message(code: str, lang: str = "en", **details: str) -> str:
    """The text of a finding, in `lang` (English where a translation is missing)."""
    table = LANGUAGES.get(lang, en.MESSAGES)
    template = table.get(code) or en.MESSAGES.get(code, code)
    try:
        return template.format(**details)
    except (KeyError, IndexError, ValueError):
        return template
