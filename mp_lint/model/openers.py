"""What opens a resource: files, sockets, database connections, HTTP sessions.

Calls are resolved through the module model's bindings (`open` the builtin,
`sqlite3.connect` imported, `Path(p).open()`), and `writes` tells a file
opened for writing from one opened for reading.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional

import libcst as cst

from mp_lint.model.module import BindingKind, ModuleModel, Scope, call_argument, string_literal


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
FD_CLOSERS = frozenset({"os.close"})
#: Calls that take ownership and close on exit (used with `with` or an ExitStack).
OWNERS = frozenset({"contextlib.closing"})
#: Methods that hand the underlying descriptor to the caller.
RELEASERS = frozenset({"detach"})
#: Methods that store their argument in a container.
STORE_METHODS = frozenset({"append", "add", "setdefault", "insert", "appendleft", "extend", "update", "put"})

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
