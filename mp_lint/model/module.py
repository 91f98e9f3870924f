"""The semantic model of one module: what names and expressions are.

`mp_lint.model.build` fills it in one walk of the libcst tree (scopes,
bindings, functions, classes, call sites); values of expressions are then
resolved here lazily, and only for the few expressions a rule asks about.
The vocabulary (bindings, call sites, hand-offs) is `mp_lint.model.scopes`,
re-exported here.

Resolution is deliberately flow-insensitive and conservative: a name bound
in more than one way in its scope resolves to UNKNOWN, and UNKNOWN never
produces a finding.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import (
    DATALOADER_CONTEXT,
    DATALOADER_HOOKS,
    DATALOADER_WORKERS,
    EXECUTOR_TASK_METHODS,
    POOL_TASK_METHODS,
    PROXY_NAMES,
    START_METHODS,
    UNKNOWN,
    WRAPPERS,
    Catalogue,
    Kind,
    Value,
)
from mp_lint.model.factories import returned_closure
from mp_lint.model.scopes import (
    ApiCall,
    Binding,
    BindingKind,
    CallableKind,
    CallSite,
    ClassInfo,
    FunctionInfo,
    Handoff,
    IterationSite,
    ProcessStart,
    Role,
    Scope,
    call_argument,
    dotted_name,
    keyword_argument,
    string_literal,
)

__all__ = [
    "ApiCall",
    "Binding",
    "BindingKind",
    "CallSite",
    "CallableKind",
    "ClassInfo",
    "FunctionInfo",
    "Handoff",
    "IterationSite",
    "ModuleModel",
    "ProcessStart",
    "Role",
    "Scope",
    "call_argument",
    "dotted_name",
    "keyword_argument",
    "string_literal",
]


#: Objects whose `__enter__` returns the object itself.
_ENTER_RETURNS_SELF = frozenset({Kind.POOL, Kind.EXECUTOR, Kind.MANAGER, Kind.THREAD_POOL})

#: Executor (and pathos pool) methods that start workers on first use.
_EXECUTOR_STARTING_METHODS = frozenset(
    {"submit", "map", "imap", "uimap", "amap", "pipe", "apipe"}
)


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
        #: `for` / comprehension iterables and arguments of `iter()`-like builtins.
        self.iterations: List[IterationSite] = []
        #: `name.daemon = value` statements: (scope, name, value).
        self.daemon_assignments: List[Tuple[Scope, str, Optional[cst.BaseExpression]]] = []
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
        if kind is BindingKind.OTHER and binding.iterates is not None:
            element = self.element_of(binding.iterates, binding.scope)
            return UNKNOWN if element is None else self.value_of(element, binding.scope)
        return UNKNOWN

    def element_of(self, iterable: cst.BaseExpression, scope: Scope) -> Optional[cst.BaseExpression]:
        """The one expression that builds every element of `iterable`, else None.

        `[Process(...) for i in ...]`, a list display of one element, or a name
        bound once to one of these or to `[]` filled by one `name.append(x)`.
        """
        if isinstance(iterable, cst.Name):
            binding = self.binding_of(iterable.value, scope)
            if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
                return None
            if binding.from_with or binding.scope is not scope or binding.expr is None:
                return None
            if isinstance(binding.expr, cst.List) and not binding.expr.elements and len(binding.appended) == 1:
                return binding.appended[0]
            if binding.appended:
                return None
            iterable = binding.expr
        if isinstance(iterable, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return iterable.elt
        if isinstance(iterable, (cst.List, cst.Tuple)) and len(iterable.elements) == 1:
            element = iterable.elements[0]
            return element.value if isinstance(element, cst.Element) else None
        return None

    def object_binding(self, name: str, scope: Scope) -> Optional[Binding]:
        """The binding a method call on `name` uses: the single one, or the one
        assignment among `def`s of that name (`work = Process(target=work)`; a
        function has no `.start()`)."""
        bindings = self.lookup(name, scope)
        if not bindings:
            return None
        if len(bindings) == 1:
            return bindings[0]
        assigned = [binding for binding in bindings if binding.kind is BindingKind.ASSIGN]
        if len(assigned) == 1 and all(b.kind is BindingKind.DEF for b in bindings if b is not assigned[0]):
            return assigned[0]
        return None

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
        if kind is Kind.DATALOADER_CLASS:
            return self._dataloader(call, scope, callee)
        return self._instance_of(callee)

    def _dataloader(self, call: cst.Call, scope: Scope, callee: Value) -> Value:
        """A DataLoader with worker processes (`num_workers` a positive literal)."""
        workers = self.int_literal(call_argument(call, DATALOADER_WORKERS[1], DATALOADER_WORKERS[0]), scope)
        if workers is None or workers <= 0:
            return UNKNOWN
        context_expr = call_argument(call, DATALOADER_CONTEXT[1], DATALOADER_CONTEXT[0])
        method = string_literal(context_expr)
        if context_expr is not None and method is None:
            context = self.value_of(context_expr, scope)
            method = context.start_method if context.kind is Kind.CONTEXT else None
            if context.kind is not Kind.CONTEXT:
                return UNKNOWN  # some context we cannot read: stay silent
        return Value(Kind.DATALOADER, callee.family, method if method in START_METHODS else None, callee.name)

    def int_literal(self, expr: Optional[cst.BaseExpression], scope: Scope) -> Optional[int]:
        """An integer literal, or a name bound once to one."""
        for _ in range(4):
            if isinstance(expr, cst.Integer):
                try:
                    return int(expr.value, 0)
                except ValueError:
                    return None
            if not isinstance(expr, cst.Name):
                return None
            binding = self.binding_of(expr.value, scope)
            if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
                return None
            expr, scope = binding.expr, binding.scope
        return None

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
                        if method == "run_in_executor":
                            # `loop.run_in_executor(executor, fn, *args)`: the
                            # executor, not the loop, is what receives the task.
                            receiver = self.value_of(call_argument(site.node, 0, "executor"), site.scope)
                            if receiver.kind is Kind.EXECUTOR:
                                found.append(ApiCall(site, UNKNOWN, receiver, method))
                            continue
                        receiver = self._receiver_value(func.value, site.scope)
                        if receiver.kind in (Kind.UNKNOWN, Kind.QUALNAME):
                            continue
                elif value.kind in (Kind.UNKNOWN, Kind.QUALNAME):
                    continue
                found.append(ApiCall(site, value, receiver, method))
            self._api_calls = found
        return self._api_calls

    def _receiver_value(self, expr: cst.BaseExpression, scope: Scope) -> Value:
        value = self.value_of(expr, scope)
        if value.kind is Kind.UNKNOWN and isinstance(expr, cst.Name):
            binding = self.object_binding(expr.value, scope)
            if binding is not None and binding.kind is BindingKind.ASSIGN:
                return self._binding_value(binding)
        return value

    def handoffs(self) -> List[Handoff]:
        """Every place a callable and its arguments are shipped to a child."""
        if self._handoffs is None:
            self._handoffs = [h for api in self.api_calls() for h in self._handoffs_of(api)]
        return self._handoffs

    def _handoffs_of(self, api: ApiCall) -> Iterator[Handoff]:
        call = api.site.node
        receiver = api.receiver
        if receiver is not None and api.method == "run_in_executor":
            arguments = [arg.value for arg in call.args[2:]]
            yield Handoff(api.site, receiver, Role.TASK, api.method, call_argument(call, 1, "func"), arguments)
            return
        if receiver is not None and receiver.kind is Kind.MANAGER_CLASS and api.method == "register":
            yield from self._register_handoff(api, receiver)
            return
        if receiver is not None and receiver.is_process_pool:
            methods = POOL_TASK_METHODS if receiver.kind is Kind.POOL else EXECUTOR_TASK_METHODS
            if api.method in methods:
                name = "fn" if receiver.kind is Kind.EXECUTOR else "func"
                target = call_argument(call, 0, name)
                arguments = _task_arguments(call, receiver, api.method)
                yield Handoff(api.site, receiver, Role.TASK, api.method, target, arguments)
            return
        kind = api.value.kind
        if kind is Kind.MAP_FUNCTION:
            wrapper = WRAPPERS[api.value.name]
            if self._runs_in_parallel(call, wrapper.parallel_keyword):
                pool = Value(wrapper.runs_on, api.value.family, name=api.value.name)
                arguments = [arg.value for arg in call.args[wrapper.arguments_from:] if arg.keyword is None]
                yield Handoff(api.site, pool, Role.TASK, wrapper.label, call_argument(call, 0, "function"), arguments)
        elif kind is Kind.DATALOADER_CLASS:
            loader = self.value_of(call, api.site.scope)
            if loader.kind is Kind.DATALOADER:
                for keyword, index in DATALOADER_HOOKS:
                    hook = call_argument(call, index, keyword)
                    if hook is not None:
                        label = f"DataLoader({keyword}=)"
                        yield Handoff(api.site, loader, Role.HOOK, "DataLoader", hook, [], label)
        elif kind is Kind.PROCESS_CLASS:
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

    @staticmethod
    def _runs_in_parallel(call: cst.Call, keyword: str) -> bool:
        """False when `keyword` (parmap's `pm_parallel=`) is given other than as True."""
        if not keyword:
            return True
        given = keyword_argument(call, keyword)
        return given is None or (isinstance(given, cst.Name) and given.value == "True")

    def _register_handoff(self, api: ApiCall, manager_class: Value) -> Iterator[Handoff]:
        """`Manager.register(typeid, callable=...)` of a manager class that is started
        here: `start()` pickles the registry to the server process under spawn."""
        target = call_argument(api.site.node, 1, "callable")
        if target is None:
            return
        for instance in self._started_managers():
            if instance.name == manager_class.name and instance.family is manager_class.family:
                yield Handoff(api.site, instance, Role.HOOK, "register", target, [], "register(callable=)")
                return

    def _started_managers(self) -> List[Value]:
        """Managers started in this module: `start()`ed or entered with `with`, also
        through a name bound to the manager or to None (`mgr = None` ... `mgr = M()`)."""
        cached: Optional[List[Value]] = self.derived.get("module.started_managers")
        if cached is not None:
            return cached
        found = [start.instance for start in self.process_starts() if start.instance.kind is Kind.MANAGER]
        for site in self.calls:
            func = site.node.func
            if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
                continue
            if func.attr.value != "start":
                continue
            values = set()
            for binding in self.lookup(func.value.value, site.scope) or []:
                if binding.kind is not BindingKind.ASSIGN:
                    values.add(UNKNOWN)
                elif not (isinstance(binding.expr, cst.Name) and binding.expr.value == "None"):
                    values.add(self._binding_value(binding))
            if len(values) == 1:
                value = values.pop()
                if value.kind is Kind.MANAGER:
                    found.append(value)
        self.derived["module.started_managers"] = found
        return found

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
            if isinstance(expr, cst.Call):
                factory = self.function_called(expr.func, scope)
                made = None if factory is None else returned_closure(factory)
                if made is not None:
                    return CallableKind.CLOSURE, made
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
                if kind is Kind.MAP_FUNCTION:
                    wrapper = WRAPPERS[api.value.name]
                    if self._runs_in_parallel(site.node, wrapper.parallel_keyword):
                        instance = Value(wrapper.runs_on, api.value.family, name=api.value.name)
                        starts.append(ProcessStart(site, site.node, instance))
                    continue
                receiver = api.receiver
                if receiver is not None and api.method == "run_in_executor":
                    executor = call_argument(site.node, 0, "executor")
                    constructor = None if executor is None else self.constructor_call(executor, site.scope)
                    starts.append(ProcessStart(site, constructor, receiver))
                    continue
                if receiver is None or not isinstance(site.node.func, cst.Attribute):
                    continue
                if (receiver.kind in (Kind.PROCESS, Kind.MANAGER) and api.method == "start") or (
                    receiver.kind is Kind.EXECUTOR and api.method in _EXECUTOR_STARTING_METHODS
                ):
                    constructor = self.constructor_call(site.node.func.value, site.scope)
                    starts.append(ProcessStart(site, constructor, receiver))
            starts += self._dataloader_starts()
            self._starts = starts
        return self._starts

    def _dataloader_starts(self) -> Iterator[ProcessStart]:
        """Iterating a DataLoader with workers starts them."""
        if not any(api.value.kind is Kind.DATALOADER_CLASS for api in self.api_calls()):
            return  # no DataLoader built in this module: nothing to look for
        seen: Set[int] = set()
        for iteration in self.iterations:
            expr = iteration.node
            candidates = [expr]
            if isinstance(expr, cst.Call):  # `enumerate(loader)`, `tqdm(loader)`
                candidates = [arg.value for arg in expr.args if arg.keyword is None and not arg.star]
            for candidate in candidates:
                if not isinstance(candidate, (cst.Name, cst.Attribute)):
                    continue
                if id(candidate) in seen:
                    continue  # `for b in enumerate(loader)`: the loop and enumerate()
                seen.add(id(candidate))
                value = self.value_of(candidate, iteration.scope)
                if value.kind is Kind.DATALOADER:
                    yield ProcessStart(iteration, self.constructor_call(candidate, iteration.scope), value)

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
        for _ in range(4):  # `for p in procs` -> `procs.append(p)` -> `p = Process(...)`
            if not isinstance(expr, cst.Name):
                break
            element = self._loop_element(expr.value, scope)
            if element is not None:
                expr, scope = element
                continue
            binding = self.object_binding(expr.value, scope)
            if binding is None:
                return None
            if binding.kind is BindingKind.ASSIGN and binding.unpack_index is None:
                if isinstance(binding.expr, cst.Call):
                    return binding.expr
            return None
        return expr if isinstance(expr, cst.Call) else None

    def _loop_element(self, name: str, scope: Scope) -> Optional[Tuple[cst.BaseExpression, Scope]]:
        """What builds the elements a loop variable takes, when every binding of
        `name` is a `for` over the same elements (`for p in procs: p.start()`,
        then `for p in procs: p.join()`)."""
        found: Optional[Tuple[cst.BaseExpression, Scope]] = None
        for binding in self.lookup(name, scope) or []:
            element = None if binding.iterates is None else self.element_of(binding.iterates, binding.scope)
            if element is None or (found is not None and found[0] is not element):
                return None
            found = (element, binding.scope)
        return found

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
