"""What refuses to pickle: open files, thread locks, generators, connections, and
objects holding them; and which arguments are `multiprocessing` primitives.

Sockets, `multiprocessing.connection` objects and loggers pickle
(multiprocessing reduces the first two; loggers pickle by name) and are
deliberately absent.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Set, Tuple, TypeVar

import libcst as cst

from mp_lint.model.apis import Family, Kind
from mp_lint.model.module import Binding, BindingKind, ClassInfo, FunctionInfo, ModuleModel, Scope
from mp_lint.model.values import MAX_DEPTH, Part, ValueQuestions, is_builtin, named
from mp_lint.model.walk import child_nodes

_T = TypeVar("_T")

#: Callables returning an open file object (checked: each refuses to pickle).
#: Not `tempfile.SpooledTemporaryFile`, `shelve.open`, `dbm.open`: they pickle.
FILE_OPENERS = frozenset(
    {
        "io.open",
        "io.open_code",
        "io.FileIO",
        "os.fdopen",
        "gzip.open",
        "gzip.GzipFile",
        "bz2.open",
        "bz2.BZ2File",
        "lzma.open",
        "lzma.LZMAFile",
        "codecs.open",
        "tarfile.open",
        "tarfile.TarFile",
        "zipfile.ZipFile",
        "tempfile.TemporaryFile",
        "tempfile.NamedTemporaryFile",
    }
)


#: csv readers and writers wrap a file and refuse to pickle.
CSV_OBJECTS = frozenset({"csv.reader", "csv.writer"})


#: `threading`-based objects: they hold `_thread` locks (checked: TypeError).
#: Not `asyncio.Lock`/`asyncio.Event`: they pickle.
THREAD_OBJECTS: Dict[str, str] = {
    **{
        f"threading.{name}": f"threading.{name}"
        for name in ("Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore", "Event", "Barrier", "local")
    },
    "_thread.allocate_lock": "threading lock",
    "_thread.RLock": "threading lock",
    **{f"queue.{name}": f"queue.{name}" for name in ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue")},
}


#: Database connection factories (their connections hold sockets or C handles).
DB_CONNECTORS: Dict[str, str] = {
    "sqlite3.connect": "sqlite3 connection",
    "sqlite3.Connection": "sqlite3 connection",
    "psycopg2.connect": "psycopg2 connection",
    "psycopg.connect": "psycopg connection",
    "pymysql.connect": "pymysql connection",
    "MySQLdb.connect": "MySQLdb connection",
    "mysql.connector.connect": "MySQL connection",
    "cx_Oracle.connect": "cx_Oracle connection",
    "oracledb.connect": "oracledb connection",
    "pyodbc.connect": "pyodbc connection",
    "duckdb.connect": "duckdb connection",
}


#: The standard streams: text files, which refuse to pickle like any open file.
STANDARD_STREAMS = frozenset(
    f"sys.{name}" for name in ("stdout", "stderr", "stdin", "__stdout__", "__stderr__", "__stdin__")
)

_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})


#: Methods that make a class pickle differently from its `__dict__`.
_PICKLE_HOOKS = frozenset({"__getstate__", "__reduce__", "__reduce_ex__", "__getnewargs_ex__"})


class PicklingQuestions(ValueQuestions):
    """Whether hand-off arguments pickle, for one model."""

    def __init__(self, model: ModuleModel) -> None:
        super().__init__(model)
        self._generator_functions: Dict[int, bool] = {}

    def unpicklable(self, part: Part) -> Optional[str]:
        """How to name `part` if it is an object pickle refuses, else None.

        Open files (and csv readers/writers on them), `threading` and
        `queue` objects, generators, database connections and cursors, and
        instances of this module's classes whose attributes hold one.
        Sockets, `multiprocessing.connection` objects and loggers pickle
        (multiprocessing reduces the first two; loggers pickle by name) and
        are deliberately absent.
        """
        found = self._unpicklable(part.expr, part.scope, 0, from_with=False)
        if found is None:
            return None
        return named(found[1], part.expr)

    def _unpicklable(
        self, expr: cst.BaseExpression, scope: Scope, depth: int, from_with: bool
    ) -> Optional[Tuple[str, str]]:
        """(category, description) of an unpicklable value, else None.

        Categories: "file", "db" (their `__enter__` returns the object
        itself), "thread", "generator", "holder".
        """
        if depth > MAX_DEPTH:
            return None
        found: Optional[Tuple[str, str]] = None
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope, allow_with=True)
            if binding is not None and binding.expr is not None:
                return self._unpicklable(binding.expr, binding.scope, depth + 1, binding.from_with)
            return None
        if isinstance(expr, cst.Attribute):
            stream = self.qualname_of(expr, scope)
            if stream in STANDARD_STREAMS:
                return ("file", stream)
            bindings = self._self_attribute(expr, scope)
            if bindings:
                found = self._all_bindings(bindings, lambda b: self._unpicklable_binding(b, depth))
        elif isinstance(expr, cst.GeneratorExp):
            found = ("generator", "generator")
        elif isinstance(expr, cst.Call):
            found = self._unpicklable_call(expr, scope, depth)
        if found is not None and from_with and found[0] not in ("file", "db"):
            return None  # `with Lock() as x` binds True, not the lock
        return found

    def _unpicklable_call(self, call: cst.Call, scope: Scope, depth: int) -> Optional[Tuple[str, str]]:
        func = call.func
        if is_builtin(self.model, func, scope, "open"):
            return ("file", "open file")
        qualname = self.qualname_of(func, scope)
        if qualname is not None:
            if qualname in FILE_OPENERS:
                return ("file", "open file")
            if qualname in CSV_OBJECTS:
                return ("file", qualname)
            if qualname in THREAD_OBJECTS:
                return ("thread", THREAD_OBJECTS[qualname])
            if qualname in DB_CONNECTORS:
                return ("db", DB_CONNECTORS[qualname])
            return None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "open" and self._is_path(func.value, scope, depth):
                return ("file", "open file")
            if method == "cursor":
                receiver = self._unpicklable(func.value, scope, depth + 1, from_with=False)
                if receiver is not None and receiver[0] == "db":
                    return ("db", "database cursor")
            return None
        function = self.model.function_called(func, scope)
        if function is not None:
            return ("generator", "generator") if self.is_generator_function(function) else None
        klass = self.class_called(func, scope)
        if klass is not None:
            held = self._held_attribute(klass, lambda b: self._unpicklable_binding(b, depth))
            if held is not None:
                attribute, (_, inner) = held
                return ("holder", f"{klass.name} object{{name}} holding {_article(inner)} in .{attribute}")
        return None

    def _unpicklable_binding(self, binding: Binding, depth: int) -> Optional[Tuple[str, str]]:
        if binding.expr is None:
            return None
        return self._unpicklable(binding.expr, binding.scope, depth + 1, binding.from_with)

    def _is_path(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> bool:
        if isinstance(expr, cst.Name) and depth < MAX_DEPTH:
            binding = self.single_assignment(expr, scope)
            if binding is None or binding.expr is None:
                return False
            return self._is_path(binding.expr, binding.scope, depth + 1)
        return isinstance(expr, cst.Call) and self.qualname_of(expr.func, scope) in _PATH_CLASSES

    def sync_primitive(self, part: Part) -> Optional[str]:
        """How to name `part` if it is a `multiprocessing` primitive or queue.

        Pipe connections are not: multiprocessing's pickler transfers them.
        Manager proxies are not either. An instance of a class of this
        module whose attribute holds such a primitive counts too.
        """
        found = self._sync(part.expr, part.scope, 0)
        return None if found is None else named(found, part.expr)

    def _sync(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[str]:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope, allow_with=True)
            if binding is None or binding.from_with or binding.expr is None:
                return None
            return self._sync(binding.expr, binding.scope, depth + 1)
        value = self.model.value_of(expr, scope)
        if value.kind is Kind.SYNC:
            if value.name == "Pipe" or value.family is not Family.PICKLE:
                return None
            return value.name
        if isinstance(expr, cst.Call):
            klass = self.class_called(expr.func, scope)
            if klass is not None:
                held = self._held_attribute(klass, lambda b: self._sync_binding(b, depth))
                if held is not None:
                    attribute, inner = held
                    return f"{inner} in .{attribute} of {klass.name} object{{name}}"
        return None

    def _sync_binding(self, binding: Binding, depth: int) -> Optional[str]:
        if binding.expr is None or binding.from_with:
            return None
        return self._sync(binding.expr, binding.scope, depth + 1)

    def _held_attribute(
        self, klass: ClassInfo, classify: Callable[[Binding], Optional[_T]]
    ) -> Optional[Tuple[str, _T]]:
        """(attribute, what) for an instance attribute that always holds a match.

        Only for classes whose pickling is visibly the default one: bases are
        `object`/`abc.ABC` or classes of this module (checked the same way),
        no decorator other than `dataclass`, no `__getstate__`/`__reduce__`.
        The attribute must be set in `__init__`, and every assignment to it
        must match (`self.fh = None` in `close()` makes it uncertain).
        """
        chain = self._plain_class_chain(klass)
        if chain is None:
            return None
        attributes: Dict[str, List[Binding]] = {}
        for info in chain:
            for name, bindings in info.attributes.items():
                attributes.setdefault(name, []).extend(bindings)
        for name, bindings in attributes.items():
            if not any(_in_init(binding) for binding in bindings):
                continue
            found = self._all_bindings(bindings, classify)
            if found is not None:
                return name, found
        return None

    def _plain_class_chain(self, klass: ClassInfo) -> Optional[List[ClassInfo]]:
        chain: List[ClassInfo] = []
        stack = [klass]
        seen: Set[int] = set()
        while stack:
            info = stack.pop()
            if id(info) in seen:
                continue
            seen.add(id(info))
            if len(seen) > 8:
                return None
            node = info.node
            if node.keywords:
                return None  # a metaclass can change anything
            for decorator in node.decorators:
                target = decorator.decorator
                if isinstance(target, cst.Call):
                    target = target.func
                if self.qualname_of(target, info.outer) != "dataclasses.dataclass":
                    return None
            if any(name in info.scope.bindings for name in _PICKLE_HOOKS):
                return None
            for base in node.bases:
                if base.star:
                    return None
                if (
                    is_builtin(self.model, base.value, info.outer, "object")
                    or self.qualname_of(base.value, info.outer) == "abc.ABC"
                ):
                    continue
                parent = self.class_called(base.value, info.outer)
                if parent is None:
                    return None  # an unknown base may define __getstate__
                stack.append(parent)
            chain.append(info)
        return chain

    def _self_attribute(self, expr: cst.Attribute, scope: Scope) -> Optional[List[Binding]]:
        """Bindings of `self.attr` in a method, when they are all visible."""
        if not (isinstance(expr.value, cst.Name) and expr.value.value == "self"):
            return None
        function = scope.function
        if function is None or function.klass is None:
            return None
        if self._plain_class_chain(function.klass) is None:
            return None  # subclasses or bases may set it another way
        bindings = function.klass.attributes.get(expr.attr.value)
        if not bindings or not any(_in_init(binding) for binding in bindings):
            return None
        return bindings

    @staticmethod
    def _all_bindings(bindings: List[Binding], classify: Callable[[Binding], Optional[_T]]) -> Optional[_T]:
        """The classification shared by every binding, or None if one differs."""
        found: Optional[_T] = None
        for binding in bindings:
            if binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
                return None
            what = classify(binding)
            if what is None:
                return None
            if found is None:
                found = what
        return found

    def is_generator_function(self, function: FunctionInfo) -> bool:
        """A def whose own body contains `yield` (calling it makes a generator)."""
        key = id(function)
        cached = self._generator_functions.get(key)
        if cached is None:
            cached = self._generator_functions[key] = _contains_yield(function.node.body)
        return cached


def _contains_yield(body: cst.CSTNode) -> bool:
    stack: List[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Yield):
            return True
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(child_nodes(node))
    return False


def _in_init(binding: Binding) -> bool:
    function = binding.scope.function
    return function is not None and function.name == "__init__"


def _article(what: str) -> str:
    return ("an " if what[:1].lower() in "aeiou" else "a ") + what
