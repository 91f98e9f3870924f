"""MPL102 unguarded-entry-call."""

from __future__ import annotations

from typing import Iterator, List, Set, Tuple

from mp_lint.model import ModuleModel
from mp_lint.model.across import entry_calls, starting_functions
from mp_lint.model.module import CallSite, FunctionInfo
from mp_lint.rules.across import across_details
from mp_lint.rules.base import Report, Rule


class UnguardedEntryCall(Rule):
    """What it does:
    Flags a module-level call, outside `if __name__ == "__main__":`, of a
    function of this module that starts processes, directly or through the
    functions it calls (`def main(): ... Pool() ...` then a bare `main()`),
    also inside module-level `try`/`with`/`if` blocks
    (`try: main() except KeyboardInterrupt: ...`).

    Why is this bad?
    Under spawn and forkserver every child re-imports the main module, runs
    the bare `main()` again and starts processes of its own, which fails as
    MPL101 describes. Calls by plain name to functions of this module are
    followed, and imported functions are read from their source: a bare
    `run_all()` of your package (or a function here that calls one) is
    reported at the call, naming where the other module starts processes.
    Methods are not followed. Silent in notebooks, which no child re-imports.

    Example:
        def main():
            with Pool(4) as pool:
                print(pool.map(square, range(10)))

        main()

    Use instead:
        if __name__ == "__main__":
            main()

    Fix safety:
    The fix moves the call, with the statements after it that read what it binds
    and the script's tail, under `if __name__ == "__main__":` at the end of the
    module. Unsafe: what runs at import changes. A module that imports this one
    no longer gets the call's effects, and the statements left at module level
    now run before the moved ones. `mp-lint --fix` therefore leaves it and says
    so; `mp-lint --fix --unsafe-fixes` applies it, and `mp-lint --diff` shows it
    among the unsafe fixes. A plain binding of a computed value after it (`x =
    1`) stays where it is; there is no fix at all when a definition needs a
    moved name at import, or a name would be bound in another order.
    """

    code = "MPL102"
    name = "unguarded-entry-call"
    spawn_only = True

    def check(self, model: ModuleModel) -> Iterator[Report]:
        if model.interactive:
            return  # a notebook is never re-imported by its children
        starters: Set[int] = set()
        for start in model.process_starts():
            if start.site.function is not None and model.pickles_like_spawn(start.instance):
                starters.add(id(start.site.function))
        entries: List[Tuple[CallSite, FunctionInfo]] = []
        for site in model.calls:
            entry = model.function_called(site.node.func, site.scope) if site.at_import and not site.guarded else None
            if entry is not None:
                entries.append((site, entry))
        starters |= set(starting_functions(model, [entry for _, entry in entries]))
        for call, evidence in entry_calls(model):
            yield self.report(call.site.node, **across_details(call, evidence))
        for site, entry in entries:
            if any(id(info) in starters for info in model.reachable_functions([entry])):
                yield self.report(site.node, function=entry.name)
