"""The model behind MPL104, MPL206, MPL304 and the wider process APIs:
side effects at import, exceptions that cannot be rebuilt, daemonic
workers, and the wrappers of "Which APIs count"."""

from __future__ import annotations

import textwrap
from typing import List, Tuple

import libcst as cst

from mp_lint.model import build_model
from mp_lint.model.apis import Catalogue, Kind
from mp_lint.model.exceptions import broken_exceptions, worker_raises
from mp_lint.model.module import ModuleModel, Role
from mp_lint.model.side_effects import import_side_effects
from mp_lint.model.workers import workers


def model_of(source: str, start_method: str = "spawn") -> ModuleModel:
    return build_model(cst.parse_module(textwrap.dedent(source)), Catalogue(), start_method)


def line_of(model: ModuleModel, node: cst.CSTNode) -> int:
    code = model.module.code
    snippet = cst.Module([]).code_for_node(node)
    return code[: code.index(snippet)].count("\n") + 1


POOL_UNDER_GUARD = """
from multiprocessing import Pool

def square(x):
    return x * x

if __name__ == "__main__":
    with Pool(2) as pool:
        pool.map(square, range(3))
"""


# --- side effects at import --------------------------------------------------


def effects(source: str, start_method: str = "spawn") -> List[Tuple[str, str]]:
    model = model_of(source, start_method)
    return [(effect.what, effect.error) for effect in import_side_effects(model)]


def test_input_and_stdin_reads_at_import_are_side_effects() -> None:
    source = "import sys\nn = input()\nline = sys.stdin.readline()\n" + POOL_UNDER_GUARD
    assert effects(source) == [("input()", "EOFError"), ("sys.stdin.readline()", "end of file")]


def test_a_module_that_starts_no_process_has_no_side_effects_to_report() -> None:
    assert effects("import os\nn = input()\nos.mkdir('out')\n") == []


def test_fork_runs_module_code_once() -> None:
    assert effects("n = input()\n" + POOL_UNDER_GUARD, start_method="fork") == []


def test_a_shadowed_input_is_not_the_builtin() -> None:
    assert effects("def input():\n    return '3'\nn = input()\n" + POOL_UNDER_GUARD) == []


def test_directories_need_a_fixed_path_and_no_exist_ok() -> None:
    source = textwrap.dedent("""
    import os
    from pathlib import Path
    BASE = os.path.dirname(__file__)
    os.makedirs(os.path.join(BASE, "out"))
    os.makedirs(os.path.join(BASE, "logs"), exist_ok=True)
    (Path(BASE) / "cache").mkdir(parents=True)
    os.mkdir(f"run-{os.getpid()}")
    os.mkdir(input_dir)
    """) + POOL_UNDER_GUARD
    assert effects(source) == [("os.makedirs()", "FileExistsError"), ("Path.mkdir()", "FileExistsError")]


def test_a_directory_made_inside_an_if_or_a_try_is_left_alone() -> None:
    source = textwrap.dedent("""
    import os
    if not os.path.exists("out"):
        os.mkdir("out")
    try:
        os.mkdir("state")
    except FileExistsError:
        pass
    """) + POOL_UNDER_GUARD
    assert effects(source) == []


def test_only_a_fixed_port_is_a_side_effect() -> None:
    source = textwrap.dedent("""
    import socket
    PORT = 8080
    fixed = socket.socket()
    fixed.bind(("0.0.0.0", PORT))
    free = socket.socket()
    free.bind(("0.0.0.0", 0))
    """) + POOL_UNDER_GUARD
    assert effects(source) == [("bind()", "EADDRINUSE")]


def test_a_notebook_is_never_re_imported() -> None:
    model = build_model(cst.parse_module("n = input()\n" + POOL_UNDER_GUARD), Catalogue(), "spawn", interactive=True)
    assert import_side_effects(model) == []


# --- exceptions that cannot be rebuilt ------------------------------------------


def broken(source: str) -> List[Tuple[str, Tuple[str, ...], int]]:
    model = model_of(source)
    found = broken_exceptions(model).values()
    return sorted((b.klass.name, b.required, b.passed) for b in found)


def test_a_formatted_message_loses_the_required_arguments() -> None:
    source = """
    class RecordError(Exception):
        def __init__(self, record, reason):
            super().__init__(f"record {record}: {reason}")
    """
    assert broken(source) == [("RecordError", ("record", "reason"), 1)]


def test_forwarding_defaults_reduce_and_no_super_call_are_rebuildable() -> None:
    source = """
    class Forwards(Exception):
        def __init__(self, record, reason):
            super().__init__(record, reason)

    class Defaults(Exception):
        def __init__(self, record, reason=""):
            super().__init__(record)

    class Reduces(Exception):
        def __init__(self, record, reason):
            super().__init__(reason)
        def __reduce__(self):
            return (Reduces, (1, 2))

    class NoSuper(Exception):
        def __init__(self, record, reason):
            self.record = record

    class StarArgs(Exception):
        def __init__(self, *args):
            super().__init__(*args)
    """
    assert broken(source) == []


def test_the_arguments_are_followed_up_the_chain_of_module_classes() -> None:
    source = """
    class Base(Exception):
        def __init__(self, message):
            super().__init__(message)

    class Child(Base):
        def __init__(self, job, code):
            Base.__init__(self, f"{job}: {code}")

    class GrandChild(Child):
        pass
    """
    assert broken(source) == [("Child", ("job", "code"), 1), ("GrandChild", ("job", "code"), 1)]


def test_unknown_and_special_bases_stay_silent() -> None:
    source = """
    import requests

    class HttpError(requests.HTTPError):
        def __init__(self, url, status):
            super().__init__(f"{url}: {status}")

    class DiskError(OSError):
        def __init__(self, path, errno):
            super().__init__(f"{path}: {errno}")

    class Mixed(KeyError, ValueError):
        def __init__(self, key, why):
            super().__init__(f"{key}: {why}")
    """
    assert broken(source) == []


def test_only_raises_in_task_code_count_once_per_class_and_function() -> None:
    source = """
    from multiprocessing import Pool, Process

    class RecordError(Exception):
        def __init__(self, record, reason):
            super().__init__(f"record {record}: {reason}")

    def check(record):
        if record:
            raise RecordError(record, "a")
        raise RecordError(record, "b")

    def target(record):
        raise RecordError(record, "c")

    if __name__ == "__main__":
        with Pool(2) as pool:
            pool.map(check, range(3))
        Process(target=target, args=(1,)).start()
    """
    model = model_of(source)
    assert [(found.function.name, line_of(model, found.node)) for found in worker_raises(model)] == [("check", 10)]


# --- daemonic workers ----------------------------------------------------------


def daemonic_names(source: str) -> List[str]:
    return sorted(info.name for info in workers(model_of(source)).daemonic)


def test_pool_tasks_initializers_and_daemon_targets_are_daemonic_executor_tasks_are_not() -> None:
    source = """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import Pool, Process

    def task(x): return helper(x)
    def helper(x): return x
    def init(): pass
    def executor_task(x): return x
    def daemon_target(): pass
    def set_later(): pass
    def plain_target(): pass

    if __name__ == "__main__":
        with Pool(2, initializer=init) as pool:
            pool.map(task, range(3))
        with ProcessPoolExecutor() as executor:
            executor.submit(executor_task, 1)
        Process(target=daemon_target, daemon=True).start()
        later = Process(target=set_later)
        later.daemon = True
        later.start()
        Process(target=plain_target).start()
    """
    assert daemonic_names(source) == ["daemon_target", "helper", "init", "set_later", "task"]


def test_parmap_tasks_and_dataloader_hooks_run_in_daemonic_workers() -> None:
    source = """
    import parmap
    from torch.utils.data import DataLoader
    from tqdm.contrib.concurrent import process_map

    def mapped(x): return x
    def seeded(worker): return worker
    def executor_mapped(x): return x

    def main():
        parmap.map(mapped, range(3))
        DataLoader(range(3), num_workers=2, worker_init_fn=seeded)
        process_map(executor_mapped, range(3))
    """
    assert daemonic_names(source) == ["mapped", "seeded"]


# --- the wider process APIs ------------------------------------------------------


def handoffs(source: str) -> List[Tuple[str, str, str]]:
    model = model_of(source)
    return [(h.method, h.role.value, h.api.kind.value) for h in model.handoffs()]


def test_the_wrappers_hand_their_callable_over() -> None:
    source = """
    import asyncio
    from concurrent.futures import ProcessPoolExecutor
    import parmap
    from tqdm.contrib.concurrent import process_map, thread_map

    async def run(pool: ProcessPoolExecutor):
        await asyncio.get_running_loop().run_in_executor(pool, abs, -1)

    def main():
        process_map(abs, range(3))
        thread_map(abs, range(3))
        parmap.starmap(pow, [(2, 3)])
        parmap.map(abs, range(3), pm_parallel=False)
    """
    assert handoffs(source) == [
        ("run_in_executor", "task", "executor"),
        ("process_map", "task", "executor"),
        ("parmap.starmap", "task", "pool"),
    ]


def test_a_dataloader_hands_over_its_hooks_only_with_worker_processes() -> None:
    source = """
    from torch.utils.data import DataLoader
    WORKERS = 4

    def main(n):
        DataLoader(range(3), num_workers=WORKERS, collate_fn=list, worker_init_fn=print)
        DataLoader(range(3), num_workers=0, collate_fn=list)
        DataLoader(range(3), num_workers=n, collate_fn=list)
    """
    assert handoffs(source) == [("DataLoader", "hook", "dataloader"), ("DataLoader", "hook", "dataloader")]


def test_register_hands_over_its_callable_only_for_a_started_manager() -> None:
    source = """
    from multiprocessing.managers import BaseManager

    class Server(BaseManager): pass
    class Client(BaseManager): pass

    Server.register("jobs", callable=list)
    Client.register("jobs", callable=list)
    Client.register("other")

    if __name__ == "__main__":
        server = Server(address=("", 5000), authkey=b"k")
        server.start()
        client = Client(address=("", 5000), authkey=b"k")
        client.connect()
    """
    model = model_of(source)
    found = [(h.label, h.role, h.api.name) for h in model.handoffs()]
    assert found == [("register(callable=)", Role.HOOK, "Server")]


def test_iterating_a_dataloader_with_workers_starts_processes() -> None:
    source = """
    from torch.utils.data import DataLoader
    loader = DataLoader(range(10), num_workers=2)
    serial = DataLoader(range(10))
    for batch in loader:
        pass
    for batch in serial:
        pass
    first = next(iter(loader))
    for index, batch in enumerate(loader):
        pass
    """
    model = model_of(source)
    starts = [(start.instance.kind, start.site.at_import) for start in model.process_starts()]
    assert starts == [(Kind.DATALOADER, True)] * 3


def test_thread_map_and_unknown_dataloaders_are_not_process_apis() -> None:
    model = model_of("from tqdm.contrib.concurrent import thread_map\nthread_map(abs, range(3))\n")
    assert model.process_starts() == [] and model.handoffs() == []
