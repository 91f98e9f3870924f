"""MPL103 start-method-at-import."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Kind
from mp_lint.model.module import call_argument, string_literal
from mp_lint.rules.base import Report, Rule


class StartMethodAtImport(Rule):
    """What it does:
    Flags `multiprocessing.set_start_method("spawn")` or `("forkserver")` at
    module level outside `if __name__ == "__main__":`.

    Why is this bad?
    A spawned child sets its start method before it re-imports the main
    module; the re-import runs `set_start_method` a second time, which raises
    `RuntimeError: context has already been set` and kills the child.
    Silent when `force=True` is given, when the call sits in a `try` that
    catches `RuntimeError`, for `"fork"`, and when the method is not a
    literal. Silent in notebooks: no child re-imports a notebook.

    Example:
        import multiprocessing as mp
        mp.set_start_method("spawn")

    Use instead:
        if __name__ == "__main__":
            mp.set_start_method("spawn")
            main()

    Fix safety:
    The fix moves the `set_start_method()` call, with the statements after it
    that depend on it, under `if __name__ == "__main__":` (into the guard
    already there, if any). Unsafe: what runs at import changes. A module that
    imports this one no longer gets the start method set, and the statements
    left at module level now run before the moved ones. `mp-lint --fix`
    therefore leaves it and says so; `mp-lint --fix --unsafe-fixes` applies it,
    and `mp-lint --diff` shows it among the unsafe fixes. A plain binding of a
    computed value after it (`x = 1`) stays where it is; there is no fix at all
    when a definition needs a moved name at import, or a name would be bound in
    another order.
    """

    code = "MPL103"
    name = "start-method-at-import"
    spawn_only = True

    def check(self, model: ModuleModel) -> Iterator[Report]:
        if model.interactive:
            return  # the children never run the notebook's cells again
        for api in model.api_calls():
            site = api.site
            if api.value.kind is not Kind.SET_START_METHOD:
                continue
            if not site.at_import or site.guarded or site.catches_runtime_error:
                continue
            method = string_literal(call_argument(site.node, 0, "method"))
            if method not in ("spawn", "forkserver"):
                continue
            force = call_argument(site.node, 1, "force")
            if force is not None and not (isinstance(force, cst.Name) and force.value in ("False", "None")):
                continue  # force=True (or anything not plainly false) replaces the context
            yield self.report(site.node, method=method)
