"""MPL705 manager-nested-mutation."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.sharing import sharing_for
from mp_lint.rules.base import Report, Rule


class ManagerNestedMutation(Rule):
    """What it does:
    Flags an in-place change of a value read from a `Manager()` `dict`,
    `list` or `Namespace` proxy: `d[k].append(x)`, `d[k][j] = v`,
    `d[k].update(...)`, `d.setdefault(k, []).append(x)`, `lst[0].add(x)`,
    `ns.items.append(x)`, in the parent or in a worker. The proxy is
    followed from `manager.dict()` through assignments and the parameters
    of this module's functions (`Process(args=)`, `apply_async(args=)`,
    `starmap` literals, `partial`).

    Why is this bad?
    Reading `d[k]` through a proxy returns a copy, pickled from the manager
    process. The change is made to that copy and thrown away; the manager
    never hears of it. Observed: four children appending to `d["items"]`
    left it `[]` under every start method.

    Deliberately not flagged: proxies whose stored values may themselves be
    proxies (`d[k] = manager.list()`, or `manager.dict({k: manager.list()})`),
    the read-change-store-back pattern (`tmp = d[k]; tmp.append(x);
    d[k] = tmp`), changes of the proxy itself (`d[k] = v`, `d[k] += 1`,
    `d.update(...)`), and proxies from a manager this module does not
    create.

    Example:
        shared = manager.dict({"items": []})
        shared["items"].append(x)

    Use instead:
        items = shared["items"]
        items.append(x)
        shared["items"] = items

    or store a proxy: `shared["items"] = manager.list()`.

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL705"
    name = "manager-nested-mutation"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for mutation in sharing_for(model).copy_mutations():
            yield self.report(mutation.node, proxy=mutation.proxy)
