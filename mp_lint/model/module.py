"""The semantic model of one module, built in a single walk of the libcst tree.

The walk records scopes and their bindings, functions and classes, and every
call site with the context the rules need (does it run at import time, is it
under the `__main__` guard, inside a loop...). Values of expressions are then
resolved lazily, and only for the few expressions a rule asks about.

Resolution is deliberately flow-insensitive and conservative: a name bound
in more than one way in its scope resolves to UNKNOWN, and UNKNOWN never
produces a finding.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union

import libcst as cst

from mp_lint.model.apis import (
    EXECUTOR_TASK_METHODS,
    POOL_TASK_METHODS,
    PROXY_NAMES,
    START_METHODS,
    UNKNOWN,
    Catalogue,
    Kind,
    Value,
)
from mp_lint.model.guard import main_guard_polarity
from mp_lint.model.walk import child_nodes


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


class Role(enum.Enum):
    """How a callable reaches a child process."""

    TASK = "task"  # pool task: pickled under every start method
    TARGET = "target"  # Process(target=...): pickled only under spawn/forkserver
    INITIALIZER = "initializer"  # Pool/executor initializer: likewise


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


@dataclass(frozen=True)
class ProcessStart:
    """A call that starts child processes."""

    site: CallSite
    #: the call that built the pool/process/manager (None if not visible).
    constructor: Optional[cst.Call]
    #: the pool, process or manager started.
    instance: Value


#: Objects whose `__enter__` returns the object itself.
_ENTER_RETURNS_SELF = frozenset({Kind.POOL, Kind.EXECUTOR, Kind.MANAGER, Kind.THREAD_POOL})

#: Executor (and pathos pool) methods that start workers on first use.
_EXECUTOR_STARTING_METHODS = frozenset(
    {"submit", "map", "imap", "uimap", "amap", "pipe", "apipe"}
)


class CallableKind(enum.Enum):
    LAMBDA = "lambda"
    LOCAL_FUNCTION = "local function"
    LOCAL_CLASS = "local class"
    LOCAL_METHOD = "method of a local class"
    OTHER = "other"


@dataclass(frozen=True)
class ApiCall:
    """A call whose callee resolved to something in the catalogue."""

    site: CallSite
    value: Value  # value of the callee
    #: for method calls (`pool.map`): the receiver's value and the method.
    receiver: Optional[Value] = None
    method: str = ""


def _keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _positional(call: cst.Call, index: int) -> Optional[cst.BaseExpression]:
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
    return _keyword(call, name) or _positional(call, index)


def string_literal(node: Optional[cst.BaseExpression]) -> Optional[str]:
    """The value of a plain string literal, else None."""
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # an odd literal is simply not a literal we know
            return None
        return value if isinstance(value, str) else None
    return None


def _catches_runtime_error(handlers: Iterable[Union[cst.ExceptHandler, cst.ExceptStarHandler]]) -> bool:
    for handler in handlers:
        kinds = handler.type
        if kinds is None:
            return True
        exprs = [element.value for element in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        for expr in exprs:
            dotted = dotted_name(expr)
            if dotted and dotted.rpartition(".")[2] in ("RuntimeError", "Exception", "BaseException"):
                return True
    return False


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


def _import_qualname(module: Optional[Union[cst.Attribute, cst.Name]], relative: int) -> Optional[str]:
    if relative or module is None:
        return None  # relative imports are this project's own modules
    return dotted_name(module)


@dataclass(frozen=True)
class _Context:
    scope: Scope
    function: Optional[FunctionInfo]
    at_import: bool
    guarded: bool
    catches_runtime_error: bool
    in_loop: bool


_MISSING = object()


class ModuleModel:
    """Everything the rules may ask about one module."""

    def __init__(
        self, module: cst.Module, catalogue: Catalogue, default_start_method: str, interactive: bool = False
    ) -> None:
        self.module = module
        #: the code of a notebook or other file-less `__main__`: no child re-imports it.
        self.interactive = interactive
        self.catalogue = catalogue
        self.module_scope = Scope("module", None)
        self.functions: List[FunctionInfo] = []
        self.classes: List[ClassInfo] = []
        self.calls: List[CallSite] = []
        self._values: Dict[int, Value] = {}
        self._binding_lists: Dict[int, Value] = {}
        self._resolving: Set[int] = set()
        self._api_calls: Optional[List[ApiCall]] = None
        self._handoffs: Optional[List[Handoff]] = None
        self._starts: Optional[List[ProcessStart]] = None
        self._option_start_method = default_start_method
        self._file_start_method: object = _MISSING
        #: ids of the calls that are `with` items (their `__enter__` runs).
        self.with_items: Set[int] = set()
        #: analyses built on this model (arguments, resources, flow), cached
        #: here so that they live and die with it. (A module-level
        #: WeakKeyDictionary would not do: its values refer back to the
        #: model and kept every tree of a flake8 run alive.)
        self.derived: Dict[str, Any] = {}

    # ----------------------------------------------------------- resolution
    def lookup(self, name: str, scope: Scope) -> Optional[List[Binding]]:
        """The bindings a name refers to from `scope` (LEGB, class scopes skipped)."""
        current: Optional[Scope] = scope
        first = True
        while current is not None:
            if first or current.kind != "class":
                found = current.bindings.get(name)
                if found:
                    return found
            first = False
            current = current.parent
        return None

    def binding_of(self, name: str, scope: Scope) -> Optional[Binding]:
        """The single binding of a name, or None when absent or ambiguous."""
        bindings = self.lookup(name, scope)
        if bindings is None or len(bindings) != 1:
            return None
        return bindings[0]

    def value_of(self, expr: Optional[cst.BaseExpression], scope: Scope) -> Value:
        """What an expression evaluates to (UNKNOWN when unsure)."""
        if expr is None:
            return UNKNOWN
        key = id(expr)
        cached = self._values.get(key)
        if cached is not None:
            return cached
        if key in self._resolving:  # `x = f(x)` style cycles
            return UNKNOWN
        self._resolving.add(key)
        try:
            value = self._evaluate(expr, scope)
        finally:
            self._resolving.discard(key)
        self._values[key] = value
        return value

    def _evaluate(self, expr: cst.BaseExpression, scope: Scope) -> Value:
        if isinstance(expr, cst.Name):
            bindings = self.lookup(expr.value, scope)
            return UNKNOWN if not bindings else self._bindings_value(bindings)
        if isinstance(expr, cst.Attribute):
            return self._attribute_value(expr, scope)
        if isinstance(expr, cst.Call):
            return self._call_result(expr, scope)
        return UNKNOWN

    def _bindings_value(self, bindings: List[Binding]) -> Value:
        """The one value all of a name's bindings agree on, else UNKNOWN.

        Cached per binding list: a name bound many times and used many
        times would otherwise cost their product.
        """
        key = id(bindings)
        cached = self._binding_lists.get(key)
        if cached is None:
            if key in self._resolving:
                return UNKNOWN
            self._resolving.add(key)
            try:
                values = set()
                for binding in bindings:
                    values.add(self._binding_value(binding))
                    if len(values) > 1:
                        break
                cached = values.pop() if len(values) == 1 else UNKNOWN
            finally:
                self._resolving.discard(key)
            self._binding_lists[key] = cached
        return cached

    def _binding_value(self, binding: Binding) -> Value:
        kind = binding.kind
        if kind is BindingKind.IMPORT:
            return self.catalogue.lookup(binding.qualname)
        if kind is BindingKind.ASSIGN:
            value = self.value_of(binding.expr, binding.scope)
            if binding.from_with and value.kind not in _ENTER_RETURNS_SELF:
                return UNKNOWN  # `with Lock() as held:` binds True, not the lock
            if binding.unpack_index is not None:
                # `reader, writer = Pipe()`: both ends are sync objects.
                return value if value.kind is Kind.SYNC else UNKNOWN
            return value
        if kind is BindingKind.PARAM:
            return self._instance_of(self.value_of(binding.expr, binding.scope))
        if kind is BindingKind.CLASS and isinstance(binding.definition, ClassInfo):
            return self.class_value(binding.definition)
        return UNKNOWN

    def class_value(self, klass: ClassInfo) -> Value:
        """A class of this module that subclasses Process or a manager."""
        for base in klass.node.bases:
            if base.keyword is not None:
                continue
            value = self.value_of(base.value, klass.outer)
            if value.kind in (Kind.PROCESS_CLASS, Kind.MANAGER_CLASS):
                return Value(value.kind, value.family, value.start_method, klass.name)
        return UNKNOWN

    def _attribute_value(self, expr: cst.Attribute, scope: Scope) -> Value:
        attribute = expr.attr.value
        base = expr.value
        if isinstance(base, cst.Name) and base.value == "self" and scope.function is not None:
            klass = scope.function.klass
            if klass is not None:
                bindings = klass.attributes.get(attribute)
                if bindings:
                    return self._bindings_value(bindings)
            return UNKNOWN
        owner = self.value_of(base, scope)
        if owner.kind is Kind.QUALNAME:
            return self.catalogue.lookup(f"{owner.name}.{attribute}")
        if owner.kind is Kind.CONTEXT:
            if owner.name:  # the package itself: submodules are reachable too
                return self.catalogue.lookup(f"{owner.name}.{attribute}")
            return self.catalogue.context_attribute(owner, attribute)
        if owner.kind is Kind.MANAGER and attribute in PROXY_NAMES:
            return Value(Kind.PROXY_FACTORY, owner.family, name=attribute)
        return UNKNOWN

    @staticmethod
    def _instance_of(klass: Value) -> Value:
        """The value an annotation `x: Pool` promises."""
        kind = {
            Kind.POOL_CLASS: Kind.POOL,
            Kind.LAZY_POOL_CLASS: Kind.EXECUTOR,
            Kind.PROCESS_CLASS: Kind.PROCESS,
            Kind.MANAGER_CLASS: Kind.MANAGER,
            Kind.THREAD_POOL_CLASS: Kind.THREAD_POOL,
        }.get(klass.kind)
        return UNKNOWN if kind is None else Value(kind, klass.family, klass.start_method, klass.name)

    def _call_result(self, call: cst.Call, scope: Scope) -> Value:
        callee = self.value_of(call.func, scope)
        kind = callee.kind
        if kind is Kind.GET_CONTEXT:
            method = string_literal(call_argument(call, 0, "method"))
            if method not in START_METHODS:
                method = None
            return Value(Kind.CONTEXT, callee.family, method or callee.start_method)
        if kind is Kind.LAZY_POOL_CLASS:
            context = self.value_of(call_argument(call, 1, "mp_context"), scope)
            method = context.start_method if context.kind is Kind.CONTEXT else callee.start_method
            return Value(Kind.EXECUTOR, callee.family, method, callee.name)
        if kind is Kind.SYNC_FACTORY:
            return Value(Kind.SYNC, callee.family, name=callee.name)
        if kind is Kind.PROXY_FACTORY:
            return Value(Kind.PROXY, callee.family, name=callee.name)
        if kind is Kind.MANAGER_FACTORY:
            return Value(Kind.MANAGER, callee.family, callee.start_method, callee.name)
        return self._instance_of(callee)

    # ------------------------------------------------------- start methods
    def start_method_for(self, value: Value) -> str:
        """The start method that applies to objects of `value`'s context."""
        if value.start_method is not None:
            return value.start_method
        return self.file_start_method

    @property
    def file_start_method(self) -> str:
        """The option's start method, narrowed by a `set_start_method` in the file."""
        if self._file_start_method is _MISSING:
            methods = set()
            for api in self.api_calls():
                if api.value.kind is Kind.SET_START_METHOD:
                    method = string_literal(call_argument(api.site.node, 0, "method"))
                    if method in START_METHODS:
                        methods.add(method)
            if "fork" in methods:
                # Precision first: any explicit fork silences spawn-only rules.
                self._file_start_method = "fork"
            elif len(methods) == 1:
                self._file_start_method = methods.pop()
            else:
                self._file_start_method = self._option_start_method
        return str(self._file_start_method)

    def pickles_like_spawn(self, value: Value) -> bool:
        """True when children of `value`'s context re-import and unpickle."""
        return self.start_method_for(value) != "fork"

    # --------------------------------------------------------- API queries
    def api_calls(self) -> List[ApiCall]:
        """Every call whose callee or receiver resolves to a catalogued API."""
        if self._api_calls is None:
            found: List[ApiCall] = []
            for site in self.calls:
                func = site.node.func
                value = self.value_of(func, site.scope)
                receiver: Optional[Value] = None
                method = ""
                if isinstance(func, cst.Attribute):
                    method = func.attr.value
                    if value.kind in (Kind.UNKNOWN, Kind.QUALNAME):
                        receiver = self.value_of(func.value, site.scope)
                        if receiver.kind in (Kind.UNKNOWN, Kind.QUALNAME):
                            continue
                elif value.kind in (Kind.UNKNOWN, Kind.QUALNAME):
                    continue
                found.append(ApiCall(site, value, receiver, method))
            self._api_calls = found
        return self._api_calls

    def handoffs(self) -> List[Handoff]:
        """Every place a callable and its arguments are shipped to a child."""
        if self._handoffs is None:
            self._handoffs = [h for api in self.api_calls() for h in self._handoffs_of(api)]
        return self._handoffs

    def _handoffs_of(self, api: ApiCall) -> Iterator[Handoff]:
        call = api.site.node
        receiver = api.receiver
        if receiver is not None and receiver.is_process_pool:
            methods = POOL_TASK_METHODS if receiver.kind is Kind.POOL else EXECUTOR_TASK_METHODS
            if api.method in methods:
                name = "fn" if receiver.kind is Kind.EXECUTOR else "func"
                target = call_argument(call, 0, name)
                arguments = _task_arguments(call, receiver, api.method)
                yield Handoff(api.site, receiver, Role.TASK, api.method, target, arguments)
            return
        kind = api.value.kind
        if kind is Kind.PROCESS_CLASS:
            # Process(group, target, name, args, kwargs)
            arguments = _sequence_elements(call_argument(call, 3, "args"))
            arguments += _dict_values(call_argument(call, 4, "kwargs"))
            yield Handoff(api.site, api.value, Role.TARGET, "Process", call_argument(call, 1, "target"), arguments)
        elif kind in (Kind.POOL_CLASS, Kind.LAZY_POOL_CLASS):
            index = 1 if kind is Kind.POOL_CLASS else 2
            initializer = call_argument(call, index, "initializer")
            if initializer is not None:
                arguments = _sequence_elements(call_argument(call, index + 1, "initargs"))
                instance = self.value_of(call, api.site.scope)
                method = "Pool" if index == 1 else "ProcessPoolExecutor"
                yield Handoff(api.site, instance, Role.INITIALIZER, method, initializer, arguments)

    def callable_kind(
        self, expr: Optional[cst.BaseExpression], scope: Scope
    ) -> Tuple[CallableKind, Optional[cst.BaseExpression]]:
        """What kind of callable `expr` is, looking through `functools.partial`.

        Returns the kind and the expression that decided it.
        """
        for _ in range(8):  # partial(partial(...)) nests rarely; bound the walk
            if expr is None:
                return CallableKind.OTHER, None
            if isinstance(expr, cst.Lambda):
                return CallableKind.LAMBDA, expr
            if isinstance(expr, cst.Call) and self.value_of(expr.func, scope).kind is Kind.PARTIAL:
                expr = call_argument(expr, 0, "func")
                continue
            if isinstance(expr, cst.Name):
                binding = self.binding_of(expr.value, scope)
                if binding is None:
                    return CallableKind.OTHER, None
                if binding.kind is BindingKind.DEF and isinstance(binding.definition, FunctionInfo):
                    local = binding.definition.is_local
                    return (CallableKind.LOCAL_FUNCTION if local else CallableKind.OTHER), expr
                if binding.kind is BindingKind.CLASS and isinstance(binding.definition, ClassInfo):
                    local = binding.definition.is_local
                    return (CallableKind.LOCAL_CLASS if local else CallableKind.OTHER), expr
                if binding.kind is BindingKind.ASSIGN and binding.unpack_index is None and not binding.from_with:
                    if isinstance(binding.expr, (cst.Lambda, cst.Call)):
                        scope = binding.scope
                        expr = binding.expr
                        continue
                return CallableKind.OTHER, None
            if isinstance(expr, cst.Attribute):
                if self._local_class_of(expr.value, scope) is not None:
                    return CallableKind.LOCAL_METHOD, expr
            return CallableKind.OTHER, None
        return CallableKind.OTHER, None

    def _local_class_of(self, expr: cst.BaseExpression, scope: Scope) -> Optional[ClassInfo]:
        """The local class `expr` is, or is an instance of (`Local` or `Local()`)."""
        if isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Name):
            binding = self.binding_of(expr.value, scope)
            if (
                binding is not None
                and binding.kind is BindingKind.ASSIGN
                and binding.unpack_index is None
                and isinstance(binding.expr, cst.Call)
                and not binding.from_with
            ):
                scope = binding.scope
                expr = binding.expr.func
        if isinstance(expr, cst.Name):
            binding = self.binding_of(expr.value, scope)
            if binding is not None and binding.kind is BindingKind.CLASS and isinstance(binding.definition, ClassInfo):
                return binding.definition if binding.definition.is_local else None
        return None

    def process_starts(self) -> List["ProcessStart"]:
        """Every call that starts child processes, with the object's constructor."""
        if self._starts is None:
            starts: List[ProcessStart] = []
            for api in self.api_calls():
                site = api.site
                kind = api.value.kind
                if kind in (Kind.POOL_CLASS, Kind.MANAGER_FACTORY) or (
                    kind is Kind.MANAGER_CLASS and id(site.node) in self.with_items
                ):
                    instance = self.value_of(site.node, site.scope)
                    starts.append(ProcessStart(site, site.node, instance))
                    continue
                receiver = api.receiver
                if receiver is None or not isinstance(site.node.func, cst.Attribute):
                    continue
                if (receiver.kind in (Kind.PROCESS, Kind.MANAGER) and api.method == "start") or (
                    receiver.kind is Kind.EXECUTOR and api.method in _EXECUTOR_STARTING_METHODS
                ):
                    constructor = self.constructor_call(site.node.func.value, site.scope)
                    starts.append(ProcessStart(site, constructor, receiver))
            self._starts = starts
        return self._starts

    # --------------------------------------------------------- call graph
    def function_called(self, expr: cst.BaseExpression, scope: Scope) -> Optional[FunctionInfo]:
        """The function of this module that a bare-name call refers to."""
        if not isinstance(expr, cst.Name):
            return None
        binding = self.binding_of(expr.value, scope)
        if binding is None or binding.kind is not BindingKind.DEF:
            return None
        info = binding.definition
        return info if isinstance(info, FunctionInfo) else None

    def constructor_call(self, expr: cst.BaseExpression, scope: Scope) -> Optional[cst.Call]:
        """The call that built the object `expr` names (`Pool()` in `p = Pool()`)."""
        if isinstance(expr, cst.Call):
            return expr
        if isinstance(expr, cst.Name):
            binding = self.binding_of(expr.value, scope)
            if binding is not None and binding.kind is BindingKind.ASSIGN and binding.unpack_index is None:
                if isinstance(binding.expr, cst.Call):
                    return binding.expr
        return None

    def reachable_functions(self, roots: Iterable[FunctionInfo]) -> List[FunctionInfo]:
        """`roots` and the module functions they call, transitively."""
        seen: Dict[int, FunctionInfo] = {}
        stack = list(roots)
        while stack:
            info = stack.pop()
            if id(info) in seen:
                continue
            seen[id(info)] = info
            for site in info.calls:
                callee = self.function_called(site.node.func, site.scope)
                if callee is not None:
                    stack.append(callee)
        return list(seen.values())


def _task_arguments(call: cst.Call, receiver: Value, method: str) -> List[cst.BaseExpression]:
    """What a pool or executor call ships besides the callable.

    Pool methods take (func, iterable-or-args, chunksize-or-kwds, ...);
    executor `submit(fn, *args, **kwargs)` ships everything after `fn`, and
    executor `map(fn, *iterables)` every positional after `fn`.
    """
    if receiver.kind is Kind.EXECUTOR:
        if method == "submit":
            return [arg.value for arg in call.args[1:]]
        return [arg.value for arg in call.args[1:] if arg.keyword is None]
    if method in ("apply", "apply_async"):
        arguments = _sequence_elements(call_argument(call, 1, "args"))
        return arguments + _dict_values(call_argument(call, 2, "kwds"))
    iterable = call_argument(call, 1, "iterable")
    return [] if iterable is None else [iterable]


def _dict_values(node: Optional[cst.BaseExpression]) -> List[cst.BaseExpression]:
    if isinstance(node, cst.Dict):
        return [element.value for element in node.elements if isinstance(element, cst.DictElement)]
    return []


def _sequence_elements(node: Optional[cst.BaseExpression]) -> List[cst.BaseExpression]:
    if isinstance(node, (cst.Tuple, cst.List)):
        return [element.value for element in node.elements if isinstance(element, cst.Element)]
    return []


# ---------------------------------------------------------------- the walk


class _Builder:
    """Fills a ModuleModel in one walk over the statements and expressions."""

    def __init__(self, model: ModuleModel) -> None:
        self.model = model

    # statements ------------------------------------------------------
    def block(self, body: Iterable[cst.CSTNode], ctx: _Context) -> None:
        for statement in body:
            self.statement(statement, ctx)

    def suite(self, suite: cst.BaseSuite, ctx: _Context) -> None:
        self.block(suite.body, ctx)

    def statement(self, node: cst.CSTNode, ctx: _Context) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self.small_statement(small, ctx)
        elif isinstance(node, cst.FunctionDef):
            self.function_def(node, ctx)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node, ctx)
        elif isinstance(node, cst.If):
            self.if_statement(node, ctx)
        elif isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                self.expressions(node.iter, ctx)
                self.bind_target(node.target, ctx, None)
            else:
                self.expressions(node.test, ctx)
            loop_ctx = _replace(ctx, in_loop=True)
            self.suite(node.body, loop_ctx)
            if node.orelse is not None:
                self.suite(node.orelse.body, ctx)
        elif isinstance(node, cst.With):
            for item in node.items:
                self.expressions(item.item, ctx)
                if isinstance(item.item, cst.Call):
                    self.model.with_items.add(id(item.item))
                if item.asname is not None:
                    self.bind_target(item.asname.name, ctx, item.item, from_with=True)
            self.suite(node.body, ctx)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            catches = _catches_runtime_error(node.handlers)
            self.suite(node.body, _replace(ctx, catches_runtime_error=ctx.catches_runtime_error or catches))
            for handler in node.handlers:
                if handler.type is not None:
                    self.expressions(handler.type, ctx)
                if handler.name is not None:
                    self.bind_target(handler.name.name, ctx, None)
                self.suite(handler.body, ctx)
            if node.orelse is not None:
                self.suite(node.orelse.body, ctx)
            if node.finalbody is not None:
                self.suite(node.finalbody.body, ctx)
        elif isinstance(node, cst.Match):
            self.expressions(node.subject, ctx)
            for case in node.cases:
                self.expressions(case.pattern, ctx)
                if case.guard is not None:
                    self.expressions(case.guard, ctx)
                self.suite(case.body, ctx)
        elif isinstance(node, cst.BaseCompoundStatement):
            # Anything newer than this walk knows: still find its calls.
            self.expressions(node, ctx)

    def if_statement(self, node: cst.If, ctx: _Context) -> None:
        self.expressions(node.test, ctx)
        polarity = main_guard_polarity(node.test) if ctx.at_import else None
        self.suite(node.body, _replace(ctx, guarded=True) if polarity is True else ctx)
        orelse = node.orelse
        if orelse is None:
            return
        else_ctx = _replace(ctx, guarded=True) if polarity is False else ctx
        if isinstance(orelse, cst.If):
            self.if_statement(orelse, else_ctx)
        else:
            self.suite(orelse.body, else_ctx)

    def small_statement(self, node: cst.BaseSmallStatement, ctx: _Context) -> None:
        if isinstance(node, cst.Expr):
            value = node.value
            if isinstance(value, cst.Call):
                self.expressions(value, ctx, statement_call=value)
            else:
                self.expressions(value, ctx)
        elif isinstance(node, cst.Assign):
            self.expressions(node.value, ctx)
            for target in node.targets:
                self.bind_target(target.target, ctx, node.value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.expressions(node.value, ctx)
            self.expressions(node.annotation, ctx)
            self.bind_target(node.target, ctx, node.value)
        elif isinstance(node, cst.AugAssign):
            self.expressions(node.value, ctx)
            self.bind_target(node.target, ctx, None)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                dotted = dotted_name(alias.name)
                if dotted is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    binding = Binding(BindingKind.IMPORT, ctx.scope, qualname=dotted, guarded=ctx.guarded)
                    ctx.scope.bind(alias.asname.name.value, binding)
                else:
                    top = dotted.partition(".")[0]
                    ctx.scope.bind(top, Binding(BindingKind.IMPORT, ctx.scope, qualname=top, guarded=ctx.guarded))
        elif isinstance(node, cst.ImportFrom):
            module = _import_qualname(node.module, len(node.relative))
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                dotted = dotted_name(alias.name)
                if dotted is None:
                    continue
                local = dotted
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                if module is None:
                    ctx.scope.bind(local, Binding(BindingKind.OTHER, ctx.scope, guarded=ctx.guarded))
                else:
                    binding = Binding(BindingKind.IMPORT, ctx.scope, qualname=f"{module}.{dotted}", guarded=ctx.guarded)
                    ctx.scope.bind(local, binding)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            if isinstance(node, cst.Global):
                ctx.scope.global_names.update(item.name.value for item in node.names)
        else:
            self.expressions(node, ctx)

    def function_def(self, node: cst.FunctionDef, ctx: _Context) -> None:
        for decorator in node.decorators:
            self.expressions(decorator.decorator, ctx)
        outer = ctx.scope
        klass = outer.klass if outer.kind == "class" else None
        is_local = _inside_function(outer)
        scope = Scope("function", outer)
        info = FunctionInfo(node, node.name.value, scope, outer, is_local, klass)
        scope.function = info
        self.model.functions.append(info)
        outer.bind(node.name.value, Binding(BindingKind.DEF, outer, definition=info, guarded=ctx.guarded))
        if klass is not None:
            klass.methods[node.name.value] = info
        self.parameters(node.params, ctx, scope)
        if node.returns is not None:
            self.expressions(node.returns.annotation, ctx)
        inner = _Context(scope, info, False, False, False, False)
        self.suite(node.body, inner)

    def parameters(self, params: cst.Parameters, ctx: _Context, scope: Scope) -> None:
        every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            annotation = param.annotation.annotation if param.annotation is not None else None
            if annotation is not None:
                self.expressions(annotation, ctx)
            if param.default is not None:
                self.expressions(param.default, ctx)
            scope.bind(param.name.value, Binding(BindingKind.PARAM, ctx.scope, expr=annotation))

    def class_def(self, node: cst.ClassDef, ctx: _Context) -> None:
        for decorator in node.decorators:
            self.expressions(decorator.decorator, ctx)
        for base in node.bases:
            self.expressions(base.value, ctx)
        for keyword in node.keywords:
            self.expressions(keyword.value, ctx)
        outer = ctx.scope
        scope = Scope("class", outer)
        info = ClassInfo(node, node.name.value, scope, outer, _inside_function(outer))
        scope.klass = info
        self.model.classes.append(info)
        outer.bind(node.name.value, Binding(BindingKind.CLASS, outer, definition=info, guarded=ctx.guarded))
        # A class body runs where the class statement runs.
        self.suite(node.body, _replace(ctx, scope=scope))

    # targets ---------------------------------------------------------
    def bind_target(
        self,
        target: cst.BaseExpression,
        ctx: _Context,
        value: Optional[cst.BaseExpression],
        *,
        from_with: bool = False,
        unpack_index: Optional[int] = None,
    ) -> None:
        scope = ctx.scope
        if isinstance(target, cst.Name):
            if value is None:
                binding = Binding(BindingKind.OTHER, scope, guarded=ctx.guarded)
            else:
                binding = Binding(
                    BindingKind.ASSIGN, scope, expr=value, unpack_index=unpack_index, from_with=from_with,
                    guarded=ctx.guarded,
                )
            scope.bind(target.value, binding)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for index, element in enumerate(target.elements):
                if isinstance(element, cst.StarredElement):
                    self.bind_target(element.value, ctx, None)
                else:
                    self.bind_target(element.value, ctx, value, unpack_index=index)
        elif isinstance(target, cst.Attribute):
            self.expressions(target.value, ctx)
            function = ctx.function
            if (
                isinstance(target.value, cst.Name)
                and target.value.value == "self"
                and function is not None
                and function.klass is not None
            ):
                binding = (
                    Binding(BindingKind.ASSIGN, scope, expr=value, unpack_index=unpack_index, from_with=from_with)
                    if value is not None
                    else Binding(BindingKind.OTHER, scope)
                )
                function.klass.attributes.setdefault(target.attr.value, []).append(binding)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, ctx, None)
        else:
            self.expressions(target, ctx)

    # expressions -----------------------------------------------------
    def expressions(self, root: cst.CSTNode, ctx: _Context, statement_call: Optional[cst.Call] = None) -> None:
        """Record the calls, lambdas and walrus bindings below `root`.

        Iterative, because expressions nest far deeper than statements.
        """
        model = self.model
        stack: List[Tuple[cst.CSTNode, _Context]] = [(root, ctx)]
        pop = stack.pop
        push = stack.append
        while stack:
            node, here = pop()
            node_type = type(node)
            if node_type in _LEAF_TYPES:
                continue
            if node_type is cst.Call:
                site = CallSite(
                    node,  # type: ignore[arg-type]
                    here.scope,
                    here.at_import,
                    here.guarded,
                    here.catches_runtime_error,
                    here.in_loop,
                    node is statement_call,
                    here.function,
                )
                model.calls.append(site)
                if here.function is not None:
                    here.function.calls.append(site)
            elif node_type is cst.Lambda:
                assert isinstance(node, cst.Lambda)
                scope = Scope("lambda", here.scope, function=here.function)
                self.parameters(node.params, here, scope)
                push((node.body, _Context(scope, None, False, False, False, False)))
                continue
            elif node_type is cst.NamedExpr:
                assert isinstance(node, cst.NamedExpr)
                target_scope = here.scope
                if isinstance(node.target, cst.Name):
                    walrus = Binding(BindingKind.ASSIGN, target_scope, expr=node.value, guarded=here.guarded)
                    target_scope.bind(node.target.value, walrus)
            elif node_type is cst.CompFor:
                assert isinstance(node, cst.CompFor)
                # Comprehension variables shadow outer names: make those ambiguous.
                self._bind_loose(node.target, here.scope)
                if not here.in_loop:
                    here = _replace(here, in_loop=True)
            elif node_type in _COMPREHENSION_TYPES and not here.in_loop:
                here = _replace(here, in_loop=True)
            for child in child_nodes(node):
                push((child, here))

    def _bind_loose(self, target: cst.BaseExpression, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.bind(target.value, Binding(BindingKind.OTHER, scope))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_loose(element.value, scope)


#: Nodes with no code below them.
_LEAF_TYPES = frozenset(
    {cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis, cst.Pass, cst.Break, cst.Continue}
)
_COMPREHENSION_TYPES = frozenset({cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp})


def _inside_function(scope: Scope) -> bool:
    current: Optional[Scope] = scope
    while current is not None:
        if current.is_function_like:
            return True
        current = current.parent
    return False


def _replace(ctx: _Context, **changes: Any) -> _Context:
    return dataclasses.replace(ctx, **changes)


def build_model(
    module: cst.Module, catalogue: Catalogue, default_start_method: str = "spawn", interactive: bool = False
) -> ModuleModel:
    """Walk `module` once and return its model."""
    model = ModuleModel(module, catalogue, default_start_method, interactive)
    ctx = _Context(model.module_scope, None, True, False, False, False)
    _Builder(model).block(module.body, ctx)
    return model
