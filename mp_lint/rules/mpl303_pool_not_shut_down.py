"""MPL303 pool-not-shut-down."""

from __future__ import annotations

from typing import Iterator

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Family, Kind
from mp_lint.model.kept import kept_pools
from mp_lint.model.resources import Fate, Tracked, lifetime
from mp_lint.rules.base import Report, Rule

_POOL = Tracked(frozenset({"close", "terminate"}))
_EXECUTOR = Tracked(frozenset({"shutdown"}))
_ON_PATH = "is never shut down on this path"
_ON_PATH_ZH = "在这条执行路径上没有被关闭"


class PoolNotShutDown(Rule):
    """What it does:
    Flags a `multiprocessing` Pool or a `ProcessPoolExecutor` created in a
    function without `with` and never shut down on some path out of that
    function: no `close()` (or `terminate()`) for a pool, no `shutdown()`
    for an executor, or a `return` that skips it. `Pool().map(...)` on a
    pool nobody keeps is flagged too.

    Why is this bad?
    The worker processes outlive the function until the garbage collector
    gets to the pool, which Python does not promise: its documentation says
    relying on the collector to destroy a pool is not correct and that
    failing to close or terminate it "can lead to the process hanging on
    finalization". Meanwhile each call keeps a full set of processes and
    their memory; a function called in a loop or a service piles them up,
    and only a `ResourceWarning` tells.

    A pool kept on an object (`self.pool = Pool()`, in `__init__` or lazily
    in a method, `self._executor = ProcessPoolExecutor()`) is flagged when
    no code of the module ever shuts down an attribute of that name (no
    `close()`, `__exit__` or `__del__` that does, nor any other method):
    the object never gives its workers back. Only this module is read: a
    pool that only another module shuts down (`engine.pool.close()` in a
    script) is reported all the same; a `close()` method on the class is
    the fix either way.

    Deliberately not flagged: a pool returned, yielded, stored in a global
    or a container, passed to another function or captured by a nested
    function (its owner may shut it down); a pool on `self` whose attribute
    is used any other way than for tasks and `is None` tests (passed on,
    `with self.pool:`, named in a string), or whose class has a base from
    another module (the base may close it); pools created at module
    level (they live as long as the program, see MPL101); a `close()`
    without `join()`; exception paths (a `map()` that raises before
    `close()`); thread pools and dill/cloudpickle libraries.

    Example:
        def run(jobs):
            pool = Pool(4)
            return pool.map(work, jobs)

    Use instead:
        def run(jobs):
            with Pool(4) as pool:
                return pool.map(work, jobs)

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL303"
    name = "pool-not-shut-down"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        for api in model.api_calls():
            value = api.value
            site = api.site
            if api.receiver is not None or site.function is None or value.family is not Family.PICKLE:
                continue
            if value.kind is Kind.POOL_CLASS and value.name == "Pool":
                tracked, name = _POOL, "Pool()"
            elif value.kind is Kind.LAZY_POOL_CLASS:
                tracked, name = _EXECUTOR, "ProcessPoolExecutor()"
            else:
                continue
            if id(site.node) in model.with_items:
                continue
            if lifetime(model, site.function, site.node, tracked).fate is Fate.LEAKED:
                yield self.report(site.node, api=name, where=_ON_PATH, where_zh=_ON_PATH_ZH)
        for kept in kept_pools(model):
            where = f"is kept in self.{kept.attribute} and no method shuts it down"
            where_zh = f"保存在 self.{kept.attribute} 上，却没有任何方法关闭它"
            yield self.report(kept.constructor, api=kept.api, where=where, where_zh=where_zh)
