"""The sharing analysis (mp_lint/model/sharing.py) asked directly: which
objects are shared, what a parameter receives, where locks are held, which
globals the workers write or read."""

from __future__ import annotations

import textwrap
from typing import List, Optional

import libcst as cst

from mp_lint.model.apis import Catalogue
from mp_lint.model.body import body_of
from mp_lint.model import build_model
from mp_lint.model.module import FunctionInfo, ModuleModel
from mp_lint.model.sharing import sharing_for


def model_of(source: str, start_method: str = "spawn") -> ModuleModel:
    return build_model(cst.parse_module(textwrap.dedent(source)), Catalogue(), start_method)


def function(model: ModuleModel, name: str) -> FunctionInfo:
    return next(info for info in model.functions if info.name == name)


def first_name(model: ModuleModel, info: FunctionInfo, name: str) -> cst.Name:
    return body_of(model, info.node).uses(name)[0].node


def shared_name(model: ModuleModel, function_name: str, name: str) -> Optional[str]:
    info = function(model, function_name)
    ref = sharing_for(model).shared_object(first_name(model, info, name), info.scope)
    return None if ref is None else f"{ref.kind.value}:{ref.name}"


def test_a_value_handed_through_process_args_reaches_the_parameter() -> None:
    model = model_of("""
        from multiprocessing import Process, Value
        def work(counter, n):
            counter.value += n
        if __name__ == "__main__":
            v = Value("i", 0)
            Process(target=work, args=(v, 3)).start()
    """)
    assert shared_name(model, "work", "counter") == "sync:Value"
    assert shared_name(model, "work", "n") is None


def test_a_global_set_by_the_initializer_from_initargs_is_the_value() -> None:
    model = model_of("""
        from multiprocessing import Pool, Value
        hits = None
        def init(shared):
            global hits
            hits = shared
        def task(x):
            hits.value += 1
        if __name__ == "__main__":
            with Pool(2, initializer=init, initargs=(Value("i", 0),)) as pool:
                pool.map(task, range(3))
    """)
    assert shared_name(model, "task", "hits") == "sync:Value"


def test_a_proxy_in_a_starmap_literal_and_in_a_partial_reaches_the_parameter() -> None:
    model = model_of("""
        from functools import partial
        from multiprocessing import Manager, Pool
        def group(shared, key):
            shared[key].append(1)
        def other(shared, key):
            shared[key].append(1)
        if __name__ == "__main__":
            with Manager() as manager:
                d = manager.dict()
                with Pool(2) as pool:
                    pool.starmap(group, [(d, k) for k in "ab"])
                    pool.map(partial(other, d), "ab")
    """)
    assert shared_name(model, "group", "shared") == "proxy:dict"
    assert shared_name(model, "other", "shared") == "proxy:dict"
    assert shared_name(model, "other", "key") is None  # an item of a map: out of sight


def test_a_parameter_given_different_things_or_passed_on_elsewhere_is_unknown() -> None:
    model = model_of("""
        from multiprocessing import Process, Value
        def work(counter):
            counter.value += 1
        def passed_on(counter):
            counter.value += 1
        if __name__ == "__main__":
            Process(target=work, args=(Value("i", 0),)).start()
            work(5)
            Process(target=passed_on, args=(Value("i", 0),)).start()
            registry = [passed_on]
    """)
    assert shared_name(model, "work", "counter") is None
    assert shared_name(model, "passed_on", "counter") is None


def test_locks_held_around_an_update() -> None:
    model = model_of("""
        import multiprocessing as mp
        def work(counter, lock, fh):
            with counter.get_lock():
                counter.value += 1
            with lock:
                counter.value += 1
            with open("f") as out:
                counter.value += 1
            with mp.Pool() as pool:
                counter.value += 1
    """)
    info = function(model, "work")
    body = body_of(model, info.node)
    sharing = sharing_for(model)
    updates = _aug_assigns(info.node)
    held = [sharing.holds_lock(body, node, info) for node in updates]
    assert held == [True, True, False, False]


def _aug_assigns(root: cst.CSTNode) -> List[cst.AugAssign]:
    found: List[cst.AugAssign] = []
    stack: List[cst.CSTNode] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.AugAssign):
            found.append(node)
        stack.extend(reversed(node.children))
    return found


def test_worker_starts_say_whether_children_are_spawned_and_several() -> None:
    model = model_of("""
        import multiprocessing as mp
        def one(): pass
        def many(): pass
        def pooled(x): pass
        if __name__ == "__main__":
            mp.get_context("fork").Process(target=one).start()
            for _ in range(3):
                mp.Process(target=many).start()
            with mp.Pool() as pool:
                pool.map(pooled, [1])
    """)
    sharing = sharing_for(model)
    starts = {name: sharing.starts_of(function(model, name))[0] for name in ("one", "many", "pooled")}
    assert [(s.spawned, s.many) for s in starts.values()] == [(False, False), (True, True), (True, True)]


def test_module_level_shared_objects_and_guarded_bindings() -> None:
    model = model_of("""
        from multiprocessing import Pool, Queue
        q = Queue()
        LIMIT = 1
        def task(x):
            q.put(x)
            return LIMIT
        if __name__ == "__main__":
            LIMIT = 5
            with Pool() as pool:
                pool.map(task, [1])
    """)
    sharing = sharing_for(model)
    assert [(o.name, o.what) for o in sharing.import_time_objects()] == [("q", "Queue")]
    assert [(r.function.name, r.name) for r in sharing.stale_reads()] == [("task", "LIMIT")]
    limit = model.module_scope.bindings["LIMIT"]
    assert [binding.guarded for binding in limit] == [False, True]


def test_under_fork_nothing_is_stale_or_re_created() -> None:
    model = model_of("""
        from multiprocessing import Pool, Queue
        q = Queue()
        LIMIT = 1
        def task(x):
            q.put(x)
            return LIMIT
        if __name__ == "__main__":
            LIMIT = 5
            with Pool() as pool:
                pool.map(task, [1])
    """, start_method="fork")
    sharing = sharing_for(model)
    assert list(sharing.import_time_objects()) == []
    assert list(sharing.stale_reads()) == []


def test_a_global_write_counts_only_when_the_parent_reads_it_after_the_start() -> None:
    model = model_of("""
        from multiprocessing import Pool
        BEFORE = []
        AFTER = []
        LATER = []
        def a(x): BEFORE.append(x)
        def b(x): AFTER.append(x)
        def c(x): LATER.append(x)
        def report():
            print(LATER)
        def main():
            print(BEFORE)
            with Pool() as pool:
                pool.map(a, [1]); pool.map(b, [1]); pool.map(c, [1])
            print(len(AFTER))
            report()
        if __name__ == "__main__":
            main()
    """)
    found = sorted(write.name for write in sharing_for(model).worker_global_writes())
    assert found == ["AFTER", "LATER"]


def test_proxies_known_to_hold_proxies_are_not_copies() -> None:
    model = model_of("""
        from multiprocessing import Manager
        if __name__ == "__main__":
            with Manager() as m:
                plain = m.dict()
                nested = m.dict()
                nested["k"] = m.list()
                built = m.dict({"k": m.list()})
                plain["k"].append(1)
                nested["k"].append(1)
                built["k"].append(1)
    """)
    mutations = list(sharing_for(model).copy_mutations())
    assert len(mutations) == 1
    assert cst.Module([]).code_for_node(mutations[0].node) == 'plain["k"].append(1)'
    assert mutations[0].proxy == "dict"


def test_a_global_the_initializer_sets_from_itself_resolves_to_the_parent_value() -> None:
    model = model_of("""
        from multiprocessing import Pool, Value
        counter = None
        def init(args):
            global counter
            counter = args
        def task(x):
            counter.value += 1
        if __name__ == "__main__":
            counter = Value("i", 0)
            with Pool(initializer=init, initargs=(counter,)) as pool:
                pool.map(task, range(4))
    """)
    assert shared_name(model, "task", "counter") == "sync:Value"
    updates = list(sharing_for(model).unlocked_updates())
    assert [update.target for update in updates] == ["counter.value"]


def test_a_notebook_is_never_re_imported_so_nothing_is_stale_or_re_created() -> None:
    source = """
        from multiprocessing import Pool, Queue
        q = Queue()
        LIMIT = 1
        def task(x):
            q.put(x)
            return LIMIT
        if __name__ == "__main__":
            LIMIT = 5
            with Pool() as pool:
                pool.map(task, [1])
    """
    model = build_model(cst.parse_module(textwrap.dedent(source)), Catalogue(), "spawn", interactive=True)
    sharing = sharing_for(model)
    assert list(sharing.import_time_objects()) == []
    assert list(sharing.stale_reads()) == []
