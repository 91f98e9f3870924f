"""The on-disk cache of what mp-lint learnt about imported modules.

One JSON file per module and one per function summary, named after a hash
of the module's path (and the function's name), in
`.mp_lint_cache/` of the current folder (or `$MP_LINT_CACHE_DIR`). An entry
is used only while the module's size and modification time, mp-lint's
version and the catalogue options are those it was written with, and a
function summary only while every other file it relied on is unchanged.
Deleting the folder at any time is safe: it is rebuilt from source and no
finding changes. `--mp-no-cache` (or `mp-no-cache = true` in the config)
turns it off. Writes are atomic (a temporary file, then a rename), so
parallel flake8 jobs never read half an entry; any error just means no
cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Dict, Iterable, Optional, Tuple

from mp_lint import __version__

CACHE_DIR_VARIABLE = "MP_LINT_CACHE_DIR"
DEFAULT_CACHE_DIR = ".mp_lint_cache"

_IGNORE_ALL = "# Created by mp-lint; safe to delete.\n*\n"


def cache_dir() -> str:
    return os.environ.get(CACHE_DIR_VARIABLE) or os.path.join(os.getcwd(), DEFAULT_CACHE_DIR)


def file_stamp(path: str) -> Optional[Tuple[int, int]]:
    """(size, mtime_ns) of a file, or None when it cannot be read."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def deps_unchanged(deps: Iterable[Tuple[str, int, int]]) -> bool:
    return all(file_stamp(path) == (size, mtime) for path, size, mtime in deps)


class SummaryCache:
    """Entries per module path; `enabled=False` reads and writes nothing."""

    def __init__(self, enabled: bool, catalogue_key: str) -> None:
        self.enabled = enabled
        self.catalogue_key = catalogue_key
        self._folder = os.path.join(cache_dir(), "summaries")

    def _file(self, path: str, part: str) -> str:
        digest = hashlib.sha1(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()
        if part:
            digest += "-" + hashlib.sha1(part.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return os.path.join(self._folder, digest + ".json")

    def load(self, path: str, stamp: Tuple[int, int], part: str = "") -> Optional[Dict[str, object]]:
        """The entry stored for `path` (and `part`: one function's summary) at this `stamp`, or None."""
        if not self.enabled:
            return None
        try:
            with open(self._file(path, part), encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict):
            return None
        if entry.get("key") != [os.path.abspath(path), part, stamp[0], stamp[1], __version__, self.catalogue_key]:
            return None
        data = entry.get("data")
        return data if isinstance(data, dict) else None

    def store(self, path: str, stamp: Tuple[int, int], data: Dict[str, object], part: str = "") -> None:
        if not self.enabled:
            return
        key = [os.path.abspath(path), part, stamp[0], stamp[1], __version__, self.catalogue_key]
        entry = {"key": key, "data": data}
        try:
            self._prepare()
            handle, temporary = tempfile.mkstemp(dir=self._folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out)
            os.replace(temporary, self._file(path, part))
        except (OSError, TypeError, ValueError):
            pass  # a read-only folder or a full disk: run without the cache

    def _prepare(self) -> None:
        if os.path.isdir(self._folder):
            return
        os.makedirs(self._folder, exist_ok=True)
        top = os.path.dirname(self._folder)
        for name, text in (
            (".gitignore", _IGNORE_ALL),
            ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# mp-lint summary cache\n"),
        ):
            try:
                with open(os.path.join(top, name), "x", encoding="utf-8") as out:
                    out.write(text)
            except OSError:
                pass
