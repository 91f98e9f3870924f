"""MPL104 side-effect-at-import."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.side_effects import import_side_effects
from mp_lint.rules.base import Report, Rule


class SideEffectAtImport(Rule):
    """What it does:
    In a module that starts processes, flags module-level code outside
    `if __name__ == "__main__":` that cannot run a second time: `input()` or
    a read of `sys.stdin`, a socket `bind()` (or `socket.create_server()`,
    `socketserver.TCPServer(...)`) to a fixed address, and `os.mkdir()`,
    `os.makedirs()` or `Path.mkdir()` of a fixed path without
    `exist_ok=True`.

    Why is this bad?
    Under spawn and forkserver each child re-imports the main module and
    runs every line outside the guard again, even when the process start
    itself is guarded. The parent has already read standard input, bound
    the port and made the directory, so the child gets end-of-file
    (`EOFError` from `input()`, `''` from `readline()`; on a terminal every
    worker prints the prompt and waits, a silent hang), `EADDRINUSE` or
    `FileExistsError`. A Pool replaces each worker that dies this way, and
    the replacement dies too: `map()` never returns. Under fork these lines
    run once and the program works.

    Not flagged: such code inside a `try` with handlers, a directory created
    inside an `if` (`if not os.path.exists(d):`), a path that may differ
    per process (anything the analysis cannot read as fixed), port 0, and
    notebooks (no child re-imports them). There is no automatic fix: move the
    line under the guard and hand its result to the workers as an argument.

    Example:
        n = int(input("How many numbers? "))

        if __name__ == "__main__":
            with Pool(4) as pool:
                print(pool.map(square, range(n)))

    Use instead:
        if __name__ == "__main__":
            n = int(input("How many numbers? "))
            with Pool(4) as pool:
                print(pool.map(square, range(n)))

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL104"
    name = "side-effect-at-import"
    spawn_only = True

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for effect in import_side_effects(model):
            yield self.report(effect.node, what=effect.what, error=effect.error)
