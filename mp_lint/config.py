"""Options shared by the flake8 plugin and any other front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet

START_METHODS = ("spawn", "forkserver", "fork")
LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class Config:
    """How to lint: the start method assumed, extra pool APIs, message language, the cache."""

    start_method: str = "spawn"
    extra_process_apis: FrozenSet[str] = field(default_factory=frozenset)
    lang: str = "en"
    #: keep summaries of imported modules in the on-disk cache (`--mp-no-cache` turns it off).
    use_cache: bool = True


DEFAULT_CONFIG = Config()
