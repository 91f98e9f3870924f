"""What a hand-off ships to a child process, and what those objects are.

The MPL2xx argument rules ask whether an argument can be pickled at all
(an open file, a `threading` lock, a generator, a database connection, a
`multiprocessing` primitive, or an object of this module holding one); the
MPL6xx rules ask how often it is pickled (once per item? once per loop
iteration?) and whether it is plausibly large, and how long an iterable is.

Everything is answered from the model's bindings (`ModuleModel.binding_of`,
`value_of`), following a name only when it is bound exactly once, and
answering None ("cannot tell") otherwise. Sub-walks use `child_nodes` and
happen only for the few functions a question is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple, TypeVar, cast

import libcst as cst

from mp_lint.model.apis import Family, Kind
from mp_lint.model.module import (
    Binding,
    BindingKind,
    CallSite,
    ClassInfo,
    FunctionInfo,
    Handoff,
    ModuleModel,
    Role,
    Scope,
    call_argument,
)
from mp_lint.model.walk import child_nodes

_T = TypeVar("_T")

#: How far a chain of names (`a = b`, `b = open(p)`) or nested objects is followed.
_MAX_DEPTH = 4

#: Sizes are capped here: anything larger is "very large" and exact values stop mattering.
_SIZE_CAP = 10**12

# --------------------------------------------------------------- catalogues

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

_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})

#: Methods that make a class pickle differently from its `__dict__`.
_PICKLE_HOOKS = frozenset({"__getstate__", "__reduce__", "__reduce_ex__", "__getnewargs_ex__"})

#: numpy functions that build an array from sizes or data (large unless visibly small).
_NUMPY_ARRAYS = frozenset(
    {
        "zeros",
        "ones",
        "empty",
        "full",
        "array",
        "asarray",
        "arange",
        "linspace",
        "load",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "frombuffer",
        "concatenate",
        "stack",
        "vstack",
        "hstack",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "eye",
        "identity",
        "tile",
        "memmap",
    }
)
_NUMPY_RANDOM_SIZED = frozenset({"rand", "randn"})  # sizes as positional arguments
_PANDAS_FRAMES = frozenset({"DataFrame", "concat", "merge"})

#: Builtins that materialise a collection from their argument.
_COLLECTION_BUILTINS = {"list": "list", "dict": "dict", "set": "set", "sorted": "list", "bytearray": "bytearray"}
#: Methods returning a file's whole contents.
_READ_METHODS = frozenset({"read", "readlines", "read_text", "read_bytes"})

#: A literal collection this long is plausibly large (shorter ones are config).
LARGE_LITERAL = 1_000
#: Below this many tasks, re-sending an object costs about what `initializer=` would.
MIN_REPEATS = 100


# ------------------------------------------------------------------ payload


@dataclass(frozen=True)
class Part:
    """An expression that is pickled, with the scope its names resolve in."""

    expr: cst.BaseExpression
    scope: Scope


@dataclass(frozen=True)
class ElementPart:
    """A part of every element (or of some element) of a map-style iterable."""

    part: Part
    #: the same object in every element: evaluated once, outside the iteration
    #: (`data` in `[(data, i) for i in ...]`, `x` in `repeat(x)`).
    invariant: bool


@dataclass
class Payload:
    """What one hand-off pickles, besides the callable's name."""

    handoff: Handoff
    #: pickled as they are, once per API call: apply/submit arguments,
    #: `Process(args=, kwargs=)`, `initargs=`.
    direct: List[Part] = field(default_factory=list)
    #: pickled with the callable: `functools.partial` arguments and the
    #: instance behind a bound method.
    bound: List[Part] = field(default_factory=list)
    #: map-style iterables: their elements are pickled, they are not.
    iterables: List[Part] = field(default_factory=list)
    #: the chunksize argument of a map-style call, if one is given.
    chunksize: Optional[cst.BaseExpression] = None

    def pickled_parts(self, analysis: "ArgumentAnalysis") -> Iterator[Part]:
        """Every expression whose value is pickled (elements of iterables included)."""
        yield from self.direct
        yield from self.bound
        for iterable in self.iterables:
            for element in analysis.element_parts(iterable):
                yield element.part


_PLAIN_PROCESS_NAMES = frozenset({"Process", "SpawnProcess", "ForkProcess", "ForkServerProcess", "BaseProcess"})


class ArgumentAnalysis:
    """Questions about hand-off arguments, answered for one model (cached)."""

    def __init__(self, model: ModuleModel) -> None:
        self.model = model
        self._payloads: Dict[int, Payload] = {}
        self._generator_functions: Dict[int, bool] = {}
        self._loop_chains: Dict[int, Dict[int, Tuple[cst.CSTNode, ...]]] = {}

    # ------------------------------------------------------------ payloads
    def payload(self, handoff: Handoff) -> Payload:
        """What `handoff` ships, split by how it is pickled."""
        key = id(handoff)
        found = self._payloads.get(key)
        if found is None:
            found = self._payloads[key] = self._payload(handoff)
        return found

    def _payload(self, handoff: Handoff) -> Payload:
        call = handoff.site.node
        scope = handoff.site.scope
        payload = Payload(handoff)
        callable_expr = handoff.callable_expr
        if handoff.role is Role.TASK:
            if handoff.api.kind is Kind.POOL:
                callable_expr = call_argument(call, 0, "func")
                if handoff.method in ("apply", "apply_async"):
                    payload.direct += self._sequence(call_argument(call, 1, "args"), scope)
                    payload.direct += self._dict_values(call_argument(call, 2, "kwds"), scope)
                else:
                    iterable = call_argument(call, 1, "iterable")
                    if iterable is not None:
                        payload.iterables.append(Part(iterable, scope))
                    payload.chunksize = call_argument(call, 2, "chunksize")
            else:  # executor: submit(fn, /, *args, **kwargs) / map(fn, *iterables, chunksize=)
                callable_expr = call_argument(call, 0, "fn")
                extra = self._extra_arguments(call, scope)
                if handoff.method == "submit":
                    payload.direct += extra
                    payload.direct += [
                        Part(arg.value, scope)
                        for arg in call.args
                        if arg.keyword is not None and arg.keyword.value != "fn"
                    ]
                else:
                    payload.iterables += extra
                    payload.chunksize = _keyword(call, "chunksize")
        elif handoff.role is Role.TARGET:
            plain = handoff.api.name in _PLAIN_PROCESS_NAMES and not self._is_module_class(call.func, scope)
            args = _keyword(call, "args") if not plain else call_argument(call, 3, "args")
            kwargs = _keyword(call, "kwargs") if not plain else call_argument(call, 4, "kwargs")
            payload.direct += self._sequence(args, scope) + self._dict_values(kwargs, scope)
        else:
            index = 2 if handoff.method == "Pool" else 3
            payload.direct += self._sequence(call_argument(call, index, "initargs"), scope)
        payload.bound += self._bound_parts(callable_expr, scope)
        return payload

    def _extra_arguments(self, call: cst.Call, scope: Scope) -> List[Part]:
        """Positional arguments after the callable, `*(a, b)` unpacked."""
        parts: List[Part] = []
        position = 0
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            if arg.star == "*":
                parts += self._sequence(arg.value, scope)
                continue
            if position > 0:
                parts.append(Part(arg.value, scope))
            position += 1
        return parts

    def _sequence(self, expr: Optional[cst.BaseExpression], scope: Scope, depth: int = 0) -> List[Part]:
        """The members of a tuple/list literal (or of a name bound once to one)."""
        if isinstance(expr, (cst.Tuple, cst.List)):
            return [Part(element.value, scope) for element in expr.elements if isinstance(element, cst.Element)]
        if isinstance(expr, cst.Name) and depth < _MAX_DEPTH:
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self._sequence(binding.expr, binding.scope, depth + 1)
        return []

    def _dict_values(self, expr: Optional[cst.BaseExpression], scope: Scope) -> List[Part]:
        if isinstance(expr, cst.Dict):
            return [Part(element.value, scope) for element in expr.elements if isinstance(element, cst.DictElement)]
        if isinstance(expr, cst.Call) and _builtin(self.model, expr.func, scope, "dict"):
            return [Part(arg.value, scope) for arg in expr.args if arg.keyword is not None]
        return []

    def _bound_parts(self, expr: Optional[cst.BaseExpression], scope: Scope) -> List[Part]:
        """What a callable carries: `partial(f, a, b=c)` -> a, c; `obj.method` -> obj."""
        parts: List[Part] = []
        for _ in range(_MAX_DEPTH):
            if isinstance(expr, cst.Call) and self.model.value_of(expr.func, scope).kind is Kind.PARTIAL:
                for index, arg in enumerate(expr.args):
                    if arg.star:
                        continue
                    if arg.keyword is not None:
                        if arg.keyword.value != "func":
                            parts.append(Part(arg.value, scope))
                    elif index > 0:
                        parts.append(Part(arg.value, scope))
                expr = call_argument(expr, 0, "func")
                continue
            if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
                # A bound method pickles its instance (modules and classes are
                # pickled by name, and the classifiers do not match them).
                parts.append(Part(expr.value, scope))
                break
            if isinstance(expr, cst.Name):
                binding = self.single_assignment(expr, scope)
                if binding is None or not isinstance(binding.expr, cst.Call):
                    break
                expr, scope = binding.expr, binding.scope
                continue
            break
        return parts

    # ------------------------------------------------------------ elements
    def element_parts(self, iterable: Part, depth: int = 0) -> List[ElementPart]:
        """Expressions pickled inside the elements of a map-style iterable.

        Handles comprehensions and generator expressions, literals,
        `zip(...)`, `itertools.repeat(x)`, `[x] * n`, and a name bound once
        to one of these. Anything else yields nothing (cannot tell).
        """
        expr, scope = iterable.expr, iterable.scope
        if depth > _MAX_DEPTH:
            return []
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            targets = _comprehension_targets(expr.for_in)
            return [
                ElementPart(member, isinstance(member.expr, cst.Name) and member.expr.value not in targets)
                for member in _members(Part(expr.elt, scope))
            ]
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            found: List[ElementPart] = []
            for element in expr.elements:
                if isinstance(element, cst.Element):
                    found += [ElementPart(member, False) for member in _members(Part(element.value, scope))]
            return found
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            for side in (expr.left, expr.right):
                if isinstance(side, (cst.List, cst.Tuple)):
                    # `[x] * n`: the very same object n times.
                    return [ElementPart(e.part, True) for e in self.element_parts(Part(side, scope), depth + 1)]
            return []
        if isinstance(expr, cst.Call):
            if _builtin(self.model, expr.func, scope, "zip"):
                found = []
                for arg in expr.args:
                    if not arg.star and arg.keyword is None:
                        found += self.element_parts(Part(arg.value, scope), depth + 1)
                return found
            if self.qualname_of(expr.func, scope) == "itertools.repeat":
                obj = call_argument(expr, 0, "object")
                return [ElementPart(member, True) for member in _members(Part(obj, scope))] if obj is not None else []
            return []
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self.element_parts(Part(binding.expr, binding.scope), depth + 1)
        return []

    # --------------------------------------------------------- unpicklable
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
        return _named(found[1], part.expr)

    def _unpicklable(
        self, expr: cst.BaseExpression, scope: Scope, depth: int, from_with: bool
    ) -> Optional[Tuple[str, str]]:
        """(category, description) of an unpicklable value, else None.

        Categories: "file", "db" (their `__enter__` returns the object
        itself), "thread", "generator", "holder".
        """
        if depth > _MAX_DEPTH:
            return None
        found: Optional[Tuple[str, str]] = None
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope, allow_with=True)
            if binding is not None and binding.expr is not None:
                return self._unpicklable(binding.expr, binding.scope, depth + 1, binding.from_with)
            return None
        if isinstance(expr, cst.Attribute):
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
        if _builtin(self.model, func, scope, "open"):
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
        if isinstance(expr, cst.Name) and depth < _MAX_DEPTH:
            binding = self.single_assignment(expr, scope)
            if binding is None or binding.expr is None:
                return False
            return self._is_path(binding.expr, binding.scope, depth + 1)
        return isinstance(expr, cst.Call) and self.qualname_of(expr.func, scope) in _PATH_CLASSES

    # ------------------------------------------------------ sync primitives
    def sync_primitive(self, part: Part) -> Optional[str]:
        """How to name `part` if it is a `multiprocessing` primitive or queue.

        Pipe connections are not: multiprocessing's pickler transfers them.
        Manager proxies are not either. An instance of a class of this
        module whose attribute holds such a primitive counts too.
        """
        found = self._sync(part.expr, part.scope, 0)
        return None if found is None else _named(found, part.expr)

    def _sync(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[str]:
        if depth > _MAX_DEPTH:
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

    # ------------------------------------------------------------- classes
    def class_called(self, func: cst.BaseExpression, scope: Scope) -> Optional[ClassInfo]:
        """The class of this module that `func` names, if it is one."""
        if not isinstance(func, cst.Name):
            return None
        binding = self.model.binding_of(func.value, scope)
        if binding is None or binding.kind is not BindingKind.CLASS or not isinstance(binding.definition, ClassInfo):
            return None
        return binding.definition

    def _is_module_class(self, func: cst.BaseExpression, scope: Scope) -> bool:
        return self.class_called(func, scope) is not None

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
                    _builtin(self.model, base.value, info.outer, "object")
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

    # --------------------------------------------------------- generators
    def is_generator_function(self, function: FunctionInfo) -> bool:
        """A def whose own body contains `yield` (calling it makes a generator)."""
        key = id(function)
        cached = self._generator_functions.get(key)
        if cached is None:
            cached = self._generator_functions[key] = _contains_yield(function.node.body)
        return cached

    # ---------------------------------------------------- size and weight
    def plausibly_large(self, part: Part) -> Optional[str]:
        """How to name `part` if it is plausibly a large object to pickle.

        A comprehension, `list(...)`/`dict(...)`/`set(...)`/`sorted(...)`,
        file contents (`.read()`, `.readlines()`), a numpy
        array or pandas frame, or a literal of 1,000+ items; not when its
        size is visibly small. Never a number, string, lock, proxy or
        callable.
        """
        found = self._large(part.expr, part.scope, 0)
        return None if found is None else _named(found, part.expr)

    def _large(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[str]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is None or binding.expr is None:
                return None
            return self._large(binding.expr, binding.scope, depth + 1)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.DictComp)):
            size = self.size(expr, scope, exact=False)
            if size is not None and size < LARGE_LITERAL:
                return None
            return {cst.ListComp: "list", cst.SetComp: "set", cst.DictComp: "dict"}[type(expr)]
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
            size = self.size(expr, scope, exact=True)
            if size is None or size < LARGE_LITERAL:
                return None
            return type(expr).__name__.lower()
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            size = self.size(expr, scope, exact=True)
            return "list" if size is not None and size >= LARGE_LITERAL else None
        if isinstance(expr, cst.Call):
            return self._large_call(expr, scope, depth)
        return None

    def _large_call(self, call: cst.Call, scope: Scope, depth: int) -> Optional[str]:
        func = call.func
        positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        for builtin, what in _COLLECTION_BUILTINS.items():
            if _builtin(self.model, func, scope, builtin):
                if not positional:
                    return None  # `dict(a=1)`: a small record
                first = positional[0]
                if isinstance(first, (cst.Integer, cst.SimpleString)):
                    return None
                size = self.size(first, scope, exact=False)
                return None if size is not None and size < LARGE_LITERAL else what
        if isinstance(func, cst.Attribute) and func.attr.value in _READ_METHODS:
            if func.attr.value == "read" and positional:
                return None  # `read(n)`: a bounded read
            return "file contents"
        qualname = self.qualname_of(func, scope)
        if qualname is None:
            return None
        package, _, rest = qualname.partition(".")
        if package == "numpy":
            if rest in _NUMPY_ARRAYS:
                return None if self._visibly_small(positional[:1], scope) else "numpy array"
            if rest.startswith("random.") and rest[7:] in _NUMPY_RANDOM_SIZED and positional:
                return None if self._visibly_small(positional, scope) else "numpy array"
            return None
        if package == "pandas":
            if rest.startswith("read_"):
                return "DataFrame"
            if rest in _PANDAS_FRAMES or rest == "Series":
                if positional and isinstance(positional[0], (cst.Dict, cst.List, cst.Tuple)):
                    return None if self._visibly_small(positional[:1], scope) else "DataFrame"
                return "Series" if rest == "Series" else "DataFrame"
        return None

    def _visibly_small(self, args: List[cst.BaseExpression], scope: Scope) -> bool:
        """Array shapes/data given as literals whose item count is under LARGE_LITERAL."""
        if not args:
            return False
        total = 1
        for arg in args:
            count = self.int_value(arg, scope)
            if count is None and isinstance(arg, (cst.Tuple, cst.List)):
                count = self._shape_items(arg, scope)
                if count is None:  # not a shape: array data given as a literal
                    count = self.size(arg, scope, exact=True)
            elif count is None and isinstance(arg, cst.Dict):
                count = self.size(arg, scope, exact=True)
            if count is None:
                return False
            total *= max(count, 0)
            if total >= LARGE_LITERAL:
                return False
        return True

    def _shape_items(self, shape: cst.BaseExpression, scope: Scope) -> Optional[int]:
        """Items of an array of shape `(2, 3)`: 6; None unless every dimension is visible."""
        if not isinstance(shape, (cst.Tuple, cst.List)) or not shape.elements:
            return None
        total = 1
        for element in shape.elements:
            if not isinstance(element, cst.Element):
                return None
            dimension = self.int_value(element.value, scope)
            if dimension is None:
                return None
            total = min(total * max(dimension, 0), _SIZE_CAP)
        return total

    def size(self, expr: Optional[cst.BaseExpression], scope: Scope, exact: bool, depth: int = 0) -> Optional[int]:
        """How many items iterating `expr` yields, when visible (None otherwise).

        With `exact=False` the answer may be an upper bound (comprehension
        filters are ignored). `range(...)` of integer expressions, literals,
        comprehensions, `[x] * n`, `list()`/`tuple()`/`sorted()`/
        `reversed()`/`enumerate()`/`zip()` of those, and names bound once.
        """
        if expr is None or depth > _MAX_DEPTH:
            return None
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            if any(not isinstance(e, cst.Element) for e in expr.elements):
                return None  # `*rest` has an unknown length
            return None if isinstance(expr, cst.Set) and exact else len(expr.elements)
        if isinstance(expr, cst.Dict):
            if any(not isinstance(e, cst.DictElement) for e in expr.elements):
                return None
            return len(expr.elements)
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            if exact and isinstance(expr, (cst.SetComp, cst.DictComp)):
                return None
            total = 1
            comp: Optional[cst.CompFor] = expr.for_in
            while comp is not None:
                if exact and comp.ifs:
                    return None
                count = self.size(comp.iter, scope, exact, depth + 1)
                if count is None:
                    return None
                total = min(total * count, _SIZE_CAP)
                comp = comp.inner_for_in
            return total
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            for sequence, times in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(sequence, (cst.List, cst.Tuple)):
                    count = self.size(sequence, scope, exact, depth + 1)
                    factor = self.int_value(times, scope)
                    if count is not None and factor is not None:
                        return min(count * max(factor, 0), _SIZE_CAP)
            return None
        if isinstance(expr, cst.Call):
            return self._call_size(expr, scope, exact, depth)
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self.size(binding.expr, binding.scope, exact, depth + 1)
        return None

    def _call_size(self, call: cst.Call, scope: Scope, exact: bool, depth: int) -> Optional[int]:
        func = call.func
        if any(arg.star for arg in call.args):
            return None
        positional = [arg.value for arg in call.args if arg.keyword is None]
        if _builtin(self.model, func, scope, "range"):
            if call.args and len(positional) != len(call.args):
                return None
            bounds: List[int] = []
            for arg in positional:
                bound = self.int_value(arg, scope)
                if bound is None:
                    return None
                bounds.append(bound)
            if not 1 <= len(bounds) <= 3:
                return None
            if len(bounds) == 1:
                bounds = [0, bounds[0]]
            step = bounds[2] if len(bounds) == 3 else 1
            if step == 0:
                return None
            return min(len(range(bounds[0], bounds[1], step)), _SIZE_CAP)
        for name in ("list", "tuple", "sorted", "reversed", "enumerate", "iter"):
            if _builtin(self.model, func, scope, name):
                return self.size(positional[0], scope, exact, depth + 1) if positional else None
        if _builtin(self.model, func, scope, "zip"):
            sizes: List[int] = []
            for arg in positional:
                size = self.size(arg, scope, exact, depth + 1)
                if size is None:
                    return None
                sizes.append(size)
            return min(sizes) if sizes else None
        return None

    def int_value(self, expr: Optional[cst.BaseExpression], scope: Scope, depth: int = 0) -> Optional[int]:
        """The value of a constant integer expression (`10_000`, `N * 2`, `len(items)`)."""
        if expr is None or depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Integer):
            try:
                value = expr.evaluated_value
            except Exception:  # an odd literal is not one we know
                return None
            return value if isinstance(value, int) and abs(value) <= _SIZE_CAP else None
        if isinstance(expr, cst.UnaryOperation):
            inner = self.int_value(expr.expression, scope, depth + 1)
            if inner is None:
                return None
            if isinstance(expr.operator, cst.Minus):
                return -inner
            return inner if isinstance(expr.operator, cst.Plus) else None
        if isinstance(expr, cst.BinaryOperation):
            left = self.int_value(expr.left, scope, depth + 1)
            right = self.int_value(expr.right, scope, depth + 1)
            if left is None or right is None:
                return None
            return _arithmetic(expr.operator, left, right)
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self.int_value(binding.expr, binding.scope, depth + 1)
            return None
        if (
            isinstance(expr, cst.Call)
            and len(expr.args) == 1
            and not expr.args[0].star
            and expr.args[0].keyword is None
        ):
            arg = expr.args[0].value
            if _builtin(self.model, expr.func, scope, "len"):
                return self.size(arg, scope, True, depth + 1)
            if _builtin(self.model, expr.func, scope, "int"):
                if isinstance(arg, cst.Float):
                    try:
                        number = float(arg.evaluated_value)
                    except Exception:
                        return None
                    return int(number) if abs(number) <= _SIZE_CAP else None
                return self.int_value(arg, scope, depth + 1)
        return None

    def map_length(self, iterables: List[Part]) -> Optional[int]:
        """How many calls a map over `iterables` makes (the shortest; `repeat(x)` is endless)."""
        sizes: List[int] = []
        for iterable in iterables:
            expr = iterable.expr
            if (
                isinstance(expr, cst.Call)
                and len(expr.args) == 1
                and self.qualname_of(expr.func, iterable.scope) == "itertools.repeat"
            ):
                continue
            size = self.size(expr, iterable.scope, exact=True)
            if size is None:
                return None
            sizes.append(size)
        return min(sizes) if sizes else None

    # ---------------------------------------------------------------- loops
    def repeated_in_loop(self, site: CallSite, name: cst.Name) -> bool:
        """True when `name` keeps its value over plausibly many runs of `site`.

        `site` must sit in a `for` loop (or comprehension) that does not
        contain the single assignment of `name`, and that loop must run
        MIN_REPEATS times or more, or iterate over a collection of unknown
        length. A `range(n)` with `n` not visible and a `while` loop do not
        count: they often run once per worker, which costs no more than
        sending the object through `initializer=`.
        """
        if not site.in_loop or site.scope.kind == "lambda":
            return False
        binding = self.single_assignment(name, site.scope)
        if binding is None or binding.expr is None:
            return False
        owner: cst.CSTNode
        if site.function is not None:
            owner = site.function.node
        elif site.scope is self.model.module_scope:
            owner = self.model.module
        else:
            return False
        chains = self._chains(owner)
        around_call = chains.get(id(site.node))
        if not around_call:
            return False
        around_binding = chains.get(id(binding.expr), ()) if binding.scope is site.scope else ()
        repeating = [loop for loop in around_call if loop not in around_binding]
        if not repeating:
            return False
        total = 1
        many = False
        for loop in repeating:
            iterables = self._loop_iterables(loop)
            if iterables is None:
                return False  # a while loop: how often it runs is not visible
            for iterable in iterables:
                count = self.size(iterable, site.scope, exact=False)
                if count is not None:
                    total *= count
                elif isinstance(iterable, cst.Call) and _builtin(self.model, iterable.func, site.scope, "range"):
                    return False  # `range(n_workers)`: perhaps once per worker
                else:
                    many = True  # a collection of work items
        return many or total >= MIN_REPEATS

    @staticmethod
    def _loop_iterables(loop: cst.CSTNode) -> Optional[List[cst.BaseExpression]]:
        if isinstance(loop, cst.For):
            return [loop.iter]
        if isinstance(loop, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            found: List[cst.BaseExpression] = []
            comp: Optional[cst.CompFor] = loop.for_in
            while comp is not None:
                found.append(comp.iter)
                comp = comp.inner_for_in
            return found
        return None

    def _chains(self, owner: cst.CSTNode) -> Dict[int, Tuple[cst.CSTNode, ...]]:
        """For each node in `owner`'s own body: the loops around it (outermost first)."""
        key = id(owner)
        found = self._loop_chains.get(key)
        if found is not None:
            return found
        chains: Dict[int, Tuple[cst.CSTNode, ...]] = {}
        start: List[cst.CSTNode] = []
        if isinstance(owner, cst.FunctionDef):
            start.append(owner.body)
        elif isinstance(owner, cst.Module):
            start.extend(owner.body)
        stack: List[Tuple[cst.CSTNode, Tuple[cst.CSTNode, ...]]] = [(node, ()) for node in start]
        while stack:
            node, chain = stack.pop()
            chains[id(node)] = chain
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue  # another scope: its calls are not this body's
            if isinstance(node, cst.For):
                inner = chain + (node,)
                stack.append((node.iter, chain))
                stack.append((node.body, inner))
                if node.orelse is not None:
                    stack.append((node.orelse, chain))
                continue
            if isinstance(node, cst.While):
                inner = chain + (node,)
                stack.append((node.test, inner))
                stack.append((node.body, inner))
                if node.orelse is not None:
                    stack.append((node.orelse, chain))
                continue
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                # The first iterable is evaluated once, outside the comprehension.
                inner = chain + (node,)
                stack.append((node.for_in.iter, chain))
                for child in child_nodes(node):
                    if child is not node.for_in:
                        stack.append((child, inner))
                for child in child_nodes(node.for_in):
                    if child is not node.for_in.iter:
                        stack.append((child, inner))
                continue
            for child in child_nodes(node):
                stack.append((child, chain))
        self._loop_chains[key] = chains
        return chains

    # -------------------------------------------------------------- helpers
    def single_assignment(self, name: cst.Name, scope: Scope, allow_with: bool = False) -> Optional[Binding]:
        """The one plain `name = value` binding of `name`, else None."""
        binding = self.model.binding_of(name.value, scope)
        if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
            return None
        if binding.from_with and not allow_with:
            return None
        return binding

    def qualname_of(self, func: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The dotted name an imported callable resolves to (None if not imported)."""
        value = self.model.value_of(func, scope)
        return value.name if value.kind is Kind.QUALNAME else None


def analysis_for(model: ModuleModel) -> ArgumentAnalysis:
    """The (shared, cached) argument analysis of `model`."""
    found = model.derived.get("arguments")
    if found is None:
        found = model.derived["arguments"] = ArgumentAnalysis(model)
    return cast(ArgumentAnalysis, found)


# ------------------------------------------------------------------ helpers


def _keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _builtin(model: ModuleModel, func: cst.BaseExpression, scope: Scope, name: str) -> bool:
    """`func` is the builtin `name` (the module never rebinds it)."""
    return isinstance(func, cst.Name) and func.value == name and model.lookup(name, scope) is None


def _members(part: Part) -> List[Part]:
    """A tuple/list's members (one level down for nested tuples), else the part."""
    expr = part.expr
    if isinstance(expr, (cst.Tuple, cst.List)):
        found: List[Part] = []
        for element in expr.elements:
            if not isinstance(element, cst.Element):
                continue
            if isinstance(element.value, (cst.Tuple, cst.List)):
                found += [Part(e.value, part.scope) for e in element.value.elements if isinstance(e, cst.Element)]
            else:
                found.append(Part(element.value, part.scope))
        return found
    return [part]


def _comprehension_targets(comp: Optional[cst.CompFor]) -> Set[str]:
    names: Set[str] = set()
    while comp is not None:
        stack: List[cst.CSTNode] = [comp.target]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                names.add(node.value)
            else:
                stack.extend(child_nodes(node))
        comp = comp.inner_for_in
    return names


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


def _arithmetic(operator: cst.BaseBinaryOp, left: int, right: int) -> Optional[int]:
    if isinstance(operator, cst.Add):
        value = left + right
    elif isinstance(operator, cst.Subtract):
        value = left - right
    elif isinstance(operator, cst.Multiply):
        value = left * right
    elif isinstance(operator, cst.FloorDivide):
        if right == 0:
            return None
        value = left // right
    elif isinstance(operator, cst.Power):
        if right < 0 or right > 64 or abs(left) > 10**6:
            return None
        value = left**right
    else:
        return None
    return value if abs(value) <= _SIZE_CAP else None


def _named(what: str, expr: cst.BaseExpression) -> str:
    """`open file 'log'` when the argument is a name, else the bare description.

    A description may say where the name goes with a `{name}` marker
    (`Writer object 'w' holding an open file in .out`).
    """
    name = f" '{expr.value}'" if isinstance(expr, cst.Name) else ""
    if "{name}" in what:
        return what.replace("{name}", name)
    return what + name


def _article(what: str) -> str:
    return ("an " if what[:1].lower() in "aeiou" else "a ") + what
