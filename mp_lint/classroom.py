"""`mp-lint demo` and `mp-lint run`: the demos, and a student's own program
run as Windows and macOS would run it.

Both live in the demos package (the `demos/` folder of a checkout, installed
as `mp_lint.demos`), next to the runner that contains the programs they
start; this module only finds that package and hands over.

    mp-lint demo --list | --all | CODE ... [--lang zh]
    mp-lint run FILE [ARGS ...] [--timeout S] [--start-method forkserver] [--stdin PATH] [--lang zh]
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Sequence

_PACKAGES = ("mp_lint.demos", "demos")
_COMMANDS = {"demo": "__main__", "run": "homework"}


def _module(name: str) -> ModuleType:
    """`mp_lint.demos.<name>` when installed, `demos.<name>` from a bare checkout."""
    for package in _PACKAGES:
        try:
            importlib.import_module(package)
        except ImportError:
            continue
        return importlib.import_module(f"{package}.{name}")
    raise ImportError("the mp-lint demos are not installed")


def main(argv: Sequence[str]) -> int:
    """`argv` starts with "demo" or "run"; returns the exit status."""
    command, rest = argv[0], list(argv[1:])
    try:
        module = _module(_COMMANDS[command])
    except ImportError as error:
        print(f"mp-lint {command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before anything started
        return 130
    status = module.main(rest, prog=f"mp-lint {command}")
    return int(status)
