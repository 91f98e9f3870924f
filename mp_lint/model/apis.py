"""The catalogue of process APIs and of their look-alikes.

Everything the rules know about `multiprocessing` and friends lives here, as
data: which dotted names are pools, processes, managers, contexts or
synchronisation primitives, and which only look like them (thread pools).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, Iterable, Optional


class Family(enum.Enum):
    """How a library ships work to its children."""

    #: the standard pickler: lambdas, local functions, files... cannot cross.
    PICKLE = "pickle"
    #: dill-based clones (`multiprocess`, `pathos`): they pickle more, but
    #: still re-import `__main__` under spawn, so only MPL1xx applies.
    DILL = "dill"


class Kind(enum.Enum):
    """What an expression evaluates to, as far as the rules care."""

    UNKNOWN = "unknown"
    #: a module or other dotted name not (yet) in the catalogue.
    QUALNAME = "qualname"
    CONTEXT = "context"  # a multiprocessing context (module or get_context())
    GET_CONTEXT = "get_context"
    SET_START_METHOD = "set_start_method"
    POOL_CLASS = "pool_class"  # builds a pool that starts workers at once
    LAZY_POOL_CLASS = "lazy_pool_class"  # ProcessPoolExecutor: starts on first use
    PROCESS_CLASS = "process_class"
    MANAGER_FACTORY = "manager_factory"  # multiprocessing.Manager(): started when built
    MANAGER_CLASS = "manager_class"  # SyncManager/BaseManager: started by start()
    SYNC_FACTORY = "sync_factory"  # Lock, Queue, Value, Pipe ...
    THREAD_POOL_CLASS = "thread_pool_class"
    PARTIAL = "partial"  # functools.partial
    POOL = "pool"  # a multiprocessing Pool instance
    EXECUTOR = "executor"  # a ProcessPoolExecutor instance
    PROCESS = "process"
    MANAGER = "manager"
    SYNC = "sync"  # an instance of a multiprocessing sync primitive or queue
    PROXY_FACTORY = "proxy_factory"  # manager.Queue, manager.Lock ...
    PROXY = "proxy"
    THREAD_POOL = "thread_pool"
    #: a function that builds a pool and maps a callable over it
    #: (`tqdm.contrib.concurrent.process_map`, `parmap.map`): see WRAPPERS.
    MAP_FUNCTION = "map_function"
    #: `torch.utils.data.DataLoader`, and an instance with `num_workers` > 0.
    DATALOADER_CLASS = "dataloader_class"
    DATALOADER = "dataloader"


@dataclass(frozen=True)
class Value:
    """An abstract value: a kind plus what the rules need to know about it."""

    kind: Kind
    family: Family = Family.PICKLE
    #: explicit start method of the context the object came from, if known.
    start_method: Optional[str] = None
    #: dotted name for QUALNAME, or the API name (e.g. "Queue") for others.
    name: str = ""

    @property
    def is_process_pool(self) -> bool:
        """A pool or executor whose tasks are pickled to other processes."""
        return self.kind in (Kind.POOL, Kind.EXECUTOR)


UNKNOWN = Value(Kind.UNKNOWN)

#: Packages that re-export the multiprocessing API, and how they pickle.
PROCESS_PACKAGES: Dict[str, Family] = {
    "multiprocessing": Family.PICKLE,
    "billiard": Family.PICKLE,
    "torch.multiprocessing": Family.PICKLE,
    "multiprocess": Family.DILL,
}

SYNC_NAMES = frozenset(
    {
        "Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event", "Condition",
        "Barrier", "Queue", "JoinableQueue", "SimpleQueue", "Value", "Array",
        "RawValue", "RawArray", "Pipe",
    }
)
PROXY_NAMES = SYNC_NAMES | {"dict", "list", "Namespace"}

#: Attributes of a process package or of a context object.
_CONTEXT_ATTRIBUTES: Dict[str, Kind] = {
    "Pool": Kind.POOL_CLASS,
    "Process": Kind.PROCESS_CLASS,
    "Manager": Kind.MANAGER_FACTORY,
    "get_context": Kind.GET_CONTEXT,
    "set_start_method": Kind.SET_START_METHOD,
    **{name: Kind.SYNC_FACTORY for name in SYNC_NAMES},
}

#: Dotted names below a process package (the package prefix is stripped).
_SUBMODULE_NAMES: Dict[str, Kind] = {
    "pool.Pool": Kind.POOL_CLASS,
    "pool.ThreadPool": Kind.THREAD_POOL_CLASS,
    "dummy.Pool": Kind.THREAD_POOL_CLASS,
    "dummy.Process": Kind.UNKNOWN,  # a thread in disguise
    "managers.SyncManager": Kind.MANAGER_CLASS,
    "managers.BaseManager": Kind.MANAGER_CLASS,
    "process.BaseProcess": Kind.PROCESS_CLASS,
    "context.Process": Kind.PROCESS_CLASS,
    "context.SpawnProcess": Kind.PROCESS_CLASS,
    "context.ForkProcess": Kind.PROCESS_CLASS,
    "context.ForkServerProcess": Kind.PROCESS_CLASS,
}

#: Everything else, by full dotted name.
_OTHER_NAMES: Dict[str, Value] = {
    "concurrent.futures.ProcessPoolExecutor": Value(Kind.LAZY_POOL_CLASS),
    "concurrent.futures.process.ProcessPoolExecutor": Value(Kind.LAZY_POOL_CLASS),
    "concurrent.futures.ThreadPoolExecutor": Value(Kind.THREAD_POOL_CLASS),
    "concurrent.futures.thread.ThreadPoolExecutor": Value(Kind.THREAD_POOL_CLASS),
    "functools.partial": Value(Kind.PARTIAL),
    # pathos pools pickle with dill and start their workers on first use.
    # (Their dotted names make messages say `ProcessingPool()`, not "ProcessPoolExecutor".)
    "pathos.multiprocessing.ProcessPool": Value(
        Kind.LAZY_POOL_CLASS, Family.DILL, name="pathos.multiprocessing.ProcessPool"
    ),
    "pathos.multiprocessing.ProcessingPool": Value(
        Kind.LAZY_POOL_CLASS, Family.DILL, name="pathos.multiprocessing.ProcessingPool"
    ),
    "pathos.pools.ProcessPool": Value(Kind.LAZY_POOL_CLASS, Family.DILL, name="pathos.pools.ProcessPool"),
    "pathos.pools.ProcessingPool": Value(Kind.LAZY_POOL_CLASS, Family.DILL, name="pathos.pools.ProcessingPool"),
    "torch.utils.data.DataLoader": Value(Kind.DATALOADER_CLASS, name="torch.utils.data.DataLoader"),
    "torch.utils.data.dataloader.DataLoader": Value(Kind.DATALOADER_CLASS, name="torch.utils.data.DataLoader"),
    "pathos.pools.ThreadPool": Value(Kind.THREAD_POOL_CLASS, Family.DILL),
}

#: The method a `get_context()` / `set_start_method()` literal may name.
START_METHODS = frozenset({"spawn", "fork", "forkserver"})

#: Pool methods that ship a callable (first argument) to a worker.
POOL_TASK_METHODS = frozenset(
    {
        "map", "imap", "imap_unordered", "starmap", "map_async", "starmap_async",
        "apply", "apply_async",
    }
)
EXECUTOR_TASK_METHODS = frozenset({"submit", "map"})


@dataclass(frozen=True)
class Wrapper:
    """A library function that starts a pool and ships a callable to it."""

    #: Kind.POOL (a multiprocessing Pool: daemonic workers) or Kind.EXECUTOR.
    runs_on: Kind
    #: how messages name the call: `process_map`, `parmap.map`.
    label: str
    #: positional arguments from this index on are shipped with every task.
    arguments_from: int = 1
    #: a keyword that, unless literally True, may run everything in-process.
    parallel_keyword: str = ""


#: `thread_map` (tqdm) runs threads: a look-alike, deliberately absent.
WRAPPERS: Dict[str, Wrapper] = {
    "tqdm.contrib.concurrent.process_map": Wrapper(Kind.EXECUTOR, "process_map"),
    **{
        f"parmap.{name}": Wrapper(Kind.POOL, f"parmap.{name}", parallel_keyword="pm_parallel")
        for name in ("map", "starmap", "map_async", "starmap_async")
    },
}

#: DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers,
#: collate_fn, pin_memory, drop_last, timeout, worker_init_fn, multiprocessing_context)
DATALOADER_HOOKS = (("collate_fn", 6), ("worker_init_fn", 10))
DATALOADER_WORKERS = ("num_workers", 5)
DATALOADER_CONTEXT = ("multiprocessing_context", 11)


class Catalogue:
    """Maps dotted names to abstract values, with user-given extra pool APIs."""

    def __init__(self, extra_process_apis: Iterable[str] = ()) -> None:
        self._extra = frozenset(extra_process_apis)

    def lookup(self, dotted: str) -> Value:
        """The value of a fully qualified dotted name (QUALNAME if unknown)."""
        if dotted in self._extra:
            return Value(Kind.POOL_CLASS, name=dotted)
        other = _OTHER_NAMES.get(dotted)
        if other is not None:
            return other
        if dotted in WRAPPERS:
            return Value(Kind.MAP_FUNCTION, name=dotted)
        for package, family in PROCESS_PACKAGES.items():
            if dotted == package:
                return Value(Kind.CONTEXT, family, name=package)
            if dotted.startswith(package + "."):
                rest = dotted[len(package) + 1:]
                kind = _CONTEXT_ATTRIBUTES.get(rest) or _SUBMODULE_NAMES.get(rest)
                if kind is not None:
                    return Value(kind, family, name=rest.rpartition(".")[2])
        return Value(Kind.QUALNAME, name=dotted)

    @staticmethod
    def context_attribute(context: Value, attribute: str) -> Value:
        """`ctx.Pool`, `mp.Queue`...: an attribute of a process context."""
        kind = _CONTEXT_ATTRIBUTES.get(attribute)
        if kind is None:
            return UNKNOWN
        return Value(kind, context.family, context.start_method, attribute)


#: Words whose absence from a file proves it uses no process API. Any
#: spelling of a catalogued API contains one of them.
PREFILTER_WORDS = ("multiprocess", "ProcessPool", "billiard", "pathos", "process_map", "parmap", "DataLoader")
