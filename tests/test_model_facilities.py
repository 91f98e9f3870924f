"""The model's shared facilities answer what rules ask: one body index, where code runs."""

from __future__ import annotations

import textwrap
from typing import List

import libcst as cst

from mp_lint.model import ModuleModel, build_model
from mp_lint.model.apis import Catalogue
from mp_lint.model.body import FunctionBody, WriteKind, body_of
from mp_lint.model.workers import parent_only_functions, runs_only_in_parent, workers


def model_of(source: str) -> ModuleModel:
    return build_model(cst.parse_module(textwrap.dedent(source)), Catalogue(), "spawn")


def body(model: ModuleModel, name: str) -> FunctionBody:
    (info,) = [f for f in model.functions if f.name == name]
    return body_of(model, info.node)


def names(functions: object) -> List[str]:
    return sorted(info.name for info in functions)  # type: ignore[attr-defined]


def test_body_lists_every_kind_of_write_in_source_order() -> None:
    model = model_of(
        """
        RESULTS = []
        def work(x):
            global total
            total += x
            RESULTS.append(x)
            CACHE[x] = x
            state.last = x
            del CACHE[x]
            print(RESULTS)
        """
    )
    found = body(model, "work")
    assert [(w.kind, w.augmented) for w in found.writes("total")] == [(WriteKind.BIND, True)]
    assert [w.kind for w in found.writes("RESULTS")] == [WriteKind.METHOD]
    assert [w.kind for w in found.writes("CACHE")] == [WriteKind.SUBSCRIPT, WriteKind.SUBSCRIPT]
    assert [w.kind for w in found.writes("state")] == [WriteKind.ATTRIBUTE]
    assert "total" in found.declared
    assert [r.value for r in found.reads["RESULTS"]] == ["RESULTS", "RESULTS"]


def test_a_read_is_not_a_write() -> None:
    model = model_of(
        """
        def work(x):
            y = CACHE[x] + len(RESULTS)
            return RESULTS.count(x)
        """
    )
    found = body(model, "work")
    assert found.writes("CACHE") == [] and found.writes("RESULTS") == []
    assert [w.kind for w in found.writes("y")] == [WriteKind.BIND]


def test_body_knows_the_with_blocks_and_loops_around_a_node() -> None:
    model = model_of(
        """
        def work(v, items):
            with v.get_lock():
                for item in items:
                    v.value += item
            v.value += 1
        """
    )
    found = body(model, "work")
    inside, outside = [w.node for w in found.writes("v")]
    assert [type(n).__name__ for n in found.with_blocks_around(inside)] == ["With"]
    assert [type(n).__name__ for n in found.loops_around(inside)] == ["For"]
    assert found.with_blocks_around(outside) == [] and found.loops_around(outside) == []
    assert found.position(inside) < found.position(outside)


def test_uses_cover_the_suite_and_exits_are_the_bodys_own() -> None:
    model = model_of(
        """
        def work(f=open):
            f = open("x")
            def inner():
                return f
            return f
        """
    )
    found = body(model, "work")
    assert [use.nested for use in found.uses("f")] == [False, True, False]
    assert [type(node).__name__ for node in found.exits] == ["Return"]


def test_workers_daemonic_and_not() -> None:
    model = model_of(
        """
        from multiprocessing import Pool, Process
        from concurrent.futures import ProcessPoolExecutor

        def helper(x):
            return x

        def task(x):
            return helper(x)

        def submitted(x):
            return x

        def target():
            pass

        def daemon_target():
            pass

        def setup():
            pass

        if __name__ == "__main__":
            with Pool(initializer=setup) as pool:
                pool.map(task, range(3))
            with ProcessPoolExecutor() as ex:
                ex.submit(submitted, 1)
            Process(target=target).start()
            Process(target=daemon_target, daemon=True).start()
        """
    )
    team = workers(model)
    assert names(team.every) == ["daemon_target", "helper", "setup", "submitted", "target", "task"]
    assert names(team.daemonic) == ["daemon_target", "helper", "setup", "task"]
    assert names(team.initializer) == ["setup"]
    (task,) = [f for f in model.functions if f.name == "task"]
    (submitted,) = [f for f in model.functions if f.name == "submitted"]
    assert team.is_daemonic(task) and team.is_worker(submitted) and not team.is_daemonic(submitted)


def test_thread_pool_tasks_are_not_workers() -> None:
    model = model_of(
        """
        from multiprocessing.pool import ThreadPool

        def task(x):
            return x

        if __name__ == "__main__":
            with ThreadPool() as pool:
                pool.map(task, range(3))
        """
    )
    assert workers(model).every == () and workers(model).daemonic == ()


def test_parent_only_functions() -> None:
    model = model_of(
        """
        from multiprocessing import Pool

        def task(x):
            return x

        def configure():
            global SCALE
            SCALE = 10

        def main():
            configure()
            with Pool() as pool:
                pool.map(task, range(3))

        def also_at_import():
            pass

        def passed_on():
            pass

        also_at_import()

        if __name__ == "__main__":
            main()
            also_at_import()
            register(passed_on)
            passed_on()
        """
    )
    only = {info.name for info in model.functions if id(info) in parent_only_functions(model)}
    assert only == {"main", "configure"}
    guarded = [site for site in model.calls if site.guarded]
    assert guarded and all(runs_only_in_parent(model, site) for site in guarded)
    (task,) = [f for f in model.functions if f.name == "task"]
    at_import = [site for site in model.calls if site.function is None and not site.guarded]
    assert at_import and not any(runs_only_in_parent(model, site) for site in at_import)
    assert id(task) not in parent_only_functions(model)
