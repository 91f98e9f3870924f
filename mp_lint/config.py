"""Options shared by the flake8 plugin and any other front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet

START_METHODS = ("spawn", "forkserver", "fork")
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Config:
    """How to lint: the start method assumed, extra pool APIs, message language."""

    start_method: str = "spawn"
    extra_process_apis: FrozenSet[str] = field(default_factory=frozenset)
    lang: str = "en"


DEFAULT_CONFIG = Config()
