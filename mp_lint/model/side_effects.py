"""Module-level code that cannot run a second time, in a spawned child.

Under spawn and forkserver every child re-imports the main module, so each
line outside the `__main__` guard runs once more per child. Most such lines
are harmless (definitions, constants). A few fail or block the second time:

- reading standard input (`input()`, `sys.stdin.readline()`, `for line in
  sys.stdin`): the parent has consumed it, the child gets end-of-file
  (`EOFError`), or on a terminal waits for a line nobody types;
- binding a socket to a fixed address: `EADDRINUSE`, the parent holds it;
- creating a fixed directory without `exist_ok=True`: `FileExistsError`.

Only modules that start processes under spawn count, and only code that runs
unconditionally: inside a `try` (which may handle the failure) or, for
directories, inside an `if` (typically `if not os.path.exists(d):`) it is
left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import libcst as cst

from mp_lint.model.apis import Kind
from mp_lint.model.body import FunctionBody, body_of
from mp_lint.model.module import BindingKind, CallSite, ModuleModel, Scope, call_argument

__all__ = ["SideEffect", "import_side_effects"]

_STDIN_READS = frozenset(
    {"sys.stdin.read", "sys.stdin.readline", "sys.stdin.readlines", "sys.stdin.buffer.read",
     "sys.stdin.buffer.readline"}
)
_SOCKET_CLASSES = frozenset({"socket.socket"})
_SERVERS = frozenset(
    {"socket.create_server", "socketserver.TCPServer", "socketserver.UDPServer",
     "socketserver.ThreadingTCPServer", "http.server.HTTPServer", "http.server.ThreadingHTTPServer"}
)
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})
#: Calls that build a path from their arguments alone: fixed when those are.
_PATH_FUNCTIONS = _PATH_CLASSES | frozenset(
    {"os.path.join", "os.path.abspath", "os.path.dirname", "os.path.expanduser", "os.path.realpath", "str"}
)
_MAX_DEPTH = 8


@dataclass(frozen=True)
class SideEffect:
    """A module-level statement that fails when a spawned child re-runs it."""

    #: the offending call (or the `sys.stdin` a `for` loop reads).
    node: cst.CSTNode
    #: how a message names it: `input()`, `bind()`, `os.mkdir()`.
    what: str
    #: what the child gets: `EOFError`, `end of file`, `EADDRINUSE`, `FileExistsError`.
    error: str


def import_side_effects(model: ModuleModel) -> List[SideEffect]:
    """The side effects at import of a module that starts processes under spawn."""
    cached: Optional[List[SideEffect]] = model.derived.get("side_effects")
    if cached is not None:
        return cached
    candidates: List[SideEffect] = []
    if not model.interactive and any(model.pickles_like_spawn(s.instance) for s in model.process_starts()):
        for site in model.calls:
            if site.at_import and not site.guarded and site.scope.kind == "module":
                effect = _classify(model, site)
                if effect is not None:
                    candidates.append(effect)
        for iteration in model.iterations:
            if iteration.at_import and not iteration.guarded and iteration.scope.kind == "module":
                name = model.value_of(iteration.node, iteration.scope)
                if name.kind is Kind.QUALNAME and name.name == "sys.stdin":
                    candidates.append(SideEffect(iteration.node, "for ... in sys.stdin", "end of file"))
    found: List[SideEffect] = []
    if candidates:  # the module's index only when there is something to place
        body = body_of(model, model.module)
        found = sorted((e for e in candidates if not _handled(body, e.node, e)), key=lambda e: body.position(e.node))
    model.derived["side_effects"] = found
    return found


def _handled(body: FunctionBody, node: cst.CSTNode, effect: SideEffect) -> bool:
    """Inside a `try` with handlers, or (a directory) inside an `if`."""
    kinds: Tuple[type, ...] = (cst.Try, cst.If) if effect.error == "FileExistsError" else (cst.Try,)
    for around in body.around(node, kinds):
        if isinstance(around, cst.If) or (isinstance(around, cst.Try) and around.handlers):
            return True
    return False


def _classify(model: ModuleModel, site: CallSite) -> Optional[SideEffect]:
    call = site.node
    func = call.func
    scope = site.scope
    if isinstance(func, cst.Name):
        if func.value == "input" and model.lookup("input", scope) is None:
            return SideEffect(call, "input()", "EOFError")
    qualname = _qualname(model, func, scope)
    if qualname in _STDIN_READS:
        return SideEffect(call, qualname + "()", "end of file")
    if qualname == "os.mkdir" and _fixed(model, call_argument(call, 0, "path"), scope):
        return SideEffect(call, "os.mkdir()", "FileExistsError")
    if qualname == "os.makedirs" and _fixed(model, call_argument(call, 0, "name"), scope):
        if not _is_true(call_argument(call, 2, "exist_ok")):
            return SideEffect(call, "os.makedirs()", "FileExistsError")
    if qualname in _SERVERS and _fixed_address(model, call_argument(call, 0, "address"), scope):
        return SideEffect(call, qualname.rpartition(".")[2] + "()", "EADDRINUSE")
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method == "bind" and _built_by(model, func.value, scope, _SOCKET_CLASSES):
        if _fixed_address(model, call_argument(call, 0, "address"), scope):
            return SideEffect(call, "bind()", "EADDRINUSE")
    if method == "mkdir" and not _is_true(call_argument(call, 2, "exist_ok")):
        if _is_fixed_path_object(model, func.value, scope):
            return SideEffect(call, "Path.mkdir()", "FileExistsError")
    return None


def _qualname(model: ModuleModel, expr: cst.BaseExpression, scope: Scope) -> str:
    value = model.value_of(expr, scope)
    return value.name if value.kind is Kind.QUALNAME else ""


def _is_true(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def _built_by(model: ModuleModel, expr: cst.BaseExpression, scope: Scope, classes: frozenset[str]) -> bool:
    constructor = model.constructor_call(expr, scope)
    if constructor is None:
        binding = model.binding_of(expr.value, scope) if isinstance(expr, cst.Name) else None
        if binding is not None and binding.kind is BindingKind.ASSIGN and isinstance(binding.expr, cst.Call):
            constructor = binding.expr  # `with socket.socket() as s:`
    return constructor is not None and _qualname(model, constructor.func, scope) in classes


def _is_fixed_path_object(model: ModuleModel, expr: cst.BaseExpression, scope: Scope) -> bool:
    """A `pathlib.Path` built from fixed parts (`Path("out")`, `BASE / "out"`)."""
    for _ in range(_MAX_DEPTH):
        if isinstance(expr, cst.Name):
            binding = model.binding_of(expr.value, scope)
            if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
                return False
            if binding.expr is None:
                return False
            expr, scope = binding.expr, binding.scope
            continue
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            if not _fixed(model, expr.right, scope):
                return False
            expr = expr.left
            continue
        if isinstance(expr, cst.Call):
            return _qualname(model, expr.func, scope) in _PATH_CLASSES and _fixed(model, expr, scope)
        return False
    return False


def _fixed_address(model: ModuleModel, expr: Optional[cst.BaseExpression], scope: Scope) -> bool:
    """`("localhost", 8000)` with a literal non-zero port, or a literal socket path."""
    if isinstance(expr, cst.Tuple) and len(expr.elements) >= 2:
        port = model.int_literal(expr.elements[1].value, scope)
        return port is not None and port != 0
    return isinstance(expr, cst.SimpleString)


def _fixed(model: ModuleModel, expr: Optional[cst.BaseExpression], scope: Scope, depth: int = 0) -> bool:
    """Whether `expr` gives the same path in every process: literals, `__file__`,
    module names bound once to such, and joins of them."""
    if expr is None or depth > _MAX_DEPTH:
        return False
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(expr, cst.FormattedString):
        return all(
            _fixed(model, part.expression, scope, depth + 1)
            for part in expr.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(expr, cst.Name):
        if expr.value == "__file__":
            return True
        binding = model.binding_of(expr.value, scope)
        if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
            return False
        return binding.scope.kind == "module" and _fixed(model, binding.expr, binding.scope, depth + 1)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Divide)):
        return _fixed(model, expr.left, scope, depth + 1) and _fixed(model, expr.right, scope, depth + 1)
    if isinstance(expr, cst.Attribute) and expr.attr.value in ("parent", "stem"):
        return _fixed(model, expr.value, scope, depth + 1)
    if isinstance(expr, cst.Call):
        func = expr.func
        name = "str" if isinstance(func, cst.Name) and func.value == "str" else _qualname(model, func, scope)
        if name not in _PATH_FUNCTIONS:
            return False
        return all(
            arg.keyword is None and not arg.star and _fixed(model, arg.value, scope, depth + 1) for arg in expr.args
        )
    return False
