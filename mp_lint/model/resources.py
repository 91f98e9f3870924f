"""Resources (files, sockets, connections, pools) and their lifetimes inside a function.

Two questions are answered here, both for one function body at a time:

* which calls open a resource (`open()`, `socket.socket()`, `sqlite3.connect()`,
  `tempfile.mkstemp()`...), resolved through the module model's bindings;
* what becomes of the object a call returns: closed on every normal path
  (`with`, `close()` reached on every way out, `finally`), leaked, stored in a
  module-level global, or handed somewhere the analysis cannot follow.

The lifetime analysis is an abstract interpretation of the function's
statements with a two-valued state (open / not open) for one tracked object.
Exception paths are not followed: a worker that raises loses its frame and,
in CPython, the objects it held. Anything the analysis cannot follow (the
object aliased, passed to an unknown call, captured by a nested function)
makes it give up, which the rules turn into silence.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

from mp_lint.model.apis import PROCESS_PACKAGES
from mp_lint.model.module import BindingKind, FunctionInfo, ModuleModel, Scope, call_argument, string_literal
from mp_lint.model.body import NameUse, always_true, body_of
from mp_lint.model.walk import child_nodes
from mp_lint.model.workers import workers

__all__ = [
    "Fate",
    "Opener",
    "ResourceKind",
    "StoreKind",
    "Tracked",
    "WorkerResource",
    "lifetime",
    "opener_of",
    "qualified_name",
    "worker_resources",
]


# ------------------------------------------------------------ the catalogue


class ResourceKind(enum.Enum):
    """What kind of resource a call opens."""

    FILE = "file"
    FD = "fd"  # a bare OS file descriptor: closed by os.close()
    SOCKET = "socket"
    CONNECTION = "connection"
    SESSION = "session"


@dataclass(frozen=True)
class Opener:
    """A callable that returns an open resource."""

    kind: ResourceKind
    #: how messages name the resource, in English and in Chinese.
    what: str
    what_zh: str
    #: files: where the mode argument is (position, keyword) and its default.
    mode_index: Optional[int] = None
    mode_keyword: str = "mode"
    default_mode: Optional[str] = None
    #: characters of the mode that mean the file is written to.
    writing_chars: str = "wax+"
    #: `tempfile.mkstemp()`: returns `(fd, path)`; the descriptor is element 0.
    fd_tuple: bool = False
    #: methods that close it.
    closers: FrozenSet[str] = frozenset({"close"})


def _file(
    mode_index: int = 1, default_mode: str = "r", mode_keyword: str = "mode", writing_chars: str = "wax+"
) -> Opener:
    return Opener(ResourceKind.FILE, "file", "文件", mode_index, mode_keyword, default_mode, writing_chars)


_SOCKET = Opener(ResourceKind.SOCKET, "socket", "套接字")
_CONNECTION = Opener(ResourceKind.CONNECTION, "database connection", "数据库连接")
_SESSION = Opener(ResourceKind.SESSION, "HTTP session", "HTTP 会话")
_RESPONSE = Opener(ResourceKind.SOCKET, "HTTP response", "HTTP 响应")
_TEMPFILE = Opener(ResourceKind.FILE, "temporary file", "临时文件", 0, default_mode="w+b")
_FD = Opener(ResourceKind.FD, "file descriptor", "文件描述符", closers=frozenset())

#: Fully qualified callables that open a resource.
OPENERS: Dict[str, Opener] = {
    "builtins.open": _file(),
    "io.open": _file(),
    "codecs.open": _file(),
    "gzip.open": _file(default_mode="rb"),
    "gzip.GzipFile": _file(default_mode="rb"),
    "bz2.open": _file(default_mode="rb"),
    "bz2.BZ2File": _file(default_mode="r"),
    "lzma.open": _file(default_mode="rb"),
    "lzma.LZMAFile": _file(default_mode="r"),
    "tarfile.open": _file(default_mode="r"),
    "zipfile.ZipFile": _file(default_mode="r"),
    "shelve.open": _file(mode_keyword="flag", default_mode="c", writing_chars="cwn"),
    "dbm.open": _file(mode_keyword="flag", default_mode="r", writing_chars="cwn"),
    "tempfile.NamedTemporaryFile": _TEMPFILE,
    "tempfile.TemporaryFile": _TEMPFILE,
    "tempfile.SpooledTemporaryFile": Opener(ResourceKind.FILE, "temporary file", "临时文件", 1, default_mode="w+b"),
    "tempfile.mkstemp": Opener(ResourceKind.FD, "file descriptor", "文件描述符", fd_tuple=True, closers=frozenset()),
    "os.open": _FD,
    "socket.socket": _SOCKET,
    "socket.create_connection": _SOCKET,
    "socket.create_server": _SOCKET,
    "socket.fromfd": _SOCKET,
    "sqlite3.connect": _CONNECTION,
    "psycopg2.connect": _CONNECTION,
    "psycopg.connect": _CONNECTION,
    "pymysql.connect": _CONNECTION,
    "MySQLdb.connect": _CONNECTION,
    "mysql.connector.connect": _CONNECTION,
    "duckdb.connect": _CONNECTION,
    "pyodbc.connect": _CONNECTION,
    "oracledb.connect": _CONNECTION,
    "cx_Oracle.connect": _CONNECTION,
    "requests.Session": _SESSION,
    "requests.session": _SESSION,
    "requests.sessions.Session": _SESSION,
    "httpx.Client": _SESSION,
    "urllib.request.urlopen": _RESPONSE,
    "http.client.HTTPConnection": Opener(ResourceKind.SOCKET, "HTTP connection", "HTTP 连接"),
    "http.client.HTTPSConnection": Opener(ResourceKind.SOCKET, "HTTP connection", "HTTP 连接"),
    "ftplib.FTP": Opener(ResourceKind.SOCKET, "FTP connection", "FTP 连接", closers=frozenset({"close", "quit"})),
    "smtplib.SMTP": Opener(ResourceKind.SOCKET, "SMTP connection", "SMTP 连接", closers=frozenset({"close", "quit"})),
}

#: `Path(p).open(mode)`: the mode is the first argument.
_PATH_OPEN = _file(mode_index=0)
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})

#: Calls that read from or write to an object they are given without keeping
#: or closing it: passing a resource to them is neither a close nor an escape.
CONSUMERS = frozenset(
    {
        "json.load", "json.dump", "pickle.load", "pickle.dump", "marshal.load", "marshal.dump",
        "csv.reader", "csv.writer", "csv.DictReader", "csv.DictWriter",
        "yaml.load", "yaml.safe_load", "yaml.load_all", "yaml.safe_load_all", "yaml.dump", "yaml.safe_dump",
        "tomllib.load", "shutil.copyfileobj",
        "numpy.load", "numpy.save", "numpy.loadtxt", "numpy.savetxt", "numpy.genfromtxt", "numpy.fromfile",
        "pandas.read_csv", "pandas.read_json", "pandas.read_pickle", "pandas.read_excel", "pandas.read_parquet",
        "builtins.print", "builtins.list", "builtins.tuple", "builtins.sorted", "builtins.enumerate",
        "builtins.next", "builtins.len", "builtins.isinstance", "builtins.sum", "builtins.any", "builtins.all",
        "builtins.zip", "builtins.set", "builtins.repr", "builtins.str", "builtins.id", "builtins.bool",
        "os.write", "os.read", "os.fsync", "os.fdatasync", "os.fstat", "os.lseek", "os.ftruncate",
        "os.pread", "os.pwrite", "os.fchmod",
    }
)

#: Calls that close a descriptor they are given.
_FD_CLOSERS = frozenset({"os.close"})
#: Calls that take ownership and close on exit (used with `with` or an ExitStack).
_OWNERS = frozenset({"contextlib.closing"})
#: Methods that hand the underlying descriptor to the caller.
_RELEASERS = frozenset({"detach"})
#: Methods that store their argument in a container.
_STORE_METHODS = frozenset({"append", "add", "setdefault", "insert", "appendleft", "extend", "update", "put"})

#: Names resolved as builtins when nothing in the module binds them.
_BUILTINS = frozenset(name.rpartition(".")[2] for name in CONSUMERS | {"builtins.open"} if name.startswith("builtins."))


# ------------------------------------------------------------- resolution


def _has_star_import(model: ModuleModel) -> bool:
    """A `from x import *` at module level may shadow any builtin."""
    cached: Optional[bool] = model.derived.get("resources.star_import")
    if cached is None:
        cached = False
        for statement in model.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
                        cached = True
        model.derived["resources.star_import"] = cached
    return cached


def qualified_name(model: ModuleModel, expr: cst.BaseExpression, scope: Scope) -> Optional[str]:
    """The dotted name an imported (or builtin) callable is known by, else None.

    `json.load` with `import json`, `load` with `from json import load`, a
    bare `open` nothing in the module rebinds ("builtins.open").
    """
    attributes: List[str] = []
    node = expr
    while isinstance(node, cst.Attribute):
        attributes.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    bindings = model.lookup(node.value, scope)
    if bindings is None:
        if attributes or node.value not in _BUILTINS or _has_star_import(model):
            return None
        return "builtins." + node.value
    if len(bindings) != 1 or bindings[0].kind is not BindingKind.IMPORT:
        return None
    parts = [bindings[0].qualname] + list(reversed(attributes))
    return ".".join(parts)


def opener_of(model: ModuleModel, call: cst.Call, scope: Scope) -> Optional[Opener]:
    """The opener `call` invokes, or None when it does not open a resource."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "open":
        # `Path(p).open()`, or `path.open()` with `path = Path(p)`.
        base = func.value
        if isinstance(base, cst.Name):
            binding = model.binding_of(base.value, scope)
            if binding is not None and binding.kind is BindingKind.ASSIGN and binding.unpack_index is None:
                base = binding.expr if binding.expr is not None else base
                scope = binding.scope
        if isinstance(base, cst.Call) and qualified_name(model, base.func, scope) in _PATH_CLASSES:
            return _PATH_OPEN
    if not isinstance(func, (cst.Name, cst.Attribute)):
        return None
    dotted = qualified_name(model, func, scope)
    return OPENERS.get(dotted) if dotted is not None else None


def writes(opener: Opener, call: cst.Call) -> Optional[bool]:
    """Whether a file opened by `call` is written to (None: mode not a literal)."""
    if opener.mode_index is None:
        return None
    mode_arg = call_argument(call, opener.mode_index, opener.mode_keyword)
    if mode_arg is None:
        mode = opener.default_mode
    else:
        mode = string_literal(mode_arg)
    if mode is None:
        return None
    return any(char in mode for char in opener.writing_chars)


_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


# --------------------------------------------------------------- lifetimes


class Fate(enum.Enum):
    """What becomes of an object a call returns, within its function."""

    CLOSED = "closed"  # with, close() on every normal path, closing()...
    LEAKED = "leaked"  # some normal path ends the function with it open
    STORED_GLOBAL = "stored in a global"  # kept in a module-level name or container
    UNKNOWN = "unknown"  # escapes where the analysis cannot follow


class StoreKind(enum.Enum):
    """How an object reaches module level."""

    NAME = "name"  # `global g` then `g = obj`
    CONTAINER = "container"  # `CACHE[k] = obj`, `HANDLES.append(obj)`


@dataclass(frozen=True)
class Tracked:
    """What a lifetime analysis needs to know about the tracked object's type."""

    #: methods that end its life (`close`, `shutdown`...).
    closers: FrozenSet[str]
    #: functions that end its life when given it (`os.close`).
    close_functions: FrozenSet[str] = frozenset()
    #: `fd, path = mkstemp()`: track element 0 of a tuple unpacking.
    tuple_element: bool = False


@dataclass(frozen=True)
class Lifetime:
    """The fate of one object, and for STORED_GLOBAL where it went."""

    fate: Fate
    store: Optional[StoreKind] = None
    #: the global name or the module-level container the object went to.
    store_name: str = ""


_UNKNOWN = Lifetime(Fate.UNKNOWN)
_CLOSED = Lifetime(Fate.CLOSED)
_LEAKED = Lifetime(Fate.LEAKED)

# Outcomes of classifying one occurrence of the tracked name.
_NEUTRAL, _CLOSE, _REBIND, _WITH, _ESCAPE, _STORE = range(6)


class _Lifetimes:
    """The lifetime questions of one function."""

    def __init__(self, model: ModuleModel, info: FunctionInfo) -> None:
        self.model = model
        self.info = info
        self.scope = info.scope
        self.body = body_of(model, info.node)
        self._exit_holders: Optional[Set[int]] = None
        #: boolean operations already known to sit (or not) in a test.
        self._tests: Dict[int, bool] = {}
        #: statement evaluations left for the path walks of this function.
        self.budget = [_WALK_BUDGET]

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.body.parent.get(id(node))

    def holders(self, nodes: Iterable[cst.CSTNode], into: Set[int]) -> Set[int]:
        """Ids of `nodes` and of every node around them, added to `into`."""
        parents = self.body.parent
        for node in nodes:
            key = id(node)
            while key not in into:  # stops where an earlier climb passed: linear
                into.add(key)
                above = parents.get(key)
                if above is None:
                    break
                key = id(above)
        return into

    @property
    def exit_holders(self) -> Set[int]:
        """Statements that contain a return, raise, break or continue."""
        if self._exit_holders is None:
            self._exit_holders = self.holders(self.body.exits, set())
        return self._exit_holders

    # -------------------------------------------------------- the call
    def of_call(self, call: cst.Call, tracked: Tracked) -> Lifetime:
        """Where the object returned by `call` (made in this function) ends up."""
        if self._expected_to_raise(call):
            return _UNKNOWN
        parent = self.parent(call)
        if tracked.tuple_element:
            return self._of_tuple_call(call, parent, tracked)
        if isinstance(parent, cst.WithItem):
            return _CLOSED
        if isinstance(parent, cst.Attribute) and parent.value is call:
            above = self.parent(parent)
            if isinstance(above, cst.Call) and above.func is parent:
                if parent.attr.value in tracked.closers:
                    return _CLOSED
                if parent.attr.value in _RELEASERS:
                    return _UNKNOWN  # `socket().detach()`: the descriptor lives on
            return _LEAKED  # `open(p).read()`: nothing can close it afterwards
        if isinstance(parent, cst.Arg) and parent.value is call:
            return self._as_argument(parent, tracked)
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call:
            return _LEAKED  # `for line in open(p):`
        if isinstance(parent, cst.Expr):
            return _LEAKED  # opened and dropped
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is call:
            return self._assigned(parent, call, tracked)
        return _UNKNOWN

    def _of_tuple_call(self, call: cst.Call, parent: Optional[cst.CSTNode], tracked: Tracked) -> Lifetime:
        if isinstance(parent, cst.Expr):
            return _LEAKED
        if isinstance(parent, cst.Subscript) and parent.value is call and len(parent.slice) == 1:
            index = parent.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "1":
                return _LEAKED  # `mkstemp()[1]`: only the path is kept, the descriptor is lost
        if isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1:
            target = parent.targets[0].target
            if isinstance(target, (cst.Tuple, cst.List)) and target.elements:
                first = target.elements[0]
                if isinstance(first, cst.Element) and isinstance(first.value, cst.Name):
                    return self._named(first.value.value, parent, tracked)
        return _UNKNOWN

    def _expected_to_raise(self, call: cst.Call) -> bool:
        """Inside `with self.assertRaises(...)` / `pytest.raises(...)`: never opened."""
        node: Optional[cst.CSTNode] = self.parent(call)
        while node is not None and not isinstance(node, _NESTED_SCOPES):
            if isinstance(node, cst.With):
                for item in node.items:
                    func = item.item.func if isinstance(item.item, cst.Call) else None
                    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
                    if isinstance(name, str) and (name.startswith("assertRaises") or name == "raises"):
                        return True
            node = self.parent(node)
        return False

    def _assigned(self, assign: cst.CSTNode, value: cst.CSTNode, tracked: Tracked) -> Lifetime:
        target = _single_target(assign)
        if target is None:
            return _UNKNOWN
        store = self._store_of(target)
        if store is not None:
            return store
        if isinstance(target, cst.Name) and target.value not in self.body.nonlocals:
            return self._named(target.value, assign, tracked)
        return _UNKNOWN

    def _store_of(self, target: cst.BaseExpression) -> Optional[Lifetime]:
        """A store at module level: `g` declared global, `CACHE[k]`, `state.log`."""
        if isinstance(target, cst.Name):
            if target.value in self.scope.global_names:
                return Lifetime(Fate.STORED_GLOBAL, StoreKind.NAME, target.value)
            return None
        node = target
        subscripted = False
        while isinstance(node, (cst.Subscript, cst.Attribute)):
            subscripted = subscripted or isinstance(node, cst.Subscript)
            node = node.value
        if not isinstance(node, cst.Name) or not self._is_module_level(node.value):
            return None
        # `state.log = f` replaces one object; `CACHE[k] = f` adds one per key.
        return Lifetime(Fate.STORED_GLOBAL, StoreKind.CONTAINER if subscripted else StoreKind.NAME, node.value)

    def _is_module_level(self, name: str) -> bool:
        if name in self.body.nonlocals:
            return False
        found = self.model.lookup(name, self.scope)
        return found is not None and found is self.model.module_scope.bindings.get(name)

    def _as_argument(self, arg: cst.Arg, tracked: Tracked) -> Lifetime:
        """The tracked object given to a call."""
        call = self.parent(arg)
        if arg.star or not isinstance(call, cst.Call):
            return _UNKNOWN
        func = call.func
        dotted = qualified_name(self.model, func, self.scope) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if dotted in tracked.close_functions:
            return _CLOSED
        if dotted in CONSUMERS:
            return _LEAKED  # read or written, never closed by the callee
        if dotted in _OWNERS:
            return _CLOSED
        if isinstance(func, cst.Attribute) and func.attr.value in _STORE_METHODS:
            base = func.value
            while isinstance(base, (cst.Subscript, cst.Attribute)):
                base = base.value
            if isinstance(base, cst.Name) and self._is_module_level(base.value):
                return Lifetime(Fate.STORED_GLOBAL, StoreKind.CONTAINER, base.value)
        return _UNKNOWN

    # --------------------------------------------------- a named object
    def _named(self, name: str, opening: cst.CSTNode, tracked: Tracked) -> Lifetime:
        """The fate of the object `opening` (a small statement) binds to `name`."""
        # Later occurrences first: within one statement, the last one that
        # acts on the object decides, unless an earlier one is its `with`.
        uses = reversed(self.body.uses(name))
        events: Dict[int, int] = {}
        event_nodes: List[cst.CSTNode] = [opening]
        store: Optional[Lifetime] = None
        escapes = False
        for use in uses:
            outcome, where = self._classify(use, tracked)
            if outcome == _NEUTRAL:
                continue
            if outcome == _ESCAPE:
                escapes = True
                continue
            if outcome == _STORE:
                store = where
                continue
            previous = events.get(id(use.statement))
            if previous is None or outcome == _WITH:
                events[id(use.statement)] = outcome
                event_nodes.append(use.statement)
        if store is not None:
            return store  # kept at module level: it outlives the function whatever else happens
        if escapes:
            return _UNKNOWN
        events[id(opening)] = _OPEN
        try:
            # Only statements that hold an event or an exit can change a path.
            relevant = self.holders(event_nodes, set())
            walk = _PathWalk(events, name, self.budget, relevant, self.exit_holders)
            leaked = walk.leaks(self.info.node.body)
        except (RecursionError, _OverBudget):
            return _UNKNOWN  # absurdly nested or huge: stay silent
        return _LEAKED if leaked else _CLOSED

    def _classify(self, use: NameUse, tracked: Tracked) -> Tuple[int, Optional[Lifetime]]:
        """What one occurrence of the tracked name does to the object."""
        node = use.node
        parent = self.parent(node)
        if parent is None:
            return _ESCAPE, None
        # Names that are not a reference to the variable at all.
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return _NEUTRAL, None
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            return _NEUTRAL, None
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node:
            return _NEUTRAL, None
        if use.nested:
            return _ESCAPE, None  # captured by a nested function or lambda
        if isinstance(parent, cst.Attribute):
            above = self.parent(parent)
            if isinstance(above, cst.Call) and above.func is parent:
                if parent.attr.value in _RELEASERS:
                    return _ESCAPE, None  # `s.detach()`: the descriptor lives on elsewhere
                return (_CLOSE if parent.attr.value in tracked.closers else _NEUTRAL), None
            if parent.attr.value in tracked.closers or parent.attr.value in _RELEASERS:
                return _ESCAPE, None  # `Finalize(None, f.close)`: someone else closes it
            return _NEUTRAL, None
        if isinstance(parent, cst.Arg):
            outcome = self._as_argument(parent, tracked)
            if outcome.fate is Fate.CLOSED:
                return _CLOSE, None
            if outcome.fate is Fate.LEAKED:
                return _NEUTRAL, None  # a consumer reads or writes it
            if outcome.fate is Fate.STORED_GLOBAL:
                return _STORE, outcome
            return _ESCAPE, None
        if isinstance(parent, cst.WithItem) and parent.item is node:
            return _WITH, None
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            return _NEUTRAL, None
        if isinstance(parent, (cst.Subscript, cst.FormattedStringExpression, cst.Call)):
            # `t[0]`, f"{f}", `f()`: a use, not a hand-over (Call: as the callee).
            return _NEUTRAL, None
        if self._is_target(node, parent):
            return _REBIND, None
        if isinstance(parent, cst.Del):
            return _REBIND, None
        if self._is_test(node, parent):
            return _NEUTRAL, None
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            target = _single_target(parent)
            stored = self._store_of(target) if target is not None else None
            return (_STORE, stored) if stored is not None else (_ESCAPE, None)
        return _ESCAPE, None

    def _is_target(self, node: cst.CSTNode, parent: cst.CSTNode) -> bool:
        """Whether the name is being bound (`f = ...`, `for f in`, `as f`...)."""
        child: cst.CSTNode = node
        while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
            child, above = parent, self.parent(parent)
            if above is None:
                return False
            parent = above
        if isinstance(parent, cst.AssignTarget):
            return parent.target is child
        if isinstance(parent, (cst.AnnAssign, cst.AugAssign)):
            return parent.target is child
        if isinstance(parent, (cst.For, cst.CompFor)):
            return parent.target is child
        if isinstance(parent, cst.AsName):
            return parent.name is child
        if isinstance(parent, cst.NamedExpr):
            return parent.target is child
        return False

    def _is_test(self, node: cst.CSTNode, parent: cst.CSTNode) -> bool:
        """`if f:`, `f is None`, `not f`, `assert f`: looks, does not hand over."""
        child: cst.CSTNode = node
        chain: List[int] = []  # `a or b or f`: the boolean operations climbed
        result = False
        while True:
            if isinstance(parent, cst.BooleanOperation):
                known = self._tests.get(id(parent))
                if known is not None:
                    result = known
                    break
                chain.append(id(parent))
                above = self.parent(parent)
                if above is None:
                    break
                child, parent = parent, above
                continue
            result = (
                isinstance(parent, (cst.Comparison, cst.ComparisonTarget))
                or (isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert)) and parent.test is child)
                or (isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not))
            )
            break
        for key in chain:  # long chains are climbed once
            self._tests[key] = result
        return result


def _single_target(assign: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """The one target of `x = value` / `x: T = value` (None for `a = b = value`)."""
    if isinstance(assign, cst.Assign):
        return assign.targets[0].target if len(assign.targets) == 1 else None
    if isinstance(assign, cst.AnnAssign):
        return assign.target
    return None


# ------------------------------------------------------ paths through a body

_OPEN = 100  # the opening statement: the object is open after it


def _merge(*states: Optional[bool]) -> Optional[bool]:
    """Join of path states: None (no path) < False (closed) < True (open)."""
    result: Optional[bool] = None
    for state in states:
        if state is True:
            return True
        if state is False:
            result = False
    return result


def _suite_body(suite: Optional[cst.CSTNode]) -> Sequence[cst.CSTNode]:
    if suite is None:
        return ()
    inner = getattr(suite, "body", None)
    if isinstance(inner, cst.BaseSuite):
        inner = inner.body
    return inner if isinstance(inner, (list, tuple)) else ()


_LOOP, _FINALLY, _WITH_CLOSE = range(3)

#: Statement evaluations allowed per function, over all the objects it
#: tracks: a walk costs one evaluation per statement, so this bounds the
#: (objects x statements) product of generated, enormous functions.
_WALK_BUDGET = 500_000


class _OverBudget(Exception):
    """The function is too large to follow every object through it."""


class _PathWalk:
    """Follows every normal path of a function body for one tracked object.

    State per path: True while the object is open. Each statement is
    evaluated at most once per input state (memoized), so the cost stays
    linear in the size of the body, loops and `finally` blocks included.
    """

    def __init__(
        self, events: Dict[int, int], name: str, budget: List[int], relevant: Set[int], exits: Set[int]
    ) -> None:
        self.events = events
        self._budget = budget
        #: statements holding an event, and statements holding an exit.
        self._relevant = relevant
        self._exits = exits
        #: the tracked variable: `if f is not None:` narrows it.
        self.name = name
        self.leaked = False
        self._stack: List[Tuple[int, cst.CSTNode]] = []
        self._loop_exits: Dict[int, Set[Tuple[str, bool]]] = {}
        self._memo: Dict[Tuple[int, bool], Optional[bool]] = {}

    def leaks(self, body: cst.BaseSuite) -> bool:
        """True when some normal path leaves the function with the object open."""
        end = self._block(_suite_body(body), False)
        return self.leaked or end is True

    def _apply(self, node: cst.CSTNode, state: bool) -> bool:
        event = self.events.get(id(node))
        if event == _OPEN:
            return True
        if event in (_CLOSE, _REBIND):
            return False
        return state

    def _block(self, statements: Sequence[cst.CSTNode], state: Optional[bool]) -> Optional[bool]:
        relevant = self._relevant
        exits = self._exits
        self._budget[0] -= len(statements)
        if self._budget[0] < 0:
            raise _OverBudget
        for statement in statements:
            if state is None:
                return None
            key = id(statement)
            if key in relevant or key in exits:
                state = self._statement(statement, state)
        return state

    def _statement(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        key = (id(node), state)
        if key in self._memo:
            return self._memo[key]
        result = self._evaluate(node, state)
        self._memo[key] = result
        return result

    def _exit(self, kind: str, state: bool) -> None:
        """A return, break or continue: run the `finally` blocks it crosses."""
        index = len(self._stack) - 1
        while index >= 0:
            frame, node = self._stack[index]
            if frame == _LOOP and kind != "return":
                self._loop_exits.setdefault(id(node), set()).add((kind, state))
                return
            if frame == _WITH_CLOSE:
                state = False
            elif frame == _FINALLY and isinstance(node, (cst.Try, cst.TryStar)) and node.finalbody is not None:
                saved = self._stack
                self._stack = saved[:index]
                try:
                    after = self._block(_suite_body(node.finalbody.body), state)
                finally:
                    self._stack = saved
                if after is None:
                    return
                state = after
            index -= 1
        if kind == "return" and state:
            self.leaked = True

    def _evaluate(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        if isinstance(node, cst.SimpleStatementLine):
            current: Optional[bool] = state
            for small in node.body:
                if current is None:
                    return None
                current = self._small(small, current)
            return current
        if isinstance(node, cst.BaseSmallStatement):
            return self._small(node, state)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return state
        if isinstance(node, cst.If):
            return self._if(node, state)
        if isinstance(node, (cst.For, cst.While)):
            return self._loop(node, state)
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self._try(node, state)
        if isinstance(node, cst.With):
            return self._with(node, state)
        if isinstance(node, cst.Match):
            state = self._apply(node, state)
            outs = [self._block(_suite_body(case.body), state) for case in node.cases]
            last = node.cases[-1].pattern if node.cases else None
            exhaustive = isinstance(last, cst.MatchAs) and last.pattern is None and node.cases[-1].guard is None
            return _merge(*outs) if exhaustive else _merge(state, *outs)
        return self._apply(node, state)

    def _small(self, node: cst.BaseSmallStatement, state: bool) -> Optional[bool]:
        state = self._apply(node, state)
        if isinstance(node, cst.Return):
            self._exit("return", state)
            return None
        if isinstance(node, cst.Raise):
            return None  # exception paths are not followed
        if isinstance(node, cst.Break):
            self._exit("break", state)
            return None
        if isinstance(node, cst.Continue):
            self._exit("continue", state)
            return None
        return state

    def _if(self, node: cst.If, state: bool) -> Optional[bool]:
        state = self._apply(node, state)
        # A resource is never None nor falsy: the branch where the tracked
        # name is holds no open object (`if f is not None: f.close()`).
        none_branch = _none_branch(node.test, self.name) if self.name else None
        then = self._block(_suite_body(node.body), False if none_branch is True else state)
        else_state = False if none_branch is False else state
        orelse = node.orelse
        if orelse is None:
            other: Optional[bool] = else_state
        elif isinstance(orelse, cst.If):
            other = self._statement(orelse, else_state)
        else:
            other = self._block(_suite_body(orelse.body), else_state)
        return _merge(then, other)

    def _loop(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        assert isinstance(node, (cst.For, cst.While))
        state = self._apply(node, state)
        self._stack.append((_LOOP, node))
        head = state
        try:
            for _ in range(4):  # the state only grows: two rounds reach the fixpoint
                out = self._block(_suite_body(node.body), head)
                continues = [s for kind, s in self._loop_exits.get(id(node), ()) if kind == "continue"]
                new_head = _merge(state, out, *continues)
                if new_head is None or new_head == head:
                    break
                head = new_head
        finally:
            self._stack.pop()
        infinite = isinstance(node, cst.While) and always_true(node.test)
        normal: Optional[bool] = None if infinite else head
        if node.orelse is not None and normal is not None:
            normal = self._block(_suite_body(node.orelse.body), normal)
        breaks = [s for kind, s in self._loop_exits.get(id(node), ()) if kind == "break"]
        return _merge(normal, *breaks)

    def _try(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        assert isinstance(node, (cst.Try, cst.TryStar))
        has_finally = node.finalbody is not None
        if has_finally:
            self._stack.append((_FINALLY, node))
        try:
            body = self._block(_suite_body(node.body), state)
            # A handler starts where the exception was raised; only the
            # state at entry is assumed (exception paths are not followed).
            outs = [self._block(_suite_body(handler.body), state) for handler in node.handlers]
            if node.orelse is not None and body is not None:
                body = self._block(_suite_body(node.orelse.body), body)
            outs.append(body)
        finally:
            if has_finally:
                self._stack.pop()
        merged = _merge(*outs)
        if node.finalbody is not None:
            if merged is None:
                return None
            return self._block(_suite_body(node.finalbody.body), merged)
        return merged

    def _with(self, node: cst.With, state: bool) -> Optional[bool]:
        event = self.events.get(id(node))
        if event == _WITH:
            self._stack.append((_WITH_CLOSE, node))
            try:
                out = self._block(_suite_body(node.body), state)
            finally:
                self._stack.pop()
            return None if out is None else False
        return self._block(_suite_body(node.body), self._apply(node, state))


def _none_branch(test: cst.BaseExpression, name: str) -> Optional[bool]:
    """True when `test` holds only if `name` is None/falsy, False when only if it is not."""
    negated = False
    while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        negated = not negated
        test = test.expression
    result: Optional[bool] = None
    if isinstance(test, cst.Name) and test.value == name:
        result = False  # `if f:`
    elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        left, target = test.left, test.comparisons[0]
        right = target.comparator
        if isinstance(left, cst.Name) and left.value == name and isinstance(right, cst.Name) and right.value == "None":
            if isinstance(target.operator, (cst.Is, cst.Equal)):
                result = True
            elif isinstance(target.operator, (cst.IsNot, cst.NotEqual)):
                result = False
    if result is None:
        return None
    return not result if negated else result


def _analysis(model: ModuleModel, info: FunctionInfo) -> _Lifetimes:
    """One analysis per function, so its walks share one budget."""
    per_model: Dict[int, _Lifetimes] = model.derived.setdefault("resources.lifetimes", {})
    analysis = per_model.get(id(info))
    if analysis is None:
        analysis = per_model[id(info)] = _Lifetimes(model, info)
    return analysis


def lifetime(model: ModuleModel, info: FunctionInfo, call: cst.Call, tracked: Tracked) -> Lifetime:
    """The fate of the object `call` returns, `call` being made directly in `info`."""
    return _analysis(model, info).of_call(call, tracked)


# ------------------------------------------------------- worker resources


@dataclass(frozen=True)
class WorkerResource:
    """A resource opened in a worker, and what becomes of it."""

    call: cst.Call
    opener: Opener
    function: FunctionInfo
    lifetime: Lifetime
    #: the function runs as (or under) a pool initializer.
    in_initializer: bool
    #: a `multiprocessing.util.Finalize` covers the global it is stored in.
    finalized: bool
    #: a file opened for writing (None: the mode is not a literal).
    writes: Optional[bool]

    @property
    def initializer_global(self) -> bool:
        """MPL302's case: a written file kept in a global by an initializer, never finalized."""
        return (
            self.in_initializer
            and self.lifetime.fate is Fate.STORED_GLOBAL
            and not self.finalized
            and self.writes is True
        )


def worker_resources(model: ModuleModel) -> List[WorkerResource]:
    """Every resource-opening call made directly in a worker, with its lifetime."""
    cached: Optional[List[WorkerResource]] = model.derived.get("resources.workers")
    if cached is not None:
        return cached
    found: List[WorkerResource] = []
    team = workers(model)
    initializer_ids = {id(info) for info in team.initializer}
    finalizers: Optional[List[Tuple[Optional[FunctionInfo], Set[str]]]] = None
    setups: Optional[List[Set[int]]] = None
    for info in team.every:
        analysis: Optional[_Lifetimes] = None
        for site in info.calls:
            opener = opener_of(model, site.node, site.scope)
            if opener is None:
                continue
            if analysis is None:
                analysis = _analysis(model, info)
            close_functions = _FD_CLOSERS if opener.kind is ResourceKind.FD else frozenset()
            life = analysis.of_call(site.node, Tracked(opener.closers, close_functions, opener.fd_tuple))
            finalized = False
            if life.fate is Fate.STORED_GLOBAL:
                if finalizers is None or setups is None:
                    finalizers = _finalizers(model)
                    setups = [{id(f) for f in model.reachable_functions([root])} for root in team.roots]
                finalized = _is_finalized(info, life.store_name, finalizers, setups)
            in_initializer = id(info) in initializer_ids
            written = writes(opener, site.node)
            found.append(WorkerResource(site.node, opener, info, life, in_initializer, finalized, written))
    model.derived["resources.workers"] = found
    return found


def _finalizers(model: ModuleModel) -> List[Tuple[Optional[FunctionInfo], Set[str]]]:
    """Each `multiprocessing.util.Finalize(...)`: its function (None: module level), names it mentions."""
    found: List[Tuple[Optional[FunctionInfo], Set[str]]] = []
    for site in model.calls:
        if site.function is None and not site.at_import:
            continue  # in a lambda: when it runs is unknown
        func = site.node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            continue
        if isinstance(func, cst.Name) and func.value != "Finalize":
            continue
        if isinstance(func, cst.Attribute) and func.attr.value != "Finalize":
            continue
        dotted = qualified_name(model, func, site.scope)
        if dotted is None:
            continue
        package, _, rest = dotted.rpartition(".util.")
        if rest != "Finalize" or package not in PROCESS_PACKAGES:
            continue
        names: Set[str] = set()
        stack: List[cst.CSTNode] = [arg.value for arg in site.node.args]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                names.add(node.value)
            stack.extend(child_nodes(node))
        found.append((site.function, names))
    return found


def _is_finalized(
    info: FunctionInfo,
    name: str,
    finalizers: Iterable[Tuple[Optional[FunctionInfo], Set[str]]],
    setups: Iterable[Set[int]],
) -> bool:
    """A Finalize in the same worker setup, or at module level naming the global.

    A Finalize registered by another initializer does not run in the
    workers of this one, so only functions reached from the same root count.
    """
    related: Set[int] = {id(info)}
    for setup in setups:
        if id(info) in setup:
            related |= setup
    for function, names in finalizers:
        if function is None:
            if name in names:
                return True
        elif id(function) in related:
            return True
    return False
