"""The model facilities behind the wider recall: loop elements, closure factories,
hand-offs through a wrapper's parameter, pools kept on `self`."""

from __future__ import annotations

import textwrap

import libcst as cst

from mp_lint.model import ModuleModel, build_model
from mp_lint.model.apis import Catalogue, Kind
from mp_lint.model.factories import returned_closure
from mp_lint.model.kept import kept_pools
from mp_lint.model.module import CallableKind
from mp_lint.model.workers import workers
from mp_lint.model.wrappers import every_handoff


def model_of(source: str) -> ModuleModel:
    return build_model(cst.parse_module(textwrap.dedent(source)), Catalogue(), "spawn")


def test_a_loop_variable_is_what_builds_the_list_it_iterates() -> None:
    model = model_of(
        """
        from multiprocessing import Process
        from threading import Thread
        procs = [Process(target=print) for _ in range(2)]
        appended = []
        appended.append(Process(target=print))
        mixed = []
        mixed.append(Process(target=print))
        mixed.append(Thread(target=print))
        for p in procs:
            p.start()
        for a in appended:
            a.start()
        for m in mixed:
            m.start()
        """
    )
    starts = {cst.Module([]).code_for_node(s.site.node.func): s for s in model.process_starts()}
    assert sorted(starts) == ["a.start", "p.start"]  # `mixed` holds two kinds of object: unknown
    assert all(s.instance.kind is Kind.PROCESS and s.constructor is not None for s in starts.values())


def test_a_factory_returns_a_closure_only_when_every_return_gives_one() -> None:
    model = model_of(
        """
        def make(gain):
            def convert(x):
                return x * gain
            return convert

        def either(gain):
            def convert(x):
                return x * gain
            if gain:
                return convert
            return abs

        def run(ex, gain):
            return ex.map(make(gain), [1])
        """
    )
    infos = {info.name: info for info in model.functions}
    made = returned_closure(infos["make"])
    assert isinstance(made, cst.Name) and made.value == "convert"
    assert returned_closure(infos["either"]) is None
    (site,) = [s for s in infos["run"].calls if isinstance(s.node.func, cst.Attribute)]
    kind, _ = model.callable_kind(site.node.args[0].value, site.scope)
    assert kind is CallableKind.CLOSURE


def test_a_callable_reaches_the_pool_through_a_method_parameter() -> None:
    model = model_of(
        """
        from functools import partial
        from multiprocessing import Pool

        def work(n, q):
            return q

        def report(q):
            return q

        class Runner:
            def __init__(self):
                self._pool = Pool(2)

            def _apply(self, func, xs):
                return self._pool.map(func, xs)

            def _log(self, func, xs):
                return [func(x) for x in xs]

            def run(self, qs):
                self._log(report, qs)
                return self._apply(partial(work, 1), qs)
        """
    )
    via = [h for h in every_handoff(model) if h.via is not None]
    assert [(h.via.name, cst.Module([]).code_for_node(h.callable_expr)) for h in via if h.via] == [
        ("_apply", "partial(work, 1)")
    ]
    assert sorted(info.name for info in workers(model).every) == ["work"]


def test_a_pool_kept_on_self_counts_as_shut_down_when_any_related_code_closes_it() -> None:
    model = model_of(
        """
        from multiprocessing import Pool

        class Leaky:
            def __init__(self):
                self.pool = Pool(2)

        class Closing:
            def __init__(self):
                self.pool = Pool(2)

            def close(self):
                self.pool.close()

        class Child(Closing):
            pass

        class Passed:
            def __init__(self):
                self.workers = Pool(2)

            def give(self, sink):
                sink(self.workers)
        """
    )
    assert [(kept.klass.name, kept.attribute) for kept in kept_pools(model)] == [("Leaky", "pool")]
