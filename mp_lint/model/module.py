"""The semantic model of one module: what it does with process APIs.

`mp_lint.model.build` fills it in one walk of the libcst tree (scopes,
bindings, functions, classes, call sites); `mp_lint.model.resolution`
resolves names and expressions lazily; this module adds the start method in
effect, the calls of catalogued APIs, the hand-offs of work to children,
the process starts and the call graph. The vocabulary (bindings, call
sites, hand-offs) is `mp_lint.model.scopes`, re-exported here.
"""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import (
    DATALOADER_HOOKS,
    EXECUTOR_TASK_METHODS,
    POOL_TASK_METHODS,
    START_METHODS,
    UNKNOWN,
    WRAPPERS,
    Kind,
    Value,
)
from mp_lint.model.factories import returned_closure
from mp_lint.model.resolution import UNSET, Resolution
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


#: Executor (and pathos pool) methods that start workers on first use.
_EXECUTOR_STARTING_METHODS = frozenset(
    {"submit", "map", "imap", "uimap", "amap", "pipe", "apipe"}
)


class ModuleModel(Resolution):
    """Everything the rules may ask about one module."""

    # ------------------------------------------------------- start methods
    def start_method_for(self, value: Value) -> str:
        """The start method that applies to objects of `value`'s context."""
        if value.start_method is not None:
            return value.start_method
        return self.file_start_method

    @property
    def file_start_method(self) -> str:
        """The option's start method, narrowed by a `set_start_method` in the file."""
        if self._file_start_method is UNSET:
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
