"""Options shared by the flake8 plugin and the `mp-lint` command.

Both front ends check the values of the `mp-*` options here, wherever they
come from: flake8 checks `choices` only on its command line, not in its
configuration files, so a `mp-lang = cn` in `setup.cfg` would otherwise be
taken silently.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Optional, Sequence

START_METHODS = ("spawn", "forkserver", "fork")
LANGUAGES = ("en", "zh")

#: Where flake8 looks for its configuration, in this order.
CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")
#: The keys of a config file that the `mp-lint` command reads.
FILE_KEYS = (
    "mp-start-method", "mp-extra-process-apis", "mp-lang", "ignore", "extend-ignore", "exclude", "extend-exclude",
    "mp-no-cache",
)
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


@dataclass(frozen=True)
class Config:
    """How to lint: the start method assumed, extra pool APIs, message language, the cache."""

    start_method: str = "spawn"
    extra_process_apis: FrozenSet[str] = field(default_factory=frozenset)
    lang: str = "en"
    #: keep summaries of imported modules in the on-disk cache (`--mp-no-cache` turns it off).
    use_cache: bool = True


DEFAULT_CONFIG = Config()


class ConfigError(ValueError):
    """An option has a value mp-lint cannot use; the message is one line for the user."""


def check_choice(option: str, value: str, allowed: Sequence[str], source: Optional[str] = None) -> str:
    """`value` if it is one of `allowed`, else a ConfigError naming option, value and choices."""
    if value in allowed:
        return value
    where = f"{source}: " if source else ""
    raise ConfigError(f"{where}invalid value for {option}: {value!r} (allowed: {', '.join(allowed)})")


def check_dotted_names(option: str, names: Iterable[str], source: Optional[str] = None) -> FrozenSet[str]:
    """The names, each of which must be a dotted Python name (`pkg.module.factory`)."""
    checked = set()
    for name in names:
        if not _DOTTED_NAME.match(name):
            where = f"{source}: " if source else ""
            raise ConfigError(
                f"{where}invalid value for {option}: {name!r} (allowed: dotted names such as myproject.make_pool)"
            )
        checked.add(name)
    return frozenset(checked)


def make_config(
    start_method: str, extra_process_apis: Iterable[str], lang: str, source: Optional[str] = None
) -> Config:
    """A Config from option values, each checked; raises ConfigError."""
    return Config(
        start_method=check_choice("mp-start-method", start_method.strip(), START_METHODS, source),
        extra_process_apis=check_dotted_names("mp-extra-process-apis", extra_process_apis, source),
        lang=check_choice("mp-lang", lang.strip(), LANGUAGES, source),
    )


def split_names(text: str) -> list[str]:
    """Comma- or whitespace-separated names."""
    return [name.strip() for name in re.split(r"[,\s]+", text) if name.strip()]


def config_file_options(directory: Path) -> Dict[str, str]:
    """Options from the config file flake8 would use.

    As flake8 does, the first of setup.cfg, tox.ini and .flake8 with a
    `[flake8]` section, looked for in `directory` and then its parents
    (a `[mp-lint]` section counts too, and wins over `[flake8]`). The
    result also holds `config-dir` and `config-file`, where it was found.
    """
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            path = folder / name
            if not path.is_file():
                continue
            parser = configparser.RawConfigParser()
            try:
                parser.read(path, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                continue
            if not (parser.has_section("flake8") or parser.has_section("mp-lint")):
                continue
            found: Dict[str, str] = {}
            for section in ("flake8", "mp-lint"):
                if parser.has_section(section):
                    for key, value in parser.items(section):
                        key = key.replace("_", "-")
                        if key in FILE_KEYS:
                            found[key] = value.strip()
            found["config-dir"] = str(folder)
            found["config-file"] = str(path)
            return found
    return {}
