"""Which files the `mp-lint` command checks, and reading them safely.

Folders are searched for `.py` files, as flake8 does; notebooks are checked
when named. Only regular files are read: a FIFO, socket or device named
`x.py` in a folder is skipped (and said so under `--verbose`), since opening
a FIFO blocks until someone writes to it. A file named on the command line
that is not a regular file is an error for that file.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import stat
import tokenize
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "build", "dist"}
)

#: (path, reason) of a file a folder search passed over.
Skip = Tuple[Path, str]


class NotRegularFile(OSError):
    """The path is a FIFO, socket, device or folder: mp-lint reads only regular files."""


def excluded(path: Path, patterns: Sequence[str]) -> bool:
    """flake8's test: a pattern matches the file's name or its absolute path."""
    if not patterns:
        return False
    name, absolute = path.name, str(path.resolve())
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(absolute, p) for p in patterns)


def exclude_patterns(value: str, base: Path) -> List[str]:
    """Exclude patterns; those with a slash are relative to `base` (the config's folder)."""
    found = []
    for item in re.split(r"[,\s]+", value):
        item = item.strip()
        if item:
            found.append(str((base / item).resolve()) if "/" in item else item)
    return found


def _kind(path: Path) -> Optional[str]:
    """None for a regular file (or one that cannot be looked at: reading says why), else what it is."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def iter_python_files(
    paths: Iterable[str], exclude: Sequence[str] = (), skipped: Optional[List[Skip]] = None
) -> Iterator[Path]:
    """The files named, and the .py files below the folders named, sorted,
    leaving out what matches an `exclude` pattern. What a folder search
    passes over (not a regular file, a notebook) goes to `skipped`."""
    for name in paths:
        path = Path(name)
        if excluded(path, exclude):
            continue
        if not path.is_dir():
            yield path
            continue
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = sorted(
                d
                for d in subdirectories
                if d not in SKIPPED_DIRECTORIES and not excluded(Path(directory, d), exclude)
            )
            for file_name in sorted(files):
                found = Path(directory, file_name)
                if file_name.endswith(".ipynb") and skipped is not None and not excluded(found, exclude):
                    skipped.append((found, "a notebook in a folder: name it to check it"))
                if not file_name.endswith(".py") or excluded(found, exclude):
                    continue
                kind = _kind(found)
                if kind is not None:
                    if skipped is not None:
                        skipped.append((found, kind if kind == "not a regular file" else f"{kind}, not a regular file"))
                    continue
                yield found


def require_regular_file(path: Path) -> None:
    """NotRegularFile unless `path` is a regular file (or missing: opening it says so)."""
    kind = _kind(path)
    if kind is not None:
        raise NotRegularFile(f"{kind}, not a regular file" if kind != "not a regular file" else kind)


def read_bytes(path: Path) -> bytes:
    """The file's bytes; NotRegularFile for anything but a regular file.

    The file is opened without blocking and checked after opening, so a
    FIFO put in its place in the meantime cannot make the run wait.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            require_regular_file(path)
            raise NotRegularFile("not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(descriptor)


def read_source(path: Path) -> str:
    """Decode a Python file as the interpreter would (coding cookie, BOM)."""
    raw = read_bytes(path)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    text = raw.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text
