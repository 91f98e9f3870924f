"""The vocabulary of the model: scopes and bindings, functions, classes, call sites,
hand-offs of work to child processes, and small helpers to read calls.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Union

import libcst as cst

from mp_lint.model.apis import Value


class BindingKind(enum.Enum):
    IMPORT = "import"
    ASSIGN = "assign"  # `name = value` (also `with value as name`, `name := value`)
    PARAM = "param"
    DEF = "def"
    CLASS = "class"
    OTHER = "other"  # loop targets, augmented assignment...: value unknown


@dataclass(eq=False)
class Binding:
    """One way a name gets a value in a scope."""

    kind: BindingKind
    scope: "Scope"
    #: ASSIGN: the value expression; PARAM: the annotation (or None).
    expr: Optional[cst.BaseExpression] = None
    #: IMPORT: the dotted name imported.
    qualname: str = ""
    #: DEF / CLASS: what was defined.
    definition: Union["FunctionInfo", "ClassInfo", None] = None
    #: ASSIGN from `a, b = value`: the position in the tuple.
    unpack_index: Optional[int] = None
    #: ASSIGN from `with value as name`: `__enter__` result of value.
    from_with: bool = False
    #: made under the `__main__` guard (module level only).
    guarded: bool = False
    #: OTHER from `for name in iterable:`: the iterable.
    iterates: Optional[cst.BaseExpression] = None
    #: ASSIGN of a list literal: what `name.append(x)` statements of its scope add.
    appended: List[cst.BaseExpression] = field(default_factory=list)


@dataclass(eq=False)
class Scope:
    """A module, class, function or lambda namespace."""

    kind: str  # "module" | "class" | "function" | "lambda"
    parent: Optional["Scope"]
    function: Optional["FunctionInfo"] = None
    klass: Optional["ClassInfo"] = None
    bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    global_names: Set[str] = field(default_factory=set)

    def bind(self, name: str, binding: Binding) -> None:
        target = self
        if name in self.global_names:
            while target.parent is not None:
                target = target.parent
        target.bindings.setdefault(name, []).append(binding)

    @property
    def is_function_like(self) -> bool:
        return self.kind in ("function", "lambda")


@dataclass(eq=False)
class ClassInfo:
    """A class statement."""

    node: cst.ClassDef
    name: str
    scope: Scope  # the class body's scope
    outer: Scope  # where the class statement runs
    #: defined inside a function (pickle cannot find it by name).
    is_local: bool
    methods: Dict[str, "FunctionInfo"] = field(default_factory=dict)
    #: `self.attr = value` bindings collected from every method.
    attributes: Dict[str, List[Binding]] = field(default_factory=dict)


@dataclass(eq=False)
class FunctionInfo:
    """A def statement, with what its body calls."""

    node: cst.FunctionDef
    name: str
    scope: Scope  # the function's own scope
    outer: Scope  # where the def statement runs
    #: defined inside another function (pickle cannot find it by name).
    is_local: bool
    klass: Optional[ClassInfo] = None
    #: calls made directly in the body (not in nested defs or lambdas).
    calls: List["CallSite"] = field(default_factory=list)


@dataclass(eq=False)
class CallSite:
    """A call, with the context it runs in."""

    node: cst.Call
    scope: Scope
    #: runs when the module is imported (module level or class body).
    at_import: bool
    #: under an `if __name__ == "__main__":` guard.
    guarded: bool
    #: inside a `try` whose handlers catch RuntimeError.
    catches_runtime_error: bool
    #: inside a loop or comprehension of its own function or module body.
    in_loop: bool
    #: the call is a whole expression statement (its result is dropped).
    is_statement: bool
    function: Optional[FunctionInfo]


@dataclass(eq=False)
class IterationSite:
    """An expression that is iterated: a `for` or comprehension iterable, or
    the argument of `iter()`, `list()`, `enumerate()`... (which iterate it)."""

    node: cst.BaseExpression
    scope: Scope
    at_import: bool
    guarded: bool
    function: Optional[FunctionInfo]


class Role(enum.Enum):
    """How a callable reaches a child process."""

    TASK = "task"  # pool task: pickled under every start method
    TARGET = "target"  # Process(target=...): pickled only under spawn/forkserver
    INITIALIZER = "initializer"  # Pool/executor initializer: likewise
    #: another callable a wrapper pickles to its children, likewise only under
    #: spawn: DataLoader `collate_fn=`/`worker_init_fn=`, `register(callable=)`.
    HOOK = "hook"


@dataclass(eq=False)
class Handoff:
    """A call that ships a callable (and arguments) to a child process."""

    site: CallSite
    api: Value  # the pool, executor or Process class receiving the work
    role: Role
    method: str  # "map", "submit", "Process", "Pool" ...
    callable_expr: Optional[cst.BaseExpression]
    #: argument expressions shipped along with the callable.
    arguments: List[cst.BaseExpression]
    #: how messages name a HOOK hand-off: `DataLoader(collate_fn=)`.
    label: str = ""
    #: the function of this module whose parameter the callable reaches the
    #: process API through (`self._apply(partial(work, x), xs)` where
    #: `_apply(self, func, xs)` calls `pool.map(func, xs)`); None when direct.
    via: Optional["FunctionInfo"] = None


@dataclass(frozen=True)
class ProcessStart:
    """A call (or a DataLoader's iteration) that starts child processes."""

    #: where it starts: the call, or the iteration of a DataLoader.
    site: Union[CallSite, IterationSite]
    #: the call that built the pool/process/manager (None if not visible).
    constructor: Optional[cst.Call]
    #: the pool, process or manager started.
    instance: Value


class CallableKind(enum.Enum):
    LAMBDA = "lambda"
    LOCAL_FUNCTION = "local function"
    LOCAL_CLASS = "local class"
    LOCAL_METHOD = "method of a local class"
    #: what a call of a closure factory returns (`make_converter(gain)`).
    CLOSURE = "closure"
    OTHER = "other"


@dataclass(frozen=True)
class ApiCall:
    """A call whose callee resolved to something in the catalogue."""

    site: CallSite
    value: Value  # value of the callee
    #: for method calls (`pool.map`): the receiver's value and the method.
    receiver: Optional[Value] = None
    method: str = ""


def keyword_argument(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    """The argument given by keyword `name`, else None."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def positional_argument(call: cst.Call, index: int) -> Optional[cst.BaseExpression]:
    """The argument at position `index` (None past a `*args`)."""
    position = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            if arg.star:
                return None  # `*args`: positions past it are unknown
            continue
        if position == index:
            return arg.value
        position += 1
    return None


def call_argument(call: cst.Call, index: int, name: str) -> Optional[cst.BaseExpression]:
    """The argument given by position `index` or by keyword `name`."""
    return keyword_argument(call, name) or positional_argument(call, index)


def string_literal(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """The value of a plain string literal, else None."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # an odd literal is simply not a literal we know
            return None
        return value if isinstance(value, str) else None
    return None


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` as a string, or None for anything that is not a plain dotted name."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None
