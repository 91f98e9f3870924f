"""Finding messages, one table per language: code -> message template.

Templates may use `{placeholders}` that the rule fills in (`Report.details`).
"""

from __future__ import annotations

from typing import Dict, Mapping

from mp_lint.messages import en, zh

LANGUAGES: Dict[str, Mapping[str, str]] = {"en": en.MESSAGES, "zh": zh.MESSAGES}
#: Findings that lead into another module (details carry `across`).
ACROSS: Dict[str, Mapping[str, str]] = {"en": en.ACROSS_MESSAGES, "zh": zh.ACROSS_MESSAGES}


def message(code: str, lang: str = "en", **details: str) -> str:
    """The text of a finding, in `lang` (English where a translation is missing)."""
    tables, english = (ACROSS, en.ACROSS_MESSAGES) if details.get("across") else (LANGUAGES, en.MESSAGES)
    table = tables.get(lang, english)
    template = table.get(code) or english.get(code) or en.MESSAGES.get(code, code)
    try:
        return template.format(**details)
    except (KeyError, IndexError, ValueError):
        return template
